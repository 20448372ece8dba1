"""The indicator explorer: one indicator across every partnership, from the rows of that indicator only.

Each function gives one result of the explorer from ``frame`` (the rows of the indicator and of the components its
annual values need) and ``partnerships`` (sorted by name); an empty frame gives what the page shows when nothing is
reported.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.analytics import breakdowns
from dashboard.analytics import comparison as cmp
from dashboard.analytics.annual import components
from dashboard.analytics.metrics import quarterly_trend
from dashboard.present import comparison_texts
from data_contracts import FIGURE_COLUMNS, INDICATORS, TOTAL


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[object]]:
    """Integer codes and the distinct values of a text column (dictionary-encoded or plain)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    return array.indices.to_numpy(zero_copy_only=False), array.dictionary.to_pylist()


def kept_rows(table: pa.Table) -> pa.Table:
    """What the read model keeps of a layer's rows for the explorer (:data:`~data_contracts.FIGURE_COLUMNS`, text
    plain, grouped by indicator): every total row, and of each partnership, indicator and breakdown dimension, the
    rows of the latest quarter it reported by that dimension. Every result of this module but :func:`breakdown` (one
    partnership's quarters by a dimension) is the same from these rows as from all of them."""
    if table.num_rows == 0:
        return pa.table({c: pa.array([], type=_TYPES[c]) for c in FIGURE_COLUMNS})
    pid, _ = _codes(table["partnership_id"])
    indicator, indicators = _codes(table["indicator_id"])
    dimension, dimensions = _codes(table["dimension"])
    category, categories = _codes(table["category"])
    total_dimension = dimensions.index(TOTAL) if TOTAL in dimensions else -1
    total_category = categories.index(TOTAL) if TOTAL in categories else -1
    is_total = (dimension == total_dimension) & (category == total_category)
    period = table["year"].to_numpy() * 4 + table["quarter"].to_numpy()
    rest = np.flatnonzero(~is_total)
    key = (pid[rest].astype(np.int64) * len(indicators) + indicator[rest]) * len(dimensions) + dimension[rest]
    latest = pd.Series(period[rest]).groupby(key).transform("max").to_numpy()
    keep = is_total
    keep[rest[period[rest] == latest]] = True
    chosen = np.flatnonzero(keep)
    chosen = chosen[np.argsort(indicator[chosen], kind="stable")]  # each indicator's rows together
    taken = table.select(list(FIGURE_COLUMNS)).take(pa.array(chosen))
    return pa.table({c: taken[c].cast(_TYPES[c]) for c in FIGURE_COLUMNS})


_TYPES: dict[str, pa.DataType] = {
    "partnership_id": pa.string(),
    "year": pa.int64(),
    "quarter": pa.int64(),
    "indicator_id": pa.string(),
    "dimension": pa.string(),
    "category": pa.string(),
    "value": pa.float64(),
}


def components_of(indicator_ids: Iterable[str]) -> list[str]:
    """The indicators themselves and every component their annual values need, in catalog order."""
    needed = {c for i in indicator_ids for c in components(i)} | set(indicator_ids)
    return [i for i in INDICATORS if i in needed]


def trend(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Every partnership's quarterly headline values (``metrics.quarterly_trend``)."""
    return quarterly_trend(frame, indicator_id, partnerships) if not frame.empty else pd.DataFrame()


def latest(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Each partnership's latest quarter (``comparison.LATEST_COLUMNS``)."""
    quarterly = trend(frame, partnerships, indicator_id)
    return cmp.latest_from_trend(quarterly) if not quarterly.empty else pd.DataFrame(columns=cmp.LATEST_COLUMNS)


def latest_display(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """:func:`latest` as the page's table shows it."""
    return comparison_texts.latest_display(latest(frame, partnerships, indicator_id), INDICATORS[indicator_id])


def latest_csv(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """:func:`latest` as its CSV download holds it."""
    return comparison_texts.latest_csv(latest(frame, partnerships, indicator_id), INDICATORS[indicator_id])


def annual(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Every partnership's values of complete years (``comparison.annual_trend``)."""
    return cmp.annual_trend(frame, indicator_id, partnerships)


def latest_breakdown(
    frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str, dimension: str
) -> pd.DataFrame | None:
    """Each partnership's latest quarter by ``dimension`` (``breakdowns.latest_breakdown``); None when nothing is
    reported."""
    return breakdowns.latest_breakdown(frame, indicator_id, dimension, partnerships) if not frame.empty else None


def latest_breakdown_display(
    frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str, dimension: str
) -> pd.DataFrame:
    """:func:`latest_breakdown` with its values formatted in the indicator's unit (for a breakdown that is
    reported)."""
    parts = latest_breakdown(frame, partnerships, indicator_id, dimension)
    if parts is None:
        raise ValueError(f"no partnership reports {indicator_id} by {dimension}")
    return comparison_texts.format_columns(parts, list(parts.columns[2:]), INDICATORS[indicator_id].unit)


def reporters(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str, dimension: str) -> list[str]:
    """The partnerships that report the indicator by ``dimension``, in name order."""
    return breakdowns.partnerships_with_breakdown(frame, indicator_id, dimension, partnerships)


def breakdown(frame: pd.DataFrame, indicator_id: str, dimension: str, partnership_id: str) -> pd.DataFrame:
    """One partnership's quarters of the indicator by ``dimension`` (``breakdowns.partnership_breakdown``)."""
    return breakdowns.partnership_breakdown(frame, indicator_id, dimension, partnership_id)
