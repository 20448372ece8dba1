"""Settings are checked at start: a value that cannot be used gives one clear message naming the setting, in the app
and on the command line, instead of an error on every page."""

from __future__ import annotations

import pytest

from dashboard.cli import EXIT_USAGE, main
from dashboard.settings import SETTINGS_DOC, min_cell_count, setting_problems
from dashboard.storage.store import Store
from tests.conftest import app_as

NUMERIC = ["IMPACT_MAX_UPLOAD_MB", "IMPACT_MAX_UPLOAD_ROWS", "IMPACT_MAX_UPLOAD_COLUMNS", "IMPACT_MAX_UPLOAD_CELLS",
           "IMPACT_MAX_UPLOAD_DECODED_MB", "IMPACT_CHANGE_FACTOR", "IMPACT_MAX_FAILED_SIGNINS",
           "IMPACT_LOCKOUT_MINUTES", "IMPACT_SESSION_MINUTES", "IMPACT_SESSION_MAX_HOURS",
           "IMPACT_MIN_CELL_COUNT"]  # fmt: skip


def test_the_numeric_settings_are_settings() -> None:
    assert set(NUMERIC) <= set(SETTINGS_DOC)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("text", ["inf", "nan", "-inf", "1e999", "ten", "0"])
def test_a_number_that_cannot_be_used_is_named(monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    monkeypatch.setenv(name, text)
    problems = setting_problems()
    assert len(problems) == 1 and problems[0].startswith(name) and repr(text) in problems[0]


def test_good_settings_have_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_MIN_CELL_COUNT", "12")
    monkeypatch.setenv("IMPACT_FOUR_EYES", "true")
    assert setting_problems() == [] and min_cell_count() == 12


@pytest.mark.parametrize("text", ["inf", "nan"])
def test_the_public_view_says_which_setting_is_wrong(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, text: str
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    monkeypatch.setenv("IMPACT_MIN_CELL_COUNT", text)
    app = app_as("anonymous").run()
    assert not app.exception
    assert len(app.error) == 1 and "IMPACT\\_MIN\\_CELL\\_COUNT" in app.error[0].value
    assert not app.get("plotly_chart") and not app.metric


def test_the_command_line_says_which_setting_is_wrong(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPACT_MIN_CELL_COUNT", "nan")
    assert main(["users", "list", "--store", sample_store.root]) == EXIT_USAGE
    assert "IMPACT_MIN_CELL_COUNT must be a finite number" in capsys.readouterr().err
