"""Validate-then-commit: an accepted file lands in the submitted layer; a rejected one changes no data table."""

from __future__ import annotations

from dashboard.intake.ingest import ingest_file, ingest_goals_frame, sha256_of
from dashboard.present.exports import csv_bytes
from dashboard.storage.database import read_attempts
from dashboard.storage.store import Store
from tests.conftest import TODAY, indicator_rows


def test_an_accepted_file_is_committed_and_audited(sample_store: Store) -> None:
    data = csv_bytes(indicator_rows({"year": "2026", "quarter": "4", "value": "12"}))
    report, commit = ingest_file(sample_store, data, "q4.csv", dataset="workforce", user="officer", today=TODAY)
    assert report.accepted and commit is not None
    stored = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    assert stored[stored["quarter"] == 4]["value"].tolist() == [12.0]
    entry = sample_store.read_audit().iloc[0]
    assert entry[["user", "outcome", "source_name", "source_sha256"]].tolist() == [
        "officer",
        "accepted",
        "q4.csv",
        sha256_of(data),
    ]


def test_a_rejected_file_changes_no_data_table_and_is_audited(sample_store: Store) -> None:
    before = sample_store.versions()
    data = csv_bytes(
        indicator_rows(
            {"year": "2026", "quarter": "3", "value": "12"},
            {"year": "2026", "quarter": "3", "indicator_id": "departures", "value": "-1"},
        )
    )
    report, commit = ingest_file(sample_store, data, "bad.csv", dataset="workforce", user="officer", today=TODAY)
    assert not report.accepted and commit is None
    after = sample_store.versions()
    assert after == before  # no table at all, the audit table included: the attempt is an event
    entry = read_attempts(sample_store).iloc[0]
    assert (entry["outcome"], entry["user"], entry["source_name"], entry["message"]) == (
        "rejected",
        "officer",
        "bad.csv",
        "1 error; nothing was written",
    )


def test_a_dry_run_writes_nothing(sample_store: Store) -> None:
    before = sample_store.versions()
    data = csv_bytes(indicator_rows({"year": "2026", "quarter": "4"}))
    report, commit = ingest_file(sample_store, data, "f.csv", dataset="workforce", user="o", dry_run=True, today=TODAY)
    assert report.accepted and commit is None
    assert sample_store.versions() == before


def test_a_header_only_file_is_rejected(sample_store: Store) -> None:
    data = csv_bytes(indicator_rows({}).iloc[0:0])
    report, commit = ingest_file(sample_store, data, "h.csv", dataset="workforce", user="o")
    assert commit is None and [f.rule for f in report.errors] == ["header_only"]


def test_goals_must_point_at_stored_partnerships(sample_store: Store) -> None:
    goals = sample_store.read_goals().head(1).astype(str).assign(partnership_id="nobody")
    before = sample_store.versions()
    outcome = ingest_goals_frame(sample_store, goals, user="admin", source_name="goals.csv", source_sha256="0")
    assert not outcome.accepted
    assert outcome.validation.findings[0].rule == "partnership_known"
    assert sample_store.versions() == before


def test_sha256_of_bytes_and_files(tmp_path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"abc")
    assert sha256_of(path) == sha256_of(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
