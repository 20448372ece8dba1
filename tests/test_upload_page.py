"""The Upload page in real Streamlit (AppTest with file_uploader): report, preview, commit, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.exports import csv_bytes
from dashboard.storage.database import read_attempts
from dashboard.storage.store import Store
from dashboard.storage.tables import AUDIT_TABLE
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def quarter_rows(store: Store):
    rows = store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    return rows[rows["quarter"] == 3].assign(quarter=4)


def frame_with(app: AppTest, column: str, severity: str | None = None):
    """The first table on the page that has ``column`` (and, for findings, only that severity)."""
    for element in app.dataframe:
        value = element.value
        if column in value.columns and (severity is None or set(value.get("Severity", [])) == {severity}):
            return value
    raise AssertionError(f"no table with a {column!r} column")


def open_upload_page(monkeypatch: pytest.MonkeyPatch, store: Store, role: str = "admin", **kwargs) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as(role, **kwargs).run()
    app.switch_page("web/views/upload.py").run()
    assert not app.exception
    return app


def test_a_file_with_errors_is_reported_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store)
    assert app.title[0].value == "Upload quarterly figures"
    rows = quarter_rows(sample_store).reset_index(drop=True)
    rows.loc[0, "value"] = -1
    rows.loc[4, "quarter"] = 9
    before = {t: v for t, v in sample_store.versions().items() if t != AUDIT_TABLE}
    app.file_uploader[0].set_value(("bad.csv", csv_bytes(rows), "text/csv")).run()
    assert not app.exception
    assert "Not committed" in app.error[0].value
    errors = frame_with(app, "What to do", "error")
    assert set(errors["Rule"]) >= {"value_not_negative", "quarter_1_to_4"}
    assert 2 in set(errors["Row"]) and 6 in set(errors["Row"])
    assert not [b for b in app.button if b.label.startswith("Commit")]
    assert {t: v for t, v in sample_store.versions().items() if t != AUDIT_TABLE} == before
    assert read_attempts(sample_store).iloc[0]["outcome"] == "rejected"
    app.run()  # the history lists the attempt, kept as an event, above the commits
    latest = frame_with(app, "Table version").iloc[0]
    assert (latest["File"], latest["Outcome"], latest["User"]) == ("bad.csv", "rejected", "admin@example.org")


def test_a_clean_file_is_previewed_then_committed_by_the_signed_in_user(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store, "officer", partnerships=("att-imago",), email="ana@example.org")
    rows = quarter_rows(sample_store)
    app.file_uploader[0].set_value(("q4.csv", csv_bytes(rows), "text/csv")).run()
    assert not app.exception and not app.error
    preview = frame_with(app, "New rows")
    assert preview.iloc[0]["New rows"] == len(rows)
    before = sample_store.version("submitted/workforce")
    next(b for b in app.button if b.label.startswith("Commit")).click().run()
    assert not app.exception
    assert "Committed" in app.success[0].value
    assert sample_store.version("submitted/workforce") == before + 1
    assert sample_store.read_audit().iloc[0]["user"] == "ana@example.org"
    history = frame_with(app, "Table version")
    assert history.iloc[0]["File"] == "q4.csv" and history.iloc[0]["Outcome"] == "accepted"


def test_an_officer_cannot_upload_for_a_partnership_not_assigned(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store, "officer", partnerships=("pge-green-for-all",))
    before = {t: v for t, v in sample_store.versions().items() if t != AUDIT_TABLE}
    app.file_uploader[0].set_value(("q4.csv", csv_bytes(quarter_rows(sample_store)), "text/csv")).run()
    assert "Not committed" in app.error[0].value
    assert set(frame_with(app, "What to do", "error")["Rule"]) == {"partnership_not_assigned"}
    assert not [b for b in app.button if b.label.startswith("Commit")]
    assert {t: v for t, v in sample_store.versions().items() if t != AUDIT_TABLE} == before


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_the_upload_page_refuses_who_may_not_upload(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, role: str
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as(role, page="upload").run()
    assert not app.exception
    assert "Upload needs an officer or admin account" in app.warning[0].value
    assert not app.file_uploader


def test_the_dataset_can_be_chosen_and_templates_downloaded(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store)
    app.selectbox(key="upload_dataset").select("education").run()
    rows = quarter_rows(sample_store)
    app.file_uploader[0].set_value(("q4.csv", csv_bytes(rows), "text/csv")).run()
    errors = frame_with(app, "What to do", "error")
    assert set(errors["Rule"]) == {"indicator_in_other_dataset"}
    labels = [b.label for b in app.get("download_button")]
    assert labels.count("CSV") == 4 and labels.count("Excel") == 4


def test_after_a_commit_the_file_waits_for_review_and_commit_stays_off_until_the_file_changes(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_upload_page(monkeypatch, sample_store, "officer", partnerships=("att-imago",), email="ana@example.org")
    rows = quarter_rows(sample_store)
    app.file_uploader[0].set_value(("q4.csv", csv_bytes(rows), "text/csv")).run()
    commit = next(b for b in app.button if b.label.startswith("Commit"))
    assert not commit.disabled
    commit.click().run()
    assert not app.exception
    assert "Waiting for review by an administrator." in [i.value for i in app.info]
    assert [b.disabled for b in app.button if b.label.startswith("Commit")] == [True]
    version = sample_store.version("submitted/workforce")
    app.run()  # any later run: still waiting, still no second commit
    assert "Waiting for review by an administrator." in [i.value for i in app.info]
    assert "Committed" in app.success[0].value
    assert [b.disabled for b in app.button if b.label.startswith("Commit")] == [True]
    changed = rows.assign(note="corrected")
    app.file_uploader[0].set_value(("q4-fixed.csv", csv_bytes(changed), "text/csv")).run()
    assert "Waiting for review by an administrator." not in [i.value for i in app.info]
    again = [b for b in app.button if b.label.startswith("Commit")]
    assert len(again) == 1 and not again[0].disabled
    assert sample_store.version("submitted/workforce") == version
