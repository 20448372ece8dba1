"""Direct and subcontracted workers: one partnership's headline workforce indicator split by employment type for one
quarter, with the change since the quarter before, and the words that headline it ("369 direct · 451 subcontracted
(55.0% subcontracted)")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from data_contracts import DATASET_INFO, DIMENSIONS, INDICATORS
from data_contracts.quarters import Quarter
from data_contracts.units import format_value

EMPLOYMENT_TYPE = "employment_type"
DIRECT, SUBCONTRACTED = tuple(DIMENSIONS[EMPLOYMENT_TYPE].categories)
"""The two categories of the employment-type vocabulary: ``direct`` (the partners' own employees) and
``subcontractor`` (workers of subcontractors and agencies)."""


@dataclass(frozen=True)
class EmploymentSplit:
    """An indicator's direct and subcontracted values in ``period``, and in the quarter before when that quarter
    reports the split too (``previous_*`` None otherwise)."""

    partnership_id: str
    indicator_id: str
    period: Quarter
    direct: float
    subcontracted: float
    previous_direct: float | None = None
    previous_subcontracted: float | None = None

    @property
    def previous_period(self) -> Quarter:
        return Quarter.from_number(self.period.number - 1)

    @property
    def has_previous(self) -> bool:
        return self.previous_direct is not None and self.previous_subcontracted is not None

    @property
    def subcontracted_share(self) -> float | None:
        """Subcontracted as a percentage of direct plus subcontracted; None when both are zero."""
        return _share(self.direct, self.subcontracted)

    @property
    def previous_subcontracted_share(self) -> float | None:
        if not self.has_previous:
            return None
        return _share(float(self.previous_direct), float(self.previous_subcontracted))  # type: ignore[arg-type]

    @property
    def direct_change(self) -> float | None:
        return None if self.previous_direct is None else self.direct - self.previous_direct

    @property
    def subcontracted_change(self) -> float | None:
        return None if self.previous_subcontracted is None else self.subcontracted - self.previous_subcontracted

    @property
    def share_change(self) -> float | None:
        """The change of the subcontracted share in percentage points; None when either share is undefined."""
        now, before = self.subcontracted_share, self.previous_subcontracted_share
        return None if now is None or before is None else now - before


def _share(direct: float, subcontracted: float) -> float | None:
    total = direct + subcontracted
    return None if total <= 0 else subcontracted / total * 100


def headline_workforce_indicator() -> str:
    """The workforce dataset's headline indicator (``headline_indicator`` of the catalog): headcount."""
    return DATASET_INFO["workforce"].headline_indicator


def _split_of(part: pd.DataFrame, number: int) -> tuple[float, float] | None:
    """(direct, subcontracted) of the quarter ``number``; None unless both categories are reported in it."""
    quarter = part[part["_number"] == number]
    values = dict(zip(quarter["category"], quarter["value"], strict=True))
    direct, subcontracted = values.get(DIRECT), values.get(SUBCONTRACTED)
    if direct is None or subcontracted is None or math.isnan(direct) or math.isnan(subcontracted):
        return None
    return float(direct), float(subcontracted)


def employment_split(
    rows: pd.DataFrame,
    partnership_id: str,
    *,
    indicator_id: str | None = None,
    period: Quarter | None = None,
) -> EmploymentSplit | None:
    """The direct and subcontracted values of one partnership's indicator (the workforce headline by default).

    ``rows`` are indicator rows (``partnership_id, year, quarter, indicator_id, dimension, category, value``) of any
    partnerships; only ``partnership_id``'s count. ``period`` defaults to the latest quarter that reports both
    categories. None when the indicator has no employment-type breakdown in the catalog, or the partnership does not
    report both categories in that quarter: the headline is shown only where the split is known."""
    indicator_id = indicator_id or headline_workforce_indicator()
    indicator = INDICATORS.get(indicator_id)
    if indicator is None or EMPLOYMENT_TYPE not in indicator.breakdowns or rows.empty:
        return None
    part = rows[
        (rows["partnership_id"] == partnership_id)
        & (rows["indicator_id"] == indicator_id)
        & (rows["dimension"] == EMPLOYMENT_TYPE)
        & rows["category"].isin([DIRECT, SUBCONTRACTED])
    ]
    if part.empty:
        return None
    part = part.assign(
        _number=part["year"].astype("int64") * 4 + part["quarter"].astype("int64") - 1,
        value=pd.to_numeric(part["value"], errors="coerce").astype("float64"),
    )
    if period is None:
        complete = part.groupby("_number")["category"].nunique()
        complete = complete[complete == 2].index
        if len(complete) == 0:
            return None
        number = int(max(complete))
    else:
        number = Quarter(*period).number
    now = _split_of(part, number)
    if now is None:
        return None
    before = _split_of(part, number - 1)
    return EmploymentSplit(
        partnership_id=partnership_id,
        indicator_id=indicator_id,
        period=Quarter.from_number(number),
        direct=now[0],
        subcontracted=now[1],
        previous_direct=None if before is None else before[0],
        previous_subcontracted=None if before is None else before[1],
    )


def employment_split_text(split: EmploymentSplit) -> str:
    """One line: ``"369 direct · 451 subcontracted (55.0% subcontracted)"``."""
    unit = INDICATORS[split.indicator_id].unit
    share = split.subcontracted_share
    line = f"{format_value(split.direct, unit)} direct · {format_value(split.subcontracted, unit)} subcontracted"
    return line if share is None else f"{line} ({format_value(share, 'percent')} subcontracted)"


def change_text(change: float | None, unit: str, previous: Quarter) -> str | None:
    """A change against the quarter before as a signed text for ``st.metric``'s delta: ``"+12 vs 2026 Q2"``,
    ``"-3.5 points vs 2026 Q2"`` for shares; None when there is nothing to compare with."""
    if change is None:
        return None
    if unit == "points":
        amount = f"{change:+.1f} points"
    else:
        amount = ("+" if change >= 0 else "-") + format_value(abs(change), unit)
    return f"{amount} vs {previous.label}"


def employment_split_caption(split: EmploymentSplit) -> str:
    """What the figures are, and what they are compared with."""
    indicator = INDICATORS[split.indicator_id]
    text = (
        f"{employment_split_text(split)}: {indicator.short_name.lower()} in {split.period.label} by employment type "
        f"({DIMENSIONS[EMPLOYMENT_TYPE].category_label(DIRECT).lower()} and workers of subcontractors)."
    )
    if split.has_previous:
        return f"{text} Changes are against {split.previous_period.label}."
    return f"{text} {split.previous_period.label} has no split by employment type to compare with."
