"""Pure Plotly figure builders: titles that say what is shown, unit and period in the subtitle, a source line,
colour-blind-safe colours. Nothing imports streamlit.

Every text a builder takes (names of partnerships and categories, titles, subtitles, source lines, value labels) is
plain text: the builders make it literal with :func:`dashboard.present.text_safety.plotly_literal`, so a name such as
``<b>Acme</b> & Co`` is drawn as typed and never read as markup or a hover placeholder. Callers pass raw text and
must not escape it themselves.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.analytics.trend_distribution import TrendDistribution
from dashboard.present.chart_style import (
    BAR_PITCH,
    PALETTE,
    UNDISCLOSED,
    base_layout,
    category_colours,
    chart_colours,
    figure_layout,
    hover_format,
    indicator_title,
    label_margin,
    longest_name,
    mark_empty,
    plotly_lines,
    quarter_axis,
    sorted_periods,
    subtitle,
    text_lines,
    value_axis,
    value_format,
)
from dashboard.present.text_safety import plotly_literal
from data_contracts import Indicator
from data_contracts.units import UNITS, format_value


def _by_name(names: list[str]) -> dict[str, str]:
    """Palette colours in the order of the names: only for figures drawn without ``colours`` (pages always pass the
    partnerships' own colours, :func:`dashboard.present.chart_style.named_colours`)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(names))}


def trend_figure(
    trend: pd.DataFrame,
    indicator: Indicator,
    *,
    source: str,
    colours: dict[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """One line per partnership over quarters (``trend`` as returned by ``metrics.quarterly_trend``); ``colours``
    maps the partnership names drawn to their colours (``chart_style.named_colours``); ``title`` replaces the
    default :func:`indicator_title`."""
    periods = sorted_periods(trend["period"]) if not trend.empty else []
    figure = go.Figure()
    colours = colours or _by_name([str(name) for name in trend["partnership"].unique()])
    for name, rows in trend.groupby("partnership", sort=True):
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["value"],
                name=plotly_literal(name),
                mode="lines+markers",
                line={"color": colours.get(str(name)), "width": 2},
                marker={"size": 5},
                customdata=rows["period"],
                hovertemplate=f"%{{fullData.name}}: {hover_format(indicator)}<extra></extra>",
            )
        )
    figure.update_layout(
        **base_layout(
            title or indicator_title(indicator),
            subtitle(indicator, periods),
            source,
            legend_items=len(figure.data),
            legend_longest=longest_name(figure),
        )
    )
    figure.update_yaxes(**value_axis(indicator.unit))
    figure.update_xaxes(**quarter_axis())
    return figure


SPREAD_BAND = "rgba(0, 0, 0, 0.12)"
SPREAD_MEDIAN = "#000000"
"""The middle half of partnerships as a light grey band, the median as a black line (neither is a palette colour);
the named partnerships are drawn in their own colours."""


def spread_figure(
    distribution: TrendDistribution,
    indicator: Indicator,
    *,
    source: str,
    title: str | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """A trend of many partnerships (see :mod:`dashboard.analytics.trend_distribution`): the band of the middle half of
    partnerships each period, their median line, and the largest partnerships in the latest period as lines of
    their own, each in its own colour (``colours``: partnership id to own colour, ``chart_style.partnership_colours``;
    ``chart_style.chart_colours`` greys one whose colour another named partnership took)."""
    bands = distribution.bands
    figure = go.Figure()
    many = f"{distribution.partnerships:,} partnerships"
    edges = (  # the band's upper edge (no legend entry), then its lower edge filled up to it
        ("p75", "75th percentile", {"showlegend": False}),
        ("p25", f"Middle half of {many} (25th–75th percentile)", {"fill": "tonexty", "fillcolor": SPREAD_BAND}),
    )
    for column, name, extra in edges:
        label = "75th" if column == "p75" else "25th"
        figure.add_trace(
            go.Scatter(
                x=bands["period_start"],
                y=bands[column],
                name=name,
                mode="lines",
                line={"width": 0, "color": SPREAD_BAND},
                legendrank=2,
                hovertemplate=f"{label} percentile: {hover_format(indicator)}<extra></extra>",
                **extra,
            )
        )
    figure.add_trace(
        go.Scatter(
            x=bands["period_start"],
            y=bands["median"],
            name=f"Median of {many}",
            mode="lines+markers",
            line={"color": SPREAD_MEDIAN, "width": 3},
            marker={"size": 6},
            legendrank=1,
            customdata=bands["partnerships"],
            hovertemplate=f"Median: {hover_format(indicator)} (%{{customdata:,}} reporting)<extra></extra>",
        )
    )
    named = distribution.named
    ids = [pid for pid, _ in distribution.named_order]
    own = colours or {pid: PALETTE[rank % len(PALETTE)] for rank, pid in enumerate(ids)}
    drawn = chart_colours(ids, own)
    for rank, (partnership_id, name) in enumerate(distribution.named_order):
        rows = named[named["partnership_id"].astype(str) == partnership_id].sort_values("period_start")
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["value"],
                name=plotly_literal(name),
                mode="lines",
                line={"color": drawn[partnership_id], "width": 1.5},
                legendrank=10 + rank,
                hovertemplate=f"%{{fullData.name}}: {hover_format(indicator)}<extra></extra>",
            )
        )
    periods = [str(p) for p in bands["period"]]
    legend_items = 2 + len(distribution.named_order)
    figure.update_layout(
        **base_layout(
            title or indicator_title(indicator),
            subtitle(indicator, periods),
            source,
            legend_items=legend_items,
            legend_longest=longest_name(figure),
        )
    )
    figure.update_layout(legend_traceorder="normal")  # a filled band would otherwise reverse the legend
    if distribution.named_order:
        figure.add_annotation(
            text=plotly_literal(f"Named: the {len(distribution.named_order)} largest in {distribution.ranked_in}"),
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#555555"},
        )
    figure.update_yaxes(**value_axis(indicator.unit))
    figure.update_xaxes(**quarter_axis())
    if bands.empty:
        mark_empty(figure)
    return figure


# ---- breakdowns, small multiples, rankings, goals ------------------------------------------------------------


_PANEL_TITLE = 40
_PANEL_TITLE_CHARACTERS = 20
_PANEL_HEIGHT = 160
_PANEL_TICKS = 36
"""Small multiples, in pixels: the panel title above a panel (two lines: names wrap at 20 characters, so two panels
side by side on a phone keep their titles apart), the panel, and its tick labels (about 235 px a row)."""

_LABEL_CHARACTERS = 28


def breakdown_title(indicator: Indicator, dimension_label: str) -> str:
    """``"New hires per quarter by gender"``: what a breakdown chart shows."""
    return f"{indicator_title(indicator)} by {dimension_label.lower()}"


def breakdown_figure(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    dimension_label: str,
    mode: Literal["stacked", "grouped"],
    source: str,
    colours: dict[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Bars per quarter, one series per category of a breakdown (gender, age band, …).

    ``rows`` has the columns period, period_start, category (code), category_label and value; categories keep the
    order in which they first appear. Percentages and ratios do not add up, so they are grouped even when ``mode``
    asks for stacked bars. ``colours`` maps category codes to colours (default: the palette in order); the
    ``undisclosed`` category is always grey. ``title`` replaces the default :func:`breakdown_title`.
    """
    stacked = mode == "stacked" and UNITS[indicator.unit].adds_up
    codes = [str(code) for code in pd.unique(rows["category"])] if not rows.empty else []
    palette = category_colours(codes)
    if colours:
        palette.update({code: colour for code, colour in colours.items() if code != UNDISCLOSED})
    figure = go.Figure()
    for code in codes:
        part = rows[rows["category"] == code].sort_values("period_start")
        label = str(part["category_label"].iloc[0])
        figure.add_trace(
            go.Bar(
                x=part["period_start"],
                y=part["value"],
                name=plotly_literal(label),
                marker={"color": palette[code], "line": {"width": 0}},
                customdata=part["period"],
                hovertemplate=f"%{{fullData.name}}: {hover_format(indicator)}<extra></extra>",
            )
        )
    periods = sorted_periods(rows["period"]) if not rows.empty else []
    title = title or breakdown_title(indicator, dimension_label)
    figure.update_layout(
        **base_layout(
            title,
            subtitle(indicator, periods),
            source,
            legend_items=len(figure.data),
            legend_longest=longest_name(figure),
        ),
        barmode="stack" if stacked else "group",
        bargap=0.25,
        bargroupgap=0.05,
    )
    figure.update_layout(legend_traceorder="normal")
    figure.update_yaxes(**value_axis(indicator.unit))
    figure.update_xaxes(**quarter_axis())
    return figure if codes else mark_empty(figure)


def small_multiples_figure(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    source: str,
    colours: dict[str, str] | None = None,
    columns: int = 2,
) -> go.Figure:
    """One small line chart per partnership, all on the same value scale so the panels compare.

    ``rows`` has the columns partnership (name), period_start, period and value; panels follow the names in
    alphabetical order, each line in its partnership's colour (``colours``: name to colour,
    ``chart_style.named_colours``), titled with its name (no legend). The figure grows by
    about 220 px per row of panels; every distance is in pixels, so titles and ticks never collide.
    """
    names = sorted(str(name) for name in rows["partnership"].unique()) if not rows.empty else []
    fallback = _by_name(names)
    colours = colours or fallback
    columns = max(1, min(columns, len(names) or 1))
    panel_rows = max(1, math.ceil(len(names) / columns))
    plot_height = panel_rows * (_PANEL_TITLE + _PANEL_HEIGHT) + (panel_rows - 1) * _PANEL_TICKS
    figure = make_subplots(rows=panel_rows, cols=columns, shared_yaxes="all", horizontal_spacing=0.06)
    titles = []
    for position in range(panel_rows * columns):
        row, col = position // columns + 1, position % columns + 1
        top = 1 - ((row - 1) * (_PANEL_TITLE + _PANEL_HEIGHT + _PANEL_TICKS) + _PANEL_TITLE) / plot_height
        figure.update_yaxes(domain=[max(0.0, top - _PANEL_HEIGHT / plot_height), top], row=row, col=col)
        if position >= len(names):
            figure.update_xaxes(visible=False, row=row, col=col)
            figure.update_yaxes(visible=False, row=row, col=col)
            continue
        name = names[position]
        part = rows[rows["partnership"] == name].sort_values("period_start")
        figure.add_trace(
            go.Scatter(
                x=part["period_start"],
                y=part["value"],
                name=plotly_literal(name),
                mode="lines+markers",
                line={"color": colours.get(name, fallback[name]), "width": 2},
                marker={"size": 5},
                customdata=part["period"],
                hovertemplate=f"%{{fullData.name}}: {hover_format(indicator)}<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=col,
        )
        titles.append(
            {
                "text": plotly_lines(name, _PANEL_TITLE_CHARACTERS),
                "xref": "paper",
                "yref": "paper",
                "x": figure.get_subplot(row, col).xaxis.domain[0],
                "y": top,
                "xanchor": "left",
                "yanchor": "bottom",
                "yshift": 4,
                "showarrow": False,
                "font": {"size": 13, "color": "#333333"},
                "align": "left",
            }
        )
    periods = sorted_periods(rows["period"]) if not rows.empty else []
    layout = figure_layout(
        f"{indicator.short_name}: each partnership over time",
        subtitle(indicator, periods),
        source,
        plot_height=plot_height,
    )
    figure.update_layout(**layout)
    figure.layout.annotations = [*layout["annotations"], *titles]  # source line first, then the panel titles
    figure.update_yaxes(**value_axis(indicator.unit))
    figure.update_xaxes(**quarter_axis())
    figure.for_each_xaxis(lambda axis: axis.update(matches="x") if axis.plotly_name != "xaxis" else None)
    return figure if names else mark_empty(figure)


def ranking_figure(
    rows: pd.DataFrame,
    *,
    value_label: str,
    unit: str,
    title: str,
    subtitle: str,
    source: str,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Partnerships ranked by one value: horizontal bars, the largest at the top, the value written at each bar end.

    ``rows`` has the columns partnership and value; ``unit`` is a catalog unit (count, percent, hours, currency_usd,
    ratio) and ``value_label`` names the value in the hover text; ``colours`` maps the names to their colours
    (``chart_style.named_colours``).
    """
    ranked = rows.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable")
    names = [str(name) for name in ranked["partnership"]]
    values = [float(value) for value in ranked["value"]]
    fallback = _by_name(names)
    colours = colours or {}
    categories = [plotly_literal(name) for name in names]  # the y values, which hover shows as %{y}
    labels = [plotly_lines(name, _LABEL_CHARACTERS) for name in names]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=categories,
            orientation="h",
            marker={"color": [colours.get(name, fallback[name]) for name in names], "line": {"width": 0}},
            text=[format_value(value, unit, compact=True) for value in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}<br>{plotly_literal(value_label)}: {value_format(unit, 'x')}<extra></extra>",
            name=plotly_literal(value_label),
        )
    )
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    pitch = max(BAR_PITCH, 14 * lines + 10)
    margin = label_margin([line for name in names for line in text_lines(name, _LABEL_CHARACTERS)])
    layout = figure_layout(title, subtitle, source, plot_height=max(160, pitch * len(names)), left=margin, ticks=12)
    figure.update_layout(**{**layout, "hovermode": "closest"}, bargap=0.3)
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    figure.update_xaxes(
        range=[low - (0.25 * span if low < 0 else 0), high + 0.25 * span],
        showticklabels=False,
        showgrid=False,
        zeroline=True,
        zerolinecolor="#bbbbbb",
    )
    figure.update_yaxes(
        autorange="reversed", tickmode="array", tickvals=categories, ticktext=labels, ticks="", ticklabelstandoff=6
    )
    return figure if names else mark_empty(figure)
