"""The Indicator explorer in real Streamlit (AppTest) on the sample store: URL state, tabs, metadata, goals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.storage.store import Store
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def open_explorer(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as().run()
    app.query_params.clear()
    app.query_params.update(query)
    app.switch_page("web/views/indicator.py").run()
    assert not app.exception
    return app


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    for element in app.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {column!r} column")


def static_table(app: AppTest, column: str) -> pd.DataFrame:
    """An st.table (Markdown cells) with the escapes taken out."""
    for element in app.table:
        if column in element.value.columns:
            return element.value.map(lambda cell: str(cell).replace("\\", ""))
    raise AssertionError(f"no st.table with a {column!r} column")


def test_default_is_headcount_with_its_references(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_explorer(monkeypatch, sample_store)
    assert app.title[0].value == "Indicator explorer"
    assert app.selectbox(key="explorer_indicator").value == "workforce_headcount"
    assert app.radio(key="explorer_view").value == "quarterly"
    assert app.selectbox(key="explorer_dimension").value == "gender"
    page_tabs = [t.label for t in app.tabs if t.label not in ("Chart", "Table")]  # not the charts' own tabs
    assert page_tabs == ["Across partnerships", "Breakdowns", "Metadata", "Goals"]
    assert app.query_params["indicator"] == "workforce_headcount"
    assert app.query_params["view"] == "quarterly"
    assert app.query_params["dimension"] == "gender"

    references = static_table(app, "Framework")
    gri = references[references["Framework"] == "GRI"]["Reference"].tolist()
    assert gri == ["GRI 2-7", "GRI 2-8"]
    assert references[references["Framework"] == "SDG"]["Reference"].tolist() == ["none verified"]
    assert list(references["Framework"].unique()) == ["GRI", "IRIS+", "SDG", "WEF", "ESRS"]
    metadata = dict(static_table(app, "Field").to_numpy())
    assert metadata["Direction"] == "Higher is better"
    assert metadata["Unit"] == "number"

    stored = sample_store.read_indicators("workforce", "submitted")
    totals = stored[(stored["indicator_id"] == "workforce_headcount") & (stored["dimension"] == "total")]
    trend = table_with(app, "Headcount (number)")
    assert len(trend) == len(totals)
    assert trend["Headcount (number)"].sum() == totals["value"].sum()
    latest = table_with(app, "Change over a year")
    assert len(latest) == totals["partnership_id"].nunique()
    parts = table_with(app, "Women")
    assert {"Partnership", "Quarter", "Total", "Women", "Men"} <= set(parts.columns)


def test_the_url_chooses_indicator_view_and_dimension(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_explorer(monkeypatch, sample_store, indicator="teachers_trained", view="annual", dimension="age_band")
    assert app.selectbox(key="explorer_indicator").value == "teachers_trained"
    assert app.radio(key="explorer_view").value == "annual"
    assert app.selectbox(key="explorer_dimension").value == "age_band"
    assert any(INCOMPLETE_YEAR_RULE in c.value for c in app.caption)
    annual = table_with(app, "Year")
    assert set(annual["Year"]) == {"2022", "2023", "2024", "2025"}  # 2026 is not complete
    assert "Under 30" in table_with(app, "Under 30").columns

    goals = table_with(app, "Status")
    row = goals.set_index("Partnership").loc["AT&T × Imago Foundation"]
    assert row["Baseline"] == "532 (2022)" and row["Target"] == "968 (2028)"
    assert row["Status"] and row["Series"] == "Total"


def test_an_indicator_without_goals_or_breakdowns_says_so(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_explorer(monkeypatch, sample_store, indicator="workforce_fte")
    assert any("No partnership has set a goal on full-time equivalents yet" in i.value for i in app.info)
    assert not [e for e in app.dataframe if "Status" in e.value.columns]

    spend = open_explorer(monkeypatch, sample_store, indicator="local_supplier_spend", dimension="gender")
    assert any("reported as a total only" in i.value for i in spend.info)
    assert spend.query_params["dimension"] == "total"
    assert not [s for s in spend.selectbox if s.key == "explorer_dimension"]


def test_invalid_url_values_fall_back_to_defaults(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_explorer(
        monkeypatch, sample_store, indicator="<img src=x>", view="weekly", dimension="planet", partnership="nobody"
    )
    assert app.selectbox(key="explorer_indicator").value == "workforce_headcount"
    assert app.radio(key="explorer_view").value == "quarterly"
    assert app.selectbox(key="explorer_dimension").value == "gender"
    assert app.query_params["indicator"] == "workforce_headcount"
    assert app.query_params["partnership"] != "nobody"


def test_changing_the_widgets_updates_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_explorer(monkeypatch, sample_store, dimension="ethnicity")
    app.selectbox(key="explorer_indicator").select("living_wage_share").run()
    assert not app.exception
    assert app.query_params["indicator"] == "living_wage_share"
    assert app.query_params["dimension"] == "gender"  # ethnicity is not a breakdown of this indicator
    assert len(table_with(app, "Paid a living wage (%)")) > 0
    app.selectbox(key="explorer_dimension").select("employment_type").run()
    assert app.query_params["dimension"] == "employment_type"
    app.radio(key="explorer_view").set_value("annual").run()
    assert not app.exception
    assert app.query_params["view"] == "annual"
    assert "Year" in table_with(app, "Paid a living wage (%)").columns


def test_a_store_without_indicator_data_still_explains_the_indicator(
    monkeypatch: pytest.MonkeyPatch, partnerships_only_store: Store
) -> None:
    app = open_explorer(monkeypatch, partnerships_only_store, indicator="new_hires")
    infos = [i.value for i in app.info]
    assert any("No partnership has reported new hires yet" in text for text in infos)
    assert any("No partnership has set a goal on new hires yet" in text for text in infos)
    assert "GRI 401-1a" in static_table(app, "Framework")["Reference"].tolist()
    assert app.metric[0].value == "0 of 8"
