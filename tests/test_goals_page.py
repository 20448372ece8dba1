"""The Goals page in real Streamlit (AppTest) on the sample store: summary, table, URL state, filters, empty states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.goals import evaluate_goals, status_counts
from dashboard.analytics.progress import OFF_COURSE, STATUS_LABELS, STATUSES
from dashboard.storage.store import Store
from data_contracts import DATASETS
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TABLE_COLUMN = "Growth needed (%/yr)"


def open_goals(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    app.switch_page("web/views/goals.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def goals_shown(app: AppTest) -> pd.DataFrame:
    for element in app.dataframe:
        if TABLE_COLUMN in element.value.columns:
            return element.value
    raise AssertionError("no goals table on the page")


def evaluated(store: Store) -> pd.DataFrame:
    frame = pd.concat([store.read_indicators(d, "submitted") for d in DATASETS], ignore_index=True)
    return evaluate_goals(store.read_goals(), frame)


def test_every_goal_is_in_one_table_with_a_status_summary(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store)
    assert not app.exception
    assert app.title[0].value == "Goals"
    expected = evaluated(sample_store)
    counts = status_counts(expected)
    assert len(expected) == 30 and counts["deterioration"] == 7 and counts["limited_progress"] == 2
    metrics = {m.label: m.value for m in app.metric}
    assert len(metrics) == len(STATUSES)
    for status in STATUSES:
        label = next(label for label in metrics if STATUS_LABELS[status] in label)
        assert metrics[label] == str(counts[status])
    summary = next(d.value for d in app.dataframe if list(d.value.columns) == ["Status", "Goals"])
    assert dict(zip(summary["Status"], summary["Goals"], strict=True)) == {
        STATUS_LABELS[s]: counts[s] for s in STATUSES
    }
    table = goals_shown(app)
    assert len(table) == len(expected)
    assert set(table["Goal"]) == set(expected["goal_id"])
    assert table["Score"].iloc[0] == round(expected["score"].min(), 1)  # worst first
    assert "9 of 30 goals are off course" in " ".join(m.value for m in app.markdown)
    assert any(INCOMPLETE_YEAR_RULE in c.value and "2026 is not complete" in c.value for c in app.caption)
    assert app.query_params["filter"] == "all"
    assert len(app.get("download_button")) == 4  # the summary chart's numbers and image (PNG, SVG); the table
    assert any(e.label == "How progress is measured" for e in app.expander)


def test_the_off_course_filter_comes_from_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="off_course")
    assert not app.exception
    assert app.toggle[0].value is True
    table = goals_shown(app)
    expected = evaluated(sample_store)
    assert set(table["Goal"]) == set(expected.loc[expected["status"].isin(OFF_COURSE), "goal_id"])
    assert set(table["Status"]) == {"Limited progress", "Deterioration"}
    assert len(table) == 9


def test_changing_the_filters_updates_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store)
    app.toggle[0].set_value(True).run()
    assert app.query_params["filter"] == "off_course"
    assert len(goals_shown(app)) == 9
    partnership = next(m for m in app.multiselect if m.label == "Partnership")
    partnership.select("circular-jobs-berlin").run()
    assert app.query_params["partnership"] == "circular-jobs-berlin"
    assert set(goals_shown(app)["Partnership"]) == {"Circular Jobs Berlin"}
    assert len(goals_shown(app)) == 2  # headcount (deterioration) and departures (limited)
    status = next(m for m in app.multiselect if m.label == "Status")
    status.select("limited_progress").run()
    assert app.query_params["status"] == "limited_progress"
    assert goals_shown(app)["Goal"].tolist() == ["circular-jobs-berlin-departures-2028"]
    app.toggle[0].set_value(False).run()
    next(m for m in app.multiselect if m.label == "Partnership").unselect("circular-jobs-berlin").run()
    assert app.query_params["filter"] == "all" and "partnership" not in app.query_params
    assert set(goals_shown(app)["Status"]) == {"Limited progress"}


def test_partnership_and_status_lists_come_from_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, partnership="att-imago,solar-skills-kenya", status="target_achieved")
    assert not app.exception
    table = goals_shown(app)
    assert set(table["Goal"]) == {"att-imago-schools-2027", "solar-skills-kenya-local-spend-2027"}
    assert app.query_params["partnership"] == "att-imago,solar-skills-kenya"


def test_invalid_parameters_fall_back_to_defaults(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="<b>x</b>", partnership="nobody,att-imago", status="great")
    assert not app.exception
    assert app.toggle[0].value is False
    assert app.query_params["filter"] == "all"
    assert app.query_params["partnership"] == "att-imago"
    assert "status" not in app.query_params
    assert set(goals_shown(app)["Partnership"]) == {"AT&T × Imago Foundation"}
    assert len(goals_shown(app)) == 4


def test_filters_that_match_nothing_say_so(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="off_course", status="target_achieved")
    assert not app.exception
    assert "No goal matches these filters" in app.info[0].value
    assert not [d for d in app.dataframe if TABLE_COLUMN in d.value.columns]


def test_a_store_without_goals_explains_what_to_do(monkeypatch: pytest.MonkeyPatch, empty_store: Store) -> None:
    from dashboard.intake.ingest import ingest_partnerships_frame, read_plain_csv
    from dashboard.intake.seed import SAMPLE_DIR

    outcome = ingest_partnerships_frame(
        empty_store, read_plain_csv(SAMPLE_DIR / "partnerships.csv"), user="t", source_name="p.csv", source_sha256="0"
    )
    assert outcome.accepted
    app = open_goals(monkeypatch, empty_store)
    assert not app.exception
    assert "No goals yet" in app.info[0].value
    assert len(app.metric) == 0
