"""Validate-then-commit: an accepted table lands in the submitted layer; a rejected one changes no data table."""

from __future__ import annotations

from dashboard.ingest import ingest_goals_frame, ingest_indicator_frame, sha256_of
from dashboard.store import Store
from tests.conftest import TODAY, indicator_rows


def test_an_accepted_table_is_committed_and_audited(sample_store: Store) -> None:
    raw = indicator_rows({"year": "2026", "quarter": "4", "value": "12"})
    outcome = ingest_indicator_frame(
        sample_store, raw, "workforce", user="officer", source_name="q4.csv", source_sha256=sha256_of(b"x"), today=TODAY
    )
    assert outcome.accepted and outcome.commit is not None
    stored = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    assert stored[stored["quarter"] == 4]["value"].tolist() == [12.0]
    assert sample_store.read_audit().iloc[0][["user", "outcome", "source_name"]].tolist() == [
        "officer",
        "accepted",
        "q4.csv",
    ]


def test_a_rejected_table_changes_no_data_table_and_is_audited(sample_store: Store) -> None:
    before = sample_store.versions()
    raw = indicator_rows(
        {"year": "2026", "quarter": "3", "value": "12"},
        {"year": "2026", "quarter": "3", "indicator_id": "departures", "value": "-1"},
    )
    outcome = ingest_indicator_frame(
        sample_store, raw, "workforce", user="officer", source_name="bad.csv", source_sha256="0", today=TODAY
    )
    assert not outcome.accepted and outcome.commit is None
    after = sample_store.versions()
    assert {t: v for t, v in after.items() if t != "audit/commits"} == {
        t: v for t, v in before.items() if t != "audit/commits"
    }
    entry = sample_store.read_audit().iloc[0]
    assert (entry["outcome"], entry["source_name"], entry["message"]) == (
        "rejected",
        "bad.csv",
        "1 error; nothing was written",
    )


def test_a_dry_run_writes_nothing(sample_store: Store) -> None:
    before = sample_store.versions()
    outcome = ingest_indicator_frame(
        sample_store, indicator_rows({}), "workforce", user="o", source_name="f.csv", source_sha256="0", dry_run=True
    )
    assert outcome.accepted and outcome.commit is None
    assert sample_store.versions() == before


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


def test_a_header_only_table_is_rejected(sample_store: Store) -> None:
    raw = indicator_rows({}).iloc[0:0]
    outcome = ingest_indicator_frame(sample_store, raw, "workforce", user="o", source_name="h.csv", source_sha256="0")
    assert not outcome.accepted
    assert outcome.validation.findings[0].rule == "no_rows"
