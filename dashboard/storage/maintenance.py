"""Store maintenance: compact small files and vacuum what no audited version needs, safe while the app reads.

Every upload, publish or audit row is one Delta commit that adds at least one small Parquet file, so tables slowly
fill with small files that make every read slower. ``optimize_store`` does, table by table:

1. **Compact**: rewrite the small files of each partition into larger ones (``DeltaTable.optimize.compact``). This
   is a new version with the same rows; the old files stay on disk, so readers of any version keep working.
2. **Vacuum**: delete files that no version worth keeping needs, and orphaned files of failed writes. The retention
   is never shorter than the age of the oldest version the audit table refers to (``history`` and ``restore`` let
   people go back to those versions), and never shorter than ``min_retention_hours`` (default a week, so readers
   mid-read and recent versions are safe). The audited versions are also passed to vacuum as versions to keep.
3. **Audit**: each compaction and vacuum commit carries its audit record (action ``optimize``, like every write of the
   store); the audit table, whose commits carry none, gets one row in itself.

The functions are plain (no Streamlit); ``python -m dashboard optimize`` is the command-line front.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, WriterProperties
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.fs import DeltaStorageHandler
from pyarrow.fs import FileType, PyFileSystem

from dashboard.storage.audit import CommitAudit, history_rows, new_commit_id
from dashboard.storage.store import COMMIT_RETRIES, STRUCTURE_ACTIONS, Store, StoreError
from dashboard.storage.tables import AUDIT_TABLE, TABLE_SCHEMAS

OPTIMIZE_ACTION = "optimize"
DEFAULT_MIN_RETENTION_HOURS = 168
"""A week: what Delta itself recommends, long enough for any read in progress and for recent versions."""
RETENTION_MARGIN_HOURS = 1
"""Added to the age of the oldest audited version, so a data file written just before its commit is inside too."""
DEFAULT_MIN_SMALL_FILES = 10
"""A table is compacted once one of its partitions holds this many small files; fewer are not worth a version."""
DEFAULT_TARGET_FILE_SIZE = 100 * 1024 * 1024
"""deltalake's own default target size of compacted files (the table property ``delta.targetFileSize`` wins)."""
CLUSTER_COLUMN = "partnership_id"
"""What ``optimize --cluster`` orders an indicator table by: a one-partnership page reads one partnership."""
CLUSTER_FILE_BYTES = 32 * 1024 * 1024
"""Files of a clustered table: small enough that a partnership's rows sit in one or two of them."""
CLUSTER_ROW_GROUP_ROWS = 65_536
"""Row groups of a clustered table: each names a narrow range of partnerships in its statistics."""

_NO_LOG_CLEANUP = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)
"""Maintenance commits never delete old log files: an audited version stays readable only while its log is there."""


@dataclass(frozen=True)
class TableMaintenance:
    """What optimize did (or, with ``dry_run``, would do) to one table.

    ``files_*`` and ``bytes_*`` count the data files of the current version. In a dry run ``files_after`` is an
    estimate (nothing is rewritten) and ``vacuumed`` lists the files a real run would delete.
    """

    table: str
    dry_run: bool
    version_before: int
    version_after: int
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int | None
    """``None`` in a dry run that would compact: the size of the rewritten files is not known before they exist."""
    compacted: bool
    retention_hours: int
    kept_versions: tuple[int, ...]
    """Versions the audit refers to: readable before, readable after."""
    missing_versions: tuple[int, ...] = ()
    """Versions the audit refers to that the table's log no longer holds (unreadable before optimize ran)."""
    vacuumed: tuple[str, ...] = ()
    """Files deleted (or that would be), relative to the table's root."""
    vacuumed_bytes: int = 0
    problem: str | None = None
    audit_commit_id: str | None = None
    clustered: bool = False
    """Rewritten in partnership order (``optimize --cluster``), or would be in a dry run."""

    @property
    def changed(self) -> bool:
        """True when the table got new versions (or would, in a dry run)."""
        return self.compacted or self.clustered or bool(self.vacuumed)

    @property
    def oldest_kept_version(self) -> int | None:
        return min(self.kept_versions) if self.kept_versions else None

    def message(self) -> str:
        """One line for the audit row and the command's output."""
        if not self.compacted:
            files = f"files {self.files_before} (not compacted)"
        elif self.bytes_after is None:
            files = f"files {self.files_before} → about {self.files_after}"
        else:
            files = f"files {self.files_before} → {self.files_after}"
            files += f" ({_size(self.bytes_before)} → {_size(self.bytes_after)})"
        count = len(self.vacuumed)
        vacuumed = f"vacuumed {count} file{'' if count == 1 else 's'} ({_size(self.vacuumed_bytes)})"
        parts = [files, vacuumed, f"retention {self.retention_hours} h"]
        if self.clustered:
            parts.insert(0, "clustered by partnership")
        if self.kept_versions:
            parts.append(f"keeps {len(self.kept_versions)} audited versions from {self.oldest_kept_version}")
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "dry_run": self.dry_run,
            "version_before": self.version_before,
            "version_after": self.version_after,
            "files_before": self.files_before,
            "files_after": self.files_after,
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "compacted": self.compacted,
            "retention_hours": self.retention_hours,
            "kept_versions": list(self.kept_versions),
            "oldest_kept_version": self.oldest_kept_version,
            "missing_versions": list(self.missing_versions),
            "files_vacuumed": len(self.vacuumed),
            "bytes_vacuumed": self.vacuumed_bytes,
            "vacuumed": list(self.vacuumed),
            "problem": self.problem,
            "clustered": self.clustered,
        }


@dataclass(frozen=True)
class Retention:
    """The vacuum retention of one table and the audited versions it keeps."""

    hours: int
    kept_versions: tuple[int, ...] = ()
    missing_versions: tuple[int, ...] = ()
    oldest_age: timedelta | None = field(default=None, compare=False)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def audited_versions(audit: pd.DataFrame) -> dict[str, set[int]]:
    """The table versions each table's audit rows refer to (rows without a version, e.g. rejected uploads, skipped)."""
    found: dict[str, set[int]] = {}
    if audit.empty:
        return found
    rows = audit.dropna(subset=["table", "table_version"])
    for table, version in zip(rows["table"], rows["table_version"], strict=True):
        found.setdefault(str(table), set()).add(int(version))
    return found


def retention_for(
    commit_times: Mapping[int, datetime],
    versions: Iterable[int],
    *,
    now: datetime,
    min_retention_hours: int = DEFAULT_MIN_RETENTION_HOURS,
) -> Retention:
    """The vacuum retention that keeps every given version readable.

    ``commit_times`` maps each version in the table's log to its commit time (``DeltaTable.history``). A file that
    a version needs can only have been removed after that version's commit, so a retention at least as long as the
    age of the oldest audited version (rounded up to whole hours, plus a margin) keeps all of them. Versions that are
    not in the log any more are returned as missing; they cannot be read whatever the retention.
    """
    if min_retention_hours < 0:
        raise ValueError("min_retention_hours cannot be negative")
    wanted = sorted(set(versions))
    kept = tuple(v for v in wanted if v in commit_times)
    missing = tuple(v for v in wanted if v not in commit_times)
    hours = int(min_retention_hours)
    oldest_age = None
    if kept:
        oldest_age = now - min(commit_times[v] for v in kept)
        needed = math.ceil(max(oldest_age.total_seconds(), 0) / 3600) + RETENTION_MARGIN_HOURS
        hours = max(hours, needed)
    return Retention(hours, kept, missing, oldest_age)


def _first_line(error: Exception) -> str:
    """The error's name and first line (deltalake appends a Rust backtrace to some messages)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _commit_times(entries: Iterable[Mapping[str, Any]]) -> dict[int, datetime]:
    times = {}
    for entry in entries:
        version, stamp = entry.get("version"), entry.get("timestamp")
        if version is not None and stamp is not None:
            times[int(version)] = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
    return times


def _described_versions(table: str, entries: Iterable[Mapping[str, Any]]) -> set[int]:
    """The versions whose commits carry an audit record (but the table's creation and property changes): the audit
    refers to them (``Store.read_audit`` reads them from the same history)."""
    rows = history_rows(table, entries)
    return {int(row["table_version"]) for row in rows if row.get("action") not in STRUCTURE_ACTIONS}


def _files(delta: DeltaTable) -> pa.Table:
    return pa.table(delta.get_add_actions(flatten=True))


def _partition_keys(files: pa.Table, partition_columns: list[str]) -> list[tuple]:
    columns = [files.column(f"partition.{c}").to_pylist() for c in partition_columns]
    return list(zip(*columns, strict=True)) if columns else [() for _ in range(files.num_rows)]


def compaction_plan(
    delta: DeltaTable, *, min_small_files: int = DEFAULT_MIN_SMALL_FILES
) -> tuple[bool, int, int, int, int | None]:
    """Whether the table is worth compacting, its files and bytes now, and its files (estimated) and bytes (unknown,
    ``None``, when it would be compacted) after compaction.

    Files smaller than the target size are small. deltalake merges the small files of each partition that holds
    two or more into files of about the target size; the table is compacted once a partition holds
    ``min_small_files`` small files.
    """
    files = _files(delta)
    sizes = files.column("size_bytes").to_pylist() if files.num_rows else []
    files_before, bytes_before = len(sizes), int(sum(sizes))
    target = int(delta.metadata().configuration.get("delta.targetFileSize") or DEFAULT_TARGET_FILE_SIZE)
    small: dict[tuple, list[int]] = {}
    for key, size in zip(_partition_keys(files, delta.metadata().partition_columns), sizes, strict=True):
        if size < target:
            small.setdefault(key, []).append(int(size))
    worth = any(len(group) >= max(min_small_files, 2) for group in small.values())
    if not worth:
        return False, files_before, bytes_before, files_before, bytes_before
    files_after = files_before
    for group in small.values():
        if len(group) >= 2:
            files_after += max(1, math.ceil(sum(group) / target)) - len(group)
    return True, files_before, bytes_before, files_after, None


def _existing(store: Store, table: str, paths: list[str]) -> tuple[list[str], int]:
    """The paths (relative to the table) that are files in storage, and their total size."""
    if not paths:
        return [], 0
    filesystem = PyFileSystem(DeltaStorageHandler(store.uri(table), store.storage_options))
    found = [info for info in filesystem.get_file_info(paths) if info.type == FileType.File]
    return [info.path for info in found], sum(int(info.size or 0) for info in found)


def _props(audit: CommitAudit) -> CommitProperties:
    """The commit's metadata: its audit record, as every write of the store carries (``Store.read_audit``)."""
    return CommitProperties(custom_metadata=audit.metadata())


def retried(open_table: Callable[[], DeltaTable], change: Callable[[DeltaTable], object]) -> DeltaTable:
    """Apply ``change`` to the table ``open_table`` opens; a commit that conflicts with a concurrent write is tried
    again on the newest version. Returns the table at the change's own version."""
    for attempt in range(COMMIT_RETRIES):
        delta = open_table()
        try:
            change(delta)
            return delta
        except CommitFailedError:
            if attempt == COMMIT_RETRIES - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


def _opener(store: Store, table: str) -> Callable[[], DeltaTable]:
    return lambda: DeltaTable(store.uri(table), storage_options=store.storage_options)


def _compact(store: Store, table: str, audit: CommitAudit) -> DeltaTable:
    """Compact a table (:func:`retried`)."""
    return retried(
        _opener(store, table),
        lambda delta: delta.optimize.compact(
            commit_properties=_props(audit), post_commithook_properties=_NO_LOG_CLEANUP
        ),
    )


def _cluster(store: Store, table: str, audit: CommitAudit, *, row_group_rows: int) -> DeltaTable:
    """Rewrite a table's files in partnership order (a Z-order on the partnership id alone is a sort by it), in row
    groups of ``row_group_rows``: each file's and row group's statistics then name a narrow range of partnerships, so
    a one-partnership read skips the rest (:func:`retried`)."""
    properties = WriterProperties(max_row_group_size=row_group_rows)
    return retried(
        _opener(store, table),
        lambda delta: delta.optimize.z_order(
            [CLUSTER_COLUMN],
            target_size=CLUSTER_FILE_BYTES,
            writer_properties=properties,
            commit_properties=_props(audit),
            post_commithook_properties=_NO_LOG_CLEANUP,
        ),
    )


def maintain_table(
    store: Store,
    table: str,
    keep: Iterable[int],
    *,
    user: str,
    dry_run: bool = False,
    min_retention_hours: int = DEFAULT_MIN_RETENTION_HOURS,
    min_small_files: int = DEFAULT_MIN_SMALL_FILES,
    now: datetime | None = None,
    cluster: bool = False,
    cluster_row_group_rows: int = CLUSTER_ROW_GROUP_ROWS,
) -> TableMaintenance:
    """Compact and vacuum one table, keeping the versions in ``keep`` readable, and audit it when it changed. With
    ``cluster`` a table with partnership rows is rewritten in partnership order instead of compacted."""
    now = now or datetime.now(UTC)
    delta = DeltaTable(store.uri(table), storage_options=store.storage_options)
    version_before = delta.version()
    worth, files_before, bytes_before, files_after, bytes_after = compaction_plan(
        delta, min_small_files=min_small_files
    )
    commit_id = new_commit_id()
    clustered = cluster and CLUSTER_COLUMN in delta.schema().to_arrow().names and files_before > 0
    if clustered:
        worth = False  # the rewrite compacts too
        files_after, bytes_after = files_before, None
    rewrite = None
    if clustered:
        message = f"clustered by partnership: files {files_before}"
        rewrite = partial(_cluster, row_group_rows=cluster_row_group_rows)
    elif worth:
        message = f"compacted: files {files_before} → about {files_after}"
        rewrite = _compact
    if rewrite is not None and not dry_run:
        record = store.audit_record(user=user, action=OPTIMIZE_ACTION, commit_id=commit_id, message=message)
        delta = rewrite(store, table, record)
        files = _files(delta)
        files_after, bytes_after = files.num_rows, int(sum(files.column("size_bytes").to_pylist()))
    entries = delta.history()
    keep = set(keep) | _described_versions(table, entries)
    retention = retention_for(_commit_times(entries), keep, now=now, min_retention_hours=min_retention_hours)
    options = {
        "retention_hours": retention.hours,
        "enforce_retention_duration": False,
        "full": True,  # also the orphaned files of failed writes, once they are older than the retention
        "keep_versions": list(retention.kept_versions) or None,
    }
    # Vacuum lists a removed file again after it was deleted (its tombstone stays in the log): only files that are
    # still there count, and a table with none is left alone, so a second run writes nothing.
    vacuumed, vacuumed_bytes = _existing(store, table, delta.vacuum(dry_run=True, **options))
    if vacuumed and not dry_run:
        count = len(vacuumed)
        vacuuming = store.audit_record(
            user=user,
            action=OPTIMIZE_ACTION,
            commit_id=commit_id,
            message=f"vacuumed {count} file{'' if count == 1 else 's'} ({_size(vacuumed_bytes)}); "
            f"retention {retention.hours} h",
        )
        delta.vacuum(
            dry_run=False,
            commit_properties=_props(vacuuming),
            post_commithook_properties=_NO_LOG_CLEANUP,
            **options,
        )
    result = TableMaintenance(
        table=table,
        dry_run=dry_run,
        version_before=version_before,
        version_after=version_before if dry_run else delta.version(),  # its own last commit
        files_before=files_before,
        files_after=files_after,
        bytes_before=bytes_before,
        bytes_after=bytes_after,
        compacted=worth,
        retention_hours=retention.hours,
        kept_versions=retention.kept_versions,
        missing_versions=retention.missing_versions,
        vacuumed=tuple(sorted(vacuumed)),
        vacuumed_bytes=vacuumed_bytes,
        clustered=clustered,
    )
    if dry_run or not result.changed:
        return result
    if table == AUDIT_TABLE:  # the audit table's own commits carry no records: one row in it says what was done
        store.record_audit(
            commit_id=commit_id,
            user=user,
            action=OPTIMIZE_ACTION,
            outcome="accepted",
            table=table,
            table_version=result.version_after,
            message=result.message(),
        )
    return replace(result, audit_commit_id=commit_id)


def optimize_store(
    store: Store,
    *,
    user: str = "maintenance",
    dry_run: bool = False,
    min_retention_hours: int = DEFAULT_MIN_RETENTION_HOURS,
    min_small_files: int = DEFAULT_MIN_SMALL_FILES,
    now: datetime | None = None,
    tables: Iterable[str] | None = None,
    cluster: bool = False,
    cluster_row_group_rows: int = CLUSTER_ROW_GROUP_ROWS,
) -> list[TableMaintenance]:
    """Compact and vacuum every table of the store (the audit table last); one result per table.

    Safe while the app reads: compaction only adds a version (the files it replaces stay until a later vacuum finds
    them older than the retention), and vacuum keeps every file younger than the retention and every file of a
    version the audit refers to. ``now`` is the clock for the ages of versions (tests); vacuum itself compares
    file times with the system clock, so a later ``now`` only lengthens the retention. A table that fails is
    reported with its ``problem`` and the others are still done. Tables not created yet are skipped.
    """
    now = now or datetime.now(UTC)
    names = [t for t in (tables or TABLE_SCHEMAS) if t in TABLE_SCHEMAS]
    names = sorted(names, key=lambda t: t == AUDIT_TABLE)  # its own optimize row comes after the others
    # the audit table's rows (older stores' commits); each table's own commits are read with its history
    references = audited_versions(store.read_audit_table()) if store.exists(AUDIT_TABLE) else {}
    results = []
    for table in names:
        if not store.exists(table):
            continue
        try:
            results.append(
                maintain_table(
                    store,
                    table,
                    references.get(table, ()),
                    user=user,
                    dry_run=dry_run,
                    min_retention_hours=min_retention_hours,
                    min_small_files=min_small_files,
                    now=now,
                    cluster=cluster,
                    cluster_row_group_rows=cluster_row_group_rows,
                )
            )
        except (DeltaError, StoreError, OSError) as error:
            try:
                version = store.version(table)
            except (DeltaError, StoreError, OSError):
                version = -1
            results.append(
                TableMaintenance(
                    table=table,
                    dry_run=dry_run,
                    version_before=version,
                    version_after=version,
                    files_before=0,
                    files_after=0,
                    bytes_before=0,
                    bytes_after=0,
                    compacted=False,
                    retention_hours=0,
                    kept_versions=(),
                    problem=_first_line(error),
                )
            )
    return results


def results_frame(results: Iterable[TableMaintenance]) -> pd.DataFrame:
    """The results as the command prints them: one row per table."""
    rows = []
    for r in results:
        if r.problem:
            rows.append({"table": r.table, "vacuumed": 0, "note": "failed (see the error below)"})
            continue
        missing = f"{len(r.missing_versions)} audited versions no longer in the log" if r.missing_versions else ""
        rows.append(
            {
                "table": r.table,
                "files": f"{r.files_before} → {'~' if r.dry_run else ''}{r.files_after}"
                if r.compacted or r.clustered
                else str(r.files_before),
                "size": f"{_size(r.bytes_before)} → {_size(r.bytes_after)}"
                if (r.compacted or r.clustered) and r.bytes_after is not None
                else _size(r.bytes_before),
                "version": f"{r.version_before} → {r.version_after}" if r.version_after != r.version_before else "",
                "audited versions kept": f"{len(r.kept_versions)} (oldest {r.oldest_kept_version})"
                if r.kept_versions
                else "0",
                "retention": f"{r.retention_hours} h",
                "vacuumed": len(r.vacuumed),
                "note": "; ".join(n for n in ("clustered by partnership" if r.clustered else "", missing) if n),
            }
        )
    return pd.DataFrame(rows).fillna("")
