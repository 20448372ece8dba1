"""A contract rule declared once: its id, the column it is reported against, its vectorised check, its message and
its severity; the pandera models and schemas made of a table's columns and rules; and the findings of the rows that
fail them.

A rule's check is one of three: a check of one column's values, a check of whole rows (given the frame), or a check
made from the context of a validation (the clock, the known partnerships). A rule with no check is found while the
file is read (a missing value) and only explains itself.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts.column_specs import ColumnSpec
from data_contracts.findings import HEADER_ROW, Finding, Severity, display_value, row_number, sort_findings

MessageFn = Callable[[Mapping[str, object]], str]
"""Explains a failing row, given as a mapping of column name to value."""
FrameCheck = Callable[[pd.DataFrame], pd.Series]
"""A vectorised check of whole rows: True for every row of the frame that passes."""
ColumnCheck = Callable[[pd.Series], pd.Series]
"""A vectorised check of one column: True for every cell that passes."""


@dataclass(frozen=True)
class RuleContext:
    """What the checks of some rules depend on: today's date, the partnerships and goals known to the store. A rule
    whose part of the context is ``None`` is not checked (the caller checks it elsewhere, or it does not apply)."""

    today: date | None = None
    partnership_ids: Collection[str] | None = None
    goal_partnerships: Mapping[str, str] | None = None
    """Every known goal id and the partnership it belongs to (checks of the goals a milestone links)."""


ContextCheck = Callable[[RuleContext], FrameCheck | None]
"""Makes a rule's check from the context of a validation; ``None`` when the context leaves the rule unchecked."""


@dataclass(frozen=True)
class Rule:
    """A named rule: the column a failure is reported against, how rows are checked and how a failing row is
    explained. At most one of ``column_check``, ``frame_check`` and ``context_check`` is given."""

    id: str
    column: str | None
    message: MessageFn
    column_check: ColumnCheck | None = None
    """Checks the values of ``column``."""
    frame_check: FrameCheck | None = None
    """Checks whole rows."""
    context_check: ContextCheck | None = None
    """Makes a check of whole rows from the context of a validation."""
    severity: Severity = "error"


def _method(check: Callable[[object], pd.Series]) -> Callable[[type, object], pd.Series]:
    """``check`` as the method pandera calls on a model class."""

    def method(cls: type, data: object) -> pd.Series:
        return check(data)

    return method


def contract_model(
    name: str,
    doc: str,
    *,
    columns: Sequence[ColumnSpec] = (),
    rules: Iterable[Rule] = (),
    base: type[pa.DataFrameModel] = pa.DataFrameModel,
) -> type[pa.DataFrameModel]:
    """A pandera model named ``name``: ``base`` with a nullable field for each of ``columns`` (typed as checked,
    coerced, no other column allowed) and a named check for each rule with a column or frame check.

    Every model gets its own copy of the checks: pandera loses the names of checks inherited by more than one
    subclass.
    """
    namespace: dict[str, object] = {"__module__": __name__, "__doc__": doc, "__annotations__": {}}
    for spec in columns:
        namespace["__annotations__"][spec.name] = Series[spec.types.checked]
        namespace[spec.name] = pa.Field(nullable=True, title=spec.title)
    if columns:
        namespace["Config"] = type("Config", (), {"strict": True, "coerce": True})
    for rule in rules:
        if rule.column_check is not None:
            namespace[f"_{rule.id}"] = pa.check(rule.column, name=rule.id)(_method(rule.column_check))
        elif rule.frame_check is not None:
            namespace[f"_{rule.id}"] = pa.dataframe_check(name=rule.id)(_method(rule.frame_check))
    return type(name, (base,), namespace)


def schema_in_context(
    model: type[pa.DataFrameModel], rules: Iterable[Rule], context: RuleContext
) -> pa.DataFrameSchema:
    """The model's schema (a copy) with the checks the rules make from ``context``."""
    schema = copy.copy(model.to_schema())
    made = [(rule.id, rule.context_check(context)) for rule in rules if rule.context_check is not None]
    schema.checks = [*schema.checks, *(pa.Check(check, name=rule_id) for rule_id, check in made if check is not None)]
    return schema


MAX_ROWS_PER_RULE = 1_000
"""Rows named per rule in a report; the rest are counted in one finding. A file within the upload limits whose every
row breaks several rules would otherwise make millions of findings, gigabytes of memory and an unreadable report."""


def _first_in_file_order(cases: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The failure cases of the first :data:`MAX_ROWS_PER_RULE` failing rows, in the frame's order."""
    positions = index.get_indexer(pd.Index(cases["key"]))
    return cases.iloc[positions.argsort(kind="stable")[:MAX_ROWS_PER_RULE]]


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
    cases = errors.failure_cases[["check", "column", "failure_case", "index"]].copy()
    cases["check"] = cases["check"].astype(str)
    cases["key"] = cases["index"].astype(object).where(cases["index"].notna(), None)
    cases = cases.drop_duplicates(subset=["key", "check"])
    findings: list[Finding] = []
    for check, group in cases.groupby("check", sort=False):
        rule = rules.get(str(check))
        rule_id = rule.id if rule else str(check)
        in_frame = group["key"].map(lambda k: k is not None and k in frame.index).astype(bool)
        for case in group[~in_frame].itertuples(index=False):
            column = str(case.column) if rule is None or rule.column is None else rule.column
            findings.append(
                Finding(
                    row=HEADER_ROW if case.key is None else None,
                    column=column,
                    value=display_value(case.failure_case),
                    rule=rule_id,
                    message=rule.message(pd.Series(dtype=object)) if rule else f"Failed check {check}.",
                    severity=rule.severity if rule else "error",
                )
            )
        located = group[in_frame]
        if located.empty:
            continue
        if len(located) > MAX_ROWS_PER_RULE:  # name the first rows; count the rest in one finding
            located = _first_in_file_order(located, frame.index)
            more = len(group[in_frame]) - MAX_ROWS_PER_RULE
            findings.append(
                Finding(
                    row=None,
                    column=rule.column if rule and rule.column else None,
                    value=None,
                    rule=rule_id,
                    message=f"{more:,} more rows break this rule besides the {MAX_ROWS_PER_RULE:,} listed. "
                    + (rule.message(pd.Series(dtype=object)) if rule else f"Failed check {check}."),
                    severity=rule.severity if rule else "error",
                )
            )
        # one lookup for all failing rows of this rule: rows as plain dicts are fast to read and to explain
        labels = list(located["key"])
        records = frame.loc[labels].to_dict("records")
        for label, record, case_column, failure in zip(
            labels, records, located["column"], located["failure_case"], strict=True
        ):
            column = rule.column if rule and rule.column else str(case_column)
            value = record.get(column, failure)
            findings.append(
                Finding(
                    row=row_number(label, row_numbers),
                    column=column,
                    value=display_value(value),
                    rule=rule_id,
                    message=rule.message(record) if rule else f"Failed check {check}.",
                    severity=rule.severity if rule else "error",
                )
            )
    return sort_findings(findings)
