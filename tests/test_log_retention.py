"""Versions the audit refers to stay readable however old they get: the store never lets delta-rs delete old log
entries (by default it drops those older than 30 days whenever it writes a checkpoint)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from dashboard.storage.store import Store
from dashboard.storage.tables import INDICATOR_SCHEMA, indicator_table

DAYS = 24 * 3600


def _age_log(table_uri: str, days: int) -> None:
    """Make every log entry look ``days`` old (delta-rs judges expiry by the files' modification times)."""
    old = time.time() - days * DAYS
    for entry in Path(table_uri, "_delta_log").iterdir():
        os.utime(entry, (old, old))


def test_a_plain_delta_table_loses_old_versions_at_a_checkpoint(tmp_path: Path) -> None:
    """The hazard itself, so the test below can fail: default settings delete the 40-day-old log entries."""
    uri = str(tmp_path / "plain")
    empty = pa.Table.from_pylist([], schema=INDICATOR_SCHEMA)
    DeltaTable.create(uri, schema=INDICATOR_SCHEMA, configuration={"delta.checkpointInterval": "2"})
    for _ in range(2):
        write_deltalake(uri, empty, mode="append")
    _age_log(uri, 40)
    for _ in range(4):
        write_deltalake(uri, empty, mode="append")
    try:
        DeltaTable(uri, version=1)
    except Exception:  # noqa: BLE001 - whatever delta-rs raises for a version whose log is gone
        return
    raise AssertionError("version 1 is still readable: the hazard this store guards against did not occur")


def test_store_tables_keep_old_versions_through_checkpoints(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.create_tables()
    table = indicator_table("workforce", "submitted")
    uri = store.uri(table)
    assert DeltaTable(uri).metadata().configuration.get("delta.enableExpiredLogCleanup") == "false"
    DeltaTable(uri).alter.set_table_properties({"delta.checkpointInterval": "2"})
    rows = store.read(table)
    empty = pa.Table.from_pandas(rows, schema=INDICATOR_SCHEMA, preserve_index=False)
    write_deltalake(uri, empty, mode="append")  # version 2 (the property change was 1)
    _age_log(uri, 40)
    for _ in range(4):  # plain writes, as another engine would make them: the table's own property protects it
        write_deltalake(uri, empty, mode="append")
    assert any(p.name.endswith(".checkpoint.parquet") for p in Path(uri, "_delta_log").iterdir())
    for version in range(0, 3):
        DeltaTable(uri, version=version)  # still readable


def test_the_audit_records_in_the_commits_outlive_checkpoints_and_age(tmp_path: Path) -> None:
    """Who and what live in the commits' log entries: old ones must stay for the audit to stay complete."""
    from tests.store_worker import frame

    store = Store(tmp_path / "store")
    store.create_tables()
    table = indicator_table("workforce", "submitted")
    uri = store.uri(table)
    DeltaTable(uri).alter.set_table_properties({"delta.checkpointInterval": "2"})  # version 1
    for number in range(3):
        store.commit_indicators(frame(f"p{number}", 2, 1.0), "workforce", user=f"early-{number}")
    _age_log(uri, 40)
    for number in range(4):
        store.commit_indicators(frame(f"q{number}", 2, 1.0), "workforce", user=f"late-{number}")
    assert any(p.name.endswith(".checkpoint.parquet") for p in Path(uri, "_delta_log").iterdir())
    audit = Store(tmp_path / "store").read_audit()
    mine = audit[audit["table"] == table].sort_values("table_version")
    assert mine["table_version"].tolist() == list(range(2, 9))
    assert mine["user"].tolist() == [*(f"early-{n}" for n in range(3)), *(f"late-{n}" for n in range(4))]
