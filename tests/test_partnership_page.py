"""The Partnership page in real Streamlit (AppTest): profile, goal cards, indicator trends, URL state, empty states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.goals import evaluate_goals, partnership_progress
from dashboard.analytics.progress import STATUS_LABELS
from dashboard.intake.ingest import ingest_file, ingest_goals_frame, ingest_partnerships_frame, read_plain_csv
from dashboard.intake.seed import SAMPLE_DIR
from dashboard.present.exports import csv_bytes
from dashboard.storage.store import Store
from data_contracts import DATASETS
from tests.conftest import TODAY, app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
NEWCOMER = "riverside-newcomer"


def open_partnership(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    app.switch_page("web/views/partnership.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    for element in app.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {column!r} column")


def widget(elements, label: str):
    return next(e for e in elements if e.label == label)


def texts(app: AppTest) -> str:
    return " ".join([m.value for m in app.markdown] + [t.value for t in app.text] + [c.value for c in app.caption])


def test_a_partnership_with_its_goals_and_a_breakdown_from_the_url(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_partnership(
        monkeypatch,
        sample_store,
        partnership="pge-green-for-all",
        dataset="workforce",
        indicator="new_hires",
        breakdown="gender",
    )
    assert not app.exception
    assert app.header[0].value == "PG&E × Green for All"  # nothing to escape
    assert widget(app.selectbox, "Partnership").value == "pge-green-for-all"
    assert widget(app.selectbox, "Dataset").value == "workforce"
    assert widget(app.selectbox, "Indicator").value == "new_hires"
    assert widget(app.radio, "Breakdown").value == "gender"
    assert widget(app.radio, "Bars").value == "stacked"
    # profile as text
    page = texts(app)
    assert "PG&E, Green for All" in page and "Workforce, Diversity, Community capacity" in page
    assert "Europe and Northern America" in page
    assert {m.label for m in app.metric} >= {"Committed funding", "Lead sector", "Country", "Since"}
    # combined status and one card per goal, each with a progress bar, growth, a chart table and workings
    frame = pd.concat([sample_store.read_indicators(d, "submitted") for d in DATASETS], ignore_index=True)
    goals = evaluate_goals(sample_store.read_goals(), frame)
    mine = goals[goals["partnership_id"] == "pge-green-for-all"]
    combined = partnership_progress(mine).iloc[0]
    # the scorecard first (an average hides a goal off course), the average after it as a secondary figure
    off = int(mine["status"].isin(["limited_progress", "deterioration"]).sum())
    assert off == 1
    card = ":red-badge[1 off course] :green-badge[4 on course] :gray-badge[0 not assessable]"
    assert card in page and "Combined status" not in page
    assert f"Average status {combined['status_label'].lower()}" in page
    assert len(app.get("progress")) == len(mine) == 5
    assert sum(m.label == "Observed growth a year" for m in app.metric) == 5
    assert "-10.8%" in [m.value for m in app.metric]  # recordable injuries fall 10.8% a year
    assert sum(list(d.value.columns) == ["Series", "Year", "Value"] for d in app.dataframe) == 5
    assert sum(list(d.value.columns) == ["Item", "Value"] for d in app.dataframe) == 5
    assert [e.label for e in app.expander].count("Workings") == 5
    for status in mine["status"]:
        assert STATUS_LABELS[status] in page
    assert INCOMPLETE_YEAR_RULE in page
    # the breakdown: one column per gender in vocabulary order, a row per quarter
    table = table_with(app, "Women (number)")
    assert list(table.columns) == [
        "Quarter",
        "Women (number)",
        "Men (number)",
        "Non-binary (number)",
        "Undisclosed (number)",
    ]
    stored = frame[
        (frame["partnership_id"] == "pge-green-for-all")
        & (frame["indicator_id"] == "new_hires")
        & (frame["dimension"] == "gender")
    ]
    assert len(table) == stored[["year", "quarter"]].drop_duplicates().shape[0]
    assert table["Women (number)"].sum() == stored.loc[stored["category"] == "woman", "value"].sum()
    references = table_with(app, "Framework")
    assert dict(references.to_numpy())["GRI"] == "401-1a"
    assert app.query_params["breakdown"] == "gender" and app.query_params["partnership"] == "pge-green-for-all"


def test_widget_changes_go_to_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_partnership(monkeypatch, sample_store, partnership="pge-green-for-all")
    assert not app.exception
    assert app.query_params["dataset"] == "workforce" and app.query_params["breakdown"] == "total"
    assert "bars" not in app.query_params
    total = table_with(app, "Headcount (number)")
    assert list(total.columns) == ["Quarter", "Headcount (number)"]
    widget(app.selectbox, "Indicator").select("new_hires").run()
    assert app.query_params["indicator"] == "new_hires"
    widget(app.radio, "Breakdown").set_value("employment_type").run()
    assert app.query_params["breakdown"] == "employment_type" and app.query_params["bars"] == "stacked"
    widget(app.radio, "Bars").set_value("grouped").run()
    assert app.query_params["bars"] == "grouped"
    assert list(table_with(app, "Quarter").columns)[1:] == ["Direct employees (number)", "Subcontractors (number)"]
    widget(app.selectbox, "Dataset").select("community_capacity").run()
    assert app.query_params["dataset"] == "community_capacity"
    assert app.query_params["indicator"] == "local_supplier_spend"  # new_hires is not a community indicator
    widget(app.selectbox, "Partnership").select("solar-skills-kenya").run()
    assert app.query_params["partnership"] == "solar-skills-kenya"
    assert app.header[0].value == "Solar Skills Kenya"
    assert not app.exception


def test_shares_are_never_stacked(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_partnership(
        monkeypatch,
        sample_store,
        partnership="pge-green-for-all",
        dataset="diversity",
        indicator="women_share_workforce",
        breakdown="age_band",
        bars="stacked",
    )
    assert not app.exception
    assert [r.label for r in app.radio] == ["Breakdown"]
    assert app.query_params["bars"] == "grouped"
    assert "do not add up" in texts(app)
    assert list(table_with(app, "Quarter").columns)[1] == "Under 30 (%)"


def test_invalid_parameters_fall_back_without_error(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_partnership(
        monkeypatch, sample_store, partnership="nobody", dataset="weather", indicator="x", breakdown="shoe", bars="3d"
    )
    assert not app.exception
    first = sample_store.read_partnerships().sort_values("name").iloc[0]
    assert widget(app.selectbox, "Partnership").value == first["partnership_id"]
    assert app.query_params["partnership"] == first["partnership_id"]
    assert widget(app.selectbox, "Dataset").value == "workforce"  # first focus dataset in display order
    assert app.query_params["indicator"] == "workforce_headcount"
    assert widget(app.radio, "Breakdown").value == "total"
    assert "bars" not in app.query_params


# ---- a newcomer: one year of one indicator, a goal with a single annual point ---------------------------------------


@pytest.fixture
def newcomer_store(sample_store: Store) -> Store:
    """The sample plus a partnership that reports workforce and education but has sent only new hires (totals, 2025)."""
    partnerships = read_plain_csv(SAMPLE_DIR / "partnerships.csv")
    newcomer = partnerships.iloc[[0]].assign(
        partnership_id=NEWCOMER,
        name="Riverside *Newcomer* [pilot]",
        partner_organisations="River Co; Town Hall",
        focus_datasets="workforce;education",
        description="Just started.",
    )
    outcome = ingest_partnerships_frame(
        sample_store, pd.concat([partnerships, newcomer]), user="t", source_name="p.csv", source_sha256="0"
    )
    assert outcome.accepted, outcome.validation.errors
    goals = read_plain_csv(SAMPLE_DIR / "goals.csv")
    goal = goals.iloc[[0]].assign(
        goal_id=f"{NEWCOMER}-hires-2030",
        partnership_id=NEWCOMER,
        indicator_id="new_hires",
        dimension="total",
        category="total",
        baseline_year="2025",
        baseline_value="40",
        target_year="2030",
        target_value="80",
    )
    outcome = ingest_goals_frame(
        sample_store, pd.concat([goals, goal]), user="t", source_name="g.csv", source_sha256="0"
    )
    assert outcome.accepted, outcome.validation.errors
    rows = pd.DataFrame(
        {
            "partnership_id": NEWCOMER,
            "year": 2025,
            "quarter": [1, 2, 3, 4],
            "indicator_id": "new_hires",
            "dimension": "total",
            "category": "total",
            "value": [9, 11, 10, 12],
        }
    )
    report, commit = ingest_file(
        sample_store, csv_bytes(rows), "newcomer.csv", dataset="workforce", user="t", today=TODAY
    )
    assert commit is not None, report.errors
    return sample_store


def test_a_goal_with_one_annual_point_says_not_enough_years(
    monkeypatch: pytest.MonkeyPatch, newcomer_store: Store
) -> None:
    app = open_partnership(monkeypatch, newcomer_store, partnership=NEWCOMER)
    assert not app.exception
    assert app.header[0].value == r"Riverside \*Newcomer\* \[pilot\]"  # a name from data is not Markdown
    assert any(i.value.startswith("Not enough years yet") for i in app.info)
    assert "Not available" in texts(app)
    assert not [m for m in app.metric if m.label == "Observed growth a year"]
    assert len(app.get("progress")) == 1
    assert list(table_with(app, "Series")["Series"]) == ["Annual value", "Required path", "Required path", "Target"]


def test_a_dataset_without_data_says_what_to_do(monkeypatch: pytest.MonkeyPatch, newcomer_store: Store) -> None:
    app = open_partnership(monkeypatch, newcomer_store, partnership=NEWCOMER, dataset="education")
    assert not app.exception
    assert any("No education data for this partnership yet" in i.value for i in app.info)
    assert app.query_params["dataset"] == "education"
    assert "Indicator" not in [s.label for s in app.selectbox]


def test_an_indicator_without_breakdown_data_says_so(monkeypatch: pytest.MonkeyPatch, newcomer_store: Store) -> None:
    app = open_partnership(
        monkeypatch,
        newcomer_store,
        partnership=NEWCOMER,
        dataset="workforce",
        indicator="new_hires",
        breakdown="gender",
    )
    assert not app.exception
    assert any("No breakdown by gender of new hires" in i.value for i in app.info)
    widget(app.radio, "Breakdown").set_value("total").run()
    assert table_with(app, "New hires (number)")["New hires (number)"].tolist() == [9, 11, 10, 12]
