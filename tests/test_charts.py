"""Figure builders: titles, units, source line, colour-blind-safe colours."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import OKABE_ITO, PLOTLY_CONFIG, colour_map, trend_figure
from dashboard.metrics import quarterly_trend
from data_contracts import indicator
from tests.test_metrics import PARTNERSHIPS, WORKFORCE


def test_trend_figure_says_what_it_shows() -> None:
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", PARTNERSHIPS)
    figure = trend_figure(trend, indicator("workforce_headcount"), source="Source: test · synthetic sample data.")
    layout = figure.layout
    assert layout.title.text == "Headcount at quarter end"
    assert layout.title.subtitle.text == "number, 2023 Q3 – 2024 Q3"
    assert layout.annotations[0].text == "Source: test · synthetic sample data."
    assert [trace.name for trace in figure.data] == ["Alpha Schools", "Beta Jobs"]
    assert all(trace.line.color in OKABE_ITO for trace in figure.data)
    assert list(figure.data[0].y) == [100, 120]


def test_units_show_on_the_axis() -> None:
    rows = pd.DataFrame(
        {
            "partnership_id": ["a"],
            "year": [2024],
            "quarter": [1],
            "indicator_id": ["turnover_rate"],
            "dimension": ["total"],
            "category": ["total"],
            "value": [12.5],
        }
    )
    trend = quarterly_trend(rows, "turnover_rate", PARTNERSHIPS)
    figure = trend_figure(trend, indicator("turnover_rate"), source="s")
    assert figure.layout.yaxis.ticksuffix == "%"
    assert figure.layout.title.text == "Turnover rate per quarter"
    assert "%" in figure.data[0].hovertemplate


def test_colours_are_stable_and_from_the_safe_palette() -> None:
    first = colour_map(["b", "a", "c"])
    assert first == colour_map(["c", "b", "a"])
    assert first["a"] == OKABE_ITO[0]


def test_png_download_stays_in_the_toolbar() -> None:
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert PLOTLY_CONFIG["toImageButtonOptions"] == {"format": "png", "scale": 2}
