"""Every goal's progress: its annual series (by the indicator's year rule, complete years only), assessed with the
SDG progress method, with what growth is needed from now on and where the observed trend leads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.annual import annual_series, annual_table
from dashboard.analytics.progress import (
    OFF_COURSE,
    STATUS_LABELS,
    TARGET_THRESHOLDS,
    ZERO_REPLACEMENT,
    SeriesResult,
    assess_series,
    status_of_score,
)
from data_contracts import INDICATORS

GOAL_RESULT_COLUMNS = [
    "goal_id",
    "partnership_id",
    "indicator_id",
    "dimension",
    "category",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "higher_is_better",
    "status",
    "status_label",
    "score",
    "progress_value",
    "base_year_used",
    "base_value_used",
    "current_year",
    "current_value",
    "cagr_observed",
    "cagr_required",
    "growth_needed",
    "projection",
    "annual_points",
    "off_course",
]


@dataclass(frozen=True)
class GoalPath:
    """Where one goal's path runs: from its base to its target, where it stands (the latest complete year) and where
    the observed pace leads by the target year. What a goal's chart draws and its table lists."""

    base_year: int
    base_value: float
    target_year: int
    target_value: float
    current_year: int | None = None
    current_value: float | None = None
    projection: float | None = None


def goal_points(goal: pd.Series, frame: pd.DataFrame) -> pd.DataFrame:
    """The goal's annual points: complete years of its series, plus the recorded baseline where data lacks it."""
    series = annual_series(frame, goal["indicator_id"], dimension=goal["dimension"], category=goal["category"])
    series = series[series["partnership_id"] == goal["partnership_id"]][["year", "value"]]
    if int(goal["baseline_year"]) not in set(series["year"]):
        baseline = pd.DataFrame({"year": [int(goal["baseline_year"])], "value": [float(goal["baseline_value"])]})
        series = pd.concat([baseline, series], ignore_index=True)
    return series.sort_values("year", ignore_index=True)


def growth_needed(current: float | None, target: float, current_year: int | None, target_year: int) -> float | None:
    """Annual growth needed from the current value to reach the target by the target year (None when undefined)."""
    if current is None or current_year is None or target_year <= current_year:
        return None
    if current <= 0 or target <= 0:
        return None
    return (target / current) ** (1 / (target_year - current_year)) - 1


def projection(result: SeriesResult, target_year: int) -> float | None:
    """Where the observed annual growth leads by the target year."""
    if result.cagr_observed is None or result.current_value is None or result.current_year is None:
        return None
    return result.current_value * (1 + result.cagr_observed) ** (target_year - result.current_year)


def evaluate_goal(goal: pd.Series, frame: pd.DataFrame) -> tuple[SeriesResult, pd.DataFrame]:
    """The progress result of one goal and the annual points it was computed from."""
    points = goal_points(goal, frame)
    result = assess_series(
        points["year"].tolist(),
        points["value"].tolist(),
        higher_is_better=INDICATORS[goal["indicator_id"]].higher_is_better,
        base_year=int(goal["baseline_year"]),
        target_year=int(goal["target_year"]),
        target=float(goal["target_value"]),
    )
    return result, points


def _goal_row(goal: pd.Series, result: SeriesResult, points: pd.DataFrame) -> dict[str, object]:
    needed = None
    if result.status != "target_achieved":
        needed = growth_needed(
            result.current_value, float(goal["target_value"]), result.current_year, int(goal["target_year"])
        )
    return {
        **{c: goal[c] for c in GOAL_RESULT_COLUMNS[:9]},
        "higher_is_better": INDICATORS[goal["indicator_id"]].higher_is_better,
        "status": result.status,
        "status_label": STATUS_LABELS[result.status],
        "score": result.score,
        "progress_value": result.progress_value,
        "base_year_used": result.base_year,
        "base_value_used": result.base_value,
        "current_year": result.current_year,
        "current_value": result.current_value,
        "cagr_observed": result.cagr_observed,
        "cagr_required": result.cagr_required,
        "growth_needed": needed,
        "projection": projection(result, int(goal["target_year"])),
        "annual_points": len(points),
        "off_course": result.status in OFF_COURSE,
    }


def _power(base: np.ndarray, exponent: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``base ** exponent`` where asked (NaN elsewhere) with Python floats: numpy's vectorised power can differ from
    the C library's in the last bit, and the one-goal path uses Python's."""
    out = np.full(base.shape, np.nan)
    at = np.flatnonzero(where)
    out[at] = [b**e for b, e in zip(base[at].tolist(), exponent[at].tolist(), strict=True)]
    return out


def _cagr(current: np.ndarray, base: np.ndarray, t_current: np.ndarray, t_base: np.ndarray) -> np.ndarray:
    """:func:`dashboard.analytics.progress.cagr` element-wise; NaN where it gives None."""
    span = t_current - t_base
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = current / base
        exponent = 1 / np.where(span == 0, 1, span)
    return _power(ratio, exponent, (span != 0) & (ratio >= 0)) - 1


def _optional(values: np.ndarray, present: np.ndarray) -> list[object]:
    """Python floats where ``present``, None elsewhere (what the one-goal path puts in a row)."""
    return [float(v) if p else None for v, p in zip(values.tolist(), present.tolist(), strict=True)]


def _evaluate_vectorised(goals: pd.DataFrame, frame: pd.DataFrame) -> dict[str, list[object]]:
    """The columns of :func:`evaluate_goals` for goals with every baseline and target field present: the annual
    points of every goal's series computed at once (one pivot), the progress method applied to all goals at once.
    The same arithmetic as :func:`~dashboard.analytics.progress.assess_series`, in the same order, so the same
    numbers."""
    n = len(goals)
    keys = goals[["partnership_id", "indicator_id", "dimension", "category"]].astype(object).reset_index(drop=True)
    annual = annual_table(frame, keys)
    points = annual.astype({c: object for c in keys.columns}).merge(
        keys.assign(_goal=np.arange(n)), on=list(keys.columns), how="inner"
    )
    goal_of = points["_goal"].to_numpy(dtype=np.int64)
    year = points["year"].to_numpy(dtype=np.int64)
    value = points["value"].to_numpy(dtype="float64")
    base_year = goals["baseline_year"].to_numpy(dtype=np.int64)
    target_year = goals["target_year"].to_numpy(dtype=np.int64)
    baseline = goals["baseline_value"].to_numpy(dtype="float64")
    target = goals["target_value"].to_numpy(dtype="float64")

    counted = np.bincount(goal_of, minlength=n)
    at_base = year == base_year[goal_of]
    has_base = np.zeros(n, dtype=bool)
    has_base[goal_of[at_base]] = True
    base_value = baseline.copy()
    base_value[goal_of[at_base]] = value[at_base]
    annual_points = counted + ~has_base
    # the current point: the latest year from the base year on (the base itself when there is none later)
    later = np.flatnonzero(year >= base_year[goal_of])
    order = later[np.lexsort((year[later], goal_of[later]))]
    current_year = base_year.copy()
    current_value = base_value.copy()
    if order.size:
        last = np.flatnonzero(np.r_[goal_of[order][1:] != goal_of[order][:-1], True])
        current_year[goal_of[order[last]]] = year[order[last]]
        current_value[goal_of[order[last]]] = value[order[last]]

    higher = np.array([INDICATORS[i].higher_is_better for i in keys["indicator_id"]], dtype=bool)
    direction = np.where(higher, 1, -1)
    base_value = np.where(base_value == 0, ZERO_REPLACEMENT, base_value)
    sign = np.where(base_value < 0, -1, 1)
    target_v = np.where(target == 0, ZERO_REPLACEMENT, target)
    observed = _cagr(current_value, base_value, current_year, base_year)
    required = _cagr(target_v, base_value, target_year, base_year)
    achieved = np.where(higher, current_value >= target_v, current_value <= target_v)
    has_progress = ~np.isnan(observed) & ~np.isnan(required) & (required != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = (sign * direction) * observed / np.abs(required)
    high, med, low = TARGET_THRESHOLDS
    status = np.select(
        [achieved, ~has_progress, progress >= high, progress >= med, progress >= low],
        ["target_achieved", "not_available", "substantial_progress", "moderate_progress", "limited_progress"],
        "deterioration",
    ).astype(object)
    with np.errstate(invalid="ignore"):
        score = np.where(
            achieved,
            5.0,
            np.where(
                progress >= 0.6, np.minimum(7.1429 * progress - 4.2857, 5.0), np.maximum(4.1667 * progress - 2.5, -5.0)
            ),
        )
    scored = achieved | has_progress
    not_achieved = status != "target_achieved"
    span = target_year - current_year
    has_needed = not_achieved & (span > 0) & (current_value > 0) & (target > 0)
    has_observed = ~np.isnan(observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = _power(target / current_value, 1 / np.where(span > 0, span, 1), has_needed) - 1
    projected = current_value * _power(1 + observed, span, has_observed)
    return {
        **{c: goals[c].tolist() for c in GOAL_RESULT_COLUMNS[:9]},
        "higher_is_better": higher.tolist(),
        "status": status.tolist(),
        "status_label": [STATUS_LABELS[s] for s in status],
        "score": _optional(score, scored),
        "progress_value": _optional(progress, has_progress),
        "base_year_used": base_year.tolist(),
        "base_value_used": base_value.tolist(),
        "current_year": current_year.tolist(),
        "current_value": current_value.tolist(),
        "cagr_observed": _optional(observed, has_observed),
        "cagr_required": _optional(required, ~np.isnan(required)),
        "growth_needed": _optional(needed, has_needed),
        "projection": _optional(projected, has_observed),
        "annual_points": annual_points.tolist(),
        "off_course": [s in OFF_COURSE for s in status],
    }


def evaluate_goals(goals: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per goal with its status, score and workings (columns :data:`GOAL_RESULT_COLUMNS`), in the order of
    ``goals``: the rows :func:`evaluate_goal` gives one by one, computed for all goals at once."""
    if goals.empty:
        return pd.DataFrame([], columns=GOAL_RESULT_COLUMNS)
    goals = goals.reset_index(drop=True)
    fields = ["baseline_year", "baseline_value", "target_year", "target_value"]
    usable = goals[fields].notna().all(axis=1) & np.isfinite(
        goals[["baseline_value", "target_value"]].astype(float)
    ).all(axis=1)
    usable &= goals["indicator_id"].isin(list(INDICATORS))
    if usable.all():
        return numbers_as_floats(pd.DataFrame(_evaluate_vectorised(goals, frame), columns=GOAL_RESULT_COLUMNS))
    # goals with a field missing take the one-goal path (its exact behaviour, errors included)
    rows: list[dict[str, object] | None] = [None] * len(goals)
    for position, goal in goals[~usable].iterrows():
        result, points = evaluate_goal(goal, frame)
        rows[int(position)] = _goal_row(goal, result, points)
    chosen = goals[usable]
    if not chosen.empty:
        columns = _evaluate_vectorised(chosen, frame)
        for offset, position in enumerate(chosen.index):
            rows[int(position)] = {c: columns[c][offset] for c in GOAL_RESULT_COLUMNS}
    return numbers_as_floats(pd.DataFrame(rows, columns=GOAL_RESULT_COLUMNS))


_FLOAT_RESULTS = ("score", "progress_value", "cagr_observed", "cagr_required", "growth_needed", "projection")
"""Result columns that are numbers or missing: float64 even when every goal in view lacks one (all None)."""


def numbers_as_floats(results: pd.DataFrame) -> pd.DataFrame:
    """The same results whichever goals are evaluated together (one partnership's or the whole portfolio's)."""
    for column in _FLOAT_RESULTS:
        if results[column].dtype == object:
            results[column] = pd.to_numeric(results[column], errors="raise").astype("float64")
    return results


def status_counts(evaluated: pd.DataFrame) -> dict[str, int]:
    """Number of goals per status (every status present, zero where none)."""
    counts = evaluated["status"].value_counts().to_dict() if not evaluated.empty else {}
    return {status: int(counts.get(status, 0)) for status in STATUS_LABELS}


ON_COURSE: frozenset[str] = frozenset({"target_achieved", "substantial_progress", "moderate_progress"})
"""Statuses of a goal on course; :data:`~dashboard.analytics.progress.OFF_COURSE` are the ones off course."""
NOT_ASSESSABLE: frozenset[str] = frozenset({"not_available"})
"""Statuses of a goal whose progress cannot be assessed yet."""
SCORECARD_COLUMNS = ["partnership_id", "off_course", "on_course", "not_assessable", "goals"]


def goal_scorecards(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Each partnership's goals counted by where they stand: columns :data:`SCORECARD_COLUMNS`, one row per
    partnership with goals (in partnership order), counts as integers.

    Unlike the combined status of :func:`partnership_progress`, an average, no goal off course is hidden by others
    doing well."""
    if evaluated.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c == "partnership_id" else "int64") for c in SCORECARD_COLUMNS}
        )
    status = evaluated["status"].astype(object)
    counts = pd.DataFrame(
        {
            "partnership_id": evaluated["partnership_id"].astype(object),
            "off_course": status.isin(OFF_COURSE).astype("int64"),
            "on_course": status.isin(ON_COURSE).astype("int64"),
            "not_assessable": status.isin(NOT_ASSESSABLE).astype("int64"),
            "goals": 1,
        }
    ).dropna(subset=["partnership_id"])
    return counts.groupby("partnership_id", sort=True, as_index=False).sum()[SCORECARD_COLUMNS]


def partnership_progress(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Combined score and status of each partnership's goals: partnership_id, goals, score, status, status_label.

    :func:`~dashboard.analytics.progress.aggregate` of each partnership's goals (in partnership order), on plain
    lists: a goal counts as scored when it has a score (None, or NaN as a float column holds a missing one, is no
    score)."""
    columns = ["partnership_id", "goals", "score", "status", "status_label"]
    if evaluated.empty:
        return pd.DataFrame([], columns=columns)
    groups: dict[object, tuple[list[int], list[float], list[str]]] = {}
    ids = evaluated["partnership_id"]
    for pid, score, status in zip(ids.tolist(), evaluated["score"].tolist(), evaluated["status"].tolist(), strict=True):
        group = groups.setdefault(pid, ([], [], []))
        group[0].append(1)
        if score is not None and score == score:  # NaN != NaN
            group[1].append(float(score))
            group[2].append(status)
    rows = []
    for pid in sorted(key for key, missing in zip(groups, pd.isna(list(groups)), strict=True) if not missing):
        count, scores, statuses = groups[pid]
        if not scores:
            score, status = None, "not_available"
        else:
            score = sum(scores) / len(scores)
            status = "target_achieved" if all(s == "target_achieved" for s in statuses) else status_of_score(score)
        rows.append(
            {
                "partnership_id": pid,
                "goals": len(count),
                "score": score,
                "status": status,
                "status_label": STATUS_LABELS[status],
            }
        )
    return pd.DataFrame(rows, columns=columns)


def filter_goals(
    evaluated: pd.DataFrame,
    *,
    off_course_only: bool = False,
    partnerships: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> pd.DataFrame:
    """Goals of the chosen partnerships and statuses (all when empty); only limited progress or deterioration with
    ``off_course_only``."""
    keep = pd.Series(True, index=evaluated.index)
    if off_course_only:
        keep &= evaluated["status"].isin(OFF_COURSE)
    if partnerships:
        keep &= evaluated["partnership_id"].isin(list(partnerships))
    if statuses:
        keep &= evaluated["status"].isin(list(statuses))
    return evaluated[keep]
