"""Every goal's progress: its annual series (by the indicator's year rule, complete years only), assessed with the
SDG progress method, with what growth is needed from now on and where the observed trend leads."""

from __future__ import annotations

import pandas as pd

from dashboard.annual import annual_series
from dashboard.progress import OFF_COURSE, STATUS_LABELS, SeriesResult, aggregate, assess_series
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


def evaluate_goals(goals: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per goal with its status, score and workings (columns :data:`GOAL_RESULT_COLUMNS`)."""
    rows = []
    for _, goal in goals.iterrows():
        result, points = evaluate_goal(goal, frame)
        needed = None
        if result.status != "target_achieved":
            needed = growth_needed(
                result.current_value, float(goal["target_value"]), result.current_year, int(goal["target_year"])
            )
        rows.append(
            {
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
        )
    return pd.DataFrame(rows, columns=GOAL_RESULT_COLUMNS)


def status_counts(evaluated: pd.DataFrame) -> dict[str, int]:
    """Number of goals per status (every status present, zero where none)."""
    counts = evaluated["status"].value_counts().to_dict() if not evaluated.empty else {}
    return {status: int(counts.get(status, 0)) for status in STATUS_LABELS}


def partnership_progress(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Combined score and status of each partnership's goals: partnership_id, goals, score, status, status_label."""
    rows = []
    for partnership_id, group in evaluated.groupby("partnership_id", sort=True):
        combined = aggregate(group.itertuples(index=False))
        rows.append(
            {
                "partnership_id": partnership_id,
                "goals": len(group),
                "score": combined.score,
                "status": combined.status,
                "status_label": STATUS_LABELS[combined.status],
            }
        )
    return pd.DataFrame(rows, columns=["partnership_id", "goals", "score", "status", "status_label"])
