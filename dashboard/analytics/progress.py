"""Progress status of a goal: the CAGR-based method of the UN SDG progress assessments, as Open SDG's build tool
(sdg-build 2.4.0) implements it. See ../shared/reference/progress-methodology.md; the same inputs give the same
status and score.

Pure functions over annual points; nothing here knows about quarters, stores or pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, get_args

Status = Literal[
    "target_achieved",
    "substantial_progress",
    "moderate_progress",
    "limited_progress",
    "deterioration",
    "not_available",
]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS: dict[str, str] = {
    "target_achieved": "Target achieved",
    "substantial_progress": "Substantial progress",
    "moderate_progress": "Moderate progress",
    "limited_progress": "Limited progress",
    "deterioration": "Deterioration",
    "not_available": "Not available",
}
STATUS_COLOURS: dict[str, str] = {
    "target_achieved": "#1B5E20",
    "substantial_progress": "#388E3C",
    "moderate_progress": "#9A7B00",
    "limited_progress": "#C65D00",
    "deterioration": "#C62828",
    "not_available": "#767676",
}
"""Open SDG's gauge colours, each dark enough for 3:1 contrast on white (WCAG 1.4.11, for lines and marks): achieved
dark green, substantial green, moderate dark yellow, limited orange, deterioration red, not available grey. Always
shown with the label beside the colour."""
OFF_COURSE: frozenset[str] = frozenset({"limited_progress", "deterioration"})

ZERO_REPLACEMENT = 0.001
NO_TARGET_THRESHOLDS = (0.015, 0.005, 0.0)
TARGET_THRESHOLDS = (0.95, 0.6, 0.0)
LIMIT_EXPONENT = 4.44


@dataclass(frozen=True)
class SeriesResult:
    """Status and score of one series, with the workings behind them."""

    status: Status
    score: float | None
    progress_value: float | None
    base_year: int | None
    base_value: float | None
    current_year: int | None
    current_value: float | None
    sign: int
    cagr_observed: float | None = None
    cagr_required: float | None = None
    high: float | None = None
    med: float | None = None
    low: float | None = None
    coefficient: float | None = None
    target: float | None = None
    target_year: int | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


class Scored(Protocol):
    score: float | None
    status: str


@dataclass(frozen=True)
class AggregateResult:
    score: float | None
    status: Status

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def cagr(current: float, base: float, t_current: float, t_base: float) -> float | None:
    """Compound annual growth rate; None when it is not a real number (opposite signs) or the span is zero."""
    if t_current == t_base:
        return None
    ratio = current / base
    if ratio < 0:
        return None
    return ratio ** (1 / (t_current - t_base)) - 1


def limit_coefficient(base_value: float, limit: float) -> float:
    """C, which lowers the thresholds of a series without target as it nears a natural limit."""
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** LIMIT_EXPONENT
    return 1 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT


def _points(years: Sequence[int], values: Sequence[float | None]) -> list[tuple[int, float]]:
    if len(years) != len(values):
        raise ValueError("years and values must have the same length")
    points: dict[int, float] = {}
    for year, value in zip(years, values, strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        year = int(year)
        if year in points:
            raise ValueError(f"two values for {year}")
        points[year] = float(value)
    return sorted(points.items())


def _not_available(
    *,
    sign: int = 1,
    base_year: int | None = None,
    base_value: float | None = None,
    current_year: int | None = None,
    current_value: float | None = None,
    target: float | None = None,
    target_year: int | None = None,
) -> SeriesResult:
    """A series whose status cannot be judged, with what is known of it (the workings a result starts from)."""
    return SeriesResult(
        status="not_available",
        score=None,
        progress_value=None,
        base_year=base_year,
        base_value=base_value,
        current_year=current_year,
        current_value=current_value,
        sign=sign,
        target=target,
        target_year=target_year,
    )


def _achieved(current: float, target: float, direction: int) -> bool:
    return current >= target if direction > 0 else current <= target


def _status(progress: float, high: float, med: float, low: float) -> Status:
    if progress >= high:
        return "substantial_progress"
    if progress >= med:
        return "moderate_progress"
    if progress >= low:
        return "limited_progress"
    return "deterioration"


def _score_without_target(progress: float, high: float, med: float, coefficient: float) -> float:
    if progress < 0:
        return max(125 * progress - 2.5, -5.0)
    if coefficient == 0:
        return 5.0
    if progress >= high:
        return min(500 * progress / coefficient - 5, 5.0)
    if progress >= med:
        return 250 * progress / coefficient - 1.25
    return 500 * progress / coefficient - 2.5


def _score_with_target(progress: float) -> float:
    if progress >= 0.6:
        return min(7.1429 * progress - 4.2857, 5.0)
    return max(4.1667 * progress - 2.5, -5.0)


def assess_series(
    years: Sequence[int],
    values: Sequence[float | None],
    *,
    higher_is_better: bool,
    base_year: int,
    target_year: int | None = None,
    target: float | None = None,
    limit: float | None = None,
) -> SeriesResult:
    """Status and score of one series of annual points against its target (or its own trend without one).

    Missing values are dropped; two values for one year raise ``ValueError``. Without a point in ``base_year`` the
    first later year with data is the base. The current year is the latest year with data. ``limit`` only applies
    to series without a target.
    """
    points = _points(years, values)
    direction = 1 if higher_is_better else -1
    later = [(year, value) for year, value in points if year >= base_year]
    if not later:
        return _not_available(target=target, target_year=target_year)
    (base_y, base_v), (current_y, current_v) = later[0], later[-1]
    if base_v == 0:
        base_v = ZERO_REPLACEMENT
    sign = -1 if base_v < 0 else 1
    target_v = ZERO_REPLACEMENT if target == 0 else target
    known = _not_available(
        sign=sign,
        base_year=base_y,
        base_value=base_v,
        current_year=current_y,
        current_value=current_v,
        target=target_v,
        target_year=target_year,
    )
    observed = cagr(current_v, base_v, current_y, base_y)
    achieved = target_v is not None and _achieved(current_v, target_v, direction)

    if target_v is None:
        coefficient = limit_coefficient(base_v, limit) if limit is not None else 1.0
        high, med, low = (
            NO_TARGET_THRESHOLDS[0] * coefficient,
            NO_TARGET_THRESHOLDS[1] * coefficient,
            NO_TARGET_THRESHOLDS[2],
        )
        if observed is None:
            return known
        progress = sign * direction * observed
        return replace(
            known,
            status=_status(progress, high, med, low),
            score=_score_without_target(progress, high, med, coefficient),
            progress_value=progress,
            cagr_observed=observed,
            high=high,
            med=med,
            low=low,
            coefficient=coefficient,
        )

    if target_year is None:
        raise ValueError("a target needs a target year")
    high, med, low = TARGET_THRESHOLDS
    required = cagr(target_v, base_v, target_year, base_y)
    progress = None
    if observed is not None and required not in (None, 0):
        progress = sign * direction * observed / abs(required)
    workings = replace(known, cagr_observed=observed, cagr_required=required)
    status: Status
    if achieved:
        status, score = "target_achieved", 5.0
    elif progress is None:
        return workings
    else:
        status, score = _status(progress, high, med, low), _score_with_target(progress)
    return replace(workings, status=status, score=score, progress_value=progress, high=high, med=med, low=low)


def status_of_score(score: float) -> Status:
    """The status a combined score stands for."""
    if score >= 2.5:
        return "substantial_progress"
    if score >= 0:
        return "moderate_progress"
    if score >= -2.5:
        return "limited_progress"
    return "deterioration"


def aggregate(results: Iterable[Scored]) -> AggregateResult:
    """Combined score (mean of the scored series) and status of several series.

    ``target_achieved`` only when every scored series met its target; ``not_available`` when none has a score.
    Nested groups are the caller's: aggregate each group first and pass the group results.
    """
    scored = [(r.status, r.score) for r in results if r.score is not None and r.score == r.score]  # NaN is no score
    if not scored:
        return AggregateResult(score=None, status="not_available")
    score = sum(float(value) for _, value in scored) / len(scored)
    if all(status == "target_achieved" for status, _ in scored):
        return AggregateResult(score=score, status="target_achieved")
    return AggregateResult(score=score, status=status_of_score(score))
