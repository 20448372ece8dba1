"""Seeded synthetic stores and upload files for the benchmarks, written through the normal commit path.

Sizes:

- ``S``: the bundled sample (8 partnerships, about 38 thousand rows), seeded exactly as a fresh store is.
- ``M``: 500 partnerships, about 1 million rows.
- ``L``: 5,000 partnerships x 44 indicators x 19 quarters with breakdowns, about 10 million rows.

Every figure is SYNTHETIC. A partnership's series depend only on the seed and its number (its own numpy random
streams), so the M store is the first 500 partnerships of the L store and the upload files (for partnerships
1..500) are valid against both. Every partnership reports every indicator of the catalog for every quarter of
2022 Q1 - 2026 Q3, the total row plus each allowed breakdown with probability ``BREAKDOWN_PROBABILITY`` (chosen per
partnership and indicator, fixed over time), which lands L near 10 million rows. Values respect each indicator's
unit (percentages 0-100), whole-number and signed flags; additive breakdowns add up exactly to their total.

Reference tables go through the functions seeding uses (``ingest_partnerships_frame``, ``ingest_goals_frame``);
indicator rows through ``Store.commit_indicators`` in batches of partnerships, first to the submitted layer and then
the same rows to the published layer (what ``Store.publish`` commits after reading them back). The first batch of
each dataset is checked with ``validate_indicators`` first, so a generator bug fails loudly.

Generated stores are cached under ``--work-dir`` (default ``/tmp/impact-bench``) keyed by size and seed::

    python -m benchmarks.generate --sizes S,M [--seed N] [--work-dir DIR] [--uploads]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.intake.ingest import ingest_goals_frame, ingest_partnerships_frame
from dashboard.intake.seed import seed_sample
from dashboard.storage.store import Store
from data_contracts import DATASETS, DIMENSIONS, INDICATOR_COLUMNS, INDICATORS, TOTAL, validate_indicators
from data_contracts.vocabularies import SECTORS

GENERATOR_VERSION = 1
"""Bump when the generated content changes, so cached stores are made again."""
DEFAULT_SEED = 20_261_127
DEFAULT_WORK_DIR = Path("/tmp/impact-bench")
USER = "benchmark-generator"

SIZES: dict[str, int | None] = {"S": None, "M": 500, "L": 5_000}
"""Partnerships per size (``None``: the bundled sample)."""
BATCH = 250
"""Partnerships per commit."""
BREAKDOWN_PROBABILITY = 0.182
"""Chance that a partnership reports a given allowed breakdown of an indicator: 44 + 0.182 x 337 rows per
partnership and quarter, so 5,000 partnerships x 19 quarters come to about 10 million rows."""

QUARTERS: tuple[tuple[int, int], ...] = tuple((y, q) for y in range(2022, 2027) for q in range(1, 5))[:19]
T = np.arange(len(QUARTERS)) / 4.0
"""Years since 2022 Q1 of each quarter."""
TODAY = date(2026, 11, 27)
"""Clock of the validation check (2026 Q4 is the current quarter, as in the tests)."""

LEVELS: dict[str, float] = {
    "workforce_headcount": 200, "workforce_fte": 180, "new_hires": 20, "departures": 12,
    "supported_enterprise_jobs": 60, "net_jobs_created_supported": 1.0, "recordable_injuries": 2,
    "new_hire_rate": 10, "turnover_rate": 6, "living_wage_share": 78, "entry_wage_to_min_wage": 1.25,
    "women_share_workforce": 42, "women_share_management": 30, "women_share_governance": 35,
    "marginalized_share_workforce": 20, "disadvantaged_share_workforce": 25, "disability_share_workforce": 4.5,
    "youth_share_workforce": 30, "target_group_hire_share": 30, "gender_pay_ratio": 0.9, "ethnic_pay_ratio": 0.88,
    "gender_promotion_ratio": 0.92, "teachers_trained": 80, "teachers_min_qualified_share": 78,
    "students_reached": 1_500, "schools_reached": 40, "learning_hours": 30_000, "students_min_proficiency_share": 52,
    "completion_rate": 76, "green_skills_trainees": 50, "trainees_certified": 30, "trainee_job_placements": 15,
    "employee_training_hours_avg": 7.5, "local_supplier_spend": 400_000, "local_spend_share": 38,
    "sme_supplier_spend": 260_000, "diverse_owned_supplier_spend": 110_000, "local_enterprises_contracted": 8,
    "community_orgs_supported": 5, "community_investment": 120_000, "volunteer_hours": 500, "residents_engaged": 300,
    "open_spaces_stewarded": 10, "sites_with_engagement_share": 60,
}  # fmt: skip
UNIT_LEVELS = {"count": 50.0, "hours": 1_000.0, "currency_usd": 100_000.0, "percent": 50.0, "ratio": 1.0}
"""Level of an indicator the table above does not name (a catalog that grew)."""
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "gender": {"woman": 0.45, "man": 0.5, "non_binary": 0.02, "undisclosed": 0.03},
    "age_band": {"under_30": 0.3, "30_50": 0.5, "over_50": 0.17, "undisclosed": 0.03},
    "ethnicity": {"marginalised": 0.25, "other": 0.7, "undisclosed": 0.05},
    "disadvantaged_status": {"disadvantaged": 0.3, "not_disadvantaged": 0.65, "undisclosed": 0.05},
    "employment_type": {"direct": 0.7, "subcontractor": 0.3},
}
PLACES: tuple[tuple[str, str], ...] = (
    ("US", "Europe and Northern America"),
    ("DE", "Europe and Northern America"),
    ("GB", "Europe and Northern America"),
    ("KE", "Sub-Saharan Africa"),
    ("NG", "Sub-Saharan Africa"),
    ("ZA", "Sub-Saharan Africa"),
    ("IN", "Central and Southern Asia"),
    ("BD", "Central and Southern Asia"),
    ("PH", "Eastern and South-Eastern Asia"),
    ("ID", "Eastern and South-Eastern Asia"),
    ("BR", "Latin America and the Caribbean"),
    ("MX", "Latin America and the Caribbean"),
    ("EG", "Northern Africa and Western Asia"),
    ("FJ", "Oceania"),
)

Key = tuple[str, str, str]
"""(indicator_id, dimension, category)."""


def partnership_id(index: int) -> str:
    return f"bench-{index:05d}"


def _rng(seed: int, index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, stream])


def _categories(dimension: str) -> list[str]:
    return list(DIMENSIONS[dimension].categories)


def _decimals(indicator_id: str) -> int:
    """Decimals a value of the indicator is written with."""
    indicator = INDICATORS[indicator_id]
    if indicator.whole_number or indicator.unit == "currency_usd":
        return 0
    return 2 if indicator.unit == "ratio" else 1


# ---- one partnership ----------------------------------------------------------------------------------------------


def partnership_series(seed: int, index: int) -> dict[Key, np.ndarray]:
    """Every series of one partnership (every indicator, the total and every allowed breakdown), 19 quarters each.

    Random draws follow the catalog order and never depend on which breakdowns are reported, so a file with every
    breakdown (the upload files) holds the same figures as the store for the breakdowns both have.
    """
    rng = _rng(seed, index, 0)
    size = rng.lognormal(0.0, 0.9)
    growth = rng.normal(0.05, 0.05)
    out: dict[Key, np.ndarray] = {}
    for indicator in INDICATORS.values():
        level = LEVELS.get(indicator.id, UNIT_LEVELS[indicator.unit])
        trend = growth + rng.normal(0.0, 0.03)
        if indicator.additive and not indicator.signed:
            scale = 1 if indicator.whole_number or indicator.unit == "currency_usd" else 10  # whole units or tenths
            amounts = level * size * (1 + trend) ** T * rng.lognormal(0.0, 0.06, len(T))
            units = np.maximum(np.rint(amounts * scale), 0).astype(np.int64)
            out[(indicator.id, TOTAL, TOTAL)] = units / scale
            for dimension in indicator.breakdowns:
                cats = _categories(dimension)
                shares = rng.dirichlet(np.array([CATEGORY_WEIGHTS[dimension][c] for c in cats]) * 60)
                parts = rng.multinomial(units, shares)  # each quarter's parts add up exactly to its total
                for position, category in enumerate(cats):
                    out[(indicator.id, dimension, category)] = parts[:, position] / scale
        elif indicator.additive:  # a signed net change, in tenths
            units = np.rint(rng.normal(level, 4.0, len(T)) * size * 10)
            out[(indicator.id, TOTAL, TOTAL)] = units / 10
            for dimension in indicator.breakdowns:
                cats = _categories(dimension)
                shares = rng.dirichlet(np.array([CATEGORY_WEIGHTS[dimension][c] for c in cats]) * 60)
                for position, category in enumerate(cats):
                    out[(indicator.id, dimension, category)] = np.rint(units * shares[position]) / 10
        else:  # rates, shares, ratios and averages: the total and each category's own rate around it
            digits = _decimals(indicator.id)
            if indicator.unit == "percent":
                base, drift, noise, high = level + rng.normal(0.0, 0.15 * level), rng.normal(0.4, 0.8), 1.0, 100.0
            else:
                base, drift, noise, high = level * rng.lognormal(0.0, 0.1), 0.01 * level, 0.02 * level, 10.0 * level
            total = np.clip(base + drift * T + rng.normal(0.0, noise, len(T)), 0.0, high)
            out[(indicator.id, TOTAL, TOTAL)] = np.round(total, digits)
            for dimension in indicator.breakdowns:
                for category in _categories(dimension):
                    factor = rng.lognormal(0.0, 0.12)
                    values = np.clip(total * factor * rng.lognormal(0.0, 0.04, len(T)), 0.0, high)
                    out[(indicator.id, dimension, category)] = np.round(values, digits)
    return out


def reported_breakdowns(seed: int, index: int) -> dict[str, tuple[str, ...]]:
    """The breakdowns one partnership reports per indicator (its own random stream)."""
    rng = _rng(seed, index, 1)
    return {
        indicator.id: tuple(d for d in indicator.breakdowns if rng.random() < BREAKDOWN_PROBABILITY)
        for indicator in INDICATORS.values()
    }


def partnership_row(seed: int, index: int) -> dict[str, str]:
    """The partnerships-table row of one partnership, as text (as read from a CSV)."""
    rng = _rng(seed, index, 3)
    country, region = PLACES[int(rng.integers(len(PLACES)))]
    focus = rng.choice(len(DATASETS), size=int(rng.integers(1, 4)), replace=False)
    start = date(2015, 1, 1).toordinal() + int(rng.integers(0, 7 * 365))
    funding = round(float(rng.lognormal(np.log(5e6), 1.0)), -3)
    return {
        "partnership_id": partnership_id(index),
        "name": f"Benchmark partnership {index:05d}",
        "partner_organisations": f"Company {index:05d}; Foundation {index:05d}",
        "lead_sector": str(rng.choice(list(SECTORS))),
        "focus_datasets": ";".join(DATASETS[i] for i in sorted(focus)),
        "country": country,
        "region": region,
        "start_date": date.fromordinal(start).isoformat(),
        "committed_funding_usd": f"{funding:.0f}",
        "visibility": "public" if rng.random() < 0.8 else "private",
        "description": "Synthetic benchmark data.",
    }


def _annual_2022(indicator_id: str, values: np.ndarray) -> float:
    """A rough 2022 annual value of a series (the baseline of a goal)."""
    rule = INDICATORS[indicator_id].year_rule
    if rule == "sum":
        return float(values[:4].sum())
    if rule == "last":
        return float(values[3])
    return float(values[:4].mean())


def goal_rows(
    seed: int, index: int, series: dict[Key, np.ndarray], reported: dict[str, tuple[str, ...]]
) -> list[dict[str, str]]:
    """Three to five goals of one partnership, on its total or a reported breakdown category, as text."""
    rng = _rng(seed, index, 2)
    candidates = [i for i in INDICATORS.values() if not i.signed]
    chosen = rng.choice(len(candidates), size=int(rng.integers(3, 6)), replace=False)
    rows = []
    for number, position in enumerate(sorted(chosen), start=1):
        indicator = candidates[position]
        dimension = category = TOTAL
        if reported[indicator.id] and rng.random() < 0.25:
            dimension = str(rng.choice(list(reported[indicator.id])))
            category = str(rng.choice(_categories(dimension)))
        baseline = _annual_2022(indicator.id, series[(indicator.id, dimension, category)])
        target_year = int(rng.integers(2027, 2031))
        rate = rng.uniform(-0.02, 0.10) if indicator.higher_is_better else rng.uniform(-0.10, 0.02)
        target = max(baseline * (1 + rate) ** (target_year - 2022), 0.0)
        if indicator.unit == "percent":
            target = min(target, 100.0)
        digits = 0 if indicator.whole_number else 2
        rows.append(
            {
                "goal_id": f"{partnership_id(index)}-goal-{number}",
                "partnership_id": partnership_id(index),
                "indicator_id": indicator.id,
                "dimension": dimension,
                "category": category,
                "baseline_year": "2022",
                "baseline_value": f"{round(baseline, digits):.{digits}f}",
                "target_year": str(target_year),
                "target_value": f"{round(target, digits):.{digits}f}",
            }
        )
    return rows


# ---- batches of partnerships ---------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Indicator frames (one per dataset) and goal rows of a run of partnerships."""

    frames: dict[str, pd.DataFrame]
    goals: list[dict[str, str]]


def build_batch(
    seed: int,
    indices: Sequence[int],
    *,
    datasets: Sequence[str] = DATASETS,
    every_breakdown: bool = False,
    quarters: Sequence[tuple[int, int]] = QUARTERS,
) -> Batch:
    """The indicator rows of some partnerships: the breakdowns they report (or every allowed one) for the quarters
    asked, in the long layout with typed columns (``INDICATOR_COLUMNS``; note empty)."""
    positions = np.array([QUARTERS.index(q) for q in quarters])
    years = np.array([y for y, _ in quarters], dtype=np.int64)
    numbers = np.array([q for _, q in quarters], dtype=np.int64)
    keys: dict[str, list[tuple[str, str, str, str]]] = {d: [] for d in datasets}
    values: dict[str, list[np.ndarray]] = {d: [] for d in datasets}
    goals: list[dict[str, str]] = []
    for index in indices:
        pid = partnership_id(index)
        series = partnership_series(seed, index)
        reported = reported_breakdowns(seed, index)
        goals.extend(goal_rows(seed, index, series, reported))
        for indicator in INDICATORS.values():
            if indicator.dataset not in keys:
                continue
            dimensions = indicator.breakdowns if every_breakdown else reported[indicator.id]
            for dimension in (TOTAL, *dimensions):
                cats = [TOTAL] if dimension == TOTAL else _categories(dimension)
                for category in cats:
                    keys[indicator.dataset].append((pid, indicator.id, dimension, category))
                    values[indicator.dataset].append(series[(indicator.id, dimension, category)][positions])
    frames = {}
    n = len(quarters)
    for dataset in datasets:
        key_array = np.array(keys[dataset], dtype=object).reshape(-1, 4)
        frames[dataset] = pd.DataFrame(
            {
                "partnership_id": np.repeat(key_array[:, 0], n),
                "year": np.tile(years, len(key_array)),
                "quarter": np.tile(numbers, len(key_array)),
                "indicator_id": np.repeat(key_array[:, 1], n),
                "dimension": np.repeat(key_array[:, 2], n),
                "category": np.repeat(key_array[:, 3], n),
                "value": np.concatenate(values[dataset]) if values[dataset] else np.array([], dtype=float),
                "note": pd.Series([None] * (len(key_array) * n), dtype=object),
            },
            columns=list(INDICATOR_COLUMNS),
        )
    return Batch(frames, goals)


# ---- stores -----------------------------------------------------------------------------------------------------


def store_key(size: str, seed: int) -> str:
    return "S-sample" if size == "S" else f"{size}-seed{seed}-v{GENERATOR_VERSION}"


def store_path(work_dir: Path, size: str, seed: int) -> Path:
    return Path(work_dir) / "stores" / store_key(size, seed)


def store_info(work_dir: Path, size: str, seed: int) -> dict | None:
    """What a cached store holds (rows per table, partnerships, goals), or None when it is not there (complete)."""
    marker = store_path(work_dir, size, seed).with_suffix(".json")
    return json.loads(marker.read_text()) if marker.is_file() else None


def _say(message: str) -> None:
    print(message, flush=True)


def generate_store(work_dir: Path, size: str, seed: int = DEFAULT_SEED, *, force: bool = False) -> dict:
    """Make (or reuse) the store of a size; returns its info (also saved beside it as ``<key>.json``)."""
    root = store_path(work_dir, size, seed)
    marker = root.with_suffix(".json")
    if marker.is_file() and root.is_dir() and not force:
        return json.loads(marker.read_text())
    if root.exists():
        shutil.rmtree(root)
    marker.unlink(missing_ok=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    store = Store(root)
    started = time.perf_counter()
    if size == "S":
        report = seed_sample(store)
        rows = {d: int(report.rows[d]) for d in DATASETS}
        partnerships, goals = int(report.rows["partnerships"]), int(report.rows["goals"])
    else:
        count = SIZES[size]
        assert count is not None
        rows, partnerships, goals = _generate(store, count, seed)
    info = {
        "size": size,
        "seed": seed if size != "S" else None,
        "generator_version": GENERATOR_VERSION,
        "root": str(root),
        "partnerships": partnerships,
        "goals": goals,
        "rows": rows,
        "total_rows": sum(rows.values()),
        "seconds": round(time.perf_counter() - started, 1),
        "disk_bytes": sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
    }
    marker.write_text(json.dumps(info, indent=2))
    _say(
        f"[generate] {size}: {partnerships:,} partnerships, {goals:,} goals, {info['total_rows']:,} rows per layer "
        f"({', '.join(f'{d} {n:,}' for d, n in rows.items())}), {info['disk_bytes'] / 1e6:,.0f} MB, "
        f"{info['seconds']:,.0f} s"
    )
    return info


def _generate(store: Store, count: int, seed: int) -> tuple[dict[str, int], int, int]:
    store.create_tables()
    partnerships = pd.DataFrame([partnership_row(seed, i) for i in range(1, count + 1)])
    outcome = ingest_partnerships_frame(
        store, partnerships, user=USER, source_name="benchmark partnerships", source_sha256="-", action="seed"
    )
    if not outcome.accepted:
        raise RuntimeError(f"generated partnerships do not pass their contract: {outcome.validation.errors[:5]}")
    ids = partnerships["partnership_id"].tolist()
    rows = dict.fromkeys(DATASETS, 0)
    goals: list[dict[str, str]] = []
    for start in range(1, count + 1, BATCH):
        indices = range(start, min(start + BATCH, count + 1))
        batch = build_batch(seed, indices)
        goals.extend(batch.goals)
        for dataset, frame in batch.frames.items():
            if start == 1:
                checked = validate_indicators(frame, dataset, partnership_ids=ids, today=TODAY)
                if not checked.ok:
                    raise RuntimeError(f"generated {dataset} rows do not pass the contract: {checked.errors[:5]}")
            store.commit_indicators(frame, dataset, user=USER, action="seed")
            store.commit_indicators(frame, dataset, user=USER, layer="published", action="publish")
            rows[dataset] += len(frame)
        _say(f"[generate]   partnerships {indices[0]:,}-{indices[-1]:,}: {sum(rows.values()):,} rows so far")
    outcome = ingest_goals_frame(
        store, pd.DataFrame(goals), user=USER, source_name="benchmark goals", source_sha256="-", action="seed"
    )
    if not outcome.accepted:
        raise RuntimeError(f"generated goals do not pass their contract: {outcome.validation.errors[:5]}")
    return rows, count, len(goals)


# ---- upload files -----------------------------------------------------------------------------------------------

UPLOADS: dict[str, tuple[int, int]] = {"100k": (200, 4), "1M": (500, 16)}
"""Upload files: (partnerships, latest quarters) of the workforce dataset with every breakdown (125 rows per
partnership and quarter): 200 x 4 x 125 = 100,000 and 500 x 16 x 125 = 1,000,000 rows."""
UPLOAD_DATASET = "workforce"


def upload_path(work_dir: Path, name: str, seed: int) -> Path:
    return Path(work_dir) / "uploads" / f"{UPLOAD_DATASET}-{name}-seed{seed}-v{GENERATOR_VERSION}.csv"


def _formatted(frame: pd.DataFrame) -> pd.Series:
    """Values as an officer's spreadsheet writes them: whole numbers without decimals, rates with one or two."""
    text = pd.Series("", index=frame.index, dtype=object)
    digits = frame["indicator_id"].map({i: _decimals(i) for i in INDICATORS})
    tenths = frame["indicator_id"].isin(["workforce_fte", "supported_enterprise_jobs", "net_jobs_created_supported"])
    digits = digits.where(~tenths | (digits > 0), 1)
    for places in sorted(set(digits)):
        mask = (digits == places).to_numpy()
        text[mask] = np.char.mod(f"%.{places}f", frame["value"].to_numpy()[mask])
    return text.str.replace("-0.0", "0.0", regex=False)


def generate_upload(work_dir: Path, name: str, seed: int = DEFAULT_SEED) -> Path:
    """Write (or reuse) an upload CSV: the latest quarters of some partnerships (1..N), every breakdown, in the
    layout of ``sample_data/workforce.csv``. The figures equal the store's where both have them, so the commit
    replaces its slices with the same totals and more breakdowns."""
    path = upload_path(work_dir, name, seed)
    if path.is_file():
        return path
    partnerships, quarters = UPLOADS[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    batch = build_batch(
        seed,
        range(1, partnerships + 1),
        datasets=[UPLOAD_DATASET],
        every_breakdown=True,
        quarters=QUARTERS[-quarters:],
    )
    frame = batch.frames[UPLOAD_DATASET]
    frame = frame.sort_values(["partnership_id", "year", "quarter"], kind="stable", ignore_index=True)
    frame["value"] = _formatted(frame)
    frame["note"] = ""
    partial = path.with_suffix(".partial")
    frame.to_csv(partial, index=False, lineterminator="\n")
    partial.rename(path)
    _say(f"[generate] upload {path.name}: {len(frame):,} rows, {path.stat().st_size / 1e6:,.1f} MB")
    return path


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M", help="comma-separated sizes among S, M, L (default S,M)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--uploads", action="store_true", help="also write the 100k and 1M upload files")
    parser.add_argument("--force", action="store_true", help="make the stores again even when cached")
    args = parser.parse_args(list(argv) if argv is not None else None)
    for size in [s.strip().upper() for s in args.sizes.split(",") if s.strip()]:
        if size not in SIZES:
            parser.error(f"unknown size {size!r}; expected S, M or L")
        generate_store(args.work_dir, size, args.seed, force=args.force)
    if args.uploads:
        for name in UPLOADS:
            generate_upload(args.work_dir, name, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
