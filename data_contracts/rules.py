"""A contract rule declared once: its id, the column it is reported against, its vectorised check, its message and
its severity; and the pandera models and schemas made of a table's columns and rules.

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
from data_contracts.findings import Severity

MessageFn = Callable[[Mapping[str, object]], str]
"""Explains a failing row, given as a mapping of column name to value."""
FrameCheck = Callable[[pd.DataFrame], pd.Series]
"""A vectorised check of whole rows: True for every row of the frame that passes."""
ColumnCheck = Callable[[pd.Series], pd.Series]
"""A vectorised check of one column: True for every cell that passes."""


@dataclass(frozen=True)
class RuleContext:
    """What the checks of some rules depend on: today's date and the partnerships known to the store. A rule whose
    part of the context is ``None`` is not checked (the caller checks it elsewhere, or it does not apply)."""

    today: date | None = None
    partnership_ids: Collection[str] | None = None


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
