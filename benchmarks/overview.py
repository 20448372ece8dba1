"""The overview's figures, computed twice: by the product's plain functions and by DuckDB over the same Delta tables.

``product_figures`` is what the staff overview computes (``dashboard/web/views/portfolio.py`` through
``dashboard/web/portfolio_reads.py``) without Streamlit: read the submitted layer, the portfolio KPIs of the latest
quarter (``metrics.portfolio_kpis``), yearly roll-ups of the headline indicators for every partnership
(``annual.annual_series``) and every goal's status (``goals.evaluate_goals``). ``duckdb_figures`` computes the same
aggregates in SQL: latest-quarter KPI sums per headline indicator, yearly sums / year-end values per partnership, and
every goal's annual points (the input of the progress method, by each indicator's year rule, complete years only).
DuckDB reads the tables through ``DeltaTable(...).to_pyarrow_dataset()`` (its Delta extension cannot be downloaded
here); it is a benchmark-only dependency.

``duckdb_native_figures`` runs the same SQL with DuckDB reading the tables' Parquet files itself: ``read_parquet`` over
``DeltaTable(uri, version=...).file_uris()`` (the files of that version, so the same snapshot as a Delta reader), so
projections and filters are pushed into the scans and nothing but the small results reaches Python. Delta keeps a
partition column (``year``) out of the Parquet files: each partition value of the add actions gets its own
``read_parquet`` of that partition's files, with the value as a constant column (not parsed from the file paths). A
table whose readers need more than its files (deletion vectors, column mapping) is refused rather than misread."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from dashboard.analytics.annual import annual_series
from dashboard.analytics.goals import evaluate_goals, partnership_progress, status_counts
from dashboard.analytics.metrics import HEADLINE_KPIS, latest_period, portfolio_kpis
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE, Layer, indicator_table
from data_contracts import DATASET_INFO, DATASETS, INDICATORS

if TYPE_CHECKING:
    import duckdb

ROLLUP_INDICATORS: tuple[str, ...] = tuple(
    dict.fromkeys([*HEADLINE_KPIS, *(info.headline_indicator for info in DATASET_INFO.values())])
)
"""Headline indicators: the KPI cards and each dataset's headline (all summed or year-end; no recomputed rates)."""


@dataclass
class Figures:
    """What one engine computed: KPI rows, yearly roll-ups, goal results, and the seconds of each step (and, for the
    native reader, the table versions it read)."""

    kpis: pd.DataFrame
    annual: pd.DataFrame
    goals: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    goals_total: int = 0
    goals_done: int = 0
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def step(self, name: str, function: Callable, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        return result


# ---- the product ----------------------------------------------------------------------------------------------


def product_figures(store: Store, layer: Layer = "submitted", *, goal_limit: int | None = None) -> Figures:
    """The overview's figures by the product's own functions. ``goal_limit`` evaluates only the first goals (for
    stores where every goal would take too long; the caller extrapolates)."""
    clock = _Clock()

    def read() -> tuple[pd.DataFrame, dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
        partnerships = store.read(PARTNERSHIPS_TABLE)
        frames = {d: store.read(indicator_table(d, layer)) for d in DATASETS}
        goals = store.read(GOALS_TABLE)
        return partnerships, frames, goals, pd.concat(frames.values(), ignore_index=True)

    _partnerships, frames, goals, all_rows = clock.step("read", read)
    period = clock.step("kpis", latest_period, frames.values())
    kpis = clock.step("kpis", portfolio_kpis, frames, period)
    annual = clock.step(
        "annual",
        lambda: pd.concat(
            [annual_series(all_rows, i).assign(indicator_id=i) for i in ROLLUP_INDICATORS], ignore_index=True
        ),
    )
    chosen = goals if goal_limit is None else goals.head(goal_limit)
    evaluated = clock.step("goals", evaluate_goals, chosen, all_rows)
    clock.step("goals", lambda: (status_counts(evaluated), partnership_progress(evaluated)))
    kpi_rows = pd.DataFrame(
        [
            {
                "indicator_id": k.indicator_id,
                "value": k.value,
                "previous": k.previous,
                "partnerships": k.partnerships,
            }
            for k in kpis
        ]
    )
    return Figures(kpi_rows, annual, evaluated, clock.seconds, goals_total=len(goals), goals_done=len(chosen))


def product_goal_points(all_rows: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """Each goal's annual points from the data (``annual_series`` of its series), for the cross-check."""
    parts = []
    for goal in goals.itertuples(index=False):
        series = annual_series(all_rows, goal.indicator_id, dimension=goal.dimension, category=goal.category)
        series = series[series["partnership_id"] == goal.partnership_id]
        parts.append(pd.DataFrame({"goal_id": goal.goal_id, "year": series["year"], "value": series["value"]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["goal_id", "year", "value"])


# ---- DuckDB -----------------------------------------------------------------------------------------------------

_COMPONENT_SQL = """
    SELECT g.goal_id, r.year, r.quarter, '{part}' AS part, r.value
    FROM goal_specs g JOIN all_rows r
      ON r.partnership_id = g.partnership_id AND r.indicator_id = g.{part}_id
     AND r.dimension = g.dimension AND r.category = g.category
"""

GOAL_POINTS_SQL = f"""
WITH comp AS ({_COMPONENT_SQL.format(part="a")} UNION ALL {_COMPONENT_SQL.format(part="b")}),
q AS (
    SELECT goal_id, year, quarter,
           max(CASE WHEN part = 'a' THEN value END) AS a,
           max(CASE WHEN part = 'b' THEN value END) AS b
    FROM comp GROUP BY goal_id, year, quarter
),
y AS (
    SELECT g.goal_id, q.year, any_value(g.method) AS method, any_value(g.a_rule) AS a_rule,
           any_value(g.b_rule) AS b_rule, any_value(g.scale) AS scale,
           count(q.a) AS na, count(q.b) AS nb, count(q.a * q.b) AS nab,
           sum(q.a) AS sa, max(q.a) FILTER (WHERE q.quarter = 4) AS la,
           sum(q.b) AS sb, max(q.b) FILTER (WHERE q.quarter = 4) AS lb,
           sum(q.a * q.b) AS sab, min(q.b) AS minb,
           sum(CASE WHEN q.b > 0 THEN q.a * g.scale / q.b END) AS simp
    FROM goal_specs g JOIN q USING (goal_id)
    GROUP BY g.goal_id, q.year
),
points AS (
    SELECT goal_id, year, CASE method
        WHEN 'sum' THEN CASE WHEN na = 4 THEN sa END
        WHEN 'last' THEN CASE WHEN na = 4 THEN la END
        WHEN 'ratio' THEN CASE WHEN na = 4 AND nb = 4 THEN
            (CASE a_rule WHEN 'sum' THEN sa ELSE la END) / nullif(CASE b_rule WHEN 'sum' THEN sb ELSE lb END, 0) * scale
        END
        WHEN 'weighted_mean' THEN CASE WHEN nab = 4 THEN sab / nullif(sb, 0) END
        WHEN 'per_last' THEN CASE WHEN nab = 4 THEN sab / nullif(lb, 0) END
        WHEN 'share_of_implied_total' THEN CASE WHEN nab = 4 AND minb > 0 THEN sa / nullif(simp, 0) * scale END
    END AS value
    FROM y
)
SELECT goal_id, year, value FROM points WHERE value IS NOT NULL AND isfinite(value) ORDER BY goal_id, year
"""

KPI_SQL = """
WITH latest AS (SELECT max(year * 10 + quarter) AS p FROM all_rows)
SELECT indicator_id, year * 10 + quarter = (SELECT p FROM latest) AS current,
       sum(value) AS value, count(DISTINCT partnership_id) AS partnerships
FROM all_rows
WHERE dimension = 'total' AND category = 'total' AND indicator_id IN ({ids})
  AND year * 10 + quarter IN ((SELECT p FROM latest), (SELECT p FROM latest) - 10)
GROUP BY ALL
"""

ANNUAL_SQL = """
SELECT r.partnership_id, r.year, r.indicator_id,
       CASE any_value(u.year_rule) WHEN 'sum' THEN sum(r.value) ELSE max(r.value) FILTER (WHERE r.quarter = 4) END
           AS value
FROM all_rows r JOIN rules u USING (indicator_id)
WHERE r.dimension = 'total' AND r.category = 'total' AND r.indicator_id IN ({ids})
GROUP BY r.partnership_id, r.year, r.indicator_id
HAVING count(DISTINCT r.quarter) = 4
"""


def goal_specs(goals: pd.DataFrame) -> pa.Table:
    """Per goal: how its annual points are made (method, components ``a`` and ``b`` with their year rules, scale)."""
    rows = []
    for goal in goals.itertuples(index=False):
        indicator = INDICATORS[goal.indicator_id]
        a_id, b_id, method, scale = goal.indicator_id, None, indicator.year_rule, 1.0
        spec = indicator.recompute
        if spec is not None:
            method, scale = spec.method, spec.scale
            if spec.method == "ratio":
                a_id, b_id = spec.numerator, spec.denominator
            elif spec.method == "share_of_implied_total":
                a_id, b_id = spec.numerator, goal.indicator_id
            else:
                a_id, b_id = goal.indicator_id, spec.denominator
            for component in (a_id, b_id):
                if spec.method == "ratio" and INDICATORS[component].year_rule == "recompute":
                    raise NotImplementedError(f"{goal.indicator_id}: a ratio of recomputed indicators")
        rows.append(
            {
                "goal_id": goal.goal_id,
                "partnership_id": goal.partnership_id,
                "dimension": goal.dimension,
                "category": goal.category,
                "method": method,
                "a_id": a_id,
                "a_rule": INDICATORS[a_id].year_rule,
                "b_id": b_id,
                "b_rule": INDICATORS[b_id].year_rule if b_id else None,
                "scale": float(scale),
            }
        )
    schema = pa.schema(
        [(n, pa.string()) for n in ("goal_id", "partnership_id", "dimension", "category", "method", "a_id", "a_rule")]
        + [("b_id", pa.string()), ("b_rule", pa.string()), ("scale", pa.float64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def duckdb_figures(store: Store, layer: Layer = "submitted", *, threads: int | None = None) -> Figures:
    """The same aggregates computed by DuckDB over the same Delta tables (read as pyarrow datasets)."""
    import duckdb
    from deltalake import DeltaTable

    clock = _Clock()
    connection = duckdb.connect()
    if threads:
        connection.execute(f"SET threads = {int(threads)}")

    def register() -> None:
        for dataset in DATASETS:
            table = DeltaTable(store.uri(indicator_table(dataset, layer)), storage_options=store.storage_options)
            connection.register(f"t_{dataset}", table.to_pyarrow_dataset())
        union = " UNION ALL ".join(
            f"SELECT partnership_id, year, quarter, indicator_id, dimension, category, value FROM t_{d}"
            for d in DATASETS
        )
        connection.execute(f"CREATE OR REPLACE VIEW all_rows AS {union}")
        goals = DeltaTable(store.uri(GOALS_TABLE), storage_options=store.storage_options).to_pyarrow_dataset()
        connection.register("goals_ds", goals)
        rules = pa.table({"indicator_id": list(INDICATORS), "year_rule": [i.year_rule for i in INDICATORS.values()]})
        connection.register("rules", rules)

    return _figures(connection, clock, register)


# ---- DuckDB reading the Parquet files itself -----------------------------------------------------------------

UNSUPPORTED_READER_FEATURES = frozenset({"deletionVectors", "columnMapping"})
"""Reader features with which a table's Parquet files alone do not give its rows."""
_DUCKDB_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "int32": "INTEGER", "double": "DOUBLE", "bool": "BOOLEAN"}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_literal(value: object, duck_type: str) -> str:
    if value is None:
        return f"NULL::{duck_type}"
    return f"CAST({_sql_text(str(value))} AS {duck_type})"


def parquet_select(table: object, columns: Sequence[str]) -> str:
    """SQL selecting ``columns`` of a Delta table (a ``deltalake.DeltaTable`` at the version wanted) by DuckDB's
    ``read_parquet`` over its files: one scan per partition (partition values from the add actions, as constants),
    glued with UNION ALL; an empty table gives no rows with the right types."""
    from deltalake import DeltaTable

    assert isinstance(table, DeltaTable)
    features = set(table.protocol().reader_features or ())
    if features & UNSUPPORTED_READER_FEATURES:
        raise NotImplementedError(f"{table.table_uri}: reader features {sorted(features)} need a Delta reader")
    schema = pa.schema(table.schema())
    types = {f.name: _DUCKDB_TYPES.get(str(f.type), "VARCHAR") for f in schema}
    partitions = list(table.metadata().partition_columns)
    stored = [c for c in columns if c not in partitions]
    actions = pa.table(table.get_add_actions(flatten=True))
    if actions.num_rows == 0:
        empty = ", ".join(f"NULL::{types[c]} AS {c}" for c in columns)
        return f"SELECT {empty} WHERE false"
    if partitions:
        values = actions.select([f"partition.{c}" for c in partitions]).to_pylist()
        groups = sorted({tuple(v.values()) for v in values}, key=repr)
    else:
        groups = [()]
    scans = []
    for group in groups:
        pruning = [(c, "=", "" if v is None else v) for c, v in zip(partitions, group, strict=True)]
        files = table.file_uris(file_pruning_predicate=pruning) if pruning else table.file_uris()
        constants = dict(zip(partitions, group, strict=True))
        selected = ", ".join(c if c in stored else f"{_sql_literal(constants[c], types[c])} AS {c}" for c in columns)
        listing = ", ".join(_sql_text(f) for f in files)
        scans.append(f"SELECT {selected} FROM read_parquet([{listing}])")
    return " UNION ALL ".join(scans)


ROW_COLUMNS: tuple[str, ...] = ("partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value")


def duckdb_native_figures(
    store: Store,
    layer: Layer = "submitted",
    *,
    threads: int | None = None,
    versions: Mapping[str, int] | None = None,
) -> Figures:
    """The same aggregates as ``duckdb_figures`` (the same SQL), with DuckDB reading the tables' Parquet files
    natively at the given (default: current) versions; ``Figures.versions`` says which it read."""
    import duckdb
    from deltalake import DeltaTable

    clock = _Clock()
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    if threads:
        connection.execute(f"SET threads = {int(threads)}")
    read: dict[str, int] = {}

    def delta(name: str) -> DeltaTable:
        version = (versions or {}).get(name)
        table = DeltaTable(store.uri(name), version=version, storage_options=store.storage_options)
        read[name] = table.version()
        return table

    def register() -> None:
        for dataset in DATASETS:
            select = parquet_select(delta(indicator_table(dataset, layer)), ROW_COLUMNS)
            connection.execute(f"CREATE OR REPLACE VIEW t_{dataset} AS {select}")
        union = " UNION ALL ".join(f"SELECT * FROM t_{d}" for d in DATASETS)
        connection.execute(f"CREATE OR REPLACE VIEW all_rows AS {union}")
        goals = delta(GOALS_TABLE)
        select = parquet_select(goals, pa.schema(goals.schema()).names)
        connection.execute(f"CREATE OR REPLACE VIEW goals_ds AS {select}")
        rules = pa.table({"indicator_id": list(INDICATORS), "year_rule": [i.year_rule for i in INDICATORS.values()]})
        connection.register("rules", rules)

    return _figures(connection, clock, register, versions=read)


def _figures(
    connection: duckdb.DuckDBPyConnection,
    clock: _Clock,
    register: Callable[[], None],
    versions: dict[str, int] | None = None,
) -> Figures:
    """The same SQL over whatever ``register`` made the views ``all_rows``, ``goals_ds`` and ``rules`` read: the
    KPIs, the yearly roll-ups and every goal's annual points, each step timed by ``clock``."""
    clock.step("read", register)
    ids = ", ".join(f"'{i}'" for i in HEADLINE_KPIS)
    kpis = clock.step("kpis", lambda: connection.execute(KPI_SQL.format(ids=ids)).df())
    rollup_ids = ", ".join(f"'{i}'" for i in ROLLUP_INDICATORS)
    annual = clock.step("annual", lambda: connection.execute(ANNUAL_SQL.format(ids=rollup_ids)).df())

    def goal_points() -> pd.DataFrame:
        specs = goal_specs(connection.execute("SELECT * FROM goals_ds").df())
        connection.register("goal_specs", specs)
        return connection.execute(GOAL_POINTS_SQL).df()

    points = clock.step("goals", goal_points)
    connection.close()
    return Figures(
        _kpi_rows(kpis), annual, points, clock.seconds, goals_total=points["goal_id"].nunique(), versions=versions or {}
    )


def _kpi_rows(raw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for indicator_id in HEADLINE_KPIS:
        current = raw[(raw["indicator_id"] == indicator_id) & raw["current"]]
        previous = raw[(raw["indicator_id"] == indicator_id) & ~raw["current"]]
        rows.append(
            {
                "indicator_id": indicator_id,
                "value": float(current["value"].iloc[0]) if len(current) else None,
                "previous": float(previous["value"].iloc[0]) if len(previous) else None,
                "partnerships": int(current["partnerships"].iloc[0]) if len(current) else 0,
            }
        )
    return pd.DataFrame(rows)


# ---- the cross-check --------------------------------------------------------------------------------------------


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return (a is None or a != a) and (b is None or b != b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check_same(product: Figures, reference: Figures, product_points: pd.DataFrame) -> dict[str, object]:
    """Assert that both engines give the same KPIs, yearly roll-ups and goal points; returns what was compared."""
    for p, r in zip(product.kpis.itertuples(), reference.kpis.itertuples(), strict=True):
        assert p.indicator_id == r.indicator_id
        assert _close(p.value, r.value), f"KPI {p.indicator_id}: product {p.value} vs DuckDB {r.value}"
        assert _close(p.previous, r.previous), f"KPI {p.indicator_id} a year earlier: {p.previous} vs {r.previous}"
        assert p.partnerships == r.partnerships, (
            f"KPI {p.indicator_id} partnerships: {p.partnerships} vs {r.partnerships}"
        )
    keys = ["indicator_id", "partnership_id", "year"]
    mine = product.annual[[*keys, "value"]].astype({"partnership_id": str, "year": int})
    theirs = reference.annual[[*keys, "value"]].astype({"partnership_id": str, "year": int})
    joined = mine.merge(theirs, on=keys, how="outer", suffixes=("_p", "_d"), indicator=True)
    assert (joined["_merge"] == "both").all(), f"yearly roll-ups differ in keys: {joined[joined['_merge'] != 'both']}"
    assert ((joined["value_p"] - joined["value_d"]).abs() <= 1e-6 * joined["value_p"].abs().clip(1)).all()
    sampled = set(product_points["goal_id"]) if len(product_points) else set()
    goal_ids = set(product.goals["goal_id"])
    theirs = reference.goals[reference.goals["goal_id"].isin(goal_ids)]
    points = product_points.astype({"year": int}).merge(
        theirs.astype({"year": int}), on=["goal_id", "year"], how="outer", suffixes=("_p", "_d"), indicator=True
    )
    assert (points["_merge"] == "both").all(), f"goal points differ in keys: {points[points['_merge'] != 'both']}"
    assert ((points["value_p"] - points["value_d"]).abs() <= 1e-6 * points["value_p"].abs().clip(1)).all()
    return {
        "kpis": len(product.kpis),
        "annual_points": len(joined),
        "goals_compared": len(goal_ids),
        "goals_with_points": len(sampled),
        "goal_points": len(points),
    }
