"""Every bad file of the corpus goes through the real upload path: rejected with its rule at its row, audited, and
no data table version changes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard.intake.ingest import ingest_file
from dashboard.storage.database import read_attempts
from dashboard.storage.store import Store
from tests.conftest import TODAY

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_each_bad_file_is_rejected_with_its_rule_and_row(entry: dict[str, str], sample_store: Store) -> None:
    before = sample_store.versions()
    data = (CORPUS / entry["file"]).read_bytes()
    report, commit = ingest_file(
        sample_store, data, entry["file"], dataset=entry["dataset"], user="corpus", today=TODAY
    )
    assert commit is None and not report.accepted
    matching = [f for f in report.errors if f.rule == entry["rule"]]
    assert matching, f"{entry['file']}: expected {entry['rule']}, got {[(f.row, f.rule) for f in report.errors]}"
    if entry["row"]:
        assert int(entry["row"]) in {f.row for f in matching}
    if entry["column"]:
        assert entry["column"] in {f.column for f in matching}
    after = sample_store.versions()
    assert after == before  # no table at all, the audit table included: the attempt is an event
    assert read_attempts(sample_store).iloc[0]["outcome"] == "rejected"


def test_the_corpus_covers_every_contract_rule() -> None:
    rules = {m["rule"] for m in MANIFEST}
    contract_rules = {
        "partnership_known", "unknown_indicator", "indicator_in_other_dataset", "quarter_1_to_4", "year_from_2000",
        "quarter_not_future", "missing_value", "value_finite", "not_a_number", "not_a_whole_number",
        "value_whole_number", "value_not_negative", "percent_0_to_100", "dimension_allowed", "category_in_vocabulary",
        "unique_key", "breakdown_within_total", "breakdown_needs_total", "unknown_column", "missing_column",
        "duplicate_column",
    }  # fmt: skip
    format_rules = {
        "file_too_large", "empty_file", "header_only", "too_many_rows", "not_a_table", "ambiguous_number",
        "unit_in_number", "formula_in_cell",
    }  # fmt: skip
    assert contract_rules <= rules
    assert (format_rules - {"file_too_large", "too_many_rows"}) <= rules
