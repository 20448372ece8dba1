"""The Goals page in real Streamlit (AppTest) on the sample store: the goals off course first, the status counts,
the table, links to goal cards, URL state, filters, empty states."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.goals import evaluate_goals, status_counts
from dashboard.analytics.progress import OFF_COURSE, STATUS_COLOURS, STATUS_LABELS, STATUSES
from dashboard.present.goal_texts import GOAL_TABLE_SHOWN
from dashboard.storage.store import Store
from data_contracts import DATASETS, DIMENSIONS, INDICATORS
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def open_goals(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    app.switch_page("web/views/goals.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def table_element(app: AppTest, key: str) -> Dataframe | None:
    """The table the page draws with ``key`` (in a box keyed ``{key}-box``), if it draws one."""
    for node in app.main:
        if node.type == "flex_container" and node.key == f"{key}-box":
            return next(child for child in node if child.type == "dataframe")
    return None


def table_of(app: AppTest, key: str) -> pd.DataFrame:
    element = table_element(app, key)
    if element is None:
        raise AssertionError(f"no table {key} on the page")
    return element.value


def goals_shown(app: AppTest) -> pd.DataFrame:
    return table_of(app, "goals-table")


def page_order(app: AppTest) -> list[str]:
    """The page's headings, tables (by key) and charts in the order they are drawn."""
    order = []
    for node in app.main:
        if node.type in ("title", "subheader", "header"):
            order.append(node.value)
        elif node.type == "flex_container" and node.key:
            order.append(node.key.removesuffix("-box"))
        elif node.type == "plotly_chart":
            order.append("chart")
    return order


def evaluated(store: Store) -> pd.DataFrame:
    frame = pd.concat([store.read_indicators(d, "submitted") for d in DATASETS], ignore_index=True)
    return evaluate_goals(store.read_goals(), frame)


def test_the_goals_off_course_come_first_then_the_counts_once_then_every_goal(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_goals(monkeypatch, sample_store)
    assert not app.exception
    assert app.title[0].value == "Goals"
    expected = evaluated(sample_store)
    counts = status_counts(expected)
    assert len(expected) == 34 and counts["deterioration"] == 7 and counts["limited_progress"] == 2
    order = page_order(app)
    off_course_heading = "9 of 34 goals are off course"
    assert order.index(off_course_heading) < order.index("off-course-table") < order.index("Where the 34 goals stand")
    assert order.index("Where the 34 goals stand") < order.index("chart") < order.index("Every goal")
    assert order.index("Every goal") < order.index("goals-table")
    assert order.count("chart") == 1 and len(app.metric) == 0  # the counts once: one chart (and its table)
    off = table_of(app, "off-course-table")
    assert set(off["Goal id"]) == set(expected.loc[expected["status"].isin(OFF_COURSE), "goal_id"])
    assert set(off["Status"]) == {"Limited progress", "Deterioration"}
    assert off["Score"].is_monotonic_increasing  # worst first
    summary = next(d.value for d in app.dataframe if list(d.value.columns) == ["Status", "Goals"])
    assert dict(zip(summary["Status"], summary["Goals"], strict=True)) == {
        STATUS_LABELS[s]: counts[s] for s in STATUSES
    }
    table = goals_shown(app)
    assert len(table) == len(expected)
    assert set(table["Goal id"]) == set(expected["goal_id"])
    assert table["Score"].iloc[0] == round(expected["score"].min(), 1)  # worst first
    text = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    assert "Turn on" not in text and "turn on" not in text  # the list is there: no hint to filter for it
    assert any(INCOMPLETE_YEAR_RULE in c.value and "2026 is not complete" in c.value for c in app.caption)
    assert app.query_params["filter"] == "all"
    assert len(app.get("download_button")) == 4  # the summary chart's numbers and image (PNG, SVG); the table
    assert any(e.label == "How progress is measured" for e in app.expander)


def column_config(app: AppTest, key: str) -> dict:
    element = table_element(app, key)
    assert element is not None
    return json.loads(element.proto.columns)


@pytest.mark.parametrize("key", ["off-course-table", "goals-table"])
def test_each_goal_row_names_its_category_shows_a_coloured_status_and_opens_its_card(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, key: str
) -> None:
    app = open_goals(monkeypatch, sample_store)
    table = table_of(app, key)
    goals = evaluated(sample_store).set_index("goal_id")
    for goal_id, name in zip(table["Goal id"], table["Goal"], strict=True):
        goal = goals.loc[goal_id]
        label = DIMENSIONS[goal["dimension"]].category_label(goal["category"])
        assert name == INDICATORS[goal["indicator_id"]].short_name + ("" if label == "Total" else f" — {label}")
    if key == "goals-table":
        row = table[table["Goal id"] == "pge-green-for-all-women-hires-2030"].iloc[0]
        assert row["Goal"] == "New hires — Women"
    config = column_config(app, key)
    assert config["Open"]["type_config"]["type"] == "link"
    assert config["Open"]["type_config"]["display_text"] == "Open"
    assert config["Status"]["type_config"]["type"] == "multiselect"
    colours = {o["value"]: o["color"] for o in config["Status"]["type_config"]["options"]}
    assert colours["Deterioration"] == STATUS_COLOURS["deterioration"]
    assert colours["Limited progress"] == STATUS_COLOURS["limited_progress"]
    for goal_id, partnership_id, link in zip(table["Goal id"], table["Partnership id"], table["Open"], strict=True):
        address = urlsplit(link)
        assert address.path == "/partnership"
        assert parse_qs(address.query) == {"partnership": [partnership_id], "goal": [goal_id]}
    explanation = table["Explanation"]
    assert set(explanation) == {"No explanation yet"}  # the place the reporting cycle (#15) fills
    element = table_element(app, key)
    assert element is not None and list(element.proto.column_order) == [
        *GOAL_TABLE_SHOWN,
        "Open",
    ]  # the explanation beside the numbers


def test_the_off_course_filter_comes_from_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="off_course")
    assert not app.exception
    assert app.toggle[0].value is True
    table = goals_shown(app)
    expected = evaluated(sample_store)
    assert set(table["Goal id"]) == set(expected.loc[expected["status"].isin(OFF_COURSE), "goal_id"])
    assert set(table["Status"]) == {"Limited progress", "Deterioration"}
    assert len(table) == 9
    text = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    assert "Only goals off course" not in text  # no hint to turn on the filter that is on


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
    assert goals_shown(app)["Goal id"].tolist() == ["circular-jobs-berlin-departures-2028"]
    app.toggle[0].set_value(False).run()
    next(m for m in app.multiselect if m.label == "Partnership").unselect("circular-jobs-berlin").run()
    assert app.query_params["filter"] == "all" and "partnership" not in app.query_params
    assert set(goals_shown(app)["Status"]) == {"Limited progress"}


def test_partnership_and_status_lists_come_from_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, partnership="att-imago,solar-skills-kenya", status="target_achieved")
    assert not app.exception
    table = goals_shown(app)
    assert set(table["Goal id"]) == {"att-imago-schools-2027", "solar-skills-kenya-local-spend-2027"}
    assert app.query_params["partnership"] == "att-imago,solar-skills-kenya"


def test_invalid_parameters_fall_back_to_defaults(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="<b>x</b>", partnership="nobody,att-imago", status="great")
    assert not app.exception
    assert app.toggle[0].value is False
    assert app.query_params["filter"] == "all"
    assert app.query_params["partnership"] == "att-imago"
    assert "status" not in app.query_params
    assert set(goals_shown(app)["Partnership"]) == {"AT&T × Imago Foundation"}
    assert len(goals_shown(app)) == 5


def test_filters_that_match_nothing_say_so(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_goals(monkeypatch, sample_store, filter="off_course", status="target_achieved")
    assert not app.exception
    assert "No goal matches these filters" in app.info[0].value
    assert table_element(app, "goals-table") is None


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
