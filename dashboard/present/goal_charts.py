"""Figures of goals: one goal's path from its baseline toward its target, and the goals counted by progress status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.goals import GoalPath
from dashboard.analytics.progress import STATUS_COLOURS, STATUS_LABELS, STATUSES
from dashboard.present.chart_style import (
    AXIS_TITLE,
    BAR_PITCH,
    GRID,
    TICKS,
    base_layout,
    figure_layout,
    hover_format,
    label_margin,
    longest_name,
    value_axis,
)
from dashboard.present.narrative_texts import NOTE_CHARACTERS, shortened
from dashboard.present.text_safety import plotly_literal
from data_contracts import DATASET_INFO, Indicator
from data_contracts.quarters import Quarter
from data_contracts.units import UNITS, format_value

GOAL_PATH_GREY = "#7F7F7F"


def _point_label(x: float, y: float | None, text: str, *, above: bool) -> dict[str, object]:
    """A label just left of a point, above or below it, on a white box so lines running into it never strike
    through the text."""
    return {
        "x": x,
        "y": y,
        "text": text,
        "showarrow": False,
        "xanchor": "right",
        "xshift": -8,
        "yanchor": "bottom" if above else "top",
        "yshift": 8 if above else -8,
        "bgcolor": "rgba(255, 255, 255, 0.85)",
        "font": {"size": 12, "color": "#333333"},
    }


def goal_progress_figure(
    points: pd.DataFrame,
    *,
    indicator: Indicator,
    path: GoalPath,
    status: str,
    source: str,
    name: str | None = None,
    notes: Sequence[tuple[Quarter, str]] = (),
) -> go.Figure:
    """Where a goal stands: the annual values, the straight path from the base to the target, the projection at the
    current pace (in the status colour) and the target as a labelled star.

    ``points`` has the columns year and value (annual values, may be empty). Without a current value or a projection
    there is no projection line. ``name`` is the goal's name (``goal_texts.goal_name``: with its breakdown category,
    ``New hires — Women``); without it the title names the indicator alone, as a goal on the total does.
    ``notes``: the goal's explanations (quarter, text), each drawn as a marked line on the quarter it explains
    (a year's quarters run from the year's point to the next) with its quarter and the start of its text; the whole
    text is in its hover.
    """
    unit = indicator.unit
    hover = hover_format(indicator)
    figure = go.Figure()
    if not points.empty:
        observed = points.sort_values("year")
        figure.add_trace(
            go.Scatter(
                x=observed["year"],
                y=observed["value"],
                name="Annual value",
                mode="lines+markers",
                line={"color": DATASET_INFO[indicator.dataset].colour, "width": 2.5},
                marker={"size": 7},
                hovertemplate=f"Annual value: {hover}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[path.base_year, path.target_year],
            y=[path.base_value, path.target_value],
            name="Required path",
            mode="lines",
            line={"color": GOAL_PATH_GREY, "width": 2, "dash": "dash"},
            hovertemplate=f"Required path: {hover}<extra></extra>",
        )
    )
    projecting = path.current_year is not None and path.current_value is not None and path.projection is not None
    # the target's label sits on the side away from the path coming into it, or opposite the projection's label
    target_above = path.target_value >= (
        path.projection if projecting and path.projection is not None else path.base_value
    )
    if projecting:
        figure.add_trace(
            go.Scatter(
                x=[path.current_year, path.target_year],
                y=[path.current_value, path.projection],
                name=f"Projection at the current pace ({STATUS_LABELS[status].lower()})",
                mode="lines+markers",
                line={"color": STATUS_COLOURS[status], "width": 2.5, "dash": "dot"},
                marker={"size": [0, 9], "symbol": "circle-open", "line": {"width": 2}},
                cliponaxis=False,
                hovertemplate=f"Projection: {hover}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[path.target_year],
            y=[path.target_value],
            name="Target",
            mode="markers",
            marker={"symbol": "star", "size": 16, "color": "#333333"},
            cliponaxis=False,
            showlegend=False,
            hovertemplate=f"Target: {hover}<extra></extra>",
        )
    )
    years = [path.base_year, path.target_year, *(int(year) for year in points["year"])] if not points.empty else []
    first = min(years or [path.base_year, path.target_year])
    title = f"{name or indicator.short_name}: progress toward the {path.target_year} target"
    sub = f"{UNITS[unit].subtitle}, {path.base_year} – {path.target_year}; status: {STATUS_LABELS[status]}"
    legend_items = sum(1 for trace in figure.data if trace.showlegend is not False)
    # even the required path alone needs its name: keep a legend row for a single item
    figure.update_layout(
        **base_layout(title, sub, source, legend_items=max(2, legend_items), legend_longest=longest_name(figure))
    )
    figure.update_layout(legend_traceorder="normal")
    target_text = f"Target {format_value(path.target_value, unit, compact=True)} in {path.target_year}"
    figure.add_annotation(**_point_label(path.target_year, path.target_value, target_text, above=target_above))
    if projecting:
        projected_text = f"Projected {format_value(path.projection, unit, compact=True)}"
        figure.add_annotation(**_point_label(path.target_year, path.projection, projected_text, above=not target_above))
    figure.update_yaxes(**value_axis(unit))
    figure.update_xaxes(
        showgrid=False,
        tickformat="d",
        hoverformat="d",
        dtick=1 if path.target_year - first <= 12 else None,
        range=[first - 0.5, path.target_year + 0.5],
    )
    for row, (quarter, text) in enumerate(notes):
        add_explanation_note(figure, quarter, text, row=row % NOTE_ROWS)
    return figure


def quarter_position(quarter: Quarter) -> float:
    """Where a quarter sits on a goal chart's axis of years: a year's point, then its quarters a quarter apart."""
    return quarter.year + (quarter.quarter - 1) / 4


NOTE_ROW = 0.09
NOTE_ROWS = 4
"""Labels stacked before the next one starts at the top again."""
"""Height of one explanation's label, as a share of the plot: several notes stack downwards from its top."""


def add_explanation_note(figure: go.Figure, quarter: Quarter, text: str, *, row: int = 0) -> None:
    """An explanation drawn on the quarter it explains: a dotted vertical line and, inside the plot's top (``row``
    labels down), the quarter and the start of the text, on the side of the line with more room (shown literally;
    the whole text in the hover)."""
    x = quarter_position(quarter)
    span = figure.layout.xaxis.range
    right_half = span is not None and x > (span[0] + span[1]) / 2
    figure.add_shape(
        type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": "#555555", "width": 1, "dash": "dot"}
    )
    figure.add_annotation(
        x=x,
        y=1 - NOTE_ROW * row,
        yref="paper",
        yanchor="top",
        xanchor="right" if right_half else "left",
        text=plotly_literal(f"{quarter.label}: {shortened(text, NOTE_CHARACTERS)}"),
        hovertext=plotly_literal(f"Why, {quarter.label}: {' '.join(text.split())}"),
        showarrow=False,
        bgcolor="rgba(255, 255, 255, 0.85)",
        font={"size": 11, "color": "#333333"},
    )


def figure_with_notes(figure: go.Figure, notes: Sequence[tuple[Quarter, str]]) -> go.Figure:
    """A copy of a goal's figure with its explanations drawn (:func:`add_explanation_note`); the figure itself (drawn
    once and shared) is left as it is."""
    if not notes:
        return figure
    copy = go.Figure(figure)
    for row, (quarter, text) in enumerate(notes):
        add_explanation_note(copy, quarter, text, row=row % NOTE_ROWS)
    return copy


def status_summary_figure(counts: Mapping[str, int], *, title: str, source: str) -> go.Figure:
    """How many goals are in each progress status: one bar per status, best first, label and count beside it."""
    labels = [STATUS_LABELS[status] for status in STATUSES]
    values = [int(counts.get(status, 0)) for status in STATUSES]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": [STATUS_COLOURS[status] for status in STATUSES], "line": {"width": 0}},
            text=[f"{value:,}" for value in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,} goals<extra></extra>",
            name="goals",
        )
    )
    most = max(values, default=0)
    layout = figure_layout(
        title,
        "number of goals",
        source,
        plot_height=BAR_PITCH * len(STATUSES),
        left=label_margin(labels),
        ticks=TICKS + AXIS_TITLE,
    )
    figure.update_layout(**{**layout, "hovermode": "closest"}, bargap=0.3)
    figure.update_xaxes(
        title={"text": "goals", "standoff": 4},
        range=[0, max(most, 1) * 1.1 + 0.4],
        tickformat=",d",
        dtick=1 if most <= 10 else None,
        showgrid=True,
        gridcolor=GRID,
        zeroline=True,
        zerolinecolor="#bbbbbb",
    )
    figure.update_yaxes(autorange="reversed", ticks="", ticklabelstandoff=6)
    return figure
