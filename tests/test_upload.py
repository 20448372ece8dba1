"""The upload path end to end on a sample store: formats, detection, warnings, preview, identical files, limits."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard.intake.ingest import check_upload, commit_upload, ingest_file
from dashboard.present.exports import csv_bytes, xlsx_bytes
from dashboard.settings import UploadSettings
from dashboard.storage.database import read_attempts
from dashboard.storage.store import Store
from dashboard.storage.tables import AUDIT_TABLE
from tests.conftest import TODAY


def stored_quarter(store: Store, dataset: str, partnership: str, year: int, quarter: int) -> pd.DataFrame:
    rows = store.read_indicators(dataset, "submitted", partnership_ids=[partnership], years=[year])
    return rows[rows["quarter"] == quarter].sort_values(["indicator_id", "dimension", "category"], ignore_index=True)


def as_next_quarter(rows: pd.DataFrame) -> pd.DataFrame:
    """The same figures reported as 2026 Q4 (the current quarter of the test clock)."""
    return rows.assign(year=2026, quarter=4)


def data_versions(store: Store) -> dict[str, int]:
    return {t: v for t, v in store.versions().items() if t != AUDIT_TABLE}


def test_an_accepted_file_is_committed_with_exact_values(sample_store: Store) -> None:
    rows = as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))
    report, commit = ingest_file(sample_store, csv_bytes(rows), "q4.csv", dataset="workforce", user="o", today=TODAY)
    assert report.accepted, report.errors[:3]
    assert commit is not None and commit.outcome == "accepted"
    back = stored_quarter(sample_store, "workforce", "att-imago", 2026, 4)
    assert back["value"].tolist() == rows["value"].tolist()
    assert report.changes[0].new == len(rows) and report.changes[0].changed == 0


def test_semicolon_decimal_comma_windows_1252_is_read_as_decimals(sample_store: Store) -> None:
    text = (
        "partnership_id;year;quarter;indicator_id;dimension;category;value;note\r\n"
        "att-imago;2026;4;workforce_fte;;;12,5;Zürich office\r\n"
    )
    report, commit = ingest_file(
        sample_store, text.encode("cp1252"), "fte.csv", dataset="workforce", user="o", today=TODAY
    )
    assert report.accepted, report.errors
    back = stored_quarter(sample_store, "workforce", "att-imago", 2026, 4)
    assert back[["value", "note"]].values.tolist() == [[12.5, "Zürich office"]]


def test_excel_uploads_report_excel_rows(sample_store: Store) -> None:
    rows = as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))
    rows = rows[rows["dimension"] == "total"].head(5).reset_index(drop=True)
    assert rows.loc[2, "indicator_id"] == "living_wage_share"
    rows.loc[2, "value"] = -5  # Excel row 4: header on row 1, this is the third data row
    report = check_upload(sample_store, xlsx_bytes(rows, "workforce"), "q4.xlsx", dataset="workforce", today=TODAY)
    assert not report.accepted
    assert [(f.row, f.rule) for f in report.errors] == [(4, "value_not_negative")]


def test_the_dataset_is_detected_from_indicator_ids(sample_store: Store) -> None:
    rows = as_next_quarter(stored_quarter(sample_store, "education", "att-imago", 2026, 3))
    report = check_upload(sample_store, csv_bytes(rows), "q4.csv", dataset=None, today=TODAY)
    assert report.dataset == "education" and report.accepted
    mixed = pd.concat([rows.head(2), as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))])
    report = check_upload(sample_store, csv_bytes(mixed), "mixed.csv", dataset=None, today=TODAY)
    assert [f.rule for f in report.errors] == ["dataset_unclear"]
    assert "education" in report.errors[0].message and "workforce" in report.errors[0].message


def test_warnings_do_not_block_the_commit(sample_store: Store) -> None:
    rows = stored_quarter(sample_store, "workforce", "att-imago", 2026, 3)
    headcount = rows[(rows["indicator_id"] == "workforce_headcount") & (rows["dimension"] == "total")]
    next_quarter = as_next_quarter(headcount).assign(value=headcount["value"] * 5)
    report = check_upload(sample_store, csv_bytes(next_quarter), "jump.csv", dataset="workforce", today=TODAY)
    assert report.accepted
    rules = {f.rule for f in report.warnings}
    assert {"value_jump", "indicator_missing"} <= rules
    jump = next(f for f in report.warnings if f.rule == "value_jump")
    assert jump.row == 2 and "rose from" in jump.message and "2026 Q3" in jump.message
    missing = {f.value for f in report.warnings if f.rule == "indicator_missing"}
    assert "new_hires" in missing and "workforce_headcount" not in missing


def test_unassigned_people_and_published_slices_are_warnings(sample_store: Store) -> None:
    rows = stored_quarter(sample_store, "workforce", "att-imago", 2026, 3)
    gender = (rows["indicator_id"] == "new_hires") & (rows["dimension"] == "gender") & (rows["value"] >= 1)
    first = rows.index[gender][0]
    rows.loc[first, "value"] = rows.loc[first, "value"] - 1
    report = check_upload(sample_store, csv_bytes(rows), "fix.csv", dataset="workforce", today=TODAY)
    assert report.accepted
    rules = [f.rule for f in report.warnings]
    assert "breakdown_unassigned" in rules and "replaces_published" in rules
    assert report.changes[0].published and report.changes[0].changed == 1
    assert report.largest.iloc[0]["indicator_id"] == "new_hires"


def test_the_preview_counts_new_changed_removed_and_unchanged(sample_store: Store) -> None:
    rows = stored_quarter(sample_store, "diversity", "pge-green-for-all", 2025, 2)
    changed = rows.copy()
    changed.loc[0, "value"] = min(changed.loc[0, "value"] + 1, 100)
    changed = changed.drop(index=[1, 2])
    report = check_upload(sample_store, csv_bytes(changed), "d.csv", dataset="diversity", today=TODAY)
    assert report.errors == []
    change = report.changes[0]
    assert (change.new, change.changed, change.removed, change.unchanged) == (0, 1, 2, len(rows) - 3)


def test_resending_identical_content_changes_nothing(sample_store: Store) -> None:
    rows = as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))
    data = csv_bytes(rows)
    ingest_file(sample_store, data, "q4.csv", dataset="workforce", user="o", today=TODAY)
    before = data_versions(sample_store)
    report, commit = ingest_file(sample_store, data, "q4-again.csv", dataset="workforce", user="o", today=TODAY)
    assert report.unchanged and report.previous_commit is not None
    assert commit is not None and commit.outcome == "unchanged"
    assert data_versions(sample_store) == before
    assert read_attempts(sample_store).iloc[0]["outcome"] == "unchanged"


def test_a_commit_replaces_only_its_slices(sample_store: Store) -> None:
    other = stored_quarter(sample_store, "workforce", "pge-green-for-all", 2026, 3)
    earlier = stored_quarter(sample_store, "workforce", "att-imago", 2026, 2)
    rows = stored_quarter(sample_store, "workforce", "att-imago", 2026, 3)
    rows = rows[rows["indicator_id"] == "workforce_fte"]
    report = check_upload(sample_store, csv_bytes(rows.assign(note="restated")), "r.csv", dataset="workforce")
    commit_upload(sample_store, report, user="o")
    assert len(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3)) == len(rows)
    pd.testing.assert_frame_equal(stored_quarter(sample_store, "workforce", "pge-green-for-all", 2026, 3), other)
    pd.testing.assert_frame_equal(stored_quarter(sample_store, "workforce", "att-imago", 2026, 2), earlier)


@pytest.mark.parametrize(
    ("settings", "rule"),
    [
        (UploadSettings(max_bytes=200), "file_too_large"),
        (UploadSettings(max_rows=3), "too_many_rows"),
    ],
)
def test_limits_reject_with_a_clear_message(sample_store: Store, settings: UploadSettings, rule: str) -> None:
    rows = as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))
    before = data_versions(sample_store)
    report, commit = ingest_file(
        sample_store, csv_bytes(rows), "big.csv", dataset="workforce", user="o", today=TODAY, settings=settings
    )
    assert commit is None and [f.rule for f in report.errors] == [rule]
    assert data_versions(sample_store) == before


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_MAX_UPLOAD_MB", "2")
    monkeypatch.setenv("IMPACT_MAX_UPLOAD_ROWS", "500")
    monkeypatch.setenv("IMPACT_CHANGE_FACTOR", "1.5")
    assert UploadSettings.from_env() == UploadSettings(max_bytes=2 * 1024 * 1024, max_rows=500, change_factor=1.5)
    monkeypatch.setenv("IMPACT_CHANGE_FACTOR", "lots")
    with pytest.raises(ValueError, match="IMPACT_CHANGE_FACTOR"):
        UploadSettings.from_env()


def test_formulas_are_stored_as_text_and_exported_safely(sample_store: Store) -> None:
    text = (
        "partnership_id,year,quarter,indicator_id,dimension,category,value,note\n"
        'att-imago,2026,4,workforce_fte,total,total,12,"=HYPERLINK(""http://x"")"\n'
    )
    report, commit = ingest_file(sample_store, text.encode(), "f.csv", dataset="workforce", user="o", today=TODAY)
    assert commit is not None
    stored = stored_quarter(sample_store, "workforce", "att-imago", 2026, 4)
    assert stored["note"].tolist() == ['=HYPERLINK("http://x")']
    exported = pd.read_csv(io.BytesIO(csv_bytes(stored)), keep_default_na=False)
    assert exported["note"].tolist() == ['\'=HYPERLINK("http://x")']


def test_an_officer_may_upload_only_for_assigned_partnerships(sample_store: Store) -> None:
    mine = as_next_quarter(stored_quarter(sample_store, "workforce", "att-imago", 2026, 3))
    theirs = as_next_quarter(stored_quarter(sample_store, "workforce", "pge-green-for-all", 2026, 3))
    before = data_versions(sample_store)
    report, commit = ingest_file(
        sample_store,
        csv_bytes(pd.concat([mine, theirs])),
        "both.csv",
        dataset="workforce",
        user="officer",
        today=TODAY,
        allowed_partnerships={"att-imago"},
    )
    assert commit is None
    assert {f.rule for f in report.errors} == {"partnership_not_assigned"}
    assert {f.value for f in report.errors} == {"pge-green-for-all"}
    assert min(f.row for f in report.errors) == len(mine) + 2
    assert data_versions(sample_store) == before
    _, commit = ingest_file(
        sample_store, csv_bytes(mine), "mine.csv", dataset="workforce", user="o", today=TODAY,
        allowed_partnerships={"att-imago"},
    )  # fmt: skip
    assert commit is not None and commit.outcome == "accepted"
