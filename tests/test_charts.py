"""Figure builders: titles, units, source line, colour-blind-safe colours."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.analytics.goals import GoalPath
from dashboard.analytics.metrics import quarterly_trend
from dashboard.analytics.progress import STATUS_COLOURS, STATUS_LABELS, STATUSES
from dashboard.present.chart_style import PALETTE, PLOTLY_CONFIG, UNDISCLOSED_GREY, base_layout
from dashboard.present.charts import breakdown_figure, ranking_figure, small_multiples_figure, trend_figure
from dashboard.present.goal_charts import goal_progress_figure, status_summary_figure
from dashboard.present.text_safety import plotly_literal
from data_contracts import DATASET_INFO, indicator
from data_contracts.quarters import Quarter
from tests.test_metrics import PARTNERSHIPS, WORKFORCE


def test_trend_figure_says_what_it_shows() -> None:
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", PARTNERSHIPS)
    figure = trend_figure(trend, indicator("workforce_headcount"), source="Source: test · synthetic sample data.")
    layout = figure.layout
    assert layout.title.text == "Headcount at quarter end"
    assert layout.title.subtitle.text == "number, 2023 Q3 – 2024 Q3"
    assert layout.annotations[0].text == "Source: test · synthetic sample data."
    assert [trace.name for trace in figure.data] == ["Alpha Schools", "Beta Jobs"]
    assert all(trace.line.color in PALETTE for trace in figure.data)
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


def test_png_download_stays_in_the_toolbar() -> None:
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert PLOTLY_CONFIG["toImageButtonOptions"] == {"format": "png", "scale": 2}


# ---- layout ------------------------------------------------------------------------------------------------------


def test_a_single_series_has_no_legend_and_two_or_more_get_rows_of_two() -> None:
    assert base_layout("t", "s", "src", legend_items=1)["showlegend"] is False
    one_row, two_rows = base_layout("t", "s", "src", legend_items=2), base_layout("t", "s", "src", legend_items=3)
    assert one_row["showlegend"] is True
    assert two_rows["height"] - one_row["height"] == 21
    assert two_rows["margin"]["b"] - one_row["margin"]["b"] == 21


def test_long_titles_and_source_lines_wrap_and_make_room() -> None:
    short = base_layout("Short title", "s", "Source: test.")
    source = "Source: Alpha Schools, Beta Jobs, Gamma Green · workforce dataset · synthetic sample data · updated today"
    title = "Net jobs created in supported enterprises: progress toward the 2030 target"
    long = base_layout(title, "s", source)
    assert short["title"]["text"] == "Short title" and short["annotations"][0]["text"] == "Source: test."
    assert long["title"]["text"].count("<br>") == 1
    assert long["title"]["text"].replace("<br>", " ") == title
    assert long["annotations"][0]["text"].replace("<br>", " ") == source
    assert "<br>·" not in long["annotations"][0]["text"]  # a separator ends a line, never starts one
    assert long["margin"]["t"] > short["margin"]["t"] and long["margin"]["b"] > short["margin"]["b"]
    assert long["height"] - short["height"] == (long["margin"]["t"] - short["margin"]["t"]) + (
        long["margin"]["b"] - short["margin"]["b"]
    )


# ---- breakdowns --------------------------------------------------------------------------------------------------


def breakdown_rows(categories: list[tuple[str, str]], values: list[float]) -> pd.DataFrame:
    rows = []
    for year, quarter in ((2024, 1), (2024, 2)):
        for (code, label), value in zip(categories, values, strict=True):
            rows.append(
                {
                    "period": f"{year} Q{quarter}",
                    "period_start": Quarter(year, quarter).start,
                    "category": code,
                    "category_label": label,
                    "value": value + quarter,
                }
            )
    return pd.DataFrame(rows)


GENDER = [("woman", "Women"), ("undisclosed", "Undisclosed"), ("man", "Men")]


def test_breakdown_stacks_one_series_per_category_in_order_of_appearance() -> None:
    rows = breakdown_rows(GENDER, [40, 5, 50])
    figure = breakdown_figure(rows, indicator("new_hires"), dimension_label="Gender", mode="stacked", source="src")
    assert figure.layout.title.text == "New hires per quarter by gender"
    assert figure.layout.title.subtitle.text == "number, 2024 Q1 – 2024 Q2"
    assert figure.layout.annotations[0].text == "src"
    assert figure.layout.barmode == "stack"
    assert [trace.name for trace in figure.data] == ["Women", "Undisclosed", "Men"]
    assert [trace.type for trace in figure.data] == ["bar", "bar", "bar"]
    assert list(figure.data[0].y) == [41, 42]
    assert figure.layout.showlegend is True


def test_undisclosed_is_grey_and_does_not_use_up_a_palette_colour() -> None:
    rows = breakdown_rows(GENDER, [40, 5, 50])
    figure = breakdown_figure(rows, indicator("new_hires"), dimension_label="Gender", mode="stacked", source="s")
    colours = [trace.marker.color for trace in figure.data]
    assert colours == [PALETTE[0], UNDISCLOSED_GREY, PALETTE[1]]
    assert UNDISCLOSED_GREY == "#808080"
    chosen = breakdown_figure(
        rows,
        indicator("new_hires"),
        dimension_label="Gender",
        mode="stacked",
        source="s",
        colours={"woman": "#123456", "undisclosed": "#FF0000"},
    )
    assert [trace.marker.color for trace in chosen.data] == ["#123456", UNDISCLOSED_GREY, PALETTE[1]]


def test_breakdown_can_group_bars() -> None:
    rows = breakdown_rows(GENDER, [40, 5, 50])
    figure = breakdown_figure(rows, indicator("new_hires"), dimension_label="Gender", mode="grouped", source="s")
    assert figure.layout.barmode == "group"


@pytest.mark.parametrize("indicator_id", ["turnover_rate", "gender_pay_ratio"])
def test_shares_and_ratios_are_never_stacked(indicator_id: str) -> None:
    rows = breakdown_rows(GENDER, [12.5, 3.0, 9.5])
    figure = breakdown_figure(rows, indicator(indicator_id), dimension_label="Gender", mode="stacked", source="s")
    assert figure.layout.barmode == "group"


def test_breakdown_of_a_percentage_shows_percent_on_axis_and_in_hover() -> None:
    rows = breakdown_rows(GENDER, [12.5, 3.0, 9.5])
    figure = breakdown_figure(rows, indicator("turnover_rate"), dimension_label="Gender", mode="grouped", source="s")
    assert figure.layout.title.text == "Turnover rate per quarter by gender"
    assert figure.layout.yaxis.ticksuffix == "%"
    assert "%{y:,.1f}%" in figure.data[0].hovertemplate


def test_empty_breakdown_says_so() -> None:
    rows = pd.DataFrame(columns=["period", "period_start", "category", "category_label", "value"])
    figure = breakdown_figure(rows, indicator("new_hires"), dimension_label="Gender", mode="stacked", source="src")
    assert len(figure.data) == 0
    assert figure.layout.title.subtitle.text == "number, no data"
    assert [a.text for a in figure.layout.annotations] == ["src", "No data to show"]


# ---- small multiples ---------------------------------------------------------------------------------------------


def panel_rows(names: list[str]) -> pd.DataFrame:
    rows = []
    for position, name in enumerate(names):
        for year, quarter in ((2024, 1), (2024, 2), (2024, 3)):
            rows.append(
                {
                    "partnership": name,
                    "period": f"{year} Q{quarter}",
                    "period_start": Quarter(year, quarter).start,
                    "value": 100 * (position + 1) + quarter,
                }
            )
    return pd.DataFrame(rows)


def test_small_multiples_give_each_partnership_a_panel_on_one_scale() -> None:
    names = ["Gamma Green", "Alpha Schools", "Beta Jobs"]
    figure = small_multiples_figure(panel_rows(names), indicator("new_hires"), source="src")
    assert figure.layout.title.text == "New hires: each partnership over time"
    assert figure.layout.title.subtitle.text == "number, 2024 Q1 – 2024 Q3"
    assert [trace.name for trace in figure.data] == ["Alpha Schools", "Beta Jobs", "Gamma Green"]
    assert [trace.line.color for trace in figure.data] == [PALETTE[0], PALETTE[1], PALETTE[2]]
    assert [trace.yaxis for trace in figure.data] == ["y", "y2", "y3"]
    y_axes = [figure.layout[f"yaxis{n}"] for n in ("", "2", "3")]
    assert len({axis.matches or axis.plotly_name.replace("axis", "") for axis in y_axes}) == 1  # one shared scale
    assert [figure.layout[f"xaxis{n}"].matches for n in ("2", "3")] == ["x", "x"]
    assert figure.layout.showlegend is False
    texts = [a.text for a in figure.layout.annotations]
    assert texts == ["src", "Alpha Schools", "Beta Jobs", "Gamma Green"]
    assert figure.layout.annotations[0].yref == "paper" and figure.layout.annotations[0].yshift < 0


def test_small_multiples_grow_by_a_row_of_panels() -> None:
    two = small_multiples_figure(panel_rows(["A", "B"]), indicator("new_hires"), source="s")
    three = small_multiples_figure(panel_rows(["A", "B", "C"]), indicator("new_hires"), source="s")
    five = small_multiples_figure(panel_rows(["A", "B", "C", "D", "E"]), indicator("new_hires"), source="s")
    assert 200 <= three.layout.height - two.layout.height <= 240
    assert five.layout.height - three.layout.height == three.layout.height - two.layout.height
    one_column = small_multiples_figure(panel_rows(["A", "B"]), indicator("new_hires"), source="s", columns=1)
    assert one_column.layout.height == three.layout.height


def test_small_multiples_use_the_colours_they_are_given() -> None:
    colours = {"A": "#111111", "B": "#222222"}
    figure = small_multiples_figure(panel_rows(["A", "B"]), indicator("new_hires"), source="s", colours=colours)
    assert [trace.line.color for trace in figure.data] == ["#111111", "#222222"]


# ---- ranking -----------------------------------------------------------------------------------------------------


def test_ranking_puts_the_largest_at_the_top_with_its_value_written_out() -> None:
    rows = pd.DataFrame({"partnership": ["Beta Jobs", "Alpha Schools", "Gamma"], "value": [830_000, 2_400_000, 95_000]})
    figure = ranking_figure(
        rows,
        value_label="Local supplier spend",
        unit="currency_usd",
        title="Local supplier spend by partnership in 2025",
        subtitle="US dollars, 2025",
        source="src",
    )
    bars = figure.data[0]
    assert list(bars.y) == ["Alpha Schools", "Beta Jobs", "Gamma"]
    assert figure.layout.yaxis.autorange == "reversed"  # first row drawn at the top
    assert list(bars.x) == [2_400_000, 830_000, 95_000]
    assert list(bars.text) == ["USD 2.4M", "USD 830k", "USD 95k"]
    assert bars.orientation == "h"
    assert "USD %{x:,.0f}" in bars.hovertemplate and "Local supplier spend" in bars.hovertemplate
    assert list(bars.marker.color) == list(PALETTE[:3])  # without colours: the palette in the order of the names
    assert figure.layout.title.text == "Local supplier spend by partnership in 2025"
    assert figure.layout.title.subtitle.text == "US dollars, 2025"
    assert figure.layout.annotations[0].text == "src"
    assert figure.layout.showlegend is False


def test_ranking_of_percentages_and_partnership_colours() -> None:
    rows = pd.DataFrame({"partnership": ["A", "B"], "value": [12.0, 60.25]})
    figure = ranking_figure(
        rows, value_label="Women", unit="percent", title="t", subtitle="%", source="s", colours={"A": "#123456"}
    )
    assert list(figure.data[0].y) == ["B", "A"]
    assert list(figure.data[0].text) == ["60.2%", "12.0%"]
    assert list(figure.data[0].marker.color) == [PALETTE[1], "#123456"]


# ---- goal progress -----------------------------------------------------------------------------------------------

POINTS = pd.DataFrame({"year": [2021, 2022, 2023], "value": [32.0, 34.0, 35.0]})


def goal(points: pd.DataFrame = POINTS, **changes: object) -> go.Figure:
    arguments: dict[str, object] = {
        "indicator": indicator("women_share_management"),
        "base_year": 2021,
        "base_value": 32.0,
        "target_year": 2030,
        "target_value": 50.0,
        "current_year": 2023,
        "current_value": 35.0,
        "projection": 43.6,
        "status": "limited_progress",
        "source": "src",
    }
    arguments.update(changes)
    fields: dict[str, Any] = {field: arguments.pop(field) for field in GoalPath.__dataclass_fields__}
    return goal_progress_figure(points, path=GoalPath(**fields), **arguments)  # type: ignore[arg-type]


def test_goal_figure_shows_the_path_the_projection_and_the_target() -> None:
    figure = goal()
    assert figure.layout.title.text.replace("<br>", " ") == "Women in management: progress toward the 2030 target"
    assert figure.layout.title.subtitle.text == "%, 2021 – 2030; status: Limited progress"
    names = [trace.name for trace in figure.data]
    assert names[:2] == ["Annual value", "Required path"]
    assert names[2].startswith("Projection") and "limited progress" in names[2]
    observed, path, projection, target = figure.data
    assert list(observed.x) == [2021, 2022, 2023]
    assert observed.line.color == DATASET_INFO["diversity"].colour
    assert (list(path.x), list(path.y)) == ([2021, 2030], [32.0, 50.0])
    assert path.line.dash == "dash"
    assert (list(projection.x), list(projection.y)) == ([2023, 2030], [35.0, 43.6])
    assert projection.line.dash == "dot" and projection.line.color == STATUS_COLOURS["limited_progress"]
    assert target.marker.symbol == "star" and (list(target.x), list(target.y)) == ([2030], [50.0])
    texts = [a.text for a in figure.layout.annotations]
    assert texts == ["src", "Target 50.0% in 2030", "Projected 43.6%"]
    assert figure.layout.annotations[1].yanchor == "bottom" and figure.layout.annotations[2].yanchor == "top"
    assert figure.layout.yaxis.ticksuffix == "%"


def test_goal_figure_without_a_projection_or_points() -> None:
    figure = goal(pd.DataFrame({"year": [], "value": []}), current_year=None, current_value=None, projection=None)
    assert [trace.name for trace in figure.data] == ["Required path", "Target"]
    assert [a.text for a in figure.layout.annotations] == ["src", "Target 50.0% in 2030"]
    assert figure.layout.showlegend is True  # the dashed line still says what it is
    no_projection = goal(projection=None, status="not_available")
    assert [trace.name for trace in no_projection.data] == ["Annual value", "Required path", "Target"]
    assert no_projection.layout.title.subtitle.text.endswith("status: Not available")


def test_a_falling_target_is_labelled_below_its_star() -> None:
    figure = goal(
        indicator=indicator("recordable_injuries"),
        base_value=40,
        target_value=10,
        current_year=None,
        current_value=None,
        projection=None,
    )
    assert figure.layout.annotations[1].text == "Target 10 in 2030"
    assert figure.layout.annotations[1].yanchor == "top"


# ---- status summary ----------------------------------------------------------------------------------------------


def test_status_summary_lists_every_status_in_order_with_its_count() -> None:
    counts = {"deterioration": 1, "target_achieved": 2, "substantial_progress": 5, "limited_progress": 4}
    figure = status_summary_figure(counts, title="Where the 12 goals stand", source="src")
    bars = figure.data[0]
    assert list(bars.y) == [STATUS_LABELS[status] for status in STATUSES]
    assert list(bars.y)[0] == "Target achieved" and list(bars.y)[-1] == "Not available"
    assert figure.layout.yaxis.autorange == "reversed"
    assert list(bars.x) == [2, 5, 0, 4, 1, 0]
    assert list(bars.text) == ["2", "5", "0", "4", "1", "0"]
    assert list(bars.marker.color) == [STATUS_COLOURS[status] for status in STATUSES]
    assert figure.layout.xaxis.title.text == "goals"
    assert figure.layout.title.text == "Where the 12 goals stand"
    assert figure.layout.title.subtitle.text == "number of goals"
    assert figure.layout.annotations[0].text == "src"
    assert figure.layout.showlegend is False


def test_names_from_data_never_become_hover_placeholders() -> None:
    from dashboard.analytics.metrics import quarterly_trend as trend_of

    partnerships = PARTNERSHIPS.assign(name=["%{y} <b>Alpha</b>", "Beta Jobs"])
    figure = trend_figure(trend_of(WORKFORCE, "workforce_headcount", partnerships), indicator("workforce_headcount"),
                          source="s")  # fmt: skip
    assert all("Alpha" not in trace.hovertemplate for trace in figure.data)
    assert figure.data[0].hovertemplate.startswith("%{fullData.name}")


def test_legends_and_source_lines_fit_a_phone() -> None:
    """A legend of long names takes one column (two would overlap on a 390 px phone), of short names two; the source
    line wraps before about 56 characters, which is what a phone-wide chart holds."""
    from dashboard.present.chart_style import base_layout, text_lines

    source = "Source: 7 partnerships, partnership data · synthetic sample data · last updated 27 November 2026"
    long_names = base_layout("Title", "sub", source, legend_items=4, legend_longest=len("AT&T × Imago Foundation"))
    short_names = base_layout("Title", "sub", source, legend_items=4, legend_longest=len("Women"))
    assert long_names["legend"]["entrywidth"] == 1 and short_names["legend"]["entrywidth"] == 0.5
    assert long_names["margin"]["b"] - short_names["margin"]["b"] == 2 * 21  # four rows instead of two
    assert all(len(line) <= 56 for line in text_lines(source, 56))
    assert long_names["annotations"][0]["text"].count("<br>") == len(text_lines(source, 56)) - 1 >= 1


def test_small_multiples_panel_titles_wrap_to_stay_apart_on_a_phone() -> None:
    names = ["Coastal Livelihoods Philippines", "AT&T × Imago Foundation"]
    figure = small_multiples_figure(panel_rows(names), indicator("new_hires"), source="src")
    titles = [a.text for a in figure.layout.annotations if a.text != "src"]
    assert len(titles) == 2
    assert all(len(line) <= 20 for title in titles for line in title.split("<br>")), titles
    assert {title.replace("<br>", " ") for title in titles} == {plotly_literal(name) for name in names}
