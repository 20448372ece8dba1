"""Seeded synthetic stores and upload files for the benchmarks, written through the normal commit path.

Sizes:

- ``S``: the bundled sample (8 partnerships, about 38 thousand rows), seeded exactly as a fresh store is.
- ``M``: 500 partnerships, about 1 million rows.
- ``L``: 5,000 partnerships x 44 indicators x 19 quarters with breakdowns, about 10 million rows.
- ``XL``: 50,000 partnerships, about 100 million rows per layer. Never made by the tests or CI (only on request:
  ``--sizes XL``); written in bulk (below), in about a quarter of an hour on 2 cores.

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

XL is written in bulk (``BULK_SIZES``): the same rows (``build_arrow_batch`` builds them as Arrow tables straight from
the series, no pandas per row) appended with ``deltalake.write_deltalake`` in batches of ``BULK_BATCH``
partnerships, one append per dataset and layer, with the audit record each commit of the normal path carries (user,
action, dataset, slices, rows) in its commit. Nothing is overwritten (the tables start empty), so no append reads
the table; memory stays at about one batch (a few hundred MB). The first partnerships are also built through
``build_batch`` and checked with ``validate_indicators``, and must equal their Arrow rows.

Generated stores are cached under ``--work-dir`` (default ``/tmp/impact-bench``) keyed by size and seed::

    python -m benchmarks.generate --sizes S,M [--seed N] [--work-dir DIR] [--uploads]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from deltalake import CommitProperties, write_deltalake

from dashboard.intake.ingest import ingest_goals_frame, ingest_partnerships_frame
from dashboard.intake.seed import seed_sample
from dashboard.storage.slices import Slice
from dashboard.storage.store import KEEP_LOG, Store
from dashboard.storage.tables import INDICATOR_SCHEMA, LAYERS, PARTITIONS, indicator_table
from data_contracts import DATASETS, DIMENSIONS, INDICATOR_COLUMNS, INDICATORS, TOTAL, validate_indicators
from data_contracts.vocabularies import SECTORS

GENERATOR_VERSION = 1
"""Bump when the generated content changes, so cached stores are made again."""
DEFAULT_SEED = 20_261_127
DEFAULT_WORK_DIR = Path("/tmp/impact-bench")
USER = "benchmark-generator"

SIZES: dict[str, int | None] = {"S": None, "M": 500, "L": 5_000, "XL": 50_000}
"""Partnerships per size (``None``: the bundled sample)."""
BATCH = 250
"""Partnerships per commit."""
BULK_SIZES: frozenset[str] = frozenset({"XL"})
"""Sizes written by bulk appends (``generate_bulk``) instead of ``Store.commit_indicators``."""
BULK_BATCH = 2_000
"""Partnerships per bulk append (about 5 million rows over the datasets, a few hundred MB of Arrow at a time)."""
CHECKED_PARTNERSHIPS = 20
"""Partnerships of a bulk store also built through ``build_batch``, validated and compared with their Arrow rows."""
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


def build_arrow_batch(seed: int, indices: Sequence[int]) -> tuple[dict[str, pa.Table], list[dict[str, str]]]:
    """The rows ``build_batch`` makes for these partnerships (the breakdowns they report, every quarter), in the same
    order, as Arrow tables of ``INDICATOR_SCHEMA`` built column by column from codes (strings are taken from small
    dictionaries), and their goal rows."""
    n = len(QUARTERS)
    years = np.array([y for y, _ in QUARTERS], dtype=np.int64)
    numbers = np.array([q for _, q in QUARTERS], dtype=np.int64)
    known: dict[str, dict[Key, int]] = {d: {} for d in DATASETS}
    owners: dict[str, list[int]] = {d: [] for d in DATASETS}
    codes: dict[str, list[int]] = {d: [] for d in DATASETS}
    values: dict[str, list[np.ndarray]] = {d: [] for d in DATASETS}
    goals: list[dict[str, str]] = []
    for position, index in enumerate(indices):
        series = partnership_series(seed, index)
        reported = reported_breakdowns(seed, index)
        goals.extend(goal_rows(seed, index, series, reported))
        for indicator in INDICATORS.values():
            dataset = indicator.dataset
            keys = known[dataset]
            for dimension in (TOTAL, *reported[indicator.id]):
                for category in [TOTAL] if dimension == TOTAL else _categories(dimension):
                    key = (indicator.id, dimension, category)
                    owners[dataset].append(position)
                    codes[dataset].append(keys.setdefault(key, len(keys)))
                    values[dataset].append(series[key])
    ids = pa.array([partnership_id(i) for i in indices], pa.string())
    tables = {}
    for dataset in DATASETS:
        count = len(codes[dataset])
        owner = pa.array(np.repeat(np.asarray(owners[dataset], dtype=np.int32), n))
        code = pa.array(np.repeat(np.asarray(codes[dataset], dtype=np.int32), n))
        keys = list(known[dataset])
        columns = {
            "partnership_id": ids.take(owner),
            "year": pa.array(np.tile(years, count)),
            "quarter": pa.array(np.tile(numbers, count)),
            "indicator_id": pa.array([k[0] for k in keys], pa.string()).take(code),
            "dimension": pa.array([k[1] for k in keys], pa.string()).take(code),
            "category": pa.array([k[2] for k in keys], pa.string()).take(code),
            "value": pa.array(np.concatenate(values[dataset]) if count else np.array([], dtype=float)),
            "note": pa.nulls(count * n, pa.string()),
        }
        tables[dataset] = pa.Table.from_arrays([columns[c] for c in INDICATOR_SCHEMA.names], schema=INDICATOR_SCHEMA)
    return tables, goals


# ---- stores -----------------------------------------------------------------------------------------------------


def store_key(size: str, seed: int) -> str:
    """The cache name of a store (XL is made by bulk appends, but holds what the commit path would: same key form)."""
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
        made = generate_bulk if size in BULK_SIZES else _generate
        rows, partnerships, goals = made(store, count, seed)
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
        "written_by": "bulk appends" if size in BULK_SIZES else "commits",
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    marker.write_text(json.dumps(info, indent=2))
    _say(
        f"[generate] {size}: {partnerships:,} partnerships, {goals:,} goals, {info['total_rows']:,} rows per layer "
        f"({', '.join(f'{d} {n:,}' for d, n in rows.items())}), {info['disk_bytes'] / 1e6:,.0f} MB, "
        f"{info['seconds']:,.0f} s, peak RSS of the process {info['peak_rss_bytes'] / 1e6:,.0f} MB"
    )
    return info


def _generate(store: Store, count: int, seed: int) -> tuple[dict[str, int], int, int]:
    ids = _reference_tables(store, count, seed)
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
    _write_goals(store, pd.DataFrame(goals))
    return rows, count, len(goals)


def _reference_tables(store: Store, count: int, seed: int) -> list[str]:
    """Create the tables and write the partnerships table (through the seeding function); the partnership ids."""
    store.create_tables()
    partnerships = pd.DataFrame([partnership_row(seed, i) for i in range(1, count + 1)])
    outcome = ingest_partnerships_frame(
        store, partnerships, user=USER, source_name="benchmark partnerships", source_sha256="-", action="seed"
    )
    if not outcome.accepted:
        raise RuntimeError(f"generated partnerships do not pass their contract: {outcome.validation.errors[:5]}")
    return partnerships["partnership_id"].tolist()


def _write_goals(store: Store, goals: pd.DataFrame) -> None:
    outcome = ingest_goals_frame(
        store, goals, user=USER, source_name="benchmark goals", source_sha256="-", action="seed"
    )
    if not outcome.accepted:
        raise RuntimeError(f"generated goals do not pass their contract: {outcome.validation.errors[:5]}")


def check_arrow_rows(seed: int, indices: Sequence[int], partnership_ids: Sequence[str]) -> None:
    """The bulk writer's guard: the rows of these partnerships by ``build_batch`` pass ``validate_indicators`` and
    equal the rows ``build_arrow_batch`` makes (RuntimeError otherwise)."""
    batch = build_batch(seed, indices)
    tables, goals = build_arrow_batch(seed, indices)
    if goals != batch.goals:
        raise RuntimeError("the bulk writer's goals differ from build_batch's")
    for dataset, frame in batch.frames.items():
        checked = validate_indicators(frame, dataset, partnership_ids=list(partnership_ids), today=TODAY)
        if not checked.ok:
            raise RuntimeError(f"generated {dataset} rows do not pass the contract: {checked.errors[:5]}")
        expected = pa.Table.from_pandas(frame, schema=INDICATOR_SCHEMA, preserve_index=False)
        if not tables[dataset].equals(expected):
            raise RuntimeError(f"the bulk writer's {dataset} rows differ from build_batch's")


def _append(store: Store, table: str, data: pa.Table, *, action: str, dataset: str, slices: tuple[Slice, ...]) -> None:
    """One append of a table's rows, carrying the audit record a commit of the same rows carries."""
    audit = store.audit_record(user=USER, action=action, slices=slices, rows=data.num_rows, dataset=dataset)
    write_deltalake(
        store.uri(table),
        data,
        mode="append",
        partition_by=PARTITIONS[table],
        storage_options=store.storage_options,
        commit_properties=CommitProperties(custom_metadata=audit.metadata()),
        post_commithook_properties=KEEP_LOG,
    )


def generate_bulk(store: Store, count: int, seed: int) -> tuple[dict[str, int], int, int]:
    """The rows of ``_generate`` written by appends of ``BULK_BATCH`` partnerships (see the module's notes)."""
    ids = _reference_tables(store, count, seed)
    check_arrow_rows(seed, range(1, min(CHECKED_PARTNERSHIPS, count) + 1), ids)
    rows = dict.fromkeys(DATASETS, 0)
    goals: list[pd.DataFrame] = []
    started = time.perf_counter()
    for start in range(1, count + 1, BULK_BATCH):
        indices = range(start, min(start + BULK_BATCH, count + 1))
        tables, goal_list = build_arrow_batch(seed, indices)
        goals.append(pd.DataFrame(goal_list))
        slices = tuple(Slice(partnership_id(i), y, q) for i in indices for y, q in QUARTERS)  # sorted, as slices_of
        for dataset in DATASETS:
            data = tables.pop(dataset)
            for layer, action in zip(LAYERS, ("seed", "publish"), strict=True):
                _append(store, indicator_table(dataset, layer), data, action=action, dataset=dataset, slices=slices)
            rows[dataset] += data.num_rows
            del data
        done, spent = indices[-1], time.perf_counter() - started
        _say(
            f"[generate]   partnerships {indices[0]:,}-{done:,}: {sum(rows.values()):,} rows so far, {spent:,.0f} s, "
            f"about {spent * (count - done) / done:,.0f} s to go, peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB"
        )
    goal_frame = pd.concat(goals, ignore_index=True)
    _write_goals(store, goal_frame)
    return rows, count, len(goal_frame)


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
    parser.add_argument("--sizes", default="S,M", help="comma-separated sizes among S, M, L, XL (default S,M)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--uploads", action="store_true", help="also write the 100k and 1M upload files")
    parser.add_argument("--force", action="store_true", help="make the stores again even when cached")
    args = parser.parse_args(list(argv) if argv is not None else None)
    for size in [s.strip().upper() for s in args.sizes.split(",") if s.strip()]:
        if size not in SIZES:
            parser.error(f"unknown size {size!r}; expected S, M, L or XL")
        generate_store(args.work_dir, size, args.seed, force=args.force)
    if args.uploads:
        for name in UPLOADS:
            generate_upload(args.work_dir, name, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
