"""The Compare page in real Streamlit (AppTest) on the sample store: URL state, normalisation, empty selections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.storage.store import Store
from tests.conftest import app_as

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def open_compare(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as().run()
    app.query_params.clear()
    app.query_params.update(query)
    app.switch_page("web/views/compare.py").run()
    assert not app.exception
    return app


def tables_with(app: AppTest, column: str) -> list[pd.DataFrame]:
    """Tables that have ``column``: chart tables (st.dataframe), then side-by-side tables (st.table, Markdown cells
    with their escapes taken out)."""
    charts = [element.value for element in app.dataframe if column in element.value.columns]
    static = [
        element.value.map(lambda cell: str(cell).replace("\\", ""))
        for element in app.table
        if column in element.value.columns
    ]
    return charts + static


def latest_total(store: Store, partnership_id: str, indicator_id: str) -> float:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=[partnership_id])
    rows = rows[(rows["indicator_id"] == indicator_id) & (rows["dimension"] == "total")]
    return float(rows.sort_values(["year", "quarter"]).iloc[-1]["value"])


def test_default_view_compares_the_partnerships_with_most_data(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_compare(monkeypatch, sample_store)
    assert app.title[0].value == "Compare partnerships"
    partnerships = app.multiselect(key="compare_partnerships").value
    assert 2 <= len(partnerships) <= 4
    assert app.multiselect(key="compare_indicators").value == ["workforce_headcount", "new_hires"]
    assert app.radio(key="compare_norm").value == "none"
    assert [s.value for s in app.header] == ["Headcount", "New hires"]
    assert app.query_params["p"] == ",".join(partnerships)
    assert app.query_params["i"] == "workforce_headcount,new_hires"
    assert app.query_params["norm"] == "none"
    side = tables_with(app, "Goal status")
    assert len(side) == 2 and len(side[0]) == len(partnerships)
    assert len(app.get("plotly_chart")) == 4  # a ranking and small multiples per indicator
    assert len(app.get("download_button")) == 14  # per chart its CSV, PNG and SVG; the two side-by-side tables


def test_the_url_chooses_partnerships_indicators_and_normalisation(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_compare(
        monkeypatch, sample_store, p="att-imago,pge-green-for-all", i="new_hires", norm="per_usd_million"
    )
    assert app.multiselect(key="compare_partnerships").value == ["att-imago", "pge-green-for-all"]
    assert app.multiselect(key="compare_indicators").value == ["new_hires"]
    assert app.radio(key="compare_norm").value == "per_usd_million"
    assert [s.value for s in app.header] == ["New hires"]
    assert any("committed funding in millions of US dollars" in c.value for c in app.caption)

    partnerships = sample_store.read_partnerships().set_index("partnership_id")
    expected = {
        partnerships.loc[pid, "name"]: latest_total(sample_store, pid, "new_hires")
        / (partnerships.loc[pid, "committed_funding_usd"] / 1e6)
        for pid in ("att-imago", "pge-green-for-all")
    }
    ranking = tables_with(app, "New hires per USD 1M of committed funding")[0]
    assert dict(zip(ranking["Partnership"], ranking["New hires per USD 1M of committed funding"], strict=True)) == {
        name: pytest.approx(value, abs=0.005) for name, value in expected.items()
    }
    side = tables_with(app, "Per USD 1M committed")[0].set_index("Partnership")
    for name, value in expected.items():
        assert side.loc[name, "Per USD 1M committed"] == f"{value:,.2f}"
    assert side.loc["PG&E × Green for All", "Goal status"].endswith("(Women)")  # its goal on women hired
    assert side.loc["AT&T × Imago Foundation", "Goal status"] == "no goal"
    assert side.loc["AT&T × Imago Foundation", "Funding"] == "USD 12,500,000"


def test_changing_the_widgets_updates_the_url(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_compare(monkeypatch, sample_store, p="att-imago,pge-green-for-all", i="new_hires")
    app.multiselect(key="compare_indicators").select("local_supplier_spend").run()
    assert not app.exception
    assert app.query_params["i"] == "new_hires,local_supplier_spend"
    assert [s.value for s in app.header] == ["New hires", "Local supplier spend"]
    app.multiselect(key="compare_partnerships").select("solar-skills-kenya").run()
    assert app.query_params["p"] == "att-imago,pge-green-for-all,solar-skills-kenya"
    app.radio(key="compare_norm").set_value("per_participant").run()
    assert not app.exception
    assert app.query_params["norm"] == "per_participant"
    # AT&T reports no community-capacity data: no local supplier spend to show, said in the table
    spend = tables_with(app, "Per participant")[1].set_index("Partnership")
    assert spend.loc["AT&T × Imago Foundation", "Quarter"] == "no data"


def test_invalid_url_values_fall_back_to_defaults(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_compare(monkeypatch, sample_store, p="nobody,<script>", i="bogus", norm="per_planet")
    assert app.multiselect(key="compare_indicators").value == ["workforce_headcount", "new_hires"]
    assert len(app.multiselect(key="compare_partnerships").value) >= 2
    assert app.radio(key="compare_norm").value == "none"
    assert app.query_params["norm"] == "none"
    assert "script" not in app.query_params["p"]


def test_one_partnership_asks_for_another(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_compare(monkeypatch, sample_store, p="att-imago", i="new_hires")
    assert app.multiselect(key="compare_partnerships").value == ["att-imago"]
    assert "at least two partnerships" in app.info[0].value
    assert len(app.get("plotly_chart")) == 0
    assert not app.header


def test_rates_are_shown_as_reported_with_a_reason(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_compare(
        monkeypatch,
        sample_store,
        p="att-imago,pge-green-for-all",
        i="women_share_workforce,new_hires",
        norm="per_usd_million",
    )
    assert app.radio(key="compare_norm").value == "per_usd_million"
    assert any(c.value.startswith("Women in workforce is a percentage") for c in app.caption)
    assert tables_with(app, "Women in workforce (%)")  # the small multiples' table: values as reported
    rates_side, hires_side = tables_with(app, "Goal status")
    assert "Per USD 1M committed" not in rates_side.columns
    assert "Per USD 1M committed" in hires_side.columns

    only_rates = open_compare(
        monkeypatch, sample_store, p="att-imago,pge-green-for-all", i="women_share_workforce", norm="per_participant"
    )
    assert only_rates.radio(key="compare_norm").options == ["As reported"]
    assert only_rates.query_params["norm"] == "none"


def test_per_participant_says_who_has_no_headcount(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_compare(
        monkeypatch, sample_store, p="att-imago,green-schools-brazil", i="learning_hours", norm="per_participant"
    )
    assert any("No headcount to divide by for Green Schools Brazil" in c.value for c in app.caption)
    side = tables_with(app, "Per participant")[0].set_index("Partnership")
    assert side.loc["Green Schools Brazil", "Per participant"] == "–"
    assert side.loc["AT&T × Imago Foundation", "Per participant"] != "–"


def test_a_store_without_indicator_data_explains_what_to_do(
    monkeypatch: pytest.MonkeyPatch, partnerships_only_store: Store
) -> None:
    app = open_compare(monkeypatch, partnerships_only_store)
    assert "Nothing to compare yet" in app.info[0].value
    assert not app.multiselect
