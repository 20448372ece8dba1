"""The audit records the tables' commits carry, kept in a derived table (``derived/audit``), so a page reads them in
one small read instead of every table's whole history.

The table holds exactly the rows :func:`~dashboard.storage.audit.history_rows` gives for every audited table (each
table's rows newest first, the tables in :data:`~dashboard.storage.audit.AUDITED_TABLES` order), before they are
merged with the older audit table's rows (:func:`~dashboard.storage.audit.merge_audit`, done by the reader).

**Never silently stale.** Every write carries in its own commit (one atomic write) a :class:`Seen` for every audited
table: the version it reflects, the table's id and that version's commit time; and the version it was written on
(``base``: an append of the new records is valid only right on top of it; a whole write is valid on its own). A
reader trusts the newest write only when that chain holds, then reads from each table's log only the commits after
the version it saw, checking first that the table is the same one (same id, same commit time at that version, not
fewer versions than seen). Anything else (not built yet, a write that raced another, a table made again at the same
place, a version gone) makes it read every table's history again and write the table whole. The store's
:meth:`~dashboard.storage.store.Store.read_audit` uses it and falls back to the whole histories (with a logged
warning) when it cannot be read or written (a read-only store).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError

from dashboard.storage.audit import AUDIT_READ_SCHEMA, AUDITED_TABLES, audit_frame_of, history_rows

if TYPE_CHECKING:
    from dashboard.storage.store import Store

LOG = logging.getLogger(__name__)

AUDIT_DERIVED = "derived/audit"
"""The derived table of the audit records, beside the store's tables."""
SEEN_KEY = "audit_seen"
BASE_KEY = "audit_base"
FILES_KEPT = 32
"""Beyond this many files (one per append) the next write rewrites the table whole, so a read opens few files."""
HISTORY_LOOKED_AT = 20
UNCHANGED_OPERATIONS = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END"})
"""Commits of the derived table that change no row: its last write stands below them."""
_KEEP_LOG = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


class StaleAudit(RuntimeError):
    """The derived audit cannot be used for what was asked; the caller reads the tables' histories instead."""


@dataclass(frozen=True)
class Seen:
    """What the derived audit reflects of one table: its version (-1: not created yet), its id and the commit time of
    that version (milliseconds), which tell the same table from one made again at the same place."""

    version: int
    table_id: str | None = None
    committed: int | None = None


@dataclass(frozen=True)
class Kept:
    """The newest trustworthy write of the derived audit: its version, what it reflects, how many files it has."""

    version: int
    seen: dict[str, Seen]
    files: int


def audit_uri(store: Store) -> str:
    return f"{store.root}/{AUDIT_DERIVED}"


def seen_to_json(seen: Mapping[str, Seen]) -> str:
    return json.dumps({t: [s.version, s.table_id, s.committed] for t, s in sorted(seen.items())})


def seen_from_json(text: str) -> dict[str, Seen]:
    found = json.loads(text)
    return {str(t): Seen(int(v), _text(i), None if c is None else int(c)) for t, (v, i, c) in found.items()}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _open(store: Store) -> DeltaTable | None:
    try:
        return DeltaTable(audit_uri(store), storage_options=store.storage_options)
    except TableNotFoundError:
        return None


def read_kept(store: Store) -> tuple[Kept, pa.Table] | None:
    """The derived audit's newest trustworthy write and its rows; None when there is none (not built, written by a
    race or by a program that records nothing, or in other columns)."""
    delta = _open(store)
    if delta is None:
        return None
    if [f.name for f in delta.schema().fields] != AUDIT_READ_SCHEMA.names:
        return None
    version = delta.version()
    entries = delta.history(HISTORY_LOOKED_AT)
    if not entries or entries[0].get("version") != version:  # a write landed meanwhile: history labels shifted
        return None
    unchanged = {int(e["version"]) for e in entries if e.get("operation") in UNCHANGED_OPERATIONS}
    written = next((e for e in entries if e.get("operation") not in UNCHANGED_OPERATIONS), None)
    if written is None or written.get(SEEN_KEY) is None:
        return None
    base = written.get(BASE_KEY)
    if base != "whole":
        if base is None or not str(base).lstrip("-").isdigit():
            return None
        between = range(int(base) + 1, int(written["version"]))  # only compactions may stand between
        if int(base) >= int(written["version"]) or any(v not in unchanged for v in between):
            return None
    try:
        seen = seen_from_json(str(written[SEEN_KEY]))
    except (TypeError, ValueError, KeyError):
        return None
    try:
        rows = delta.to_pyarrow_dataset().to_table().select(AUDIT_READ_SCHEMA.names).cast(AUDIT_READ_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return Kept(version, seen, len(delta.file_uris())), rows


def write_kept(store: Store, rows: pa.Table, seen: Mapping[str, Seen], base: int | None) -> int:
    """Write the derived audit in one commit that carries ``seen``: whole (``base`` None), or ``rows`` appended on
    top of version ``base``. Returns the version written."""
    metadata = {SEEN_KEY: seen_to_json(seen), BASE_KEY: "whole" if base is None else str(base)}
    write_deltalake(
        audit_uri(store),
        rows.select(AUDIT_READ_SCHEMA.names).cast(AUDIT_READ_SCHEMA),
        mode="overwrite" if base is None else "append",
        schema_mode="overwrite" if base is None else None,
        storage_options=store.storage_options,
        commit_properties=CommitProperties(custom_metadata=metadata),
        post_commithook_properties=_KEEP_LOG,
    )
    delta = _open(store)
    assert delta is not None
    return delta.version()


def _rows_of(table: str, entries: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(history_rows(table, entries), schema=AUDIT_READ_SCHEMA)


def _ordered(rows: pa.Table) -> pa.Table:
    """The rows as the tables' histories give them: the tables in ``AUDITED_TABLES`` order, each newest first."""
    if rows.num_rows == 0:
        return rows
    order = pc.index_in(rows["table"], pa.array(AUDITED_TABLES))
    keyed = rows.append_column("_table", order).append_column("_version", pc.negate(rows["table_version"]))
    keyed = keyed.sort_by([("_table", "ascending"), ("_version", "ascending")])
    return keyed.drop_columns(["_table", "_version"])


def _whole(store: Store) -> tuple[pa.Table, dict[str, Seen]]:
    """Every audited table's records from its whole history, and what they reflect."""
    parts, seen = [], {}
    for table in AUDITED_TABLES:
        log = store.table_log(table, None)
        if log is None:
            seen[table] = Seen(-1)
            continue
        seen[table] = log.seen
        parts.append(_rows_of(table, log.entries))
    return _ordered(pa.concat_tables(parts) if parts else AUDIT_READ_SCHEMA.empty_table()), seen


def _forward(store: Store, kept: Kept) -> tuple[pa.Table, dict[str, Seen]] | None:
    """The records of the commits since ``kept`` (only those), and what kept and new rows reflect together; None when a
    table is not the one seen (made again, fewer versions, another commit at a version seen)."""
    if set(kept.seen) != set(AUDITED_TABLES):
        return None
    fresh, seen = [], {}
    for table in AUDITED_TABLES:
        before = kept.seen[table]
        log = store.table_log(table, before.version if before.version >= 0 else None)
        if log is None:
            if before.version >= 0:
                return None  # a table gone
            seen[table] = before
            continue
        if before.version >= 0:
            first = log.entries[-1] if log.entries else None  # the entry of the version seen, oldest of those read
            if (
                log.seen.table_id != before.table_id
                or log.seen.version < before.version
                or first is None
                or first.get("version") != before.version
                or first.get("timestamp") != before.committed
            ):
                return None
        seen[table] = log.seen
        newer = [e for e in log.entries if int(e.get("version", -1)) > before.version]
        if newer:
            fresh.append(_rows_of(table, newer))
    if not fresh:
        return AUDIT_READ_SCHEMA.empty_table(), seen
    return pa.concat_tables(fresh), seen


def read_commits(store: Store, versions: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The audit rows every audited table's commits carry (as :meth:`Store._described` gives them, all tables
    together), as of ``versions`` (default: the current ones), from the derived audit brought forward first.

    Writing it forward is best effort: a store that cannot be written (read-only) gets the rows all the same, and a
    warning. :class:`StaleAudit` when the rows cannot be given for the versions asked (a version newer than the
    table's log); the caller then reads the histories."""
    found = read_kept(store)
    forward = None if found is None else _forward(store, found[0])
    write: tuple[pa.Table, int | None] | None
    if found is None or forward is None:
        rows, seen = _whole(store)
        write = (rows, None)
    else:
        (kept, kept_rows), (fresh, seen) = found, forward
        rows = _ordered(pa.concat_tables([kept_rows, fresh])) if fresh.num_rows else kept_rows
        if seen == kept.seen:
            write = None  # nothing new
        elif kept.files >= FILES_KEPT and fresh.num_rows:
            write = (rows, None)  # compacted: one file again
        else:
            write = (fresh, kept.version)
    if write is not None:
        try:
            write_kept(store, write[0], seen, write[1])
        except Exception:  # noqa: BLE001 - a read-only store, a full disk: the rows are right all the same
            LOG.warning("the derived audit table %s could not be written", audit_uri(store), exc_info=True)
    return _as_of(rows, seen, versions or {})


def keep(store: Store) -> None:
    """Bring the derived audit forward to the tables' current versions (after a write), so the next page reads it
    ready; as :func:`read_commits`, a write that fails is logged."""
    read_commits(store)


def rebuild(store: Store) -> int:
    """Write the derived audit whole from every table's history; returns the version written."""
    rows, seen = _whole(store)
    return write_kept(store, rows, seen, None)


def _as_of(rows: pa.Table, seen: Mapping[str, Seen], versions: Mapping[str, int]) -> pd.DataFrame:
    """The rows of each table up to the version asked (default: the version seen)."""
    limits = {}
    for table in AUDITED_TABLES:
        wanted = versions.get(table)
        if wanted is None:
            wanted = seen[table].version
        elif wanted > seen[table].version:
            raise StaleAudit(f"{table} at version {wanted}: the store's log stands at {seen[table].version}")
        limits[table] = wanted
    if all(limits[t] == seen[t].version for t in AUDITED_TABLES):
        return audit_frame_of(rows)
    limit = pc.index_in(rows["table"], pa.array(list(limits)))
    bound = pc.take(pa.array(list(limits.values()), type=pa.int64()), limit)
    return audit_frame_of(rows.filter(pc.less_equal(rows["table_version"], bound)))
