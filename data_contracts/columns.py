"""From a raw table (every cell as read from a file) to a typed frame, with findings for what cannot be read.

Header names are matched case-insensitively with surrounding spaces trimmed. Unknown columns and missing columns
are findings against the header row; cells that cannot be read as their column's type are findings against their
row. Cells that fail are left empty so the contract's row rules can still check everything else at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from data_contracts.findings import HEADER_ROW, Finding, display_value, row_number
from data_contracts.vocabularies import TOTAL

ColumnKind = Literal["text", "integer", "number", "date"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a contract: its name, type, whether the column and its cells are required."""

    name: str
    kind: ColumnKind
    required_column: bool = True
    required_value: bool = True
    default: str | None = None
    """Value of every cell when the (optional) column is absent."""
    description: str = ""


@dataclass(frozen=True)
class PreparedFrame:
    frame: pd.DataFrame
    findings: list[Finding]
    readable: bool
    """False when a required column is missing, so rows cannot be checked."""


def normalise_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def _is_blank(series: pd.Series) -> pd.Series:
    as_text = series.astype("string")
    return series.isna() | as_text.str.strip().eq("").fillna(True)


def prepare_frame(
    raw: pd.DataFrame,
    specs: Sequence[ColumnSpec],
    *,
    what: str,
    row_numbers: Mapping[object, int] | None = None,
) -> PreparedFrame:
    """Match headers, report unknown and missing columns, and read every cell as its column's type.

    ``what`` names the file kind in messages ("workforce file"). The result has exactly the columns of ``specs``.
    """
    findings: list[Finding] = []
    by_name = {spec.name: spec for spec in specs}
    keep: list[int] = []
    names: list[str] = []
    seen: dict[str, object] = {}
    for position, original in enumerate(raw.columns):
        name = normalise_header(original)
        if name in seen:
            findings.append(
                Finding(
                    HEADER_ROW,
                    name,
                    str(original),
                    "duplicate_column",
                    f"The column {name!r} appears twice in the header; keep one.",
                )
            )
            continue
        seen[name] = original
        if name not in by_name:
            expected = ", ".join(spec.name for spec in specs)
            findings.append(
                Finding(
                    HEADER_ROW,
                    str(original),
                    str(original),
                    "unknown_column",
                    f"The column {str(original)!r} is not part of a {what}. Remove it, or rename it to one of: "
                    f"{expected}.",
                )
            )
            continue
        keep.append(position)
        names.append(name)
    frame = raw.iloc[:, keep].copy()  # by position: two headers may read the same ("value" and "Value")
    frame.columns = names
    readable = True
    for spec in specs:
        if spec.name not in frame.columns:
            if spec.required_column:
                readable = False
                findings.append(
                    Finding(
                        HEADER_ROW,
                        spec.name,
                        None,
                        "missing_column",
                        f"The {what} has no {spec.name!r} column. Add it to the header (row 1).",
                    )
                )
            else:
                frame[spec.name] = spec.default if spec.default is not None else pd.NA
    if not readable:
        return PreparedFrame(frame=pd.DataFrame(columns=[s.name for s in specs]), findings=findings, readable=False)

    typed: dict[str, pd.Series] = {}
    for spec in specs:
        column, cell_findings = _read_column(frame[spec.name], spec, row_numbers)
        typed[spec.name] = column
        findings.extend(cell_findings)
    result = pd.DataFrame(typed, index=frame.index)
    return PreparedFrame(frame=result, findings=findings, readable=True)


def _read_column(
    series: pd.Series, spec: ColumnSpec, row_numbers: Mapping[object, int] | None
) -> tuple[pd.Series, list[Finding]]:
    findings: list[Finding] = []
    blank = _is_blank(series)
    if spec.kind == "text":
        values = series.astype("string").str.strip()
        values = values.mask(blank, pd.NA)
        parsed = values.astype("string")
        bad = pd.Series(False, index=series.index)
    elif spec.kind in ("integer", "number"):
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            numbers = pd.to_numeric(series, errors="coerce").astype("float64")
        else:
            numbers = pd.to_numeric(series.astype("string").str.strip(), errors="coerce").astype("float64")
        bad = ~blank & numbers.isna()
        if spec.kind == "integer":
            finite = np.isfinite(numbers.to_numpy(dtype="float64", na_value=np.nan))
            fractional = pd.Series(finite, index=series.index) & (numbers % 1 != 0)
            for index in series.index[fractional.fillna(False)]:
                findings.append(
                    Finding(
                        row_number(index, row_numbers),
                        spec.name,
                        display_value(series[index]),
                        "not_a_whole_number",
                        f"{spec.name} must be a whole number, such as 2024; found {display_value(series[index])!r}.",
                    )
                )
            infinite = pd.Series(~finite, index=series.index) & numbers.notna()
            bad = bad | infinite
            numbers = numbers.mask(fractional.fillna(False) | infinite)
            parsed = numbers.round().astype("Int64")
        else:
            parsed = numbers
    else:  # date
        text = series.astype("string").str.strip()
        dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = ~blank & dates.isna()
        parsed = dates.dt.date.astype(object).where(dates.notna(), None)
    kind_text = {
        "integer": "a whole number",
        "number": "a plain number (digits, an optional minus sign and a decimal point, no units or separators)",
        "date": "a date written YYYY-MM-DD",
        "text": "text",
    }[spec.kind]
    for index in series.index[bad.fillna(False)]:
        findings.append(
            Finding(
                row_number(index, row_numbers),
                spec.name,
                display_value(series[index]),
                "not_a_number" if spec.kind in ("integer", "number") else "not_a_date",
                f"{spec.name} must be {kind_text}; found {display_value(series[index])!r}.",
            )
        )
    if spec.required_value:
        for index in series.index[blank]:
            findings.append(
                Finding(
                    row_number(index, row_numbers),
                    spec.name,
                    "",
                    "missing_value",
                    f"{spec.name} is empty; every row needs a {spec.name}.",
                )
            )
    return parsed, findings


def breakdown_specs(series: str) -> tuple[ColumnSpec, ColumnSpec]:
    """The optional ``dimension``/``category`` pair; a blank pair (or absent columns) means total."""
    return (
        ColumnSpec(
            "dimension",
            "text",
            required_column=False,
            required_value=False,
            default=TOTAL,
            description=f"Breakdown dimension of {series}; blank (with a blank category) means total.",
        ),
        ColumnSpec(
            "category",
            "text",
            required_column=False,
            required_value=False,
            default=TOTAL,
            description=f"Category within the dimension of {series}; blank (with a blank dimension) means total.",
        ),
    )
