"""Store maintenance (``python -m dashboard optimize``): compaction keeps the rows and adds one audited version;
vacuum keeps every version the audit refers to (also one older than the minimum retention) and removes orphaned
files of failed writes; a dry run changes nothing; readers never fail while it runs. Real Delta tables, real
threads; the age of old commits is made by moving the timestamps in their Delta log entries back."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from dashboard.cli import history_frame, main
from dashboard.storage.maintenance import DEFAULT_MIN_RETENTION_HOURS, optimize_store, retention_for
from dashboard.storage.slices import slice_predicate, slices_of
from dashboard.storage.store import Store
from dashboard.storage.tables import INDICATOR_SCHEMA, PARTITIONS
from data_contracts import INDICATOR_COLUMNS

TABLE = "submitted/workforce"
KEY = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category"]


def slice_frame(partnership: str, year: int, quarter: int, value: float, rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": partnership,
            "year": year,
            "quarter": quarter,
            "indicator_id": [f"indicator_{i}" for i in range(rows)],
            "dimension": "total",
            "category": "total",
            "value": float(value),
            "note": None,
        }
    )


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(INDICATOR_COLUMNS)].sort_values(KEY, ignore_index=True)


def file_count(store: Store, table: str) -> int:
    return len(DeltaTable(store.uri(table)).file_uris())


def data_files(store: Store, table: str) -> set[str]:
    root = Path(store.uri(table))
    return {p.relative_to(root).as_posix() for p in root.rglob("*.parquet") if "_delta_log" not in p.parts}


def audited(store: Store, table: str) -> list[int]:
    audit = store.read_audit()
    return sorted({int(v) for v in audit.loc[audit["table"] == table, "table_version"].dropna()})


def orphan(store: Store, table: str, name: str, *, age: timedelta) -> str:
    """A Parquet file no commit refers to, as a writer killed before its commit leaves behind, of the given age."""
    relative = f"year=2024/part-00000-{name}-c000.snappy.parquet"
    path = Path(store.uri(table)) / relative
    path.write_bytes(b"PAR1 never committed")
    stamp = (datetime.now(UTC) - age).timestamp()
    os.utime(path, (stamp, stamp))
    return relative


def age_commits(store: Store, table: str, versions: range, by: timedelta) -> None:
    """Move the commits ``versions`` of a table back in time by ``by``: their commit timestamps, the times of the
    files they add and remove, and the modification times of their log entries and added files."""
    root = Path(store.uri(table))
    shift = int(by.total_seconds() * 1000)
    for version in versions:
        log = root / "_delta_log" / f"{version:020d}.json"
        actions = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        for action in actions:
            if "commitInfo" in action:
                action["commitInfo"]["timestamp"] -= shift
            if "add" in action:
                action["add"]["modificationTime"] -= shift
                added = root / unquote(action["add"]["path"])
                stamp = added.stat().st_mtime - by.total_seconds()
                os.utime(added, (stamp, stamp))
            if "remove" in action and action["remove"].get("deletionTimestamp"):
                action["remove"]["deletionTimestamp"] -= shift
        log.write_text("".join(json.dumps(a) + "\n" for a in actions))
        stamp = log.stat().st_mtime - by.total_seconds()
        os.utime(log, (stamp, stamp))


@pytest.fixture(scope="module")
def _many_commits_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 single-slice commits over two years (two partitions), then 4 corrections of one slice: 34 versions."""
    root = tmp_path_factory.mktemp("many") / "store"
    store = Store(root)
    store.create_tables()
    for year in (2024, 2025):
        for quarter in (1, 2, 3):
            for p in range(5):
                store.commit_indicators(slice_frame(f"p{p}", year, quarter, 1.0), "workforce", user="officer")
    for value in (2.0, 3.0, 4.0, 5.0):
        store.commit_indicators(slice_frame("p0", 2024, 1, value), "workforce", user="officer")
    return root


@pytest.fixture
def many_commits(_many_commits_template: Path, tmp_path: Path) -> Store:
    root = tmp_path / "many-commits"
    shutil.copytree(_many_commits_template, root)
    return Store(root)


def test_optimize_compacts_small_files_keeps_the_rows_and_audits_it(many_commits: Store) -> None:
    store = many_commits
    before_rows = canonical(store.read(TABLE))
    before_version = store.version(TABLE)
    versions = audited(store, TABLE)
    assert versions == list(range(1, 35))
    old_rows = {v: canonical(store.read(TABLE, version=v)) for v in (1, 15, 30, 31, 34)}
    assert file_count(store, TABLE) == 30  # the corrections replaced files

    results = {r.table: r for r in optimize_store(store, user="ops")}

    result = results[TABLE]
    assert result.problem is None and result.compacted
    assert (result.files_before, result.files_after) == (30, 2)  # one file per year partition
    assert result.bytes_after is not None and result.bytes_after < result.bytes_before
    assert result.version_after == before_version + 1 == store.version(TABLE)
    # every audited version, and the compaction's own (it carries its audit record too)
    assert result.kept_versions == (*versions, result.version_after)
    assert result.retention_hours == DEFAULT_MIN_RETENTION_HOURS
    assert file_count(store, TABLE) == 2
    pd.testing.assert_frame_equal(canonical(store.read(TABLE)), before_rows)
    filtered = store.read_indicators("workforce", "submitted", partnership_ids=["p0"], years=[2024])
    assert sorted(filtered["value"].unique()) == [1.0, 5.0]  # pushed-down filters still work on compacted files
    for version, rows in old_rows.items():
        pd.testing.assert_frame_equal(canonical(store.read(TABLE, version=version)), rows)

    audit = store.read_audit()
    row = audit[(audit["action"] == "optimize") & (audit["table"] == TABLE)]
    assert len(row) == 1
    assert row.iloc[0]["outcome"] == "accepted" and row.iloc[0]["user"] == "ops"
    assert row.iloc[0]["table_version"] == result.version_after
    assert "files 30 → about 2" in row.iloc[0]["message"]  # the plan: the commit is written before the count
    history = history_frame(store, TABLE)
    assert history.iloc[0][["operation", "action", "user"]].tolist() == ["OPTIMIZE", "optimize", "ops"]
    # the 34 data commits carry their records: the audit table got no rows, so it has nothing to compact (its own
    # compaction is in test_cli_prints_a_table_or_json_and_exits_0)
    assert results["audit/commits"].files_before == 0 and not results["audit/commits"].changed
    assert set(audit.loc[audit["action"] == "optimize", "table"]) == {TABLE}
    # tables with nothing to do are left alone
    assert not results["published/workforce"].changed
    assert results["published/workforce"].version_after == results["published/workforce"].version_before == 0


def test_running_it_twice_is_harmless(many_commits: Store) -> None:
    optimize_store(many_commits)
    versions, audit_rows = many_commits.versions(), len(many_commits.read_audit())
    rows = canonical(many_commits.read(TABLE))
    again = optimize_store(many_commits)
    assert not any(r.changed or r.problem for r in again)
    assert many_commits.versions() == versions and len(many_commits.read_audit()) == audit_rows
    pd.testing.assert_frame_equal(canonical(many_commits.read(TABLE)), rows)


def test_dry_run_changes_nothing_and_a_real_run_removes_only_old_orphans(many_commits: Store) -> None:
    store = many_commits
    old = orphan(store, TABLE, "dead-writer", age=timedelta(days=30))
    recent = orphan(store, TABLE, "writer-in-flight", age=timedelta(minutes=5))
    versions, audit_rows, files = store.versions(), len(store.read_audit()), data_files(store, TABLE)

    planned = {r.table: r for r in optimize_store(store, dry_run=True)}

    assert store.versions() == versions and len(store.read_audit()) == audit_rows
    assert data_files(store, TABLE) == files
    assert planned[TABLE].dry_run and planned[TABLE].compacted and planned[TABLE].files_after == 2
    assert planned[TABLE].bytes_after is None  # not known before the files are written
    assert planned[TABLE].vacuumed == (old,)

    done = {r.table: r for r in optimize_store(store)}

    assert done[TABLE].vacuumed == (old,)
    remaining = data_files(store, TABLE)
    assert old not in remaining and recent in remaining
    assert files - {old} <= remaining  # every file of every earlier version is still there
    assert store.version(TABLE) == versions[TABLE] + 3  # OPTIMIZE, VACUUM START, VACUUM END
    assert "vacuumed 1 file (20 B)" in store.read_audit().query("table == @TABLE").iloc[0]["message"]


def test_vacuum_keeps_every_audited_version_even_older_than_the_minimum_retention(empty_store: Store) -> None:
    store = empty_store
    uri = store.uri(TABLE)

    def unaudited(frame: pd.DataFrame) -> None:
        data = pa.Table.from_pandas(frame, schema=INDICATOR_SCHEMA, preserve_index=False)
        predicate = slice_predicate(slices_of(frame))
        write_deltalake(uri, data, mode="overwrite", predicate=predicate, partition_by=PARTITIONS[TABLE])

    unaudited(slice_frame("a", 2024, 1, 1.0))  # v1: before the audit existed, say
    unaudited(slice_frame("a", 2024, 1, 2.0))  # v2 replaces v1's file
    store.commit_indicators(slice_frame("a", 2024, 1, 3.0), "workforce", user="ana")  # v3, audited
    store.commit_indicators(slice_frame("a", 2024, 1, 4.0), "workforce", user="ana")  # v4 replaces v3's file
    store.commit_indicators(slice_frame("b", 2024, 1, 9.0), "workforce", user="ana")  # v5, today
    age_commits(store, TABLE, range(0, 3), timedelta(days=60))
    age_commits(store, TABLE, range(3, 5), timedelta(days=30))
    v1_file, v3_file = (pa.table(DeltaTable(uri, version=v).get_add_actions())["path"][0].as_py() for v in (1, 3))
    # with only the minimum retention, vacuum would delete the file version 3 reads
    assert v3_file in DeltaTable(uri).vacuum(DEFAULT_MIN_RETENTION_HOURS, dry_run=True, full=True)

    result = next(r for r in optimize_store(store) if r.table == TABLE)

    assert result.kept_versions == (3, 4, 5) and result.oldest_kept_version == 3
    assert 30 * 24 < result.retention_hours <= 30 * 24 + 2
    assert result.vacuumed == (v1_file,)  # the unaudited 60-day-old version's replaced file goes
    assert store.read(TABLE, version=3)["value"].tolist() == [3.0] * 3
    assert store.read(TABLE, version=4)["value"].tolist() == [4.0] * 3
    assert sorted(store.read(TABLE)["value"]) == [4.0] * 3 + [9.0] * 3
    assert not (Path(uri) / v1_file).exists()
    # the retention alone keeps them (vacuum is also told to keep the audited versions); the deleted file's
    # tombstone stays in the log, so vacuum lists it again, but optimize only counts files that are still there
    listed = DeltaTable(uri).vacuum(result.retention_hours, dry_run=True, full=True, enforce_retention_duration=False)
    assert listed == [v1_file]
    versions = store.versions()
    assert not any(r.changed for r in optimize_store(store)) and store.versions() == versions


def test_retention_covers_the_oldest_audited_version_and_never_less_than_the_minimum() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    times = {0: now - timedelta(days=400), 1: now - timedelta(days=90, minutes=30), 2: now - timedelta(hours=2)}
    assert retention_for(times, [], now=now).hours == 168
    assert retention_for(times, [2], now=now).hours == 168
    long = retention_for(times, [2, 1, 7], now=now)
    assert long.kept_versions == (1, 2) and long.missing_versions == (7,)
    assert long.hours == 90 * 24 + 1 + 1  # 2160.5 h rounded up, plus the margin hour
    assert retention_for(times, [2], now=now + timedelta(days=365)).hours == 365 * 24 + 2 + 1
    assert retention_for(times, [2], now=now, min_retention_hours=0).hours == 2 + 1
    with pytest.raises(ValueError):
        retention_for(times, [2], now=now, min_retention_hours=-1)


def test_readers_never_fail_while_optimize_runs(many_commits: Store) -> None:
    store = many_commits
    orphan(store, TABLE, "dead-writer", age=timedelta(days=30))  # so vacuum deletes while they read
    expected = {v: canonical(store.read(TABLE, version=v)) for v in (None, 1, 20, 34)}
    errors: list[str] = []
    reads = [0]
    stop = threading.Event()

    def reader() -> None:
        reader_store = Store(store.root)
        while not stop.is_set():
            for version, rows in expected.items():
                try:
                    got = canonical(reader_store.read(TABLE, version=version))
                    if not got.equals(rows):
                        errors.append(f"version {version}: different rows")
                    reader_store.read_audit()
                    reads[0] += 1
                except Exception as error:  # any failed read is what this test looks for
                    errors.append(f"version {version}: {type(error).__name__}: {error}")

    opened = DeltaTable(store.uri(TABLE)).to_pyarrow_dataset()  # a read that started before optimize
    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    started = reads[0]
    try:
        results = optimize_store(store)
    finally:
        time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert opened.to_table().num_rows == len(expected[None])  # and finishes after it: the old files are there
    assert reads[0] > started + 4  # they kept reading while it ran
    result = next(r for r in results if r.table == TABLE)
    assert result.compacted and len(result.vacuumed) == 1


def rejected_uploads(store: Store, count: int = 10) -> None:
    """Rows of the audit table, one small file each: events that write no data (a data commit carries its audit
    record in itself and adds no row there)."""
    for number in range(count):
        store.record_audit(commit_id=f"rejected-{number}", user="officer", action="upload", outcome="rejected")


def test_cli_prints_a_table_or_json_and_exits_0(sample_store: Store, capsys) -> None:
    rejected_uploads(sample_store)
    args = ["optimize", "--store", sample_store.root, "--user", "ops"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Dry run on") and "audit/commits" in out and "10 → ~1" in out
    assert sample_store.version("audit/commits") == 10

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Optimized" in out and "10 → 1" in out and "Compacted 1 table (10 files into 1)" in out
    assert "submitted/workforce" in out and "168 h" in out
    versions = sample_store.versions()

    assert main([*args, "--json"]) == 0  # the second run: nothing left to do
    payload = json.loads(capsys.readouterr().out)
    assert payload["store"] == sample_store.root and payload["dry_run"] is False
    tables = {t["table"]: t for t in payload["tables"]}
    assert set(tables) >= {"submitted/workforce", "published/workforce", "audit/commits"}
    assert not any(t["compacted"] or t["files_vacuumed"] or t["problem"] for t in tables.values())
    assert tables["published/workforce"]["kept_versions"] == [1]
    assert sample_store.versions() == versions


def test_a_table_that_fails_is_reported_and_the_others_are_done(sample_store: Store, capsys) -> None:
    log = Path(sample_store.uri("reference/goals")) / "_delta_log" / f"{2:020d}.json"
    log.write_text('{"commitInfo": ')  # a broken commit: the table cannot be loaded
    rejected_uploads(sample_store)
    assert main(["optimize", "--store", sample_store.root]) == 1
    captured = capsys.readouterr()
    assert "error: reference/goals: DeltaError" in captured.err
    assert "failed (see the error below)" in captured.out and "Compacted 1 table" in captured.out
    assert sample_store.version("audit/commits") == 12  # compacted and audited anyway


def test_cli_usage_error_without_a_store(tmp_path: Path, capsys) -> None:
    assert main(["optimize", "--store", str(tmp_path / "nothing-here")]) == 2
    assert "python -m dashboard init" in capsys.readouterr().err
