"""The command line: ingest (text and --json, exit codes), export round trip, history and restore."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.present.exports import csv_bytes
from dashboard.storage.store import Store
from data_contracts import INDICATOR_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def quarter_file(store: Store, tmp_path: Path, *, year: int = 2026, quarter: int = 3, **changes) -> Path:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(year=year, quarter=quarter)
    for index, value in changes.items():
        rows.loc[rows.index[int(index.removeprefix("row"))], "value"] = value
    path = tmp_path / "workforce_q.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def test_ingest_json_for_an_accepted_file(sample_store: Store, tmp_path: Path) -> None:
    path = quarter_file(sample_store, tmp_path, quarter=4)
    before = sample_store.version("submitted/workforce")
    result = run("ingest", str(path), "--dataset", "workforce", "--store", sample_store.root, "--user", "ana", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["accepted"] is True
    assert payload["table_version"] == before + 1
    assert payload["slices"] == [{"partnership_id": "att-imago", "year": 2026, "quarter": 4}]
    assert payload["rows"] == len(pd.read_csv(path)) and payload["errors"] == []
    assert {"row", "column", "value", "rule", "message"} <= set(payload["warnings"][0]) if payload["warnings"] else True
    assert sample_store.read_audit().iloc[0][["user", "via"]].tolist() == ["ana", "command-line"]


def test_ingest_json_for_a_rejected_file(sample_store: Store, tmp_path: Path) -> None:
    path = quarter_file(sample_store, tmp_path, quarter=4, row0=-3)
    before = sample_store.version("submitted/workforce")
    result = run("ingest", str(path), "--dataset", "workforce", "--store", sample_store.root, "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["accepted"] is False and payload["table_version"] is None
    assert payload["errors"][0] == {
        "row": 2,
        "column": "value",
        "value": "-3",
        "rule": "value_not_negative",
        "message": payload["errors"][0]["message"],
    }
    assert "negative" in payload["errors"][0]["message"]
    assert sample_store.version("submitted/workforce") == before


def test_ingest_text_output_and_dry_run(sample_store: Store, tmp_path: Path, capsys) -> None:
    path = quarter_file(sample_store, tmp_path, quarter=4)
    before = sample_store.versions()
    code = main(["ingest", str(path), "--dataset", "workforce", "--store", sample_store.root, "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "Dry run" in out and "att-imago:2026Q4" in out
    assert sample_store.versions() == before
    code = main(["ingest", str(path), "--dataset", "workforce", "--store", sample_store.root])
    assert code == 0 and "Committed" in capsys.readouterr().out
    code = main(["ingest", str(path), "--dataset", "workforce", "--store", sample_store.root])
    assert code == 0 and "Unchanged" in capsys.readouterr().out


def test_usage_errors_exit_2(sample_store: Store, tmp_path: Path) -> None:
    assert (
        run("ingest", str(tmp_path / "missing.csv"), "--dataset", "workforce", "--store", sample_store.root).returncode
        == 2
    )
    assert run("ingest", "x.csv", "--dataset", "weather").returncode == 2
    assert run("ingest", "x.csv").returncode == 2
    assert run("restore", "--dataset", "workforce", "--version", "999", "--store", sample_store.root).returncode == 2
    path = quarter_file(sample_store, tmp_path)
    assert run("ingest", str(path), "--dataset", "workforce", "--store", str(tmp_path / "no-store")).returncode == 2


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_round_trip_gives_identical_values(sample_store: Store, tmp_path: Path, fmt: str) -> None:
    original = Path(ROOT / "sample_data" / "education.csv")
    output = tmp_path / f"education.{fmt}"
    code = main(
        ["export", "--dataset", "education", "--layer", "published", "-o", str(output), "--store", sample_store.root]
    )
    assert code == 0
    if fmt == "csv":
        back = pd.read_csv(output, keep_default_na=False, dtype=str)
    elif fmt == "parquet":
        back = pd.read_parquet(output).astype(str)
    else:
        back = pd.read_excel(output, dtype=str, keep_default_na=False)
    source = pd.read_csv(original, keep_default_na=False, dtype=str)
    assert list(back.columns) == list(INDICATOR_COLUMNS)
    key = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category"]
    left = source.sort_values(key, ignore_index=True)
    right = back.sort_values(key, ignore_index=True)
    assert len(left) == len(right)
    assert (left["partnership_id"] == right["partnership_id"]).all()
    assert (pd.to_numeric(left["value"]) == pd.to_numeric(right["value"])).all()
    assert (left["note"] == right["note"]).all()


def test_an_exported_quarter_can_be_sent_again(sample_store: Store, tmp_path: Path, capsys) -> None:
    output = tmp_path / "q.csv"
    args = ["--dataset", "workforce", "--store", sample_store.root]
    assert (
        main(["export", *args, "-o", str(output), "--partnership", "att-imago", "--year", "2025", "--quarter", "2"])
        == 0
    )
    assert "rows of submitted/workforce" in capsys.readouterr().out
    assert main(["ingest", str(output), *args]) == 0
    assert "Unchanged" in capsys.readouterr().out


def test_history_and_restore(sample_store: Store, tmp_path: Path, capsys) -> None:
    args = ["--dataset", "workforce", "--store", sample_store.root]
    path = quarter_file(sample_store, tmp_path, quarter=4)
    main(["ingest", str(path), *args, "--user", "ana"])
    capsys.readouterr()
    assert main(["history", *args, "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history[0]["version"] == sample_store.version("submitted/workforce")
    assert (history[0]["user"], history[0]["action"], history[0]["source_name"]) == ("ana", "upload", path.name)
    assert history[-1]["version"] == 0
    current = history[0]["version"]
    assert main(["restore", *args, "--version", str(current - 1), "--user", "admin"]) == 0
    assert f"now version {current + 1}" in capsys.readouterr().out
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    assert 4 not in set(rows["quarter"])
    assert main(["history", *args]) == 0
    assert "restore" in capsys.readouterr().out


def test_publish_pins_the_reviewed_fingerprint(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dashboard.intake.ingest import ingest_file
    from dashboard.intake.review import pending_slices

    def upload(note: str) -> str:
        rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
        rows = rows[rows["quarter"] == 3].assign(quarter=4, note=note)
        report, _ = ingest_file(sample_store, csv_bytes(rows), "q4.csv", dataset="workforce", user="ana")
        assert report.accepted, report.errors[:3]
        return str(pending_slices(sample_store, "workforce").set_index("slice").loc["att-imago:2026Q4", "fingerprint"])

    seen = upload("upload A")  # what the admin reviewed
    fresh = upload("upload B")  # uploaded after the review
    assert seen != fresh
    args = ["publish", "--store", sample_store.root, "--dataset", "workforce", "--slice", "att-imago:2026Q4"]
    published = sample_store.version("published/workforce")
    assert main([*args, "--expect", seen[:10], "--user", "rita"]) == 1
    assert "changed since you reviewed — review again" in capsys.readouterr().err
    assert sample_store.version("published/workforce") == published  # nothing written
    assert main([*args, "--user", "rita"]) == 2  # no fingerprint, no terminal to confirm in
    assert "--expect" in capsys.readouterr().err
    assert main([*args, "--expect", fresh[:10], "--expect", fresh, "--user", "rita"]) == 2  # one per quarter
    assert main([*args, "--expect", fresh[:10], "--user", "rita"]) == 0
    assert sample_store.version("published/workforce") == published + 1
    entry = sample_store.read_audit().iloc[0]
    assert entry[["action", "user", "via"]].tolist() == ["publish", "rita", "command-line"]
