"""The app in real Streamlit (AppTest): the overview on the sample store, URL state, empty store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.storage.store import Store
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def run_app(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_overview_shows_kpis_trends_and_partnerships(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store)
    assert not app.exception
    assert app.title[0].value == "Portfolio overview"
    assert app.selectbox[0].value == "2026 Q3"
    assert len(app.metric) == 6
    labels = [m.label for m in app.metric]
    assert labels[0] == "Headcount"
    statuses = next(d.value for d in app.dataframe if list(d.value.columns) == ["Status", "Goals"])
    assert statuses["Status"].tolist() == [
        "Target achieved",
        "Substantial progress",
        "Moderate progress",
        "Limited progress",
        "Deterioration",
        "Not available",
    ]
    assert statuses["Goals"].sum() == len(sample_store.read_goals())
    assert all(m.value not in ("", "–") for m in app.metric[:2])
    assert any("vs 2025 Q3" in (m.delta or "") for m in app.metric)
    assert [s.value for s in app.header][:3] == ["Headline figures, 2026 Q3", "Goal progress", "Trends by dataset"]
    partnerships = app.dataframe[-1].value
    assert len(partnerships) == len(sample_store.read_partnerships())
    assert (
        "AT&T × Imago Foundation" in set(partnerships["Partnership"])
        or partnerships["Partnership"].str.contains("Imago").any()
    )
    assert app.query_params["period"] == "2026 Q3"


def test_each_chart_has_a_table_of_the_same_numbers(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store)
    table = next(d.value for d in app.dataframe if "Headcount (number)" in d.value.columns)
    assert list(table.columns) == ["Partnership", "Quarter", "Headcount (number)"]
    stored = sample_store.read_indicators("workforce", "submitted")
    totals = stored[(stored["indicator_id"] == "workforce_headcount") & (stored["dimension"] == "total")]
    assert len(table) == len(totals)
    assert table["Headcount (number)"].sum() == totals["value"].sum()
    # per chart (status and four trends) its CSV, PNG and SVG; the late milestones; and the partnership list
    assert len(app.get("download_button")) == 17


def test_the_period_comes_from_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store, period="2024 Q2")
    assert not app.exception
    assert app.selectbox[0].value == "2024 Q2"
    assert app.header[0].value == "Headline figures, 2024 Q2"
    app.selectbox[0].select("2025 Q1").run()
    assert app.query_params["period"] == "2025 Q1"
    assert app.header[0].value == "Headline figures, 2025 Q1"


def test_a_bad_period_in_the_url_falls_back_to_the_latest(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store, period="<script>")
    assert not app.exception
    assert app.selectbox[0].value == "2026 Q3"


def test_an_empty_store_explains_what_to_do(monkeypatch: pytest.MonkeyPatch, partnerships_only_store: Store) -> None:
    app = run_app(monkeypatch, partnerships_only_store)
    assert not app.exception
    assert "No indicator data yet" in app.info[0].value
    assert len(app.metric) == 0


def test_first_start_seeds_an_empty_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = Store(tmp_path / "fresh")
    app = run_app(monkeypatch, store)
    assert not app.exception
    assert store.is_initialised()
    assert len(app.metric) == 6


def test_portfolio_filters_come_from_and_go_to_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store, region="Sub-Saharan Africa")
    assert not app.exception
    partnerships = app.dataframe[-1].value
    assert partnerships["Partnership"].tolist() == ["Solar Skills Kenya"]
    sector = next(m for m in app.multiselect if m.label == "Lead sector")
    sector.select("business").run()
    assert app.query_params["sector"] == "business" and app.query_params["region"] == "Sub-Saharan Africa"
    region = next(m for m in app.multiselect if m.label == "Region")
    region.unselect("Sub-Saharan Africa").run()
    assert "region" not in app.query_params
    assert set(app.dataframe[-1].value["Partnership"]) == {
        "AT&T × Imago Foundation",
        "PG&E × Green for All",
        "Solar Skills Kenya",
    }


def test_a_filter_that_selects_nothing_says_so(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = run_app(monkeypatch, sample_store, region="Oceania")
    assert not app.exception
    assert app.query_params.get("region") is None  # not a region of any partnership: ignored
    app = run_app(monkeypatch, sample_store, country="KE", sector="government")
    assert not app.exception
    assert "No partnership matches these filters" in app.info[0].value
