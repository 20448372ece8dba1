"""Reads of only the rows and columns a view needs, at given table versions (every result belongs to one snapshot).

- :func:`read_rows`: the rows of some partnerships and/or indicators, pushed down to the Delta files (a partnership
  filter skips files by their statistics; a dataset that cannot hold an indicator is not read at all). Frames are
  typed exactly like ``Store.read``: the same rows, columns and dtypes as the whole-table read filtered in pandas.
- :func:`scan`: a layer table's figure columns as Arrow, string keys read as dictionaries (integer codes, no string per
  row), for one pass over a whole layer.
- :func:`total_row_counts`: one column of the total rows, counted per partnership.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.storage.store import Store
from dashboard.storage.tables import INDICATOR_SCHEMA, Layer, indicator_table
from data_contracts import DATASETS, FIGURE_COLUMNS, INDICATORS, TOTAL

Versions = tuple[int, ...]
"""Versions of the four indicator tables of a layer, in :data:`DATASETS` order."""

DICTIONARY_COLUMNS: tuple[str, ...] = tuple(
    c for c in FIGURE_COLUMNS if pa.types.is_string(INDICATOR_SCHEMA.field(c).type)
)
"""String columns read as dictionaries in a layer scan."""


def layer_versions(store: Store, layer: Layer) -> Versions:
    """Current versions of a layer's indicator tables (the cache key of everything read from them)."""
    return tuple(store.version(indicator_table(d, layer)) for d in DATASETS)


def datasets_of(indicator_ids: Iterable[str]) -> list[str]:
    """The datasets whose tables can hold rows of these indicators (each catalog id belongs to one dataset)."""
    found = {INDICATORS[i].dataset for i in indicator_ids if i in INDICATORS}
    return [d for d in DATASETS if d in found]


def isin_filter(column: str, values: Sequence[str]) -> pc.Expression:
    """A pyarrow filter: ``column`` is one of ``values``; bounded by their least and greatest too, so the files'
    statistics skip every file outside that range (a list of ids is not matched against a file's min and max)."""
    wanted = sorted({str(v) for v in values})
    if not wanted:
        return pc.field(column).isin([])
    bounded = (pc.field(column) >= wanted[0]) & (pc.field(column) <= wanted[-1])
    return bounded & pc.field(column).isin(wanted)


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
            term = isin_filter(column, values)
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
    """A layer table's :data:`~data_contracts.FIGURE_COLUMNS` as Arrow, string keys dictionary-encoded (codes, not a
    string per row), at ``version``, with ``filter`` pushed down to the files. Read through the table's URI and
    storage options, as ``Store`` opens its tables."""
    # read as dictionaries the files give them only for a whole pass: with a filter the text is read plain and encoded
    # below, because a dictionary-typed column no longer matches the files' statistics, so no file would be skipped
    wanted = frozenset(DICTIONARY_COLUMNS) if filter is None else frozenset()
    dataset = store.dataset(table, version, dictionary_columns=wanted)
    table = dataset.to_table(columns=list(FIGURE_COLUMNS), filter=filter)
    for name in DICTIONARY_COLUMNS:  # a table without files has plain strings: the same dictionary type for every table
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
        found = store.dataset(
            indicator_table(dataset, layer), version, dictionary_columns=frozenset({"partnership_id"})
        )
        column = found.to_table(columns=["partnership_id"], filter=is_total)["partnership_id"]
        for entry in pc.value_counts(column).to_pylist():
            if entry["values"] is not None:
                counts[str(entry["values"])] = counts.get(str(entry["values"]), 0) + int(entry["counts"])
    return counts


def typed_like_store(frame: pd.DataFrame) -> pd.DataFrame:
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
