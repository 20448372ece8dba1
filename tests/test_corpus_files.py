"""The corpus of bad files (tests/corpus) is what its manifest says: each file shows its one problem, found by the
file reader (format rules) or by the data contract (contract rules) at the manifest's row and column."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.intake.file_reading import read_table_file
from dashboard.intake.raw_table import FileRejected, RawTable
from data_contracts import INDICATOR_COLUMNS, validate_indicators
from tests.corpus import make_corpus

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8")))
NUMERIC = ("year", "quarter", "value")
PARTNERSHIPS = {"att-imago", "pge-green-for-all"}
TODAY = date(2026, 11, 27)
READER_RULES = {
    "file_too_large",
    "empty_file",
    "header_only",
    "too_many_rows",
    "not_a_table",
    "ambiguous_number",
    "unit_in_number",
    "formula_in_cell",
    "too_many_cells",
    "unclosed_quote",
}
FORMAT_ENTRIES = [m for m in MANIFEST if m["rule"] in READER_RULES]
CONTRACT_ENTRIES = [m for m in MANIFEST if m["rule"] not in READER_RULES]


def read(entry: dict[str, str], folder: Path = CORPUS) -> RawTable:
    return read_table_file(
        (folder / entry["file"]).read_bytes(),
        entry["file"],
        numeric_columns=NUMERIC,
        preferred_sheet=entry["dataset"],
        expected_columns=INDICATOR_COLUMNS,
    )


def expected_row(entry: dict[str, str]) -> int | None:
    return int(entry["row"]) if entry["row"] else None


def test_manifest_lists_existing_files_once_with_known_datasets() -> None:
    files = [m["file"] for m in MANIFEST]
    assert len(files) == len(set(files)) == len(make_corpus.ENTRIES)
    assert files == [entry.file for entry in make_corpus.ENTRIES]
    for entry in MANIFEST:
        assert (CORPUS / entry["file"]).is_file(), entry["file"]
        assert entry["dataset"] == "workforce"
    assert {m["rule"] for m in FORMAT_ENTRIES} == READER_RULES - {"file_too_large", "too_many_rows", "unclosed_quote"}
    assert len(CONTRACT_ENTRIES) == 21


@pytest.mark.parametrize("entry", FORMAT_ENTRIES, ids=[m["file"] for m in FORMAT_ENTRIES])
def test_format_files_are_rejected_or_flagged_by_the_reader(entry: dict[str, str]) -> None:
    row, column = expected_row(entry), entry["column"] or None
    try:
        raw = read(entry)
    except FileRejected as error:
        assert row is None, f"{entry['file']} was rejected as a whole: {error}"
        assert [f.rule for f in error.findings] == [entry["rule"]]
        return
    assert row is not None, f"{entry['file']} should be rejected with {entry['rule']}"
    assert [(f.rule, f.row, f.column) for f in raw.findings] == [(entry["rule"], row, column)]


@pytest.mark.parametrize("entry", CONTRACT_ENTRIES, ids=[m["file"] for m in CONTRACT_ENTRIES])
def test_contract_files_read_cleanly_and_fail_their_rule(entry: dict[str, str]) -> None:
    raw = read(entry)
    assert raw.findings == []
    result = validate_indicators(
        raw.frame, entry["dataset"], partnership_ids=PARTNERSHIPS, today=TODAY, row_numbers=raw.row_numbers
    )
    found = [(f.rule, f.row, f.column) for f in result.findings]
    assert (entry["rule"], expected_row(entry), entry["column"]) in found, found
    assert {f.rule for f in result.findings} == {entry["rule"]}, "each file is about one problem"


def test_the_generator_remakes_the_committed_corpus(tmp_path: Path) -> None:
    manifest = make_corpus.build(tmp_path)
    assert (tmp_path / "manifest.csv").read_bytes() == (CORPUS / "manifest.csv").read_bytes()
    for entry in manifest:
        made, committed = (tmp_path / entry["file"]).read_bytes(), (CORPUS / entry["file"]).read_bytes()
        if entry["file"].endswith((".xlsx", ".parquet")) and made != committed:
            # Library upgrades may change bytes of binary formats; what a reader sees must not change.
            try:
                made_frame = read(entry, tmp_path).frame
                committed_frame = read(entry).frame
            except FileRejected as error:
                assert entry["rule"] in {f.rule for f in error.findings}
                continue
            pd.testing.assert_frame_equal(made_frame, committed_frame)
        else:
            assert made == committed, entry["file"]


def test_an_exactly_repeated_header_is_reported_not_a_crash() -> None:
    data = (",".join([*INDICATOR_COLUMNS, "value"]) + "\natt-imago,2024,1,new_hires,total,total,10,,11\n").encode()
    raw = read_table_file(data, "dup.csv", numeric_columns=NUMERIC, expected_columns=INDICATOR_COLUMNS)
    assert list(raw.frame.columns).count("value") == 2
    result = validate_indicators(raw.frame, "workforce", partnership_ids=PARTNERSHIPS, today=TODAY)
    assert ("duplicate_column", 1, "value") in [(f.rule, f.row, f.column) for f in result.findings]
