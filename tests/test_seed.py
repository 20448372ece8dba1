"""Seeding from sample_data/ through the contracts, publishing, and the `init` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.intake.ingest import read_plain_csv
from dashboard.intake.seed import SAMPLE_DIR, SAMPLE_USER, ensure_store, is_empty, shows_sample_data
from dashboard.storage.store import Store
from dashboard.storage.tables import indicator_table
from data_contracts import DATASETS, validate_goals, validate_indicators, validate_partnerships
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent


def test_the_sample_files_pass_their_contracts() -> None:
    partnerships = validate_partnerships(read_plain_csv(SAMPLE_DIR / "partnerships.csv"))
    assert partnerships.ok, partnerships.findings[:5]
    ids = partnerships.frame["partnership_id"].tolist()
    assert len(ids) >= 8
    assert {"att-imago", "pge-green-for-all", "urban-parks-commons"} <= set(ids)
    assert "private" in set(partnerships.frame["visibility"])
    assert partnerships.frame["description"].str.startswith("Synthetic sample data").all()
    goals = validate_goals(read_plain_csv(SAMPLE_DIR / "goals.csv"), partnership_ids=ids)
    assert goals.ok, goals.findings[:5]
    assert set(goals.frame["partnership_id"]) == set(ids)
    for dataset in DATASETS:
        result = validate_indicators(
            read_plain_csv(SAMPLE_DIR / f"{dataset}.csv"), dataset, partnership_ids=ids, today=TODAY
        )
        assert result.ok, (dataset, result.findings[:5])
        assert (result.frame["note"] == "synthetic sample data").all()


def test_the_sample_exercises_every_indicator_and_breakdown_from_2022_q1_to_2026_q3() -> None:
    from data_contracts import INDICATORS

    frames = [read_plain_csv(SAMPLE_DIR / f"{d}.csv") for d in DATASETS]
    every = pd.concat(frames)
    assert set(every["indicator_id"]) == set(INDICATORS)
    pairs = set(zip(every["indicator_id"], every["dimension"], strict=True))
    for item in INDICATORS.values():
        for dimension in ("total", *item.breakdowns):
            assert (item.id, dimension) in pairs, (item.id, dimension)
    periods = sorted(set(zip(every["year"].astype(int), every["quarter"].astype(int), strict=True)))
    assert periods[0] == (2022, 1) and periods[-1] == (2026, 3) and len(periods) == 19


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLE_DIR / "generate.py"), "--out", str(tmp_path)], check=True, cwd=ROOT)
    for name in ("partnerships", "goals", *DATASETS):
        assert (tmp_path / f"{name}.csv").read_bytes() == (SAMPLE_DIR / f"{name}.csv").read_bytes(), name


def test_seeding_commits_and_publishes_everything(sample_store: Store) -> None:
    for dataset in DATASETS:
        submitted = sample_store.read_indicators(dataset, "submitted")
        published = sample_store.read_indicators(dataset, "published")
        expected = len(read_plain_csv(SAMPLE_DIR / f"{dataset}.csv"))
        assert len(submitted) == len(published) == expected
    audit = sample_store.read_audit()
    assert set(audit["user"]) == {SAMPLE_USER}
    assert set(audit["action"]) == {"seed", "publish"}
    publish = audit[(audit["action"] == "publish") & (audit["dataset"] == "education")].iloc[0]
    assert len(json.loads(publish["slices"])) > 0
    assert publish["table_version"] == sample_store.version(indicator_table("education", "published"))
    assert shows_sample_data(sample_store)


def test_ensure_store_seeds_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    assert is_empty(store)
    assert ensure_store(store, today=TODAY) is not None
    versions = store.versions()
    assert ensure_store(store, today=TODAY) is None
    assert store.versions() == versions


def test_init_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    assert main(["init", "--store", str(empty), "--empty"]) == 0
    assert Store(empty).is_initialised() and is_empty(Store(empty))
    seeded = tmp_path / "seeded"
    assert main(["init", "--store", str(seeded)]) == 0
    assert "Seeded sample data" in capsys.readouterr().out
    versions = Store(seeded).versions()
    assert main(["init", "--store", str(seeded)]) == 0
    assert "already holds data" in capsys.readouterr().out
    assert Store(seeded).versions() == versions


def test_init_command_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "init", "--store", str(tmp_path / "m"), "--empty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Created empty tables" in result.stdout


def test_the_sample_badge_follows_the_partnerships_tables_newest_data_commit(sample_store: Store) -> None:
    from deltalake import CommitProperties, DeltaTable, write_deltalake

    from dashboard.storage.maintenance import optimize_store
    from dashboard.storage.tables import PARTNERSHIPS_TABLE

    uri = sample_store.uri(PARTNERSHIPS_TABLE)
    rows = DeltaTable(uri).to_pyarrow_table()
    seeded = CommitProperties(custom_metadata={"action": "seed", "user": SAMPLE_USER, "via": "app", "slices": "[]"})
    write_deltalake(uri, rows.slice(0, 4), mode="overwrite", commit_properties=seeded)
    write_deltalake(uri, rows.slice(4), mode="append", commit_properties=seeded)  # the sample in two files
    optimize_store(sample_store, user="maintenance", tables=[PARTNERSHIPS_TABLE], min_small_files=2)
    assert sample_store.history(PARTNERSHIPS_TABLE, limit=1)["action"].iloc[0] == "optimize"
    assert shows_sample_data(sample_store)  # compaction changes no row: still the sample
    assert shows_sample_data(sample_store, sample_store.read_audit())

    partnerships = sample_store.read(PARTNERSHIPS_TABLE)
    sample_store.replace_reference(PARTNERSHIPS_TABLE, partnerships.head(3), user="admin@example.org")
    assert not shows_sample_data(sample_store)
    assert not shows_sample_data(sample_store, sample_store.read_audit())
