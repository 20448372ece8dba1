"""Check the SYNTHETIC sample data against the data contracts and against what the sample promises.

Run from the repository root (after ``python sample_data/generate.py``)::

    python sample_data/check.py            # or: python sample_data/generate.py --check

Checks: every file passes ``data_contracts`` with no finding; every indicator and every allowed breakdown appears;
each partnership reports every indicator of its focus datasets in every quarter (a programme's indicators when it
runs the programme); additive categories add up exactly
to their total; rates agree with their components; goal baselines match the data and each goal shows its intended
status under the progress method (last complete year, and trailing four quarters); the milestones (written by hand,
not by the generator) pass their contract, say they are synthetic, and give each partnership a few milestones, some
done, some in progress and at least one late against the clock.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
for path in (HERE.parent, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from generate import GOALS, LAST_COMPLETE_YEAR, LAST_QUARTER, NOTE, PARTNERSHIPS  # noqa: E402

from dashboard.analytics.milestones import LATE, with_displayed_state  # noqa: E402
from data_contracts import (  # noqa: E402
    DATASETS,
    DIMENSIONS,
    GOAL_COLUMNS,
    INDICATOR_COLUMNS,
    INDICATORS,
    MILESTONE_COLUMNS,
    PARTNERSHIP_COLUMNS,
    TOTAL,
    split_list,
    validate_goals,
    validate_indicators,
    validate_milestones,
    validate_partnerships,
)

TODAY = date(2026, 11, 27)
"""Clock for the future-quarter rule."""
EXPECTED_COLUMNS = {
    "partnerships.csv": PARTNERSHIP_COLUMNS,
    "goals.csv": GOAL_COLUMNS,
    **{f"{d}.csv": INDICATOR_COLUMNS for d in DATASETS},
}
FILES = ("partnerships.csv", "goals.csv", *(f"{d}.csv" for d in DATASETS))
INTENDED = {
    "on_course": {"substantial_progress"},
    "off_course": {"limited_progress", "deterioration"},
    "achieved": {"target_achieved"},
}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def annual(values: pd.DataFrame, goal: pd.Series, window: list[tuple[int, int]]) -> float:
    """Annual value of a goal's series over a four-quarter window, by the indicator's year rule (from the CSVs)."""
    indicator = INDICATORS[goal["indicator_id"]]

    def series(indicator_id: str) -> np.ndarray:
        dimension, category = goal["dimension"], goal["category"]
        if not INDICATORS[indicator_id].allows(dimension):
            dimension = category = TOTAL
        key = (goal["partnership_id"], indicator_id, dimension, category)
        return np.array([values.loc[(*key, y, q)] for y, q in window], dtype=float)

    own = series(indicator.id)
    if indicator.year_rule == "sum":
        return float(own.sum())
    if indicator.year_rule == "last":
        return float(own[-1])
    rule = indicator.recompute
    assert rule is not None
    if rule.method == "ratio":
        return float(series(rule.numerator).sum() / series(rule.denominator)[-1] * rule.scale)
    if rule.method == "weighted_mean":
        weights = series(rule.denominator)
        return float((own * weights).sum() / weights.sum())
    if rule.method == "per_last":
        weights = series(rule.denominator)
        return float((own * weights).sum() / weights[-1])
    numerator = series(rule.numerator)
    return float(numerator.sum() / (numerator * rule.scale / own).sum() * rule.scale)


def progress_status(
    base: float, current: float, target: float, years: float, target_years: float, higher: bool
) -> tuple[str, float]:
    """Status and P of the CAGR method with a target (shared/reference/progress-methodology.md)."""
    if (current >= target) if higher else (current <= target):
        return "target_achieved", float("nan")
    base, target = base or 0.001, target or 0.001
    sign, direction = (-1 if base < 0 else 1), (1 if higher else -1)
    observed = (current / base) ** (1 / years) - 1
    required = (target / base) ** (1 / target_years) - 1
    if required == 0:
        return "not_available", float("nan")
    p = sign * direction * observed / abs(required)
    status = "substantial_progress" if p >= 0.95 else "moderate_progress" if p >= 0.6 else "limited_progress"
    return (status if p >= 0 else "deterioration"), p


def check_contracts(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems = [
        f"{name}: columns are {list(tables[name].columns)}, expected {list(columns)}"
        for name, columns in EXPECTED_COLUMNS.items()
        if list(tables[name].columns) != list(columns)
    ]
    results = {"partnerships.csv": validate_partnerships(tables["partnerships.csv"])}
    ids = set(tables["partnerships.csv"]["partnership_id"])
    results["goals.csv"] = validate_goals(tables["goals.csv"], partnership_ids=ids)
    for dataset in DATASETS:
        name = f"{dataset}.csv"
        results[name] = validate_indicators(tables[name], dataset, partnership_ids=ids, today=TODAY)
    for name, result in results.items():
        for finding in result.findings[:20]:
            problems.append(f"{name}: row {finding.row} {finding.column} {finding.rule}: {finding.message}")
        if result.findings or not result.ok:
            problems.append(f"{name}: {len(result.findings)} findings")
    return problems


def check_coverage(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems = []
    partnerships = tables["partnerships.csv"].set_index("partnership_id")
    seen: set[tuple[str, str]] = set()
    specs = {spec.partnership_id: spec for spec in PARTNERSHIPS}
    for dataset in DATASETS:
        frame = tables[f"{dataset}.csv"]
        seen |= set(zip(frame["indicator_id"], frame["dimension"], strict=True))
        if set(frame["note"]) != {NOTE}:
            problems.append(f"{dataset}: a note differs from {NOTE!r}")
        for pid, rows in frame.groupby("partnership_id"):
            if dataset not in split_list(partnerships.loc[pid, "focus_datasets"]):
                problems.append(f"{dataset}: {pid} reports a dataset outside its focus")
            quarters = set(zip(rows["year"].astype(int), rows["quarter"].astype(int), strict=True))
            if max(quarters) != LAST_QUARTER:
                problems.append(f"{dataset}: {pid} does not reach {LAST_QUARTER}")
            keys = rows.groupby(["year", "quarter"]).size()
            spec = specs.get(pid)
            wanted = sum(
                1 + sum(len(DIMENSIONS[d].categories) for d in i.breakdowns)
                for i in INDICATORS.values()
                if i.dataset == dataset and (spec is None or spec.reports(i.id))
            )
            if set(keys) != {wanted}:
                problems.append(f"{dataset}: {pid} has {sorted(set(keys))} rows a quarter, expected {wanted}")
        reported = set(frame["partnership_id"])
        for pid in partnerships.index:
            if dataset in split_list(partnerships.loc[pid, "focus_datasets"]) and pid not in reported:
                problems.append(f"{dataset}: {pid} lists it as focus but reports nothing")
    wanted_pairs = {(i.id, d) for i in INDICATORS.values() for d in (TOTAL, *i.breakdowns)}
    if wanted_pairs - seen:
        problems.append(f"never exercised: {sorted(wanted_pairs - seen)}")
    return problems


def check_sums_and_rates(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems = []
    frames = [tables[f"{d}.csv"] for d in DATASETS]
    data = pd.concat(frames, ignore_index=True).assign(value=lambda f: f["value"].astype(float))
    additive = data["indicator_id"].map(lambda i: INDICATORS[i].additive)
    keys = ["partnership_id", "year", "quarter", "indicator_id"]
    totals = data[data["dimension"] == TOTAL].set_index(keys)["value"]
    sums = data[additive & (data["dimension"] != TOTAL)].groupby([*keys, "dimension"])["value"].sum()
    gap = (sums - totals.reindex(sums.index.droplevel("dimension")).to_numpy()).abs()
    if (gap > 1e-6).any():
        problems.append(f"{int((gap > 1e-6).sum())} additive breakdowns do not add up exactly to their total")
    wide = totals.unstack("indicator_id")
    for rate, numerator in (("new_hire_rate", "new_hires"), ("turnover_rate", "departures")):
        rows = wide[rate].notna()
        expected = (wide[numerator] / wide["workforce_headcount"] * 100).round(1)
        if ((wide.loc[rows, rate] - expected[rows]).abs() > 0.051).any():
            problems.append(f"{rate} total differs from {numerator} / headcount")
    jobs = wide["supported_enterprise_jobs"].dropna().groupby(level=0).diff().dropna()
    if ((jobs - wide["net_jobs_created_supported"].reindex(jobs.index)).abs() > 0.051).any():
        problems.append("net_jobs_created_supported differs from the change in supported_enterprise_jobs")
    return problems


def check_goals(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems = []
    frames = [tables[f"{d}.csv"] for d in DATASETS]
    data = pd.concat(frames, ignore_index=True)
    data["year"], data["quarter"] = data["year"].astype(int), data["quarter"].astype(int)
    values = data.set_index(["partnership_id", "indicator_id", "dimension", "category", "year", "quarter"])["value"]
    intents = {g.goal_id: g.intent for g in GOALS}
    trailing = [(LAST_QUARTER[0] - 1, 4), *((LAST_QUARTER[0], q) for q in range(1, LAST_QUARTER[1] + 1))]
    print(f"\n{'goal':58} {'intent':10} {'base':>12} {'target':>12} {'2025':>12} {'T4Q':>12}  status 2025 | T4Q")
    for goal in tables["goals.csv"].to_dict("records"):
        goal = pd.Series(goal)
        indicator = INDICATORS[goal["indicator_id"]]
        base_year, target_year = int(goal["baseline_year"]), int(goal["target_year"])
        base, target = float(goal["baseline_value"]), float(goal["target_value"])
        recomputed = annual(values, goal, [(base_year, q) for q in range(1, 5)])
        if abs(recomputed - base) > (0.0051 if indicator.unit == "ratio" else 0.051):
            problems.append(f"{goal['goal_id']}: baseline {base} but the data give {recomputed:.3f}")
        current = annual(values, goal, [(LAST_COMPLETE_YEAR, q) for q in range(1, 5)])
        latest = annual(values, goal, trailing)
        higher = indicator.higher_is_better
        span = target_year - base_year
        status, _ = progress_status(base, current, target, LAST_COMPLETE_YEAR - base_year, span, higher)
        status_t4q, _ = progress_status(base, latest, target, LAST_COMPLETE_YEAR + 0.75 - base_year, span, higher)
        intent = intents[goal["goal_id"]]
        print(
            f"{goal['goal_id']:58} {intent:10} {base:>12,.6g} {target:>12,.6g} {current:>12,.6g} {latest:>12,.6g}"
            f"  {status} | {status_t4q}"
        )
        if status not in INTENDED[intent] or status_t4q not in INTENDED[intent]:
            problems.append(f"{goal['goal_id']}: intended {intent}, shows {status} / {status_t4q}")
    return problems


MILESTONES = "milestones.csv"
"""Written by hand (not by the generator): a few milestones per partnership."""


def check_milestones(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The milestones pass their contract with no finding, say they are synthetic, and give each partnership two to
    five milestones; some are done, some in progress and at least one is late on the clock's date."""
    milestones = tables[MILESTONES]
    if list(milestones.columns) != list(MILESTONE_COLUMNS):
        return [f"{MILESTONES}: columns are {list(milestones.columns)}, expected {list(MILESTONE_COLUMNS)}"]
    goals = tables["goals.csv"]
    result = validate_milestones(
        milestones,
        partnership_ids=set(tables["partnerships.csv"]["partnership_id"]),
        goal_partnerships=dict(zip(goals["goal_id"], goals["partnership_id"], strict=True)),
    )
    problems = [f"{MILESTONES}: row {f.row} {f.column} {f.rule}: {f.message}" for f in result.findings[:20]]
    if result.findings:
        return problems
    if not milestones["note"].str.startswith("Synthetic sample data.").all():
        problems.append(f"{MILESTONES}: a note does not start with 'Synthetic sample data.'")
    counts = milestones.groupby("partnership_id").size()
    for pid in tables["partnerships.csv"]["partnership_id"]:
        if not 2 <= int(counts.get(pid, 0)) <= 5:
            problems.append(f"{MILESTONES}: {pid} has {int(counts.get(pid, 0))} milestones, expected 2 to 5")
    shown = with_displayed_state(result.frame, TODAY)["displayed_state"]
    for state in ("done", "in_progress", LATE):
        if not (shown == state).any():
            problems.append(f"{MILESTONES}: no milestone is {state} on {TODAY}")
    if set(milestones["visibility"]) != {"public", "internal"}:
        problems.append(f"{MILESTONES}: expected both public and internal milestones")
    return problems


def check_bytes(folder: Path) -> list[str]:
    problems = []
    for name in (*FILES, MILESTONES):
        raw = (folder / name).read_bytes()
        if b"\r" in raw or not raw.endswith(b"\n") or raw.startswith(b"\xef\xbb\xbf"):
            problems.append(f"{name}: not LF-terminated UTF-8 without BOM")
        raw.decode("utf-8")
    return problems


def run_checks(folder: Path = HERE) -> bool:
    tables = {name: read(folder, name) for name in (*FILES, MILESTONES)}
    problems = check_bytes(folder)
    problems += check_milestones(tables)
    problems += check_contracts(tables)
    problems += check_coverage(tables)
    problems += check_sums_and_rates(tables)
    problems += check_goals(tables)
    print()
    total = 0
    for name in (*FILES, MILESTONES):
        size = (folder / name).stat().st_size
        total += size
        print(f"{name:24} {len(tables[name]):>7} rows {size / 1024:>9.1f} KiB")
    print(f"{'total':24} {sum(len(t) for t in tables.values()):>7} rows {total / 1024 / 1024:>9.2f} MiB")
    for problem in problems:
        print("PROBLEM:", problem)
    print("all checks passed" if not problems else f"{len(problems)} problems")
    return not problems


if __name__ == "__main__":
    sys.exit(0 if run_checks() else 1)
