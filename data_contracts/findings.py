"""Plain findings: what is wrong, where in the file, and what to do — the raw material of every error report.

A :class:`Finding` names the row as the user sees it in the file (the header is row 1, the first data row is row 2),
the column, the offending value, the rule and a message a program officer understands. Every caller (contracts,
uploads, command line, app) reports problems as findings, so reports look the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd
import pandera.pandas as pa

Severity = Literal["error", "warning"]

HEADER_ROW = 1
FINDING_COLUMNS = ("row", "column", "value", "rule", "message", "severity")


@dataclass(frozen=True)
class Finding:
    """One problem in one place of a file."""

    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


MessageFn = Callable[[pd.Series], str]


@dataclass(frozen=True)
class Rule:
    """A named rule: the column a failure is reported against and how to explain a failing row."""

    id: str
    column: str | None
    message: MessageFn


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row per finding), ready to show or to download as CSV."""
    rows = [f.as_dict() for f in findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def summarise_findings(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings counted by severity and rule, most frequent first."""
    frame = findings_frame(findings)
    if frame.empty:
        return pd.DataFrame({"severity": [], "rule": [], "findings": []})
    counts = frame.groupby(["severity", "rule"], sort=False).size().rename("findings").reset_index()
    return counts.sort_values(["severity", "findings"], ascending=[True, False], ignore_index=True)


def display_value(value: object) -> str | None:
    """A cell value as the user would recognise it in the file."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_number(index_label: object, row_numbers: Mapping[object, int] | None) -> int | None:
    """The file row of a frame row: from ``row_numbers`` when given, else position + 2 (header is row 1)."""
    if index_label is None:
        return None
    if row_numbers is not None:
        return row_numbers.get(index_label)
    return int(index_label) + HEADER_ROW + 1


def findings_from_schema_errors(
    errors: pa.errors.SchemaErrors,
    frame: pd.DataFrame,
    rules: Mapping[str, Rule],
    *,
    row_numbers: Mapping[object, int] | None = None,
) -> list[Finding]:
    """Turn pandera's failure cases into findings, one per failing row and rule, in file order.

    ``frame`` is the frame that was validated (to read the offending row); ``rules`` maps check names to rules;
    ``row_numbers`` maps frame index labels to file rows when they are not position + 2 (Excel, skipped rows).
    A failure whose check is not a named rule is still reported, with pandera's own words.
    """
    cases = errors.failure_cases
    findings: list[Finding] = []
    seen: set[tuple[object, str]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        index = None if pd.isna(case.index) else case.index
        key = (index, check)
        if key in seen:
            continue
        seen.add(key)
        rule = rules.get(check)
        if index is None or index not in frame.index:
            column = str(case.column) if rule is None or rule.column is None else rule.column
            findings.append(
                Finding(
                    row=HEADER_ROW if index is None else None,
                    column=column,
                    value=display_value(case.failure_case),
                    rule=rule.id if rule else check,
                    message=rule.message(pd.Series(dtype=object)) if rule else f"Failed check {check}.",
                )
            )
            continue
        row = frame.loc[index]
        column = rule.column if rule and rule.column else str(case.column)
        value = row[column] if column in row.index else case.failure_case
        findings.append(
            Finding(
                row=row_number(index, row_numbers),
                column=column,
                value=display_value(value),
                rule=rule.id if rule else check,
                message=rule.message(row) if rule else f"Failed check {check}.",
            )
        )
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in file order: by row (header first), then column."""
    return sorted(findings, key=lambda f: (f.row if f.row is not None else 0, f.column or "", f.rule))
