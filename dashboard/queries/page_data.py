"""What the pages read and compute, without Streamlit: reads of only the rows and columns a view needs, and the
small results the pages show. ``dashboard.web.ui`` caches every function here by the versions of the tables it reads.

Two kinds of read:

- :func:`read_rows`: the rows of some partnerships and/or indicators, pushed down to the Delta files (a partnership
  filter skips files by their statistics; a dataset that cannot hold an indicator is not read at all). Frames are
  typed exactly like ``Store.read``: the same rows, columns and dtypes as the old whole-table read filtered in pandas.
- :func:`layer_summary`: one pass over a whole layer for the portfolio views, reading string columns as
  dictionaries (integer codes, no string per row) and keeping only what the views need: the quarters reported, the
  latest quarter of each partnership in each dataset, the headline figures (total rows of the KPI and trend
  indicators) and every goal evaluated. Nothing of the full layer outlives the call.

Every function takes table versions, so a result always belongs to one snapshot of the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

from dashboard.analytics import comparison as cmp
from dashboard.analytics.annual import components
from dashboard.analytics.goals import evaluate_goals, partnership_progress
from dashboard.analytics.metrics import (
    HEADLINE_KPIS,
    Period,
    partnership_overview,
    period_label,
    portfolio_kpis,
    quarterly_trend,
)
from dashboard.analytics.progress import STATUS_LABELS
from dashboard.present.goal_texts import profile_lines
from dashboard.public.published import public_partnerships, updated_text
from dashboard.public.suppression import suppress
from dashboard.storage.store import INDICATOR_SCHEMA, Layer, Store, indicator_table
from data_contracts import DATASET_INFO, DATASETS, INDICATORS, TOTAL

Versions = tuple[int, ...]
"""Versions of the four indicator tables of a layer, in :data:`DATASETS` order."""

HEADLINE_INDICATORS: tuple[str, ...] = tuple(
    dict.fromkeys([*HEADLINE_KPIS, *(info.headline_indicator for info in DATASET_INFO.values())])
)
"""Indicators the portfolio overview shows across partnerships: the KPI cards and each dataset's trend."""

ROW_COLUMNS: tuple[str, ...] = ("partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value")
"""Columns of a layer scan (the note is never needed across partnerships)."""
KEY_COLUMNS: tuple[str, ...] = ("partnership_id", "indicator_id", "dimension", "category")
"""String columns read as dictionaries in a layer scan."""
HEADLINE_COLUMNS = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value"]
COVERAGE_COLUMNS = ["partnership_id", "dataset", "year", "quarter"]


def layer_versions(store: Store, layer: Layer) -> Versions:
    """Current versions of a layer's indicator tables (the cache key of everything read from them)."""
    return tuple(store.version(indicator_table(d, layer)) for d in DATASETS)


def datasets_of(indicator_ids: Iterable[str]) -> list[str]:
    """The datasets whose tables can hold rows of these indicators (each catalog id belongs to one dataset)."""
    found = {INDICATORS[i].dataset for i in indicator_ids if i in INDICATORS}
    return [d for d in DATASETS if d in found]


# ---- filtered reads -----------------------------------------------------------------------------------------------


def _isin(column: str, values: Sequence[str]) -> pc.Expression:
    return pc.field(column).isin(list(values))


def read_rows(
    store: Store,
    layer: Layer,
    versions: Versions,
    *,
    partnership_ids: Sequence[str] | None = None,
    indicator_ids: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Rows of the given partnerships and/or indicators, one frame per dataset (every dataset of ``datasets``, or
    of :data:`DATASETS`, present; possibly empty), read at the given versions with the filter pushed down to the
    files. Each frame equals the whole table read by ``Store.read`` and filtered in pandas (index aside)."""
    wanted = list(datasets) if datasets is not None else list(DATASETS)
    if indicator_ids is not None:
        holding = set(datasets_of(indicator_ids))
    expression = None
    for column, values in (("partnership_id", partnership_ids), ("indicator_id", indicator_ids)):
        if values is not None:
            term = _isin(column, values)
            expression = term if expression is None else expression & term
    frames = {}
    for dataset, version in zip(DATASETS, versions, strict=True):
        if dataset not in wanted:
            continue
        table = indicator_table(dataset, layer)
        if indicator_ids is not None and dataset not in holding:
            frames[dataset] = store.read(table, version=version, filter=pc.scalar(False))
        else:
            frames[dataset] = store.read(table, version=version, filter=expression)
    return frames


def concat_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The frames of :func:`read_rows` as one frame (dataset order), as the old every-dataset read gave it."""
    return pd.concat(list(frames.values()), ignore_index=True)


def scan(store: Store, table: str, version: int, *, filter: pc.Expression | None = None) -> pa.Table:
    """A layer table's :data:`ROW_COLUMNS` as Arrow, string keys dictionary-encoded (codes, not a string per row),
    at ``version``, with ``filter`` pushed down to the files. Read through the table's URI and storage options, as
    ``Store`` opens its tables."""
    delta = DeltaTable(store.uri(table), version=version, storage_options=store.storage_options)
    options = ds.ParquetReadOptions(dictionary_columns=set(KEY_COLUMNS))
    dataset = delta.to_pyarrow_dataset(parquet_read_options=options)
    table = dataset.to_table(columns=list(ROW_COLUMNS), filter=filter)
    for name in KEY_COLUMNS:  # a table without files has plain strings: the same dictionary type for every table
        position = table.schema.get_field_index(name)
        if not pa.types.is_dictionary(table.schema.field(position).type):
            table = table.set_column(position, name, pc.dictionary_encode(table.column(position)))
    return table


def total_row_counts(store: Store, layer: Layer, versions: Versions) -> dict[str, int]:
    """How many total rows (no breakdown) each partnership has in a layer: ``LayerSummary.total_rows`` from one
    column of the total rows, the filter pushed down to the files (no other column is read)."""
    counts: dict[str, int] = {}
    is_total = (pc.field("dimension") == TOTAL) & (pc.field("category") == TOTAL)
    for dataset, version in zip(DATASETS, versions, strict=True):
        delta = DeltaTable(
            store.uri(indicator_table(dataset, layer)), version=version, storage_options=store.storage_options
        )
        options = ds.ParquetReadOptions(dictionary_columns={"partnership_id"})
        column = delta.to_pyarrow_dataset(parquet_read_options=options).to_table(
            columns=["partnership_id"], filter=is_total
        )["partnership_id"]
        for entry in pc.value_counts(column).to_pylist():
            if entry["values"] is not None:
                counts[str(entry["values"])] = counts.get(str(entry["values"]), 0) + int(entry["counts"])
    return counts


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Key columns as the store types them (string), numbers as int64 / float64."""
    out = frame.copy()
    for name in out.columns:
        kind = INDICATOR_SCHEMA.field(name).type if name in INDICATOR_SCHEMA.names else None
        if kind is None:
            continue
        if pa.types.is_string(kind):
            out[name] = out[name].astype(object).astype("string")
        elif pa.types.is_int64(kind):
            out[name] = out[name].astype("int64")
        elif pa.types.is_float64(kind):
            out[name] = out[name].astype("float64")
    return out


# ---- one pass over a layer ----------------------------------------------------------------------------------------


@dataclass
class LayerSummary:
    """What the portfolio views need of a whole layer (or of its public partnerships)."""

    periods: list[Period]
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
    safe = suppress(_typed(part[HEADLINE_COLUMNS]).reset_index(drop=True), k)
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
) -> LayerSummary:
    """One pass over a layer: :class:`LayerSummary` of every partnership, or of ``partnership_ids`` only (the
    public partnerships, with ``k``: headline figures suppressed for the public, goals of those partnerships).

    The same numbers as the old path (every table read whole, filtered and computed in pandas): goals are evaluated
    by ``goals.evaluate_goals`` on the same rows, headline rows are the store's rows (suppressed as ``public_rows``
    does for the public)."""
    expression = None if partnership_ids is None else _isin("partnership_id", partnership_ids)
    tables = [
        scan(store, indicator_table(dataset, layer), version, filter=expression)
        for dataset, version in zip(DATASETS, versions, strict=True)
    ]
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    rows = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pid = rows["partnership_id"]
    codes = pid.cat.codes.to_numpy(dtype=np.int64)
    # a quarter as one number (quarters are 1-4), small enough to count rather than sort
    period = rows["year"].to_numpy(dtype=np.int64) * 10 + rows["quarter"].to_numpy(dtype=np.int64)
    lowest = int(period.min()) if period.size else 0
    periods = {divmod(int(p), 10) for p in np.flatnonzero(np.bincount(period - lowest)) + lowest}
    coverage, start = [], 0
    for dataset, part in zip(DATASETS, tables, strict=True):
        stop = start + part.num_rows
        mine = slice(start, stop)
        known = codes[mine] >= 0
        latest = np.full(len(pid.cat.categories), -1, dtype=np.int64)
        np.maximum.at(latest, codes[mine][known], period[mine][known])  # each partnership's latest quarter here
        reporting = np.flatnonzero(latest >= 0)
        if reporting.size:
            year, quarter = np.divmod(latest[reporting], 10)
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
    is_total = ((rows["dimension"] == TOTAL) & (rows["category"] == TOTAL)).to_numpy()
    counts = np.bincount(codes[is_total & (codes >= 0)], minlength=len(pid.cat.categories))
    totals = {str(p): int(n) for p, n in zip(pid.cat.categories, counts, strict=True) if n}
    if k is None:
        headline = _typed(rows.loc[is_total & rows["indicator_id"].isin(HEADLINE_INDICATORS), HEADLINE_COLUMNS])
        headline = headline.reset_index(drop=True)
    else:
        headline = _public_headline(rows, k)
    dataset_of = headline["indicator_id"].map({i: INDICATORS[i].dataset for i in INDICATORS}).astype(object)
    by_dataset = {d: headline[(dataset_of == d).to_numpy()].reset_index(drop=True) for d in DATASETS}
    chosen = goals if partnership_ids is None else goals[goals["partnership_id"].isin(list(partnership_ids))]
    evaluated = evaluate_goals(chosen, rows)
    coverage_frame = (
        pd.concat(coverage, ignore_index=True) if coverage else pd.DataFrame(columns=COVERAGE_COLUMNS)
    ).astype({"partnership_id": "string", "dataset": str, "year": "int64", "quarter": "int64"})
    return LayerSummary(
        periods=sorted(periods),
        coverage=coverage_frame,
        total_rows=totals,
        headline=by_dataset,
        goals=evaluated,
        rows=len(rows),
        partnership_ids=None if partnership_ids is None else tuple(partnership_ids),
    )


def public_ids(partnerships: pd.DataFrame) -> tuple[str, ...]:
    """Ids of the partnerships whose figures the public may see, sorted."""
    return tuple(sorted(str(p) for p in public_partnerships(partnerships)["partnership_id"]))


def components_of(indicator_ids: Iterable[str]) -> list[str]:
    """The indicators themselves and every component their annual values need, in catalog order."""
    needed = {c for i in indicator_ids for c in components(i)} | set(indicator_ids)
    return [i for i in INDICATORS if i in needed]


# ---- the portfolio overview ---------------------------------------------------------------------------------------


def in_view(frames: dict[str, pd.DataFrame], partnership_ids: set[str]) -> dict[str, pd.DataFrame]:
    """Every dataset's frame restricted to the partnerships in view (every dataset present)."""
    empty = pd.DataFrame(columns=HEADLINE_COLUMNS)
    return {d: frames[d][frames[d]["partnership_id"].isin(partnership_ids)] if d in frames else empty for d in DATASETS}


def overview_kpis(summary: LayerSummary, partnership_ids: set[str], period: Period) -> list:
    """``metrics.portfolio_kpis`` of the partnerships in view (the KPI cards read only headline total rows)."""
    return portfolio_kpis(in_view(summary.headline, partnership_ids), period)


def overview_trends(summary: LayerSummary, partnerships: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each dataset's ``metrics.quarterly_trend`` of its headline indicator, for the partnerships in view."""
    frames = in_view(summary.headline, set(partnerships["partnership_id"]))
    return {d: quarterly_trend(frames[d], DATASET_INFO[d].headline_indicator, partnerships) for d in DATASETS}


def overview_table(summary: LayerSummary, partnerships: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """The partnership list of the overview: ``metrics.partnership_overview`` with each partnership's combined goal
    status (``goals`` are the goals in view)."""
    ids = set(partnerships["partnership_id"])
    frames = {d: f[f["partnership_id"].isin(ids)] for d, f in summary.coverage_frames().items()}
    overview = partnership_overview(partnerships, frames)
    progress = partnership_progress(goals).set_index("partnership_id")
    overview["Goal status"] = (
        overview["partnership_id"].map(progress["status_label"]).fillna(STATUS_LABELS["not_available"])
    )
    overview["Focus"] = overview["Focus"].where(overview["Focus"] != "", "–")
    return overview


# ---- the indicator explorer ---------------------------------------------------------------------------------------


def explorer_part(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str, part: str, *args: object):  # noqa: ANN201
    """One result of the indicator explorer (``comparison`` functions) from the indicator's rows: ``trend`` (and
    ``latest``), ``annual``, ``latest_breakdown`` and ``reporters`` of a dimension, ``breakdown`` of a dimension and
    partnership. An empty frame gives what the page shows when nothing is reported."""
    if part == "trend":
        return quarterly_trend(frame, indicator_id, partnerships) if not frame.empty else pd.DataFrame()
    if part == "latest":
        trend = explorer_part(frame, partnerships, indicator_id, "trend")
        return cmp.latest_from_trend(trend) if not trend.empty else pd.DataFrame(columns=cmp.LATEST_COLUMNS)
    if part == "latest_display":
        latest = explorer_part(frame, partnerships, indicator_id, "latest")
        return cmp.latest_display(latest, INDICATORS[indicator_id])
    if part == "latest_csv":
        latest = explorer_part(frame, partnerships, indicator_id, "latest")
        return cmp.latest_csv(latest, INDICATORS[indicator_id])
    if part == "latest_breakdown_display":
        parts = explorer_part(frame, partnerships, indicator_id, "latest_breakdown", *args)
        return cmp.format_columns(parts, parts.columns[2:], INDICATORS[indicator_id].unit)
    if part == "annual":
        return cmp.annual_trend(frame, indicator_id, partnerships)
    if part == "latest_breakdown":
        return cmp.latest_breakdown(frame, indicator_id, str(args[0]), partnerships) if not frame.empty else None
    if part == "reporters":
        return cmp.partnerships_with_breakdown(frame, indicator_id, str(args[0]), partnerships)
    if part == "breakdown":
        return cmp.breakdown_rows(frame, indicator_id, str(args[0]), str(args[1]))
    raise KeyError(f"unknown explorer part {part!r}")


# ---- the transparency portal --------------------------------------------------------------------------------------


@dataclass
class PortalIndex:
    """The portal's list: public partnerships with published figures (name order), their table as the portal
    lists them, and the latest quarter and last update of each."""

    reporting: list[str]
    listing: pd.DataFrame
    latest: dict[str, Period]
    updated: dict[str, object]


def portal_index(
    partnerships: pd.DataFrame, coverage: pd.DataFrame, evaluated: pd.DataFrame, updated: dict[str, object]
) -> PortalIndex:
    """:class:`PortalIndex` from the public partnerships (name order), the public summary's coverage, every public
    goal evaluated (``PublicGoal.row`` frame) and when each partnership was last updated."""
    reported = set(coverage["partnership_id"])
    reporting = [pid for pid in partnerships["partnership_id"] if pid in reported]
    shown = partnerships[partnerships["partnership_id"].isin(reporting)].reset_index(drop=True)
    progress = (
        partnership_progress(evaluated).set_index("partnership_id")["status_label"]
        if not evaluated.empty
        else pd.Series()
    )
    last = coverage.sort_values(["partnership_id", "year", "quarter"]).drop_duplicates("partnership_id", keep="last")
    latest = {
        pid: (int(year), int(quarter))
        for pid, year, quarter in zip(last["partnership_id"], last["year"], last["quarter"], strict=True)
    }
    listing = pd.DataFrame(
        {
            "Partnership": shown["name"],
            "Country": shown["country"],
            "Region": shown["region"],
            "Focus": [
                ", ".join(line[1] for line in profile_lines(p) if line[0] == "Focus datasets")
                for p in shown.to_dict("records")
            ],
            "Goal status": shown["partnership_id"].map(progress).fillna(STATUS_LABELS["not_available"]),
            "Latest quarter": shown["partnership_id"].map(lambda pid: period_label(latest[pid])),
            "Last updated": shown["partnership_id"].map(lambda pid: updated_text(updated.get(pid))),  # type: ignore[arg-type]
        }
    )
    return PortalIndex(reporting=reporting, listing=listing, latest=latest, updated=updated)


# ---- compare ------------------------------------------------------------------------------------------------------


def compare_indicator(
    frame: pd.DataFrame,
    partnerships: pd.DataFrame,
    goals: pd.DataFrame,
    indicator_id: str,
    partnership_ids: Sequence[str],
    mode: str,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """What the Compare page shows of one indicator for the chosen partnerships: the normalised quarterly series
    (``comparison.normalise`` of ``metrics.quarterly_trend``) and the side-by-side table
    (``comparison.comparison_table``); None when none of them reported it. ``frame`` holds the chosen
    partnerships' rows (the indicator and the headcount)."""
    indicator = INDICATORS[indicator_id]
    trend = quarterly_trend(frame, indicator_id, partnerships)
    trend = trend[trend["partnership_id"].isin(list(partnership_ids))]
    if trend.empty:
        return None
    series = cmp.normalise(trend, partnerships, frame, mode, indicator)
    table = cmp.comparison_table(frame, partnerships, goals, indicator_id, list(partnership_ids), mode)
    return series, table
