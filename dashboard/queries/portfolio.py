"""The portfolio views' one pass over a layer and the figures of the overview, without Streamlit.

:func:`layer_summary` reads a whole layer once, string columns as dictionaries (integer codes, no string per row),
and keeps only what the portfolio views need: the quarters reported, the latest quarter of each partnership in each
dataset, the headline figures (total rows of the KPI and trend indicators; suppressed for the public) and every goal
evaluated. Nothing of the full layer outlives the call. The web layer caches each result by the tables' versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.analytics.filters import id_mask
from dashboard.analytics.goals import evaluate_goals, partnership_progress
from dashboard.analytics.metrics import (
    HEADLINE_KPIS,
    Kpi,
    PeriodCoverage,
    partnership_overview,
    period_coverage,
    portfolio_kpis,
    quarterly_trend,
)
from dashboard.present.scorecards import with_scorecards
from dashboard.public.published import public_partnerships
from dashboard.public.suppression import suppress
from dashboard.queries.explorer import kept_rows
from dashboard.storage.reads import Versions, isin_filter, scan, typed_like_store
from dashboard.storage.store import Store
from dashboard.storage.tables import Layer, indicator_table
from data_contracts import DATASET_INFO, DATASETS, FIGURE_COLUMNS, INDICATORS, TOTAL
from data_contracts.quarters import Quarter, quarter_numbers, quarters_of_numbers

HEADLINE_INDICATORS: tuple[str, ...] = tuple(
    dict.fromkeys([*HEADLINE_KPIS, *(info.headline_indicator for info in DATASET_INFO.values())])
)
"""Indicators the portfolio overview shows across partnerships: the KPI cards and each dataset's trend."""
HEADLINE_COLUMNS = list(FIGURE_COLUMNS)
COVERAGE_COLUMNS = ["partnership_id", "dataset", "year", "quarter"]
REPORTED_COLUMNS = ["partnership_id", "year", "quarter"]


@dataclass
class LayerSummary:
    """What the portfolio views need of a whole layer (or of its public partnerships)."""

    periods: list[Quarter]
    """Every (year, quarter) reported, oldest first."""
    coverage: pd.DataFrame
    """The latest quarter each partnership reported in each dataset: :data:`COVERAGE_COLUMNS`."""
    total_rows: dict[str, int]
    """Headline rows (dimension and category total) per partnership."""
    headline: dict[str, pd.DataFrame]
    """Per dataset, the total rows of :data:`HEADLINE_INDICATORS` (suppressed for the public), typed like
    ``Store.read``: what the KPI cards and the trends read of the indicator frames."""
    goals: pd.DataFrame
    """Every goal (of public partnerships, for the public) evaluated by ``goals.evaluate_goals``."""
    rows: int = 0
    """Rows read."""
    partnership_ids: tuple[str, ...] | None = field(default=None)
    """The partnerships summarised (None: all)."""
    reported: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORTED_COLUMNS))
    """Every quarter each partnership reported, in any dataset: :data:`REPORTED_COLUMNS`, one row each."""
    row_counts: dict[str, int] = field(default_factory=dict)
    """Rows read per partnership (their sum is :attr:`rows`)."""
    explorer: pa.Table | None = None
    """The rows the indicator explorer reads (``explorer.kept_rows``), when asked for (staff only)."""

    def coverage_frames(self) -> dict[str, pd.DataFrame]:
        """Per dataset, the latest quarter of each partnership reporting in it (what ``partnership_overview``
        needs of the indicator frames); datasets without rows are left out, as empty frames are there."""
        return {
            d: part[["partnership_id", "year", "quarter"]].reset_index(drop=True)
            for d, part in self.coverage.groupby("dataset", sort=False)
            if d in DATASETS
        }


def _public_headline(rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """The headline total rows as the public sees them: :func:`suppress` of every row they depend on (the headline
    indicators and the populations and numerators their disclosure names, all breakdowns), which gives each row the
    suppression it gets among all rows (suppression never looks beyond a partnership and those indicators)."""
    needed = set(HEADLINE_INDICATORS)
    for indicator_id in HEADLINE_INDICATORS:
        disclosure = INDICATORS[indicator_id].disclosure
        if disclosure is not None:
            needed |= {disclosure.population, disclosure.numerator} - {None}
    part = rows[rows["indicator_id"].isin(sorted(needed))]
    safe = suppress(typed_like_store(part[HEADLINE_COLUMNS]).reset_index(drop=True), k)
    keep = safe["indicator_id"].isin(HEADLINE_INDICATORS) & (safe["dimension"] == TOTAL) & (safe["category"] == TOTAL)
    return safe.loc[keep, HEADLINE_COLUMNS].reset_index(drop=True)


def layer_summary(
    store: Store,
    layer: Layer,
    versions: Versions,
    goals: pd.DataFrame,
    *,
    partnership_ids: Sequence[str] | None = None,
    k: int | None = None,
    explorer: bool = False,
) -> LayerSummary:
    """One pass over a layer: :class:`LayerSummary` of every partnership, or of ``partnership_ids`` only (the
    public partnerships, with ``k``: headline figures suppressed for the public, goals of those partnerships);
    with ``explorer`` (staff only), the rows the indicator explorer reads too.

    The same numbers as the old path (every table read whole, filtered and computed in pandas): goals are evaluated
    by ``goals.evaluate_goals`` on the same rows, headline rows are the store's rows (suppressed as ``public_rows``
    does for the public)."""
    expression = None if partnership_ids is None else isin_filter("partnership_id", partnership_ids)
    tables = [
        scan(store, indicator_table(dataset, layer), version, filter=expression)
        for dataset, version in zip(DATASETS, versions, strict=True)
    ]
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    kept = kept_rows(table) if explorer and k is None else None
    rows = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pid = rows["partnership_id"]
    codes = pid.cat.codes.to_numpy(dtype=np.int64)
    # a quarter as one number (consecutive quarters, consecutive numbers): few enough to count rather than sort
    period = quarter_numbers(rows["year"], rows["quarter"])
    lowest = int(period.min()) if period.size else 0
    periods = {Quarter.from_number(p) for p in np.flatnonzero(np.bincount(period - lowest)) + lowest}
    coverage, start = [], 0
    for dataset, part in zip(DATASETS, tables, strict=True):
        stop = start + part.num_rows
        mine = slice(start, stop)
        known = codes[mine] >= 0
        latest = np.full(len(pid.cat.categories), -1, dtype=np.int64)
        np.maximum.at(latest, codes[mine][known], period[mine][known])  # each partnership's latest quarter here
        reporting = np.flatnonzero(latest >= 0)
        if reporting.size:
            year, quarter = quarters_of_numbers(latest[reporting])
            coverage.append(
                pd.DataFrame(
                    {
                        "partnership_id": pid.cat.categories[reporting].astype(str),
                        "dataset": dataset,
                        "year": year,
                        "quarter": quarter,
                    }
                )
            )
        start = stop
    reported = _reported(pid, codes, period).sort_values(REPORTED_COLUMNS, ignore_index=True, kind="stable")
    is_total = ((rows["dimension"] == TOTAL) & (rows["category"] == TOTAL)).to_numpy()
    counts = np.bincount(codes[is_total & (codes >= 0)], minlength=len(pid.cat.categories))
    totals = {str(p): int(n) for p, n in zip(pid.cat.categories, counts, strict=True) if n}
    every = np.bincount(codes[codes >= 0], minlength=len(pid.cat.categories))
    row_counts = {str(p): int(n) for p, n in zip(pid.cat.categories, every, strict=True) if n}
    if k is None:
        headline = typed_like_store(
            rows.loc[is_total & rows["indicator_id"].isin(HEADLINE_INDICATORS), HEADLINE_COLUMNS]
        )
        headline = headline.reset_index(drop=True)
    else:
        headline = _public_headline(rows, k)
    dataset_of = headline["indicator_id"].map({i: INDICATORS[i].dataset for i in INDICATORS}).astype(object)
    by_dataset = {d: canonical_headline(headline[(dataset_of == d).to_numpy()]) for d in DATASETS}
    chosen = goals if partnership_ids is None else goals[goals["partnership_id"].isin(list(partnership_ids))]
    evaluated = evaluate_goals(chosen, rows)
    coverage_frame = (
        pd.concat(coverage, ignore_index=True) if coverage else pd.DataFrame(columns=COVERAGE_COLUMNS)
    ).astype({"partnership_id": "string", "dataset": str, "year": "int64", "quarter": "int64"})
    return LayerSummary(
        periods=sorted(periods),
        coverage=canonical_coverage(coverage_frame),
        total_rows=totals,
        headline=by_dataset,
        goals=evaluated,
        rows=len(rows),
        partnership_ids=None if partnership_ids is None else tuple(partnership_ids),
        reported=reported,
        row_counts=row_counts,
        explorer=kept,
    )


def canonical_coverage(coverage: pd.DataFrame) -> pd.DataFrame:
    """Coverage rows in one order whichever way they were gathered: by dataset (``DATASETS`` order), then
    partnership."""
    rank = coverage["dataset"].map({d: n for n, d in enumerate(DATASETS)})
    ordered = coverage.assign(_rank=rank).sort_values(["_rank", "partnership_id"], kind="stable")
    return ordered.drop(columns="_rank").reset_index(drop=True)


def canonical_headline(headline: pd.DataFrame) -> pd.DataFrame:
    """Headline rows in one order whichever way they were gathered: partnership, quarter, indicator."""
    return headline.sort_values(["partnership_id", "year", "quarter", "indicator_id"], ignore_index=True, kind="stable")


def _reported(pid: pd.Series, codes: np.ndarray, period: np.ndarray) -> pd.DataFrame:
    """The distinct (partnership, quarter) pairs of the rows (partnership codes and quarter numbers), as
    :data:`REPORTED_COLUMNS`."""
    known = codes >= 0
    if not known.any():
        return pd.DataFrame({"partnership_id": pd.Series(dtype="string"), "year": [], "quarter": []}).astype(
            {"year": "int64", "quarter": "int64"}
        )
    lowest = int(period[known].min())
    span = int(period[known].max()) - lowest + 1
    pairs = np.unique(codes[known] * span + (period[known] - lowest))
    year, quarter = quarters_of_numbers(pairs % span + lowest)
    return pd.DataFrame(
        {
            "partnership_id": pd.Series(pid.cat.categories[pairs // span].astype(str), dtype="string"),
            "year": np.asarray(year, dtype="int64"),
            "quarter": np.asarray(quarter, dtype="int64"),
        }
    )


def public_ids(partnerships: pd.DataFrame) -> tuple[str, ...]:
    """Ids of the partnerships whose figures the public may see, sorted."""
    return tuple(sorted(str(p) for p in public_partnerships(partnerships)["partnership_id"]))


# ---- the portfolio overview ---------------------------------------------------------------------------------------


def in_view(
    frames: dict[str, pd.DataFrame], partnership_ids: set[str], datasets: Sequence[str] = DATASETS
) -> dict[str, pd.DataFrame]:
    """Each dataset's frame (of ``datasets``) restricted to the partnerships in view (every one present)."""
    empty = pd.DataFrame(columns=HEADLINE_COLUMNS)
    return {
        d: frames[d][id_mask(frames[d]["partnership_id"], partnership_ids)] if d in frames else empty for d in datasets
    }


def overview_kpis(headline: dict[str, pd.DataFrame], partnership_ids: set[str], period: Quarter) -> list[Kpi]:
    """``metrics.portfolio_kpis`` of the partnerships in view (the KPI cards read only headline total rows,
    ``LayerSummary.headline``): each card's value over the partnerships reporting in the quarter, its change like
    for like."""
    return portfolio_kpis(in_view(headline, partnership_ids), period)


def overview_coverage(summary: LayerSummary, partnership_ids: set[str]) -> PeriodCoverage:
    """``metrics.period_coverage`` of the partnerships in view: how many reported each quarter of the layer, from
    which the page picks its quarter (``metrics.default_period``) and marks partial ones."""
    return period_coverage(summary.reported, summary.periods, partnership_ids)


def overview_trends(
    headline: dict[str, pd.DataFrame], partnerships: pd.DataFrame, datasets: Sequence[str] = DATASETS
) -> dict[str, pd.DataFrame]:
    """Each dataset's ``metrics.quarterly_trend`` of its headline indicator (from ``LayerSummary.headline``), for
    the partnerships in view."""
    frames = in_view(headline, set(partnerships["partnership_id"]), datasets)  # each dataset filtered once
    return {d: quarterly_trend(frames[d], DATASET_INFO[d].headline_indicator, partnerships) for d in datasets}


OVERVIEW_ORDER = [
    "Partnership",
    "Off course",
    "On course",
    "Not assessable",
    "Average status",
    "Latest quarter",
    "Data reported",
    "Focus",
    "Lead sector",
    "Country",
    "Region",
    "Committed funding (USD)",
    "Partners",
    "Visibility",
    "partnership_id",
]
"""The overview list's columns: the name, then where its goals stand, then what it reports, then its profile."""


def overview_table(summary: LayerSummary, partnerships: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """The partnership list of the overview: ``metrics.partnership_overview`` with each partnership's goal scorecard
    (``scorecards.with_scorecards``: goals off course, on course and not assessable, the average status beside them)
    right after its name, the most goals off course first (``goals`` are the goals in view)."""
    ids = set(partnerships["partnership_id"])
    frames = {d: f[id_mask(f["partnership_id"], ids)] for d, f in summary.coverage_frames().items()}
    overview = partnership_overview(partnerships, frames)
    overview["Focus"] = overview["Focus"].where(overview["Focus"] != "", "–")
    average = partnership_progress(goals).set_index("partnership_id")["status_label"]
    return with_scorecards(overview, goals, average)[OVERVIEW_ORDER]
