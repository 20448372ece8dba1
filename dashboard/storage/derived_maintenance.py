"""Maintenance of the read model's derived tables (``derived/``): compact them and vacuum what they no longer need.

Each keep of a derived table (``storage/derived.py``) replaces the rows of a few partnerships by rewriting the files
of their buckets, so a derived table collects small files in its buckets and, on disk, the files each keep replaced.
``optimize_derived`` does, table by table, what ``maintenance.optimize_store`` does for the store's tables, with two
differences that come from what a derived table is (a cache rebuilt from the source tables at any time):

1. **Compact** as soon as a bucket holds :data:`DERIVED_MIN_SMALL_FILES` small files (the tables are small, so a
   rewrite is cheap). A compaction changes no row, and a derived table stays trusted across it
   (``derived.UNCHANGED_OPERATIONS``): the next keep is still written on top of it in parts.
2. **Vacuum** with the store's minimum retention only: no version of a derived table is audited or restored, but a
   file of the current version is never deleted, nor a file replaced less than the retention ago, so a reader in the
   middle of reading an older version, and a write in progress, are safe. Orphaned files of writes killed before
   their commit go once older than the retention.

Neither is audited (a derived table is never a source of truth). A table not built yet is skipped; a dry run writes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from deltalake import DeltaTable
from deltalake.exceptions import DeltaError
from deltalake.fs import DeltaStorageHandler
from pyarrow.fs import FileType, PyFileSystem

from dashboard.storage.derived import VARIANTS, derived_uri, figures_table_name, summary_table_name
from dashboard.storage.derived_audit import AUDIT_DERIVED
from dashboard.storage.layer_fingerprints import fingerprints_table_name
from dashboard.storage.maintenance import (
    DEFAULT_MIN_RETENTION_HOURS,
    TableMaintenance,
    _files,
    _first_line,
    compaction_plan,
    retried,
)
from dashboard.storage.store import KEEP_LOG, Store
from dashboard.storage.tables import LAYERS
from data_contracts import DATASETS

DERIVED_MIN_SMALL_FILES = 2
"""A derived table is compacted once one of its buckets holds this many small files."""


def derived_table_names() -> list[str]:
    """Every derived table the read model keeps: each variant's summary and portfolio figures, each dataset's and
    layer's fingerprints, and the audit's records."""
    summaries = [summary_table_name(variant) for variant in VARIANTS] + [figures_table_name(v) for v in VARIANTS]
    fingerprints = [fingerprints_table_name(dataset, layer) for dataset in DATASETS for layer in LAYERS]
    return [*summaries, *fingerprints, AUDIT_DERIVED]


def _open(store: Store, name: str) -> DeltaTable | None:
    uri = derived_uri(store, name)
    if not DeltaTable.is_deltatable(uri, storage_options=store.storage_options):
        return None
    return DeltaTable(uri, storage_options=store.storage_options)


def _existing(store: Store, name: str, paths: list[str]) -> tuple[list[str], int]:
    """The paths (relative to the table) that are files in storage, and their total size."""
    if not paths:
        return [], 0
    filesystem = PyFileSystem(DeltaStorageHandler(derived_uri(store, name), store.storage_options))
    found = [info for info in filesystem.get_file_info(paths) if info.type == FileType.File]
    return [info.path for info in found], sum(int(info.size or 0) for info in found)


def _compact(store: Store, name: str) -> DeltaTable:
    """Compact a derived table; a commit that conflicts with a keep is tried again on the newest version
    (``maintenance.retried``)."""

    def open_table() -> DeltaTable:
        delta = _open(store, name)
        assert delta is not None
        return delta

    return retried(open_table, lambda delta: delta.optimize.compact(post_commithook_properties=KEEP_LOG))


def maintain_derived_table(
    store: Store,
    name: str,
    *,
    dry_run: bool = False,
    min_retention_hours: int = DEFAULT_MIN_RETENTION_HOURS,
    min_small_files: int = DERIVED_MIN_SMALL_FILES,
) -> TableMaintenance | None:
    """Compact and vacuum one derived table (None when it is not built yet)."""
    if min_retention_hours < 0:
        raise ValueError("min_retention_hours cannot be negative")
    delta = _open(store, name)
    if delta is None:
        return None
    version_before = delta.version()
    worth, files_before, bytes_before, files_after, bytes_after = compaction_plan(
        delta, min_small_files=min_small_files
    )
    if worth and not dry_run:
        delta = _compact(store, name)
        files = _files(delta)
        files_after, bytes_after = files.num_rows, int(sum(files.column("size_bytes").to_pylist()))
    delta.update_incremental()  # a keep made meanwhile: its files belong to the current version
    options = {"retention_hours": int(min_retention_hours), "enforce_retention_duration": False, "full": True}
    # as for the store's tables: only files still there count, and a table with none is left alone
    vacuumed, vacuumed_bytes = _existing(store, name, delta.vacuum(dry_run=True, **options))
    if vacuumed and not dry_run:
        delta.vacuum(dry_run=False, post_commithook_properties=KEEP_LOG, **options)
    return TableMaintenance(
        table=name,
        dry_run=dry_run,
        version_before=version_before,
        version_after=version_before if dry_run else delta.version(),
        files_before=files_before,
        files_after=files_after,
        bytes_before=bytes_before,
        bytes_after=bytes_after,
        compacted=worth,
        retention_hours=int(min_retention_hours),
        kept_versions=(),
        vacuumed=tuple(sorted(vacuumed)),
        vacuumed_bytes=vacuumed_bytes,
    )


def optimize_derived(
    store: Store,
    *,
    dry_run: bool = False,
    min_retention_hours: int = DEFAULT_MIN_RETENTION_HOURS,
    min_small_files: int = DERIVED_MIN_SMALL_FILES,
    names: Iterable[str] | None = None,
) -> list[TableMaintenance]:
    """Compact and vacuum every derived table built so far; one result per table. A table that fails is reported
    with its ``problem`` (it is rebuilt from the source if need be) and the others are still done."""
    results = []
    for name in names or derived_table_names():
        try:
            found = maintain_derived_table(
                store, name, dry_run=dry_run, min_retention_hours=min_retention_hours, min_small_files=min_small_files
            )
        except (DeltaError, OSError) as error:
            found = TableMaintenance(
                table=name,
                dry_run=dry_run,
                version_before=-1,
                version_after=-1,
                files_before=0,
                files_after=0,
                bytes_before=0,
                bytes_after=0,
                compacted=False,
                retention_hours=int(min_retention_hours),
                kept_versions=(),
                problem=_first_line(error),
            )
        if found is not None:
            results.append(found)
    return results
