"""The portfolio's figures over every partnership of a variant, aggregated once per change by SQL (DuckDB, in
process) and kept in a small derived table, so the overview of the whole portfolio never holds a row per
partnership and quarter.

What it keeps (:data:`FIGURES_SCHEMA`, one ``part`` per kind), from the read model's headline rows (the total rows
of the KPI and trend indicators, suppressed for the public) of the partnerships in the partnerships table:

- ``kpi``: per KPI indicator and quarter, what ``metrics.portfolio_kpis`` shows: the sum over the partnerships that
  reported it, how many, and the like-for-like sums against the same quarter a year earlier;
- ``first``: per indicator and quarter, how many partnerships first reported it then (a card's "of N in view" is
  their running count);
- ``band``: per trend indicator and quarter, how many partnerships have a value and their quartiles (pandas' linear
  interpolation is SQL's ``quantile_cont``): what ``trend_distribution`` draws;
- ``trend``: per trend indicator, how many partnerships its trend holds;
- ``named``: the trend rows of the few largest partnerships in the latest quarter with values, by name.

:func:`figure_kpis` and :func:`figure_trend` turn them back into the objects the page draws; a test checks them
against ``metrics.portfolio_kpis`` and ``trend_distribution`` over the rows. The same SQL runs on any engine that
reads the derived table (Spark, Trino): it uses only standard aggregates, joins and window functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from dashboard.analytics.metrics import HEADLINE_KPIS, Kpi
from dashboard.analytics.trend_distribution import BAND_COLUMNS, NAMED_LINES, TrendDistribution
from data_contracts import DATASET_INFO, INDICATORS
from data_contracts.quarters import Quarter

TREND_INDICATORS: dict[str, str] = {dataset: info.headline_indicator for dataset, info in DATASET_INFO.items()}
"""Each dataset's trend indicator."""

FIGURES_SCHEMA = pa.schema(
    [
        pa.field("part", pa.string(), nullable=False),
        pa.field("partnership_id", pa.string(), nullable=False),
        pa.field("partnership", pa.string()),
        pa.field("indicator_id", pa.string()),
        pa.field("year", pa.int64()),
        pa.field("quarter", pa.int64()),
        pa.field("value", pa.float64()),
        pa.field("previous", pa.float64()),
        pa.field("compared_value", pa.float64()),
        pa.field("partnerships", pa.int64()),
        pa.field("compared", pa.int64()),
        pa.field("p25", pa.float64()),
        pa.field("median", pa.float64()),
        pa.field("p75", pa.float64()),
        pa.field("rank", pa.int64()),
    ]
)
"""One schema for every part (aggregate rows have a blank ``partnership_id``)."""

HEADLINE_INPUT = pa.schema(
    [
        pa.field("partnership_id", pa.string()),
        pa.field("indicator_id", pa.string()),
        pa.field("year", pa.int64()),
        pa.field("quarter", pa.int64()),
        pa.field("value", pa.float64()),
    ]
)
"""What the figures are computed from: headline total rows."""

FIGURES_SQL = """
WITH h AS (
    SELECT h.partnership_id, n.name AS partnership, h.indicator_id, h.year, h.quarter,
           h.year * 4 + h.quarter - 1 AS q, h.value
    FROM headline h JOIN names n ON n.partnership_id = h.partnership_id
),
pv AS (
    SELECT partnership_id, indicator_id, q, any_value(year) AS year, any_value(quarter) AS quarter, sum(value) AS v
    FROM h WHERE value IS NOT NULL AND indicator_id IN (SELECT indicator_id FROM kpis)
    GROUP BY partnership_id, indicator_id, q
),
kpi AS (
    SELECT now.indicator_id, any_value(now.year) AS year, any_value(now.quarter) AS quarter,
           sum(now.v) AS value, sum(before.v) AS previous,
           sum(CASE WHEN before.v IS NOT NULL THEN now.v END) AS compared_value,
           count(*) AS partnerships, count(before.v) AS compared
    FROM pv now LEFT JOIN pv before
      ON before.partnership_id = now.partnership_id AND before.indicator_id = now.indicator_id
     AND before.q = now.q - 4
    GROUP BY now.indicator_id, now.q
),
firsts AS (
    SELECT indicator_id, min(q) AS q FROM pv GROUP BY partnership_id, indicator_id
),
first_counts AS (
    SELECT indicator_id, q, count(*) AS partnerships FROM firsts GROUP BY indicator_id, q
),
trend AS (
    SELECT * FROM h WHERE indicator_id IN (SELECT indicator_id FROM trends)
),
band AS (
    SELECT indicator_id, any_value(year) AS year, any_value(quarter) AS quarter, count(*) AS partnerships,
           quantile_cont(value, 0.25) AS p25, quantile_cont(value, 0.5) AS median,
           quantile_cont(value, 0.75) AS p75
    FROM trend WHERE value IS NOT NULL GROUP BY indicator_id, q
),
held AS (
    SELECT indicator_id, count(DISTINCT partnership_id) AS partnerships FROM trend GROUP BY indicator_id
),
latest AS (
    SELECT indicator_id, max(q) AS q FROM trend WHERE value IS NOT NULL GROUP BY indicator_id
),
ranked AS (
    SELECT t.indicator_id, t.partnership_id,
           row_number() OVER (
               PARTITION BY t.indicator_id ORDER BY t.value DESC, t.partnership ASC, t.partnership_id ASC
           ) AS rank
    FROM trend t JOIN latest l ON l.indicator_id = t.indicator_id AND l.q = t.q
    WHERE t.value IS NOT NULL
)
SELECT 'kpi' AS part, '' AS partnership_id, NULL AS partnership, indicator_id, year, quarter, value, previous,
       compared_value, partnerships, compared, NULL AS p25, NULL AS median, NULL AS p75, NULL AS rank
FROM kpi
UNION ALL
SELECT 'first', '', NULL, indicator_id, q // 4, q % 4 + 1, NULL, NULL, NULL, partnerships, NULL, NULL, NULL, NULL,
       NULL
FROM first_counts
UNION ALL
SELECT 'band', '', NULL, indicator_id, year, quarter, NULL, NULL, NULL, partnerships, NULL, p25, median, p75, NULL
FROM band
UNION ALL
SELECT 'trend', '', NULL, indicator_id, NULL, NULL, NULL, NULL, NULL, partnerships, NULL, NULL, NULL, NULL, NULL
FROM held
UNION ALL
SELECT 'named', t.partnership_id, t.partnership, t.indicator_id, t.year, t.quarter, t.value, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, r.rank
FROM trend t JOIN ranked r ON r.indicator_id = t.indicator_id AND r.partnership_id = t.partnership_id
WHERE r.rank <= $named
"""
"""The figures of every partnership in ``names`` from their ``headline`` rows (``kpis`` and ``trends`` name the
indicators): standard SQL but for DuckDB's ``quantile_cont`` (``percentile_cont`` elsewhere) and ``any_value``."""


def compute_figures(headline: pa.Table, names: pd.DataFrame, *, named: int = NAMED_LINES) -> pa.Table:
    """The :data:`FIGURES_SCHEMA` rows of the partnerships in ``names`` (``partnership_id``, ``name``) from their
    headline rows (:data:`HEADLINE_INPUT` columns; other partnerships' rows are left out), by :data:`FIGURES_SQL`
    in an in-process DuckDB."""
    rows = headline.select(HEADLINE_INPUT.names).cast(HEADLINE_INPUT)
    ids = names["partnership_id"].astype(str)
    labels = names["name"].astype(object).where(names["name"].notna(), ids).astype(str)
    tables = {
        "headline": rows,
        "names": pa.table({"partnership_id": pa.array(ids.tolist(), pa.string()), "name": labels.tolist()}),
        "kpis": pa.table({"indicator_id": pa.array(list(HEADLINE_KPIS), pa.string())}),
        "trends": pa.table({"indicator_id": pa.array(sorted(set(TREND_INDICATORS.values())), pa.string())}),
    }
    with duckdb.connect(config={"threads": 2}) as connection:
        for name, table in tables.items():
            connection.register(name, table)
        found = connection.sql(FIGURES_SQL, params={"named": int(named)}).to_arrow_table()
    return pa.Table.from_arrays(
        [found[f.name].cast(f.type) for f in FIGURES_SCHEMA], schema=FIGURES_SCHEMA
    ).combine_chunks()


@dataclass(frozen=True)
class FigureStamp:
    """What a figures table reflects: the read model's sources of its variant and the partnerships table's
    version (names and who is in the portfolio)."""

    summary: str
    partnerships: int

    def to_json(self) -> str:
        return json.dumps({"summary": self.summary, "partnerships": self.partnerships}, sort_keys=True)


# ---- back to what the page draws -----------------------------------------------------------------------------------


def _part(figures: pd.DataFrame, part: str, indicator_id: str) -> pd.DataFrame:
    return figures[(figures["part"] == part) & (figures["indicator_id"] == indicator_id)]


def figure_kpis(figures: pd.DataFrame, period: Quarter, indicator_ids: Sequence[str] = HEADLINE_KPIS) -> list[Kpi]:
    """``metrics.portfolio_kpis`` of every partnership from the kept figures (the ``kpi`` and ``first`` rows)."""
    period = Quarter(*period)
    kpis = []
    for indicator_id in indicator_ids:
        indicator = INDICATORS[indicator_id]
        firsts = _part(figures, "first", indicator_id)
        if firsts.empty:  # nobody reported it, in any quarter
            kpis.append(Kpi(indicator_id, indicator.short_name, indicator.unit, period, None, None, 0))
            continue
        first_numbers = firsts["year"].to_numpy() * 4 + firsts["quarter"].to_numpy() - 1
        in_view = int(firsts["partnerships"].to_numpy()[first_numbers <= period.number].sum())
        at = _part(figures, "kpi", indicator_id)
        at = at[(at["year"] == period.year) & (at["quarter"] == period.quarter)]
        if at.empty:
            kpis.append(Kpi(indicator_id, indicator.short_name, indicator.unit, period, None, None, 0, in_view))
            continue
        row = at.iloc[0]
        compared = int(row["compared"])
        kpis.append(
            Kpi(
                indicator_id,
                indicator.short_name,
                indicator.unit,
                period,
                value=float(row["value"]),
                previous=float(row["previous"]) if compared else None,
                partnerships=int(row["partnerships"]),
                partnerships_in_view=in_view,
                compared=compared,
                compared_value=float(row["compared_value"]) if compared else None,
            )
        )
    return kpis


def figure_trend_size(figures: pd.DataFrame, dataset: str) -> int:
    """How many partnerships a dataset's trend holds (with or without a value)."""
    held = _part(figures, "trend", TREND_INDICATORS[dataset])
    return int(held["partnerships"].iloc[0]) if len(held) else 0


def figure_trend(figures: pd.DataFrame, dataset: str) -> TrendDistribution:
    """``trend_distribution`` of a dataset's trend over every partnership, from the kept ``band`` and ``named``
    rows (the named partnerships' trend rows with ``metrics.quarterly_trend``'s columns)."""
    indicator_id = TREND_INDICATORS[dataset]
    size = figure_trend_size(figures, dataset)
    bands = _part(figures, "band", indicator_id).sort_values(["year", "quarter"])
    quarters = [Quarter(int(y), int(q)) for y, q in zip(bands["year"], bands["quarter"], strict=True)]
    band_frame = pd.DataFrame(
        {
            "period": [q.label for q in quarters],
            "period_start": [q.start for q in quarters],
            "partnerships": bands["partnerships"].astype("int64").to_numpy(),
            "p25": bands["p25"].to_numpy(),
            "median": bands["median"].to_numpy(),
            "p75": bands["p75"].to_numpy(),
        }
    )[BAND_COLUMNS]
    named = _part(figures, "named", indicator_id)
    order = named.drop_duplicates("partnership_id").sort_values("rank")
    ranked = [(str(i), str(n)) for i, n in zip(order["partnership_id"], order["partnership"], strict=True)]
    rows = named.sort_values(["partnership", "year", "quarter"], ignore_index=True)
    labelled = [Quarter(int(y), int(q)) for y, q in zip(rows["year"], rows["quarter"], strict=True)]
    trend = pd.DataFrame(
        {
            "partnership_id": rows["partnership_id"].astype("string"),
            "partnership": rows["partnership"].astype("string"),
            "year": rows["year"].astype("int64"),
            "quarter": rows["quarter"].astype("int64"),
            "period": [q.label for q in labelled],
            "period_start": [q.start for q in labelled],
            "value": rows["value"].astype("float64"),
        }
    )
    ranked_in = band_frame["period"].iloc[-1] if len(band_frame) else ""
    return TrendDistribution(band_frame, trend, ranked, size, ranked_in)
