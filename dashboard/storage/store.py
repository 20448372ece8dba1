"""The Delta Lake store: indicator tables in two layers, reference tables, and the audit of commits (the tables and
their layout: :mod:`dashboard.storage.tables`).

Every commit that writes a table carries its who and what (:class:`~dashboard.storage.audit.CommitAudit`) in the
same Delta commit, so no version can exist without them; :meth:`Store.read_audit` reads them back from the tables'
histories, together with the audit table's rows (events that write no data, and older stores).

A commit replaces exactly the (partnership, year, quarter) slices present in a validated frame, in one Delta
transaction; everything else is untouched and earlier versions stay readable. On an S3-compatible object store
(``s3://bucket/prefix``) delta-rs reads the usual ``AWS_*`` variables itself (credentials, region, endpoint,
``AWS_ALLOW_HTTP``) and writes each commit file with a conditional put (``If-None-Match: *``), so two writers can never
overwrite each other's commit; see :mod:`dashboard.storage.object_store`. The store checks the shape of what it is
given but not the business rules: callers pass frames that passed ``data_contracts``.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from dashboard.storage import derived_audit
from dashboard.storage.audit import (
    AUDIT_READ_COLUMNS,
    AUDITED_TABLES,
    CommitAudit,
    Via,
    audit_frame,
    history_rows,
    merge_audit,
)
from dashboard.storage.object_store import object_store_options
from dashboard.storage.slices import Slice, changed_since_review, slice_filter, slice_predicate, slices_of
from dashboard.storage.tables import (
    AUDIT_SCHEMA,
    AUDIT_TABLE,
    GOALS_TABLE,
    INDICATOR_SCHEMA,
    LAZY_TABLES,
    MILESTONES_TABLE,
    PARTITIONS,
    PARTNERSHIPS_TABLE,
    REFERENCE_TABLES,
    STATS_COLUMNS_KEY,
    TABLE_SCHEMAS,
    USERS_SCHEMA,
    USERS_STATS_COLUMNS,
    USERS_TABLE,
    Layer,
    indicator_table,
)
from data_contracts import INDICATOR_COLUMNS, SLICE_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STORE = REPO_ROOT / ".impact_store"
STORE_ENV = "IMPACT_STORE"

COMMIT_RETRIES = 8
_Written = TypeVar("_Written")

TABLE_CONFIGURATION: Mapping[str, str] = {"delta.enableExpiredLogCleanup": "false"}
KEEP_LOG = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)
"""Never delete old log files: by default delta-rs drops log entries older than 30 days at checkpoints, and then
versions the audit refers to could no longer be read or restored. New tables say so in their properties (for every
engine), and every write of the store says so again (for tables created before)."""


CREATE_ACTION = "create"
"""The action of a table's first commit (empty, with its schema)."""
CONFIGURE_ACTION = "configure"
"""The action of a commit that changes a table's properties, not its rows."""
STRUCTURE_ACTIONS: frozenset[str] = frozenset({CREATE_ACTION, CONFIGURE_ACTION})
"""Commits that change no rows: their records stay in the commits (``history``), not in :meth:`Store.read_audit`."""


class StoreError(RuntimeError):
    """A store operation that cannot be done; the message says why. Nothing was written."""


@dataclass(frozen=True)
class TableLog:
    """A table's current version, id and commit time (as :class:`~dashboard.storage.derived_audit.Seen`) and its
    history entries, newest first, down to the version asked."""

    seen: derived_audit.Seen
    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class CommitResult:
    """What a commit did: the table, its new version (None if nothing was written), slices and rows."""

    commit_id: str
    table: str
    version: int | None
    slices: tuple[Slice, ...]
    rows: int
    outcome: Literal["accepted", "unchanged", "rejected"]


def _unique(slices: Iterable[Slice]) -> tuple[Slice, ...]:
    """The slices sorted, each once; StoreError when there are none."""
    unique = tuple(sorted(set(slices), key=lambda s: (s.partnership_id, s.year, s.quarter)))
    if not unique:
        raise StoreError("no slices given")
    return unique


def _absent(slices: Sequence[Slice], rows: pd.DataFrame) -> list[str]:
    """The slices (as text) without a row in ``rows``."""
    present = set(slices_of(rows)) if not rows.empty else set()
    return [str(s) for s in slices if s not in present]


def _same_rows(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    """True when two indicator frames hold the same keys, values and notes (in any order)."""
    if len(first) != len(second):
        return False
    keys = [c for c in INDICATOR_COLUMNS if c not in ("value", "note")]

    def canonical(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[list(INDICATOR_COLUMNS)].sort_values(keys, ignore_index=True)
        return frame.assign(note=frame["note"].fillna("").astype(str), value=frame["value"].astype("float64"))

    return canonical(first).equals(canonical(second))


def _check_reviewed(
    rows: pd.DataFrame, slices: Sequence[Slice], reviewed: Mapping[Slice, str] | None, verb: str
) -> None:
    """StoreError when ``reviewed`` is given and a slice's rows no longer have the fingerprint reviewed."""
    if reviewed is None:
        return
    changed = changed_since_review(rows, slices, reviewed)
    if changed:
        named = ", ".join(str(s) for s in changed)
        raise StoreError(f"the figures of {named} changed since you reviewed — review again; nothing was {verb}")


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema, table: str) -> pa.Table:
    missing = [c for c in schema.names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in schema.names]
    if missing or extra:
        raise StoreError(f"{table}: columns do not match the table (missing {missing}, unexpected {extra})")
    try:
        return pa.Table.from_pandas(frame[list(schema.names)], schema=schema, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
        raise StoreError(f"{table}: values do not fit the table's types ({error})") from error


def _typed(table: pa.Table, schema: pa.Schema) -> pd.DataFrame:
    frame = table.to_pandas()
    for field in schema:
        if field.name not in frame.columns:
            continue
        if pa.types.is_string(field.type):
            frame[field.name] = frame[field.name].astype("string")
        elif pa.types.is_int64(field.type):
            frame[field.name] = frame[field.name].astype("Int64" if frame[field.name].isna().any() else "int64")
        elif pa.types.is_float64(field.type):
            frame[field.name] = frame[field.name].astype("float64")
    return frame


def _retried(write: Callable[[], _Written]) -> _Written:
    """``write()``, tried again on the newest table version when a concurrent commit won the race (Delta's optimistic
    concurrency), up to :data:`COMMIT_RETRIES` times with a growing pause, so concurrent writers all land."""
    for attempt in range(COMMIT_RETRIES):
        try:
            return write()
        except CommitFailedError:
            if attempt == COMMIT_RETRIES - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


_TRACKED: OrderedDict[tuple[str, str], DeltaTable] = OrderedDict()
_TRACKED_LOCK = threading.Lock()
_DATASETS: OrderedDict[tuple[str, str, int, frozenset[str]], ds.Dataset] = OrderedDict()
# keyed by the table's URI, its id (a table made again at the same path has another) and version
_DATASETS_LOCK = threading.Lock()
_DATASETS_KEPT = 64
"""Datasets of table versions read lately in this process (:meth:`Store.dataset`), the least recently read let go
first."""


@atexit.register
def _let_datasets_go() -> None:
    """Let the kept datasets go before the interpreter's own teardown: a deltalake dataset's file system that outlives
    it aborts the process on exit."""
    with _DATASETS_LOCK:
        _DATASETS.clear()


_TRACKED_KEPT = 256
"""The tables whose versions this process follows (:meth:`Store.version`), by URI and storage options; the least
recently asked are let go beyond :data:`_TRACKED_KEPT` (a store has 13 tables)."""

_DESCRIBED: OrderedDict[tuple[str, str], tuple[int, pd.DataFrame, int | None]] = OrderedDict()
"""The audit rows each table's commits carry, by URI and storage options: the version read up to, the rows and that
version's commit time (to tell a table made again at the same place). A version's commit never changes, so only the
versions after it are read again (:meth:`Store.read_audit`)."""
_LEGACY: OrderedDict[tuple[str, str], tuple[int, pd.DataFrame]] = OrderedDict()
"""The audit table's rows at a version, by URI and storage options."""
_DESCRIBED_LOCK = threading.Lock()

LOG = logging.getLogger(__name__)


class Store:
    """The tables of one store root. Cheap to create; every read and write goes to the tables."""

    def __init__(self, root: str | Path, storage_options: Mapping[str, str] | None = None, *, via: Via = "app") -> None:
        """``via``: what every commit of this store records as the way it came (``"app"``, or ``"command-line"``
        for the CLI, whose operators are trusted and recorded with the name they give)."""
        text = str(root)
        self.is_local = "://" not in text or text.startswith("file://")
        self.root = str(Path(text.removeprefix("file://")).resolve()) if self.is_local else text.rstrip("/")
        self.storage_options = object_store_options(self.root, storage_options)
        self.via: Via = via

    @classmethod
    def from_env(cls, override: str | Path | None = None, *, via: Via = "app") -> Store:
        """The store named by ``override``, else ``$IMPACT_STORE``, else the local default folder."""
        return cls(override or os.environ.get(STORE_ENV) or DEFAULT_STORE, via=via)

    def audit_record(self, *, user: str, action: str, **fields: Any) -> CommitAudit:
        """A commit's audit record, made by this store (``via`` is the store's)."""
        return CommitAudit(user=user, action=action, via=self.via, **fields)

    def __repr__(self) -> str:
        return f"Store({self.root!r})"

    # -- tables -------------------------------------------------------------------------------------------------

    def uri(self, table: str) -> str:
        if table not in TABLE_SCHEMAS:
            raise KeyError(f"unknown table {table!r}")
        return f"{self.root}/{table}"

    def exists(self, table: str) -> bool:
        return DeltaTable.is_deltatable(self.uri(table), storage_options=self.storage_options)

    def _table(self, table: str, version: int | None = None) -> DeltaTable:
        try:
            return DeltaTable(self.uri(table), version=version, storage_options=self.storage_options)
        except TableNotFoundError as error:
            raise StoreError(f"table {table} does not exist in {self.root}; run `python -m dashboard init`") from error

    def create_tables(self, *, user: str = "system") -> None:
        """Create every missing table, empty, with its schema (audited as action ``create`` by ``user``). Existing
        tables are left as they are."""
        for table in TABLE_SCHEMAS:
            self.ensure_table(table, user=user)

    def ensure_table(self, table: str, *, user: str = "system") -> None:
        """Create ``table`` empty with its schema if it does not exist yet (a table of ``LAZY_TABLES`` on its first
        write); an existing table is left as it is."""
        if self.exists(table):
            return
        if self.is_local:
            Path(self.uri(table)).mkdir(parents=True, exist_ok=True)
        try:
            DeltaTable.create(
                self.uri(table),
                schema=TABLE_SCHEMAS[table],
                partition_by=PARTITIONS[table],
                mode="ignore",
                configuration=TABLE_CONFIGURATION,
                storage_options=self.storage_options,
                commit_properties=self._props(self.audit_record(user=user, action=CREATE_ACTION)),
                post_commithook_properties=KEEP_LOG,
            )
        except Exception as error:  # another process created it first
            if not self.exists(table):
                raise StoreError(f"could not create table {table}: {error}") from error

    def is_initialised(self) -> bool:
        """True when every table exists (tables created on first use, ``LAZY_TABLES``, are not required)."""
        return all(self.exists(table) for table in TABLE_SCHEMAS if table not in LAZY_TABLES)

    def version(self, table: str) -> int:
        """Current version of a table (the cache key of reads, asked on every page run).

        Each table's log is opened once per process and then brought up to date (``update_incremental``: only the
        commits since are read), instead of loading the whole log and file list on every call."""
        with _TRACKED_LOCK:
            return self._tracked(table).version()

    def _tracked(self, table: str) -> DeltaTable:
        """The table's log as this process follows it, brought up to date (the caller holds ``_TRACKED_LOCK``)."""
        key = (self.uri(table), json.dumps(self.storage_options or {}, sort_keys=True))
        tracked = _TRACKED.get(key)
        if tracked is not None:
            try:
                tracked.update_incremental()
                _TRACKED.move_to_end(key)
                return tracked
            except Exception:  # noqa: BLE001 - a table gone or unreadable: open it afresh below
                del _TRACKED[key]
        tracked = self._table(table)
        _TRACKED[key] = tracked
        while len(_TRACKED) > _TRACKED_KEPT:
            _TRACKED.popitem(last=False)
        return tracked

    def table_log(self, table: str, since: int | None) -> TableLog | None:
        """The table's current version, id and commit time, and its history entries of versions ``since`` and newer
        (every one when None), newest first, from the log this process follows (no table opened again); None when the
        table does not exist.

        ``DeltaTable.history`` reads the newest commits in the store but numbers them from the version the table
        object stands at, so it is read between two looks at the same newest version: a commit landing meanwhile
        never shifts the numbers."""
        with _TRACKED_LOCK:
            for _ in range(COMMIT_RETRIES):
                try:
                    tracked = self._tracked(table)
                except StoreError:  # not created (yet)
                    return None
                version = tracked.version()
                entries = tracked.history(None if since is None else max(version - since + 1, 1))
                tracked.update_incremental()
                if tracked.version() == version:
                    break
            else:
                raise StoreError(f"{table} kept changing while its history was read")
        committed = entries[0].get("timestamp") if entries and entries[0].get("version") == version else None
        return TableLog(derived_audit.Seen(version, tracked.metadata().id, committed), entries)

    def versions(self, tables: Iterable[str] | None = None) -> dict[str, int]:
        """The current version of each table; -1 for a table of ``LAZY_TABLES`` not created yet."""
        found = {}
        for table in tables or TABLE_SCHEMAS:
            try:
                found[table] = self.version(table)
            except StoreError:
                if table not in LAZY_TABLES:
                    raise
                found[table] = -1
        return found

    def history(self, table: str, limit: int | None = None) -> pd.DataFrame:
        """The table's commits, newest first: version, timestamp, operation, commit id, user, action and via (the
        last three from the commit's audit record; missing in commits made before the records moved there)."""
        rows = []
        for entry in self._table(table).history(limit):
            rows.append(
                {
                    "version": entry.get("version"),
                    "timestamp": pd.to_datetime(entry.get("timestamp"), unit="ms", utc=True),
                    "operation": entry.get("operation"),
                    "commit_id": entry.get("commit_id"),
                    "user": entry.get("user"),
                    "action": entry.get("action"),
                    "via": entry.get("via"),
                    "predicate": (entry.get("operationParameters") or {}).get("predicate"),
                }
            )
        return pd.DataFrame(rows)

    def restore(self, table: str, version: int, *, user: str) -> int:
        """Bring a table back to an earlier version (as a new version, audited in its commit); returns the new
        version."""
        delta = self._table(table)
        audit = self.audit_record(user=user, action="restore", message=f"restored to version {version}")
        delta.restore(version, commit_properties=self._props(audit), post_commithook_properties=KEEP_LOG)
        return delta.version()  # the table object stands at its own commit

    # -- reads --------------------------------------------------------------------------------------------------

    def read(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        filter: pc.Expression | None = None,
        version: int | None = None,
    ) -> pd.DataFrame:
        """A table (or a version of it) as a typed frame, with only the given columns and rows."""
        dataset = self.dataset(table, version)
        schema = TABLE_SCHEMAS[table]
        if columns:
            schema = pa.schema([schema.field(c) for c in columns])
        absent = [name for name in schema.names if name not in dataset.schema.names]
        if absent:  # a column added after the table was written (e.g. partnerships' due_days): read as blank
            present = [name for name in schema.names if name not in absent]
            arrow = dataset.to_table(columns=present, filter=filter)
            for name in absent:
                arrow = arrow.append_column(schema.field(name), pa.nulls(arrow.num_rows, schema.field(name).type))
            arrow = arrow.select(schema.names)
        else:
            arrow = dataset.to_table(columns=list(columns) if columns else None, filter=filter)
        frame = _typed(arrow.cast(schema) if arrow.schema != schema else arrow, schema)
        return frame

    def dataset(
        self, table: str, version: int | None = None, *, dictionary_columns: frozenset[str] = frozenset()
    ) -> ds.Dataset:
        """The table at a version (the current one when None) as a pyarrow dataset, made once per version in this
        process: the list of files and their statistics are worked out from the Delta log once, not on every read
        (at 10 million rows that is most of a filtered read's time). ``dictionary_columns`` are read as dictionaries."""
        delta = self._table(table, version)  # the log (cheap); its files' statistics are what is kept
        # the table's id tells a table made again at the same path (a store made before it) from the one kept
        key = (self.uri(table), delta.metadata().id, delta.version(), dictionary_columns)
        with _DATASETS_LOCK:
            found = _DATASETS.get(key)
            if found is not None:
                _DATASETS.move_to_end(key)
                return found
        options = ds.ParquetReadOptions(dictionary_columns=set(dictionary_columns)) if dictionary_columns else None
        made = delta.to_pyarrow_dataset(parquet_read_options=options)
        with _DATASETS_LOCK:
            _DATASETS[key] = made
            while len(_DATASETS) > _DATASETS_KEPT:
                _DATASETS.popitem(last=False)
        return made

    def partition_years(self, table: str, version: int | None = None) -> list[int]:
        """The years an indicator table (or a version of it) holds rows of, from its partitions; oldest first."""
        return sorted({int(values["year"]) for values in self._table(table, version).partitions()})

    def read_indicators(
        self,
        dataset: str,
        layer: Layer = "published",
        *,
        partnership_ids: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        indicator_ids: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
        version: int | None = None,
    ) -> pd.DataFrame:
        """Rows of an indicator table, filtered by partnership, year and indicator (pushed down to the files)."""
        expression = None
        for column, values in (("partnership_id", partnership_ids), ("year", years), ("indicator_id", indicator_ids)):
            if values is not None:
                term = pc.field(column).isin(list(values))
                expression = term if expression is None else expression & term
        return self.read(indicator_table(dataset, layer), columns=columns, filter=expression, version=version)

    def read_partnerships(self) -> pd.DataFrame:
        return self.read(PARTNERSHIPS_TABLE)

    def read_goals(self) -> pd.DataFrame:
        return self.read(GOALS_TABLE)

    def read_milestones(self, version: int | None = None) -> pd.DataFrame:
        """The milestones table (or a version of it); no rows while the table does not exist (stores made before
        it, version -1)."""
        if (version is not None and version < 0) or (version is None and not self.exists(MILESTONES_TABLE)):
            return _typed(TABLE_SCHEMAS[MILESTONES_TABLE].empty_table(), TABLE_SCHEMAS[MILESTONES_TABLE])
        return self.read(MILESTONES_TABLE, version=version)

    def audit_versions(self) -> tuple[tuple[str, int], ...]:
        """The versions :meth:`read_audit` reads, as a cache key: every audited table's and the audit table's (-1 for
        a table not created yet)."""
        found = []
        for table in (*AUDITED_TABLES, AUDIT_TABLE):
            try:
                found.append((table, self.version(table)))
            except StoreError:
                found.append((table, -1))
        return tuple(found)

    def read_audit(self, versions: Mapping[str, int] | None = None) -> pd.DataFrame:
        """Every commit's who and what, newest first (:data:`AUDIT_READ_COLUMNS`: the audit table's columns and
        ``via``).

        Read from the commits themselves (each data commit carries its :class:`CommitAudit`; ``table_version`` is
        its Delta version, ``committed_at`` its time) and from the audit table (events that wrote no data, and the
        commits of stores written before the records moved into the commits), merged by
        :func:`~dashboard.storage.audit.merge_audit`. The commits' records come from the derived audit table
        (:mod:`dashboard.storage.derived_audit`), brought forward from the commits made since it was written; when
        it cannot be used, from every table's history (:meth:`read_audit_from_histories`, the same rows).
        ``versions`` (:meth:`audit_versions`): read the tables as of these versions instead of their current
        ones."""
        versions = versions or {}
        try:
            commits = derived_audit.read_commits(self, versions)
        except Exception:  # noqa: BLE001 - the histories give the same rows, only slower
            LOG.warning("the derived audit of %s could not be read; reading the histories", self.root, exc_info=True)
            return self.read_audit_from_histories(versions)
        return self._merged(commits, versions)

    def read_audit_from_histories(self, versions: Mapping[str, int] | None = None) -> pd.DataFrame:
        """:meth:`read_audit` read from every table's history (each read once per process and then only its new
        versions: a version's commit never changes), not from the derived audit: the reference it must equal."""
        versions = versions or {}
        described = [self._described(table, versions.get(table)) for table in AUDITED_TABLES]
        described = [frame for frame in described if not frame.empty]
        commits = pd.concat(described, ignore_index=True) if described else audit_frame([])
        return self._merged(commits, versions)

    def _merged(self, commits: pd.DataFrame, versions: Mapping[str, int]) -> pd.DataFrame:
        commits = commits[~commits["action"].fillna("").isin(list(STRUCTURE_ACTIONS))]  # no rows changed
        return merge_audit(commits, self.read_audit_table(versions.get(AUDIT_TABLE)))

    def _described(self, table: str, version: int | None = None) -> pd.DataFrame:
        """The audit rows a table's commits carry, up to ``version`` or the version this store sees (cached per table
        and version; a table not created yet has none)."""
        if version is None:
            try:
                version = self.version(table)
            except StoreError:
                return audit_frame([])
        if version < 0:
            return audit_frame([])
        key = (self.uri(table), json.dumps(self.storage_options or {}, sort_keys=True))
        with _DESCRIBED_LOCK:
            cached = _DESCRIBED.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        if cached is not None and cached[0] > version:  # an older snapshot: the versions up to it
            return cached[1][cached[1]["table_version"] <= version].reset_index(drop=True)
        # Histories are read from the table's newest version and cut at ``version``: deltalake 1.6.6 labels the
        # history of a table opened at an older version with wrong version numbers.
        latest = self._table(table)
        frame = None
        if cached is not None and cached[0] < version:
            # the new versions, and the cached last one: the same commit time says it is the same table (not one
            # made again at the same place), else the whole history is read
            entries = [e for e in latest.history(latest.version() - cached[0] + 1) if e.get("version", -1) <= version]
            last = [e for e in entries if e.get("version") == cached[0]]
            if last and last[0].get("timestamp") == cached[2]:
                fresh = audit_frame(history_rows(table, [e for e in entries if e.get("version", -1) > cached[0]]))
                parts = [part for part in (fresh, cached[1]) if not part.empty]
                frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else fresh)
                stamp = entries[0].get("timestamp")
        if frame is None:
            entries = [e for e in latest.history() if e.get("version", -1) <= version]
            frame = audit_frame(history_rows(table, entries))
            stamp = entries[0].get("timestamp") if entries else None
        with _DESCRIBED_LOCK:
            _DESCRIBED[key] = (version, frame, stamp)
            _DESCRIBED.move_to_end(key)
            while len(_DESCRIBED) > _TRACKED_KEPT:
                _DESCRIBED.popitem(last=False)
        return frame

    def read_audit_table(self, version: int | None = None) -> pd.DataFrame:
        """The rows of the audit table alone (cached per version; :data:`AUDIT_READ_COLUMNS`): rejected and unchanged
        uploads, and the data commits of stores written before the records moved into the commits. Callers want
        :meth:`read_audit`, which adds the records the commits carry."""
        if version is None:
            try:
                version = self.version(AUDIT_TABLE)
            except StoreError:
                return audit_frame([])
        if version < 0:
            return audit_frame([])
        key = (self.uri(AUDIT_TABLE), json.dumps(self.storage_options or {}, sort_keys=True))
        with _DESCRIBED_LOCK:
            cached = _LEGACY.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        frame = self.read(AUDIT_TABLE, version=version).reindex(columns=list(AUDIT_READ_COLUMNS))
        frame = frame.astype(audit_frame([]).dtypes.to_dict())
        with _DESCRIBED_LOCK:
            _LEGACY[key] = (version, frame)
            while len(_LEGACY) > _TRACKED_KEPT:
                _LEGACY.popitem(last=False)
        return frame

    def read_users(self) -> pd.DataFrame:
        """The accounts table, password hashes included: callers outside ``dashboard.access.accounts`` want
        ``dashboard.access.accounts.list_users``, which leaves the hashes out."""
        return self.read(USERS_TABLE).sort_values("email", ignore_index=True)

    # -- writes -------------------------------------------------------------------------------------------------

    @staticmethod
    def _props(audit: CommitAudit) -> CommitProperties:
        return CommitProperties(custom_metadata=audit.metadata())

    def _write(self, table: str, data: pa.Table, *, predicate: str | None, audit: CommitAudit) -> int:
        """Overwrite (the rows matching ``predicate`` of) a table in one transaction that carries ``audit``; returns
        the version written.

        Delta's optimistic concurrency retries conflicting commits; a commit that still conflicts is tried again
        here on the newest version, so concurrent writers all land.
        """

        def overwrite() -> int:
            delta = self._table(table)
            write_deltalake(
                delta,
                data,
                mode="overwrite",
                predicate=predicate,
                partition_by=PARTITIONS[table],
                # a whole reference table replaced may bring a column added since the table was made (due_days)
                schema_mode="merge" if table in REFERENCE_TABLES else None,
                storage_options=self.storage_options,
                commit_properties=self._props(audit),
                post_commithook_properties=KEEP_LOG,
            )
            return delta.version()  # the writer's table object now stands at its own commit

        return _retried(overwrite)

    def _commit(self, table: str, data: pa.Table, *, predicate: str | None, audit: CommitAudit) -> CommitResult:
        """Overwrite (the rows matching ``predicate`` of) a table with its audit record in the same Delta commit
        (one atomic write: no version without its who and what), as accepted."""
        version = self._write(table, data, predicate=predicate, audit=audit)
        return CommitResult(audit.commit_id, table, version, audit.slices, audit.rows, "accepted")

    def commit_indicators(
        self,
        frame: pd.DataFrame,
        dataset: str,
        *,
        user: str,
        layer: Layer = "submitted",
        source_name: str | None = None,
        source_sha256: str | None = None,
        action: str = "upload",
        commit_id: str | None = None,
    ) -> CommitResult:
        """Replace the slices present in a validated frame with its rows, in one transaction that carries its audit.

        Other partnerships and quarters are untouched; the previous rows stay in the table's history.
        """
        table = indicator_table(dataset, layer)
        if frame.empty:
            raise StoreError("nothing to commit: the frame has no rows")
        data = _to_arrow(frame, INDICATOR_SCHEMA, table)
        slices = slices_of(frame)
        audit = self.audit_record(
            user=user,
            action=action,
            slices=slices,
            rows=len(frame),
            dataset=dataset,
            source_name=source_name,
            source_sha256=source_sha256,
            **({"commit_id": commit_id} if commit_id else {}),
        )
        return self._commit(table, data, predicate=slice_predicate(slices), audit=audit)

    def publish(
        self,
        dataset: str,
        slices: Sequence[Slice],
        *,
        user: str,
        reviewed: Mapping[Slice, str] | None = None,
    ) -> CommitResult:
        """Copy slices from the submitted layer to the published layer in one transaction (replacing them there).

        ``reviewed``: the fingerprint (:func:`~dashboard.storage.slices.slice_fingerprints`) of each slice as the
        reviewer saw it. When given, the fingerprints of the rows about to be copied (the same read that is
        published) must equal them; otherwise StoreError ("changed since you reviewed — review again") and nothing
        is written, so an upload made after the review is never published unseen.
        """
        if not slices:
            raise StoreError("no slices to publish")
        source = self.read(indicator_table(dataset, "submitted"), filter=slice_filter(slices))
        absent = _absent(slices, source)
        if absent:
            raise StoreError(f"nothing submitted for {', '.join(absent)}; nothing was published")
        _check_reviewed(source, slices, reviewed, "published")
        return self.commit_indicators(source, dataset, user=user, layer="published", action="publish")

    def unpublish(self, dataset: str, slices: Sequence[Slice], *, user: str, reason: str) -> CommitResult:
        """Withdraw slices from the published layer (the public stops seeing them) in one transaction that carries
        its audit.

        The submitted layer keeps the rows, so the slices wait for review again. ``reason`` (required) becomes the
        audit message. Every slice must be published; otherwise nothing is written.
        """
        table = indicator_table(dataset, "published")
        slices = _unique(slices)
        if not reason or not reason.strip():
            raise StoreError("a reason is required to withdraw published figures")
        present = self.read(table, columns=list(SLICE_COLUMNS), filter=slice_filter(slices))
        absent = _absent(slices, present)
        if absent:
            raise StoreError(f"nothing published for {', '.join(absent)}; nothing was withdrawn")
        # An overwrite of the slices' rows with no rows, not DeltaTable.delete: delta-rs's delete rewrites the rows it
        # keeps with string_view columns, after which pyarrow cannot filter the table on partnership_id.
        nothing = INDICATOR_SCHEMA.empty_table()
        audit = self.audit_record(
            user=user,
            action="unpublish",
            slices=slices,
            rows=len(present),
            dataset=dataset,
            message=reason.strip(),
        )
        return self._commit(table, nothing, predicate=slice_predicate(slices), audit=audit)

    def revert_submitted(
        self,
        dataset: str,
        slices: Sequence[Slice],
        *,
        user: str,
        reason: str,
        reviewed: Mapping[Slice, str] | None = None,
    ) -> CommitResult:
        """Put submitted slices back to what is published, in one transaction that carries its audit (action
        "reject").

        A slice that was never published is removed from the submitted layer. ``reason`` (required) becomes the
        audit message. Every slice must be submitted and differ from its published rows; otherwise nothing is written.
        ``reviewed``: as for :meth:`publish`, the fingerprints of the submitted slices as the reviewer saw them.
        """
        table = indicator_table(dataset, "submitted")
        slices = _unique(slices)
        if not reason or not reason.strip():
            raise StoreError("a reason is required to reject submitted figures")
        where = slice_filter(slices)
        submitted = self.read(table, filter=where)
        published = self.read(indicator_table(dataset, "published"), filter=where)
        absent = _absent(slices, submitted)
        if absent:
            raise StoreError(f"nothing submitted for {', '.join(absent)}; nothing was rejected")
        if _same_rows(submitted, published):
            raise StoreError("the submitted figures already equal the published ones; nothing was rejected")
        _check_reviewed(submitted, slices, reviewed, "rejected")
        data = _to_arrow(published, INDICATOR_SCHEMA, table)
        audit = self.audit_record(
            user=user,
            action="reject",
            slices=slices,
            rows=len(published),
            dataset=dataset,
            message=reason.strip(),
        )
        return self._commit(table, data, predicate=slice_predicate(slices), audit=audit)

    def replace_reference(
        self,
        table: str,
        frame: pd.DataFrame,
        *,
        user: str,
        source_name: str | None = None,
        source_sha256: str | None = None,
        action: str = "upload",
    ) -> CommitResult:
        """Replace a whole reference table (partnerships, goals or milestones) with a validated frame, audited in its
        commit (the milestones table is created first in a store made before it)."""
        if table not in REFERENCE_TABLES:
            raise KeyError(f"{table} is not a reference table")
        data = _to_arrow(frame, TABLE_SCHEMAS[table], table)
        self.ensure_table(table, user=user)
        audit = self.audit_record(
            user=user, action=action, rows=len(frame), source_name=source_name, source_sha256=source_sha256
        )
        return self._commit(table, data, predicate=None, audit=audit)

    def replace_milestones_of(
        self, partnership_id: str, frame: pd.DataFrame, *, user: str, action: str, message: str | None = None
    ) -> CommitResult:
        """Replace one partnership's milestones (the rows of ``frame``, all of that partnership, validated) in one
        transaction audited in its commit; the other partnerships' milestones are untouched."""
        if not frame.empty and set(frame["partnership_id"]) != {partnership_id}:
            raise StoreError(f"the milestones given are not all of {partnership_id}")
        data = _to_arrow(frame, TABLE_SCHEMAS[MILESTONES_TABLE], MILESTONES_TABLE)
        self.ensure_table(MILESTONES_TABLE, user=user)
        audit = self.audit_record(user=user, action=action, rows=len(frame), message=message)
        predicate = "partnership_id = '" + partnership_id.replace("'", "''") + "'"
        return self._commit(MILESTONES_TABLE, data, predicate=predicate, audit=audit)

    def replace_users(self, frame: pd.DataFrame, *, user: str, action: str, message: str | None = None) -> int:
        """Replace the whole accounts table in one transaction, audited in its commit; returns the version written.

        The audit names the action, the table and the row count (and ``message``), never a password hash.
        """
        data = _to_arrow(frame, USERS_SCHEMA, USERS_TABLE)
        delta = self._table(USERS_TABLE)
        if delta.metadata().configuration.get(STATS_COLUMNS_KEY) != USERS_STATS_COLUMNS:
            setting = self.audit_record(
                user=user, action=CONFIGURE_ACTION, message="file statistics without password hashes"
            )
            delta.alter.set_table_properties(
                {STATS_COLUMNS_KEY: USERS_STATS_COLUMNS},
                commit_properties=self._props(setting),
                post_commithook_properties=KEEP_LOG,
            )
        audit = self.audit_record(user=user, action=action, rows=len(frame), message=message)
        commit = self._commit(USERS_TABLE, data, predicate=None, audit=audit)
        assert commit.version is not None
        return commit.version

    def record_audit(
        self,
        *,
        commit_id: str,
        user: str,
        action: str,
        outcome: str,
        table: str | None = None,
        dataset: str | None = None,
        source_name: str | None = None,
        source_sha256: str | None = None,
        slices: Sequence[Slice] = (),
        rows: int = 0,
        table_version: int | None = None,
        message: str | None = None,
    ) -> None:
        """Append one row to the audit table."""
        row = {
            "commit_id": commit_id,
            "committed_at": datetime.now(UTC),
            "user": user,
            "action": action,
            "outcome": outcome,
            "table": table,
            "dataset": dataset,
            "source_name": source_name,
            "source_sha256": source_sha256,
            "slices": json.dumps([str(s) for s in slices]),
            "rows": rows,
            "table_version": table_version,
            "message": message,
        }
        data = pa.Table.from_pylist([row], schema=AUDIT_SCHEMA)
        _retried(
            lambda: write_deltalake(
                self.uri(AUDIT_TABLE),
                data,
                mode="append",
                storage_options=self.storage_options,
                post_commithook_properties=KEEP_LOG,
            )
        )
