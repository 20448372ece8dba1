"""The texts tables: narratives and goal explanations in the two layers (``submitted/narratives``,
``published/narratives``; schema ``NARRATIVE_SCHEMA`` of :mod:`dashboard.storage.tables`).

The tables are created on first use (``LAZY_TABLES``): a store made before them opens as before, reads find no text,
and the first write creates both. Every write is one Delta transaction that carries its audit record, like the
indicator slices' commits (:meth:`Store._commit`): ``dataset`` is :data:`TEXTS_DATASET`, ``slices`` the partnership
quarters it touches, ``message`` what it did. Callers pass texts that passed ``data_contracts.narratives``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow.compute as pc

from dashboard.storage.slices import Slice, slice_filter, slice_predicate
from dashboard.storage.store import CommitResult, Store, StoreError, _to_arrow
from dashboard.storage.tables import NARRATIVE_SCHEMA, NARRATIVE_TABLES, Layer
from data_contracts.narratives import TEXT_COLUMNS, TEXT_KEY

TEXTS_DATASET = "narratives"
"""The ``dataset`` of the texts tables' audit records (the Upload and Review histories name it)."""


def texts_table(layer: Layer) -> str:
    """The name of a layer's texts table."""
    return NARRATIVE_TABLES[layer]


def empty_texts() -> pd.DataFrame:
    """A texts frame with no rows, typed as :func:`read_texts` types them."""
    return typed_texts(pd.DataFrame({c: [] for c in TEXT_COLUMNS}))


def typed_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """A texts frame with the stored dtypes (ids and texts as strings, year and quarter int64, waived bool)."""
    frame = frame.reindex(columns=list(TEXT_COLUMNS))
    return frame.astype(
        {
            "partnership_id": "string",
            "year": "int64",
            "quarter": "int64",
            "kind": "string",
            "goal_id": "string",
            "text": "string",
            "waived": "bool",
            "author": "string",
            "written_at": "datetime64[us, UTC]",
        }
    )


def texts_version(store: Store, layer: Layer) -> int:
    """The version of a layer's texts table; -1 while it does not exist (a store made before it)."""
    try:
        return store.version(texts_table(layer))
    except StoreError:
        return -1


def read_texts(
    store: Store,
    layer: Layer,
    *,
    partnership_ids: Sequence[str] | None = None,
    slices: Sequence[Slice] | None = None,
    version: int | None = None,
) -> pd.DataFrame:
    """The texts of a layer (at ``version``), optionally of some partnerships or partnership quarters; no rows
    while the table does not exist. Sorted by partnership, year, quarter, kind and goal."""
    table = texts_table(layer)
    if version is not None and version < 0:
        return empty_texts()
    if version is None and not store.exists(table):
        return empty_texts()
    if slices is not None and not slices:
        return empty_texts()
    expression = slice_filter(list(slices)) if slices is not None else None
    if partnership_ids is not None:
        term = pc.field("partnership_id").isin(list(partnership_ids))
        expression = term if expression is None else expression & term
    frame = store.read(table, filter=expression, version=version)
    return typed_texts(frame).sort_values(list(TEXT_KEY), ignore_index=True)


def ensure_texts_tables(store: Store, *, user: str) -> None:
    """Create the texts tables when missing (with any other table a store made before them lacks)."""
    if not all(store.exists(t) for t in NARRATIVE_TABLES.values()):
        store.create_tables(user=user)


def _quoted(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def key_predicate(rows: pd.DataFrame) -> str:
    """A Delta predicate matching exactly the keys (:data:`TEXT_KEY`) of ``rows``."""
    parts = []
    for (year, quarter, kind, goal_id), group in rows.groupby(["year", "quarter", "kind", "goal_id"], sort=True):
        ids = ", ".join(_quoted(p) for p in sorted(set(group["partnership_id"].astype(str))))
        parts.append(
            f"(year = {int(year)} AND quarter = {int(quarter)} AND kind = {_quoted(kind)} AND "
            f"goal_id = {_quoted(goal_id)} AND partnership_id IN ({ids}))"
        )
    if not parts:
        raise StoreError("no texts given")
    return " OR ".join(parts)


def _slices_of(rows: pd.DataFrame) -> tuple[Slice, ...]:
    keys = rows[["partnership_id", "year", "quarter"]].drop_duplicates()
    return tuple(sorted({Slice(str(p), int(y), int(q)) for p, y, q in keys.itertuples(index=False)}, key=str))


def write_texts(
    store: Store,
    rows: pd.DataFrame,
    *,
    user: str,
    action: str = "upload",
    source_name: str | None = None,
    message: str | None = None,
) -> CommitResult:
    """Replace the submitted texts with the keys of ``rows`` by ``rows`` (columns :data:`TEXT_COLUMNS`), in one
    transaction audited with ``user``, ``action``, the quarters and ``message``."""
    if rows.empty:
        raise StoreError("nothing to write: no texts")
    if rows.duplicated(list(TEXT_KEY)).any():
        raise StoreError("two texts for the same partnership, quarter and goal; write one")
    ensure_texts_tables(store, user=user)
    table = texts_table("submitted")
    data = _to_arrow(typed_texts(rows), NARRATIVE_SCHEMA, table)
    audit = store.audit_record(
        user=user,
        action=action,
        slices=_slices_of(rows),
        rows=len(rows),
        dataset=TEXTS_DATASET,
        source_name=source_name,
        message=message,
    )
    return store._commit(
        table, data, predicate=key_predicate(rows), audit=audit
    )  # the store's commit, within its layer


def same_texts(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    """True when two texts frames hold the same keys, texts and waivers (authors and times aside)."""
    columns = [*TEXT_KEY, "text", "waived"]

    def canonical(frame: pd.DataFrame) -> pd.DataFrame:
        frame = typed_texts(frame)[columns].sort_values(list(TEXT_KEY), ignore_index=True)
        return frame.assign(text=frame["text"].fillna(""))

    return len(first) == len(second) and canonical(first).equals(canonical(second))


def replace_slices(
    store: Store,
    slices: Iterable[Slice],
    *,
    source: Layer | None,
    target: Layer,
    user: str,
    action: str,
    message: str | None = None,
) -> CommitResult | None:
    """Make the texts of some partnership quarters in ``target`` equal to those in ``source`` (``None``: no texts),
    in one transaction audited with ``action``; None (nothing written) when they are equal already."""
    chosen = sorted(set(slices), key=str)
    if not chosen:
        return None
    wanted = read_texts(store, source, slices=chosen) if source is not None else empty_texts()
    present = read_texts(store, target, slices=chosen)
    if same_texts(wanted, present):
        return None
    ensure_texts_tables(store, user=user)
    table = texts_table(target)
    touched = sorted(set(_slices_of(wanted)) | set(_slices_of(present)), key=str)
    audit = store.audit_record(
        user=user,
        action=action,
        slices=tuple(touched),
        rows=len(wanted),
        dataset=TEXTS_DATASET,
        message=message,
    )
    data = _to_arrow(wanted, NARRATIVE_SCHEMA, table)
    return store._commit(table, data, predicate=slice_predicate(touched), audit=audit)
