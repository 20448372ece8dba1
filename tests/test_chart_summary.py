"""A chart in words: what it shows and its latest values, from real figures and the tables the chart blocks show;
the chart blocks give it as the chart's aria-label and as a caption under the chart (real Streamlit, AppTest)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.metrics import quarterly_trend
from dashboard.analytics.progress import STATUS_LABELS
from dashboard.present.chart_summary import chart_summary, plain_text, table_latest, value_text
from dashboard.present.charts import trend_figure
from dashboard.present.goal_charts import status_summary_figure
from dashboard.present.goal_texts import status_summary_table
from dashboard.present.text_safety import markdown_literal
from dashboard.storage.store import Store
from data_contracts import indicator
from tests.conftest import app_as
from tests.test_metrics import PARTNERSHIPS, WORKFORCE


def test_a_trend_says_what_it_shows_how_many_partnerships_and_their_latest_values() -> None:
    partnerships = PARTNERSHIPS.assign(name=["Alpha Schools", "A&B <Jobs>"])
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", partnerships)
    figure = trend_figure(trend, indicator("workforce_headcount"), source="Source: test.")
    table = trend[["partnership", "period", "value"]].rename(
        columns={"partnership": "Partnership", "period": "Quarter", "value": "Headcount (number)"}
    )  # the trend block's table
    assert chart_summary(figure, table) == (
        "Headcount at quarter end, number, 2023 Q3 – 2024 Q3; 2 partnerships. "
        "Latest in 2024 Q3, Headcount (number): A&B <Jobs> 45; Alpha Schools 120."
    )


def test_partnerships_whose_latest_quarters_differ_each_get_theirs() -> None:
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", PARTNERSHIPS)
    figure = trend_figure(trend, indicator("workforce_headcount"), source="Source: test.")
    table = pd.DataFrame(
        {"Partnership": ["Alpha", "Alpha", "Beta"], "Quarter": ["2024 Q2", "2024 Q3", "2024 Q1"], "Hires": [1, 1234, 5]}
    )
    assert chart_summary(figure, table).endswith(
        "2 partnerships. Latest, Hires: Alpha 1,234 (2024 Q3); Beta 5 (2024 Q1)."
    )


def test_the_status_chart_names_each_status_with_its_count() -> None:
    counts = {"target_achieved": 2, "substantial_progress": 5, "deterioration": 1}
    figure = status_summary_figure(counts, title="Goals by progress status", source="Source: 3 partnerships.")
    summary = chart_summary(figure, status_summary_table(counts))
    assert summary.startswith("Goals by progress status")
    for status, count in counts.items():
        assert f"{STATUS_LABELS[status]} {count}" in summary


def test_wide_tables_give_each_series_its_latest_value_and_many_are_counted() -> None:
    table = pd.DataFrame(
        {
            "Quarter": ["2026 Q2", "2026 Q1", "2026 Q3"],  # not in order: the latest is found, not the last row
            "Women (people)": ["40", "30", "fewer than 10"],
            "Men (people)": [41.0, 31.0, None],  # missing in the latest quarter: its latest value is earlier
        }
    )
    latest, partnerships = table_latest(table)
    assert partnerships is None
    assert latest == "Latest: Women (people) fewer than 10 (2026 Q3); Men (people) 41 (2026 Q2)"
    many = pd.DataFrame({"Partnership": [f"P{i}" for i in range(10)], "Quarter": "2026 Q3", "Value (people)": 1.5})
    latest, partnerships = table_latest(many)
    assert partnerships == 10
    assert latest.endswith("P5 1.50; and 4 more")


def test_texts_and_numbers_read_plainly() -> None:
    assert plain_text("Headcount &amp; hires<br>per quarter") == "Headcount & hires per quarter"
    assert value_text(1234567.0) == "1,234,567"
    assert value_text(12.345) == "12.3"
    assert value_text(float("nan")) == "–"
    assert table_latest(pd.DataFrame(columns=["Quarter"])) == ("", None)


def test_each_chart_on_the_overview_has_its_summary_as_caption_and_aria_label(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin").run()
    assert not app.exception
    charts = [chart.proto for chart in app.get("plotly_chart")]
    captions = [caption.value for caption in app.caption]
    assert len(charts) == 5
    status = next(chart for chart in charts if "goals per status" in chart.alt)
    assert "Goals by progress status" in status.alt and "Target achieved " in status.alt
    for chart in charts:
        summary = chart.alt.split(". ", 1)[1]  # after the block's own sentence ("Line chart of …")
        assert "Latest" in summary or ": " in summary
        assert markdown_literal(summary) in captions
    assert any(caption.startswith(markdown_literal("Headcount at quarter end")) for caption in captions)
