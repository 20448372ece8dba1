"""Trends of many partnerships: beyond a dozen, charts show their spread (median, middle half, the largest named)
instead of a tangle of lines, the table holds exactly the chart's numbers, and every partnership's values stay
downloadable."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from dashboard.analytics.trend_distribution import (
    MAX_TREND_LINES,
    NAMED_LINES,
    distribution_table,
    shows_spread,
    trend_distribution,
)
from dashboard.present.chart_style import CONTEXT_GREY, PALETTE
from dashboard.present.charts import SPREAD_BAND, SPREAD_MEDIAN, spread_figure
from dashboard.present.text_safety import plotly_literal
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE
from data_contracts import DATASET_INFO, DATASETS, INDICATORS
from data_contracts.quarters import Quarter
from tests.conftest import app_as

HEADCOUNT = INDICATORS["workforce_headcount"]


def synthetic_trend(partnerships: int, *, seed: int = 1, missing: float = 0.1) -> pd.DataFrame:
    """A quarterly trend (``metrics.quarterly_trend`` columns) with some quarters unreported or hidden."""
    rng = random.Random(seed)
    rows = []
    for number in range(partnerships):
        for year in (2024, 2025):
            for quarter in (1, 2, 3, 4):
                if rng.random() < missing:
                    continue
                value = float("nan") if rng.random() < missing else float(rng.randint(0, 500))
                period = (year, quarter)
                rows.append(
                    {
                        "partnership_id": f"p-{number:03d}",
                        "partnership": f"Partnership {number:03d}",
                        "year": year,
                        "quarter": quarter,
                        "period": Quarter(*period).label,
                        "period_start": Quarter(*period).start,
                        "value": value,
                    }
                )
    return pd.DataFrame(rows)


def test_a_dozen_partnerships_keep_their_lines_more_get_the_spread() -> None:
    assert not shows_spread(synthetic_trend(MAX_TREND_LINES, missing=0))
    assert shows_spread(synthetic_trend(MAX_TREND_LINES + 1, missing=0))
    assert not shows_spread(synthetic_trend(0))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_spread_is_the_quartiles_of_the_values_each_quarter(seed: int) -> None:
    trend = synthetic_trend(40, seed=seed)
    distribution = trend_distribution(trend)
    assert distribution.partnerships == 40
    for band in distribution.bands.itertuples():
        values = trend.loc[(trend["period"] == band.period) & trend["value"].notna(), "value"].to_numpy()
        assert band.partnerships == len(values)
        assert band.p25 == pytest.approx(np.percentile(values, 25))
        assert band.median == pytest.approx(np.median(values))
        assert band.p75 == pytest.approx(np.percentile(values, 75))
    assert list(distribution.bands["period_start"]) == sorted(distribution.bands["period_start"])


def test_the_named_partnerships_are_the_largest_in_the_latest_quarter_with_values() -> None:
    trend = synthetic_trend(30, seed=5)
    trend.loc[trend["partnership_id"] == "p-007", "value"] = 10_000.0  # largest, also ...
    trend.loc[trend["partnership_id"] == "p-008", "value"] = 10_000.0  # ... tied: by name
    trend.loc[trend["period"] == "2025 Q4", "value"] = float("nan")  # the last quarter hidden everywhere
    distribution = trend_distribution(trend)
    assert distribution.ranked_in == "2025 Q3"
    latest = trend[(trend["period"] == "2025 Q3") & trend["value"].notna()]
    expected = latest.sort_values(["value", "partnership"], ascending=[False, True]).head(NAMED_LINES)
    assert [name for _, name in distribution.named_order] == list(expected["partnership"])
    assert distribution.named_order[:2] == [("p-007", "Partnership 007"), ("p-008", "Partnership 008")]
    assert set(distribution.named["partnership_id"]) == set(expected["partnership_id"])


def test_the_table_holds_exactly_what_the_chart_draws() -> None:
    trend = synthetic_trend(25, seed=7)
    distribution = trend_distribution(trend)
    figure = spread_figure(distribution, HEADCOUNT, source="Source: test.")
    table = distribution_table(distribution, period_header="Quarter", unit_label=HEADCOUNT.unit_label)
    unit = HEADCOUNT.unit_label
    drawn = {trace.name: list(trace.y) for trace in figure.data}
    assert list(table["Quarter"]) == list(distribution.bands["period"])
    assert drawn["75th percentile"] == list(table[f"75th percentile ({unit})"])
    assert drawn["Middle half of 25 partnerships (25th–75th percentile)"] == list(table[f"25th percentile ({unit})"])
    assert drawn["Median of 25 partnerships"] == list(table[f"Median ({unit})"])
    for partnership_id, name in distribution.named_order:
        own = trend[trend["partnership_id"] == partnership_id].set_index("period")["value"]
        column = table[f"{name} ({unit})"]
        np.testing.assert_array_equal(column.to_numpy(), table["Quarter"].map(own).to_numpy(dtype=float))
        line = [trace for trace in figure.data if trace.name == name][0]
        drawn_rows = trend[trend["partnership_id"] == partnership_id].sort_values("period_start")
        np.testing.assert_array_equal(np.asarray(line.y, dtype=float), drawn_rows["value"].to_numpy(dtype=float))


def test_the_spread_chart_reads_well() -> None:
    trend = synthetic_trend(300, seed=3)
    trend.loc[trend["partnership_id"] == "p-001", ["partnership", "value"]] = ["<b>Bold</b> & %{x}", 99_999.0]
    figure = spread_figure(trend_distribution(trend), HEADCOUNT, source="Source: 300 partnerships.")
    assert figure.layout.title.text and figure.layout.title.subtitle.text.startswith("number, 2024 Q1")
    assert len(figure.data) == 3 + NAMED_LINES  # band edge, band, median, the named
    assert sum(1 for trace in figure.data if trace.showlegend is not False) == 2 + NAMED_LINES
    assert figure.layout.height < 700  # a legend of 7 items, not of 300
    colours = {trace.line.color for trace in figure.data}
    assert colours <= {SPREAD_BAND, SPREAD_MEDIAN, CONTEXT_GREY, *PALETTE}
    assert len({trace.line.color for trace in figure.data[3:]}) == NAMED_LINES  # each named line its own colour
    assert figure.data[1].fill == "tonexty"
    named = [trace.name for trace in figure.data[3:]]
    assert plotly_literal("<b>Bold</b> & %{x}") in named  # drawn literally, never as markup or a hover placeholder
    assert "<b>Bold</b>" not in pio.to_json(figure)
    assert figure.layout.annotations[-1].text.startswith("Named: the 5 largest in 2025 Q4")


def test_an_empty_trend_gives_an_empty_spread() -> None:
    trend = synthetic_trend(20, missing=0)
    trend["value"] = float("nan")
    distribution = trend_distribution(trend)
    assert distribution.bands.empty and distribution.named_order == []
    figure = spread_figure(distribution, HEADCOUNT, source="Source: test.")
    assert any(a.text == "No data to show" for a in figure.layout.annotations)


# ---- on the pages -------------------------------------------------------------------------------------------------


def add_copies(store: Store, copies: int) -> None:
    """The sample's first partnership copied ``copies`` times (new ids and names, same figures), so the store holds
    more partnerships than a chart draws lines for."""
    partnerships = store.read_partnerships()
    source = partnerships.iloc[0]
    clones = pd.DataFrame(
        [
            {**source.to_dict(), "partnership_id": f"copy-{n:02d}", "name": f"Copied partnership {n:02d}"}
            for n in range(copies)
        ]
    )
    store.replace_reference(PARTNERSHIPS_TABLE, pd.concat([partnerships, clones], ignore_index=True), user="test")
    for dataset in DATASETS:
        for layer in ("submitted", "published"):
            rows = store.read_indicators(dataset, layer, partnership_ids=[str(source["partnership_id"])])
            if rows.empty:
                continue
            copied = pd.concat(
                [rows.assign(partnership_id=f"copy-{n:02d}", value=rows["value"] * (1 + n)) for n in range(copies)],
                ignore_index=True,
            )
            store.commit_indicators(copied, dataset, user="test", layer=layer)


@pytest.fixture
def crowded_store(sample_store: Store) -> Store:
    add_copies(sample_store, MAX_TREND_LINES)
    return sample_store


def test_the_overview_shows_the_spread_of_many_partnerships(
    monkeypatch: pytest.MonkeyPatch, crowded_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", crowded_store.root)
    app = app_as("admin").run()
    assert not app.exception
    tables = [frame.value for frame in app.dataframe]
    spreads = [table for table in tables if any(str(c).startswith("Median (") for c in table.columns)]
    lines = [table for table in tables if "Partnership" in table.columns and "Quarter" in table.columns]
    crowded = [d for d in DATASETS if reporting(crowded_store, d) > MAX_TREND_LINES]
    assert crowded and len(spreads) == len(crowded)  # a dataset's trend as its spread when it is crowded ...
    assert len(lines) == len(DATASETS) - len(crowded)  # ... else a line (and table rows) per partnership
    for table in spreads:
        assert "Partnerships reporting" in table.columns
        assert table["Partnerships reporting"].max() > MAX_TREND_LINES
        assert len(table) <= 40  # a row per quarter, not one per partnership and quarter
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels.count("Download every partnership (CSV)") == len(crowded)
    # the copy with the largest figures (values × 12) is named in the headcount chart
    assert any(f"Copied partnership 11 ({HEADCOUNT.unit_label})" in table.columns for table in spreads)


def reporting(store: Store, dataset: str) -> int:
    """Partnerships with a headline figure of the dataset in the submitted layer."""
    rows = store.read_indicators(dataset, "submitted")
    return int(rows.loc[rows["indicator_id"] == DATASET_INFO[dataset].headline_indicator, "partnership_id"].nunique())


def test_the_explorer_shows_the_spread_of_many_partnerships(
    monkeypatch: pytest.MonkeyPatch, crowded_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", crowded_store.root)
    app = app_as("admin")
    app.run()
    app.switch_page("web/views/indicator.py").run()
    assert not app.exception
    first = app.dataframe[0].value
    assert f"Median ({HEADCOUNT.unit_label})" in first.columns and "Partnerships reporting" in first.columns
    app.radio(key="explorer_view").set_value("annual").run()
    assert not app.exception
    annual = app.dataframe[0].value
    assert "Year" in annual.columns and f"Median ({HEADCOUNT.unit_label})" in annual.columns
