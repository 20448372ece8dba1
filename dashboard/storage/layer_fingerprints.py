"""Each slice's fingerprint in a layer, kept in a derived table and brought forward for the partnerships a commit
names, so the Review, Reporting status and My reporting pages compare the layers without reading every row.

A layer's fingerprints are one row per slice: ``partnership_id``, ``year``, ``quarter``, ``rows`` and
``fingerprint`` (the sum, modulo 2**64, of a 64-bit hash of each row's :data:`FINGERPRINT_COLUMNS`: the same rows give
the same fingerprint in any order). They live in ``derived/fingerprints_<dataset>_<layer>``, stamped with the source
table's version (``storage/derived.py``). A stamp behind the table is brought forward by computing again only the
partnerships the commits since name; when that cannot be told (a restore), or the derived table cannot be written,
they are computed from the whole table as before. Either way the same fingerprints: a test checks it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from dashboard.storage import derived
from dashboard.storage.store import Store
from dashboard.storage.tables import Layer, indicator_table
from data_contracts import KEY_COLUMNS, SLICE_COLUMNS

LOG = logging.getLogger(__name__)

FINGERPRINT_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "value", "note")
"""What a slice's fingerprint covers: every row's key, value and note (what the review compares)."""
LAYER_FINGERPRINT_COLUMNS = [*SLICE_COLUMNS, "rows", "fingerprint"]
FINGERPRINT_SCHEMA = pa.schema(
    [
        pa.field("partnership_id", pa.string(), nullable=False),
        pa.field("year", pa.int64()),
        pa.field("quarter", pa.int64()),
        pa.field("rows", pa.int64()),
        pa.field("fingerprint", pa.int64()),
    ]
)
"""The derived table's columns: Delta has no unsigned integers, so a fingerprint is kept as the signed 64-bit integer
of the same bits."""

_KEPT: OrderedDict[tuple[str, str, int], pd.DataFrame] = OrderedDict()
_KEPT_MAX = 32
_LOCK = threading.Lock()
_WRITING: dict[tuple[str, str], threading.Lock] = {}


def fingerprints_table_name(dataset: str, layer: Layer) -> str:
    """The derived table of a layer's slice fingerprints of a dataset."""
    indicator_table(dataset, layer)  # an unknown dataset or layer -> KeyError
    return f"derived/fingerprints_{dataset}_{layer}"


def _typed(found: pd.DataFrame) -> pd.DataFrame:
    found = found[LAYER_FINGERPRINT_COLUMNS].sort_values(list(SLICE_COLUMNS), ignore_index=True, kind="stable")
    found = found.astype({"partnership_id": "string", "year": "int64", "quarter": "int64", "rows": "Int64"})
    found["fingerprint"] = found["fingerprint"].astype("UInt64")
    return found


def _fingerprints_of(rows: pd.DataFrame) -> pd.DataFrame:
    hashed = pd.util.hash_pandas_object(rows, index=False, categorize=True)
    grouped = pd.DataFrame({**{c: rows[c] for c in SLICE_COLUMNS}, "fingerprint": hashed.to_numpy()}).groupby(
        list(SLICE_COLUMNS), sort=True
    )["fingerprint"]
    return pd.concat({"rows": grouped.size(), "fingerprint": grouped.sum()}, axis=1).reset_index()


def computed_fingerprints(
    store: Store, dataset: str, layer: Layer, version: int, partnership_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """The fingerprints computed from the table at ``version`` (of ``partnership_ids`` only, when given): one year
    partition at a time for the whole table (memory stays that of a year)."""
    table = indicator_table(dataset, layer)
    parts = []
    if partnership_ids is not None:
        rows = store.read_indicators(
            dataset, layer, partnership_ids=list(partnership_ids), columns=list(FINGERPRINT_COLUMNS), version=version
        )
        if not rows.empty:
            parts.append(_fingerprints_of(rows))
    else:
        for year in store.partition_years(table, version):
            rows = store.read_indicators(
                dataset, layer, years=[year], columns=list(FINGERPRINT_COLUMNS), version=version
            )
            if not rows.empty:
                parts.append(_fingerprints_of(rows))
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LAYER_FINGERPRINT_COLUMNS)
    return _typed(found)


def _as_arrow(found: pd.DataFrame) -> pa.Table:
    bits = found["fingerprint"].to_numpy(dtype="uint64").view("int64")
    frame = found.astype({"rows": "int64"}).assign(fingerprint=bits)
    return pa.Table.from_pandas(frame, schema=FINGERPRINT_SCHEMA, preserve_index=False)


def _from_arrow(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    frame["fingerprint"] = frame["fingerprint"].to_numpy(dtype="int64").view("uint64")
    return frame


def _kept(store: Store, dataset: str, layer: Layer, version: int) -> pd.DataFrame | None:
    """The fingerprints from the derived table, brought forward to ``version`` first when behind; None when it cannot
    serve them."""
    name = fingerprints_table_name(dataset, layer)
    table = indicator_table(dataset, layer)
    stamp = derived.read_stamp(store, name, FINGERPRINT_SCHEMA)
    if stamp is None or int(stamp[1]) != version:
        changed = None
        if stamp is not None and int(stamp[1]) < version:
            changed = derived.changed_partnerships_in(store, table, int(stamp[1]), version)
        if changed is None or len(changed) > derived.MAX_PREDICATE_IDS:
            whole = computed_fingerprints(store, dataset, layer, version)
            derived.write_rows(store, name, FINGERPRINT_SCHEMA, _as_arrow(whole), str(version))
            return whole
        assert stamp is not None
        found = computed_fingerprints(store, dataset, layer, version, sorted(changed)) if changed else None
        rows = _as_arrow(found) if found is not None else FINGERPRINT_SCHEMA.empty_table()
        derived.write_rows(
            store, name, FINGERPRINT_SCHEMA, rows, str(version), partnership_ids=sorted(changed), base=stamp[0]
        )
        stamp = derived.read_stamp(store, name, FINGERPRINT_SCHEMA)
        if stamp is None or int(stamp[1]) != version:
            return None
    return _typed(_from_arrow(derived.read_rows(store, name, stamp[0], FINGERPRINT_SCHEMA)))


def layer_fingerprints(store: Store, dataset: str, layer: Layer) -> pd.DataFrame:
    """One row per slice of a layer at the table's current version (:data:`LAYER_FINGERPRINT_COLUMNS`, sorted by
    slice): read from the derived table (brought forward for the partnerships changed since), kept per table
    version in the process, computed from the table when the derived one cannot serve it.

    Two layers whose slice has equal rows and fingerprints hold the same rows (but for a 2**-64 chance), so only the
    slices that differ need comparing row by row."""
    table = indicator_table(dataset, layer)
    version = store.version(table)
    key = (store.root, table, version)
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
        writing = _WRITING.setdefault((store.root, table), threading.Lock())
    with writing:  # one refresh of a table's fingerprints at a time in this process
        try:
            found = _kept(store, dataset, layer, version)
        except Exception:  # noqa: BLE001 - a derived table that cannot be written (read-only store): the source
            LOG.warning("the fingerprints of %s could not be kept; computing them", table, exc_info=True)
            found = None
    if found is None:
        found = computed_fingerprints(store, dataset, layer, version)
    with _LOCK:
        _KEPT[key] = found
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return found
