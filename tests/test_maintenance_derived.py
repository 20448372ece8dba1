"""``optimize`` maintains the read model's derived tables too: the files each keep leaves are compacted and vacuumed
(with the store's minimum retention), the tables stay trusted and give the source numbers afterwards, a dry run
changes nothing, and the command says what it did to them."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from dashboard.cli import main
from dashboard.queries import read_model
from dashboard.settings import min_cell_count
from dashboard.storage import derived, layer_fingerprints
from dashboard.storage.derived_maintenance import derived_table_names, optimize_derived
from dashboard.storage.maintenance import DEFAULT_MIN_RETENTION_HOURS
from dashboard.storage.store import Store
from dashboard.storage.tables import LAYERS, PARTNERSHIPS_TABLE, indicator_table
from data_contracts import DATASETS
from tests.read_model_checks import assert_same_summary

USER = "derived-maintenance-test"
SUMMARY = derived.summary_table_name("submitted")
PUBLIC = derived.summary_table_name("public")
FINGERPRINTS = layer_fingerprints.fingerprints_table_name("workforce", "submitted")


def _k(variant: derived.Variant) -> int | None:
    return min_cell_count() if variant == "public" else None


def keep_everything(store: Store) -> None:
    """What the app does after a write: the summaries and the workforce fingerprints brought forward."""
    read_model.refresh_all(store, k=min_cell_count())
    for layer in ("submitted", "published"):
        layer_fingerprints._KEPT.clear()
        layer_fingerprints.layer_fingerprints(store, "workforce", layer)


def commit_and_keep(store: Store, partnership: str, quarter: int, add: float) -> None:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=[partnership], years=[2026])
    rows = rows[rows["quarter"] == quarter]
    assert not rows.empty
    store.commit_indicators(rows.assign(value=rows["value"] + add).reset_index(drop=True), "workforce", user=USER)
    keep_everything(store)


def set_visibility(store: Store, partnership: str, visibility: str) -> None:
    partnerships = store.read(PARTNERSHIPS_TABLE)
    partnerships.loc[partnerships["partnership_id"] == partnership, "visibility"] = visibility
    store.replace_reference(PARTNERSHIPS_TABLE, partnerships, user=USER)
    keep_everything(store)


@pytest.fixture(scope="module")
def _kept_template(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store after several commits, each kept: the files the keeps replaced are still on disk, and a
    partnership that joined the public variant again (in a bucket that holds another one) added a second file to its
    bucket there. Made once for the module."""
    root = tmp_path_factory.mktemp("kept") / "store"
    shutil.copytree(_seeded_template, root)
    store = Store(root)
    keep_everything(store)
    for number, (partnership, quarter) in enumerate([("att-imago", 3), ("att-imago", 2), ("pge-green-for-all", 3)]):
        commit_and_keep(store, partnership, quarter, number + 1.0)
    set_visibility(store, "urban-parks-commons", "private")
    set_visibility(store, "urban-parks-commons", "public")  # its rows: a new file beside the bucket's
    return root


@pytest.fixture
def kept_many_times(_kept_template: Path, tmp_path: Path) -> Store:
    """A private copy of the store kept many times."""
    root = tmp_path / "kept-store"
    shutil.copytree(_kept_template, root)
    return Store(root)


def files_on_disk(store: Store, name: str) -> int:
    root = Path(derived.derived_uri(store, name))
    return sum(1 for p in root.rglob("*.parquet") if "_delta_log" not in p.parts)


def files_now(store: Store, name: str) -> int:
    return len(DeltaTable(derived.derived_uri(store, name)).file_uris())


def versions(store: Store) -> dict[str, int]:
    return {name: DeltaTable(derived.derived_uri(store, name)).version() for name in (SUMMARY, PUBLIC, FINGERPRINTS)}


def assert_read_from_the_derived_tables_and_right(store: Store) -> None:
    for variant in derived.VARIANTS:
        sources = read_model.current_sources(store, variant, _k(variant))
        state = derived.read_state(store, variant)
        assert state is not None and state.sources == sources  # trusted and current: pages read it as it is
        assert read_model.refresh(store, variant, k=_k(variant)).how == "current"
        members = read_model.members_at(store, variant, sources)
        assert_same_summary(
            read_model.summary_at(store, variant, sources),
            read_model.compute_summary(store, variant, sources, members),
        )
    for layer in ("submitted", "published"):
        name = layer_fingerprints.fingerprints_table_name("workforce", layer)
        version = store.version(indicator_table("workforce", layer))
        stamp = derived.read_stamp(store, name, layer_fingerprints.FINGERPRINT_SCHEMA)
        assert stamp is not None and int(stamp[1]) == version
        layer_fingerprints._KEPT.clear()
        pd.testing.assert_frame_equal(
            layer_fingerprints.layer_fingerprints(store, "workforce", layer),
            layer_fingerprints.computed_fingerprints(store, "workforce", layer, version),
        )


def test_optimize_compacts_and_vacuums_the_derived_tables_which_stay_trusted(kept_many_times: Store) -> None:
    store = kept_many_times
    names = (SUMMARY, PUBLIC, FINGERPRINTS)
    before = {name: (files_now(store, name), files_on_disk(store, name)) for name in names}
    states = {variant: derived.read_state(store, variant) for variant in derived.VARIANTS}

    done = {r.table: r for r in optimize_derived(store, min_retention_hours=0)}

    built = {derived.summary_table_name(v) for v in derived.VARIANTS}
    built |= {derived.figures_table_name(v) for v in derived.VARIANTS}
    built |= {layer_fingerprints.fingerprints_table_name("workforce", layer) for layer in ("submitted", "published")}
    maybe = {"derived/audit"}  # built by the seeded store's template, or not at all
    maybe |= {layer_fingerprints.fingerprints_table_name(d, layer) for d in DATASETS for layer in LAYERS}
    built |= {name for name in maybe if DeltaTable.is_deltatable(derived.derived_uri(store, name))}
    assert set(done) == built  # every table built so far, and only those
    assert not any(r.problem for r in done.values())
    assert done[PUBLIC].compacted and done[PUBLIC].files_after < before[PUBLIC][0]  # two files of a bucket: one
    assert files_now(store, PUBLIC) == done[PUBLIC].files_after
    for name in names:
        assert done[name].vacuumed and done[name].files_before == before[name][0]
        assert files_on_disk(store, name) < before[name][1]  # fewer files on disk
        assert files_on_disk(store, name) == files_now(store, name)  # only the current version's are left
    for variant in derived.VARIANTS:  # a compaction changes no row: the same stamp, still trusted
        state = derived.read_state(store, variant)
        assert state is not None and state.sources == states[variant].sources
    assert_read_from_the_derived_tables_and_right(store)

    written = versions(store)
    assert not any(r.changed for r in optimize_derived(store, min_retention_hours=0))  # nothing left to do
    assert versions(store) == written

    # the next keep is written in parts on top of the compaction and vacuum
    set_visibility(store, "urban-parks-commons", "private")
    assert derived.read_state(store, "public").version > written[PUBLIC]  # kept in parts
    assert_read_from_the_derived_tables_and_right(store)


def test_the_minimum_retention_keeps_the_files_a_reader_may_still_read(kept_many_times: Store) -> None:
    store = kept_many_times
    older = DeltaTable(derived.derived_uri(store, SUMMARY)).version() - 1
    on_disk = {name: files_on_disk(store, name) for name in (SUMMARY, PUBLIC)}

    done = {r.table: r for r in optimize_derived(store)}  # the store's minimum retention: a week

    assert not any(r.vacuumed for r in done.values()) and done[PUBLIC].retention_hours == 168
    merged = done[PUBLIC].files_before - done[PUBLIC].files_after  # each partition of two files made one
    assert done[PUBLIC].compacted and merged > 0
    assert files_on_disk(store, PUBLIC) == on_disk[PUBLIC] + merged  # one added per merged partition, none deleted
    assert files_on_disk(store, SUMMARY) == on_disk[SUMMARY]
    # a reader that opened an older version still reads every row of it
    assert derived.read_rows(store, SUMMARY, older, derived.SUMMARY_SCHEMA).num_rows > 0
    assert_read_from_the_derived_tables_and_right(store)


def test_a_dry_run_changes_nothing(kept_many_times: Store) -> None:
    store = kept_many_times
    written = versions(store)
    on_disk = {name: files_on_disk(store, name) for name in written}

    done = {r.table: r for r in optimize_derived(store, dry_run=True, min_retention_hours=0)}

    assert done[PUBLIC].dry_run and done[PUBLIC].compacted and done[SUMMARY].vacuumed  # what it would do
    assert versions(store) == written
    assert {name: files_on_disk(store, name) for name in written} == on_disk


def test_the_derived_tables_are_every_summary_figures_and_fingerprints_table() -> None:
    names = derived_table_names()
    assert names[:3] == [derived.summary_table_name(v) for v in derived.VARIANTS]
    assert names[3:6] == [derived.figures_table_name(v) for v in derived.VARIANTS]
    assert names[-1] == "derived/audit"
    assert len(names) == 3 + 3 + 4 * 2 + 1 and len(set(names)) == len(names)
    assert all(name.startswith("derived/") for name in names)


def test_the_command_says_what_it_did_to_the_derived_tables(
    kept_many_times: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store = kept_many_times
    args = ["optimize", "--store", store.root, "--user", "ops"]
    written = versions(store)

    assert main([*args, "--dry-run", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"store", "dry_run", "tables", "derived_tables"}  # the fields before, and one more
    derived_tables = {t["table"]: t for t in payload["derived_tables"]}
    assert derived_tables[PUBLIC]["compacted"] and derived_tables[PUBLIC]["dry_run"]
    assert set(derived_tables[PUBLIC]) == set(payload["tables"][0])  # the same fields as a store table's
    assert versions(store) == written  # the dry run wrote nothing

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Read model (derived tables" in out and SUMMARY in out
    planned = sum(t["compacted"] for t in derived_tables.values())  # what the dry run said it would compact
    noun = "derived table" if planned == 1 else "derived tables"
    assert f"Compacted {planned} {noun} and vacuumed 0 files of the read model (retention 168 h)." in out
    assert versions(store)[PUBLIC] == written[PUBLIC] + 1  # compacted; nothing old enough to vacuum
    assert_read_from_the_derived_tables_and_right(store)

    assert main([*args, "--rebuild-derived", "--json"]) == 0  # with a rebuild: both said
    payload = json.loads(capsys.readouterr().out)
    assert [d["variant"] for d in payload["derived"]] == list(derived.VARIANTS)
    assert {t["table"] for t in payload["derived_tables"]} >= {SUMMARY, FINGERPRINTS}


def test_keeps_while_optimize_runs_never_leave_a_trusted_table_wrong(kept_many_times: Store) -> None:
    """A keep and a compaction that race: deltalake refuses the later commit (each read files the other removed), a
    refused compaction is tried again, a refused keep leaves the table behind for the next reader. Never wrong."""
    store = kept_many_times
    failures: list[BaseException] = []

    def keep_changing() -> None:
        for visibility in ("private", "public", "private", "public"):
            try:
                set_visibility(store, "urban-parks-commons", visibility)
            except Exception as error:  # noqa: BLE001 - a keep refused by a race: the next reader brings it forward
                failures.append(error)

    writer = threading.Thread(target=keep_changing)
    writer.start()
    while writer.is_alive():
        assert not any(r.problem for r in optimize_derived(store, min_retention_hours=DEFAULT_MIN_RETENTION_HOURS))
    writer.join()
    assert all(isinstance(f, CommitFailedError) for f in failures), failures
    keep_everything(store)  # the next reader (or keep)
    assert_read_from_the_derived_tables_and_right(store)
