"""Pure Plotly figure builders: titles that say what is shown, unit and period in the subtitle, a source line,
colour-blind-safe colours. Nothing imports streamlit.

Every text a builder takes (names of partnerships and categories, titles, subtitles, source lines, value labels) is
plain text: the builders make it literal with :func:`dashboard.present.text_safety.plotly_literal`, so a name such as
``<b>Acme</b> & Co`` is drawn as typed and never read as markup or a hover placeholder. Callers pass raw text and
must not escape it themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.analytics.metrics import format_value
from dashboard.analytics.progress import STATUS_COLOURS, STATUS_LABELS, STATUSES
from dashboard.analytics.trend_distribution import TrendDistribution
from dashboard.present.text_safety import plotly_literal
from data_contracts import DATASET_INFO, Indicator

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)
"""Okabe–Ito colour-blind-safe palette (blue first); the same list is set in .streamlit/config.toml."""

PLOTLY_CONFIG: dict[str, object] = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
"""Plotly toolbar: keeps "download as PNG" (twice the screen resolution), drops the logo."""

UNIT_SUBTITLES = {"count": "number", "percent": "%", "hours": "hours", "currency_usd": "US dollars", "ratio": "ratio"}
_FONT = "Source Sans Pro, Arial, sans-serif"


def colour_map(keys: Sequence[str]) -> dict[str, str]:
    """A stable colour for each key (partnership names sorted), cycling the Okabe–Ito palette."""
    return {key: OKABE_ITO[i % len(OKABE_ITO)] for i, key in enumerate(sorted(keys))}


def indicator_title(indicator: Indicator) -> str:
    """A plain sentence saying what a quarterly chart of the indicator shows."""
    if indicator.year_rule == "last":
        return f"{indicator.short_name} at quarter end"
    if indicator.unit in ("percent", "ratio") or indicator.year_rule == "recompute":
        return f"{indicator.short_name} per quarter"
    return f"{indicator.short_name} per quarter"


def subtitle(indicator: Indicator, periods: Sequence[str]) -> str:
    unit = UNIT_SUBTITLES[indicator.unit]
    span = f"{periods[0]} – {periods[-1]}" if periods else "no data"
    return f"{unit}, {span}"


def _unit_axis_format(unit: str) -> dict[str, object]:
    """Tick format of a value axis: thousands separators, % suffix, USD with k/M."""
    if unit == "percent":
        return {"ticksuffix": "%", "tickformat": ",.0f", "rangemode": "tozero"}
    if unit == "currency_usd":
        return {"tickprefix": "$", "tickformat": "~s", "rangemode": "tozero"}
    if unit == "ratio":
        return {"tickformat": ",.2f", "rangemode": "tozero"}
    return {"tickformat": ",~s" if unit != "count" else ",", "rangemode": "tozero"}


def _value_format(unit: str, axis: str = "y") -> str:
    """Hover text of a full value on ``axis`` ("x" or "y"): thousands separators, one decimal for %, whole USD."""
    return {
        "percent": f"%{{{axis}:,.1f}}%",
        "currency_usd": f"USD %{{{axis}:,.0f}}",
        "ratio": f"%{{{axis}:,.2f}}",
        "hours": f"%{{{axis}:,.0f}} h",
    }.get(unit, f"%{{{axis}:,}}")


def _hover_format(indicator: Indicator) -> str:
    return _value_format(indicator.unit, "y")


def _period_key(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[-1])


def _sorted_periods(periods: pd.Series) -> list[str]:
    """Distinct "2024 Q1" labels, oldest first."""
    return sorted((str(p) for p in periods.dropna().unique()), key=_period_key)


CHART_HEIGHT = 440
"""Figure height in pixels; margins are set in pixels too, so legend and source line never overlap."""

_TOP_MARGIN = 78
_TICKS = 34
_LEGEND_ROW = 21
_SOURCE = 26
_LEFT = 64
_AXIS_TITLE = 20
_PLOT_HEIGHT = CHART_HEIGHT - _TOP_MARGIN - _TICKS - _SOURCE
"""Height of the plot area of a standard figure (the legend adds to the figure, not takes from the plot)."""

_TITLE_CHARACTERS = 58
_TITLE_LINE = 22
_SOURCE_CHARACTERS = 90
_SOURCE_LINE = 14
"""Titles and source lines longer than this many characters wrap, so they stay whole in a ~550 px wide column; each
extra line adds its height (px) to the top or bottom margin."""


def _lines(text: str, width: int) -> list[str]:
    """A plain text broken into lines of about ``width`` characters at spaces; a separator such as "·" stays at the
    end of its line, never starts the next."""
    if len(text) <= width:
        return [text]
    lines: list[str] = []
    for word in text.split(" "):
        if lines and (len(lines[-1]) + 1 + len(word) <= width or word in ("·", "–", "-")):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _wrap(text: str, width: int) -> str:
    """A plain text as Plotly text: each line made literal (:func:`plotly_literal`), lines joined by ``<br>``."""
    return "<br>".join(plotly_literal(line) for line in _lines(str(text), width))


def _source_annotation(source: str, *, left: int, bottom: int) -> dict[str, object]:
    """The source line, pinned in pixels to the bottom-left corner of the figure whatever its size."""
    return {
        "text": source,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "yshift": -(bottom - 6),
        "xshift": -(left - 10),
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": "#555555"},
        "align": "left",
    }


def _layout(
    title: str,
    sub: str,
    source: str,
    *,
    legend_items: int = 0,
    plot_height: int = _PLOT_HEIGHT,
    top: int = _TOP_MARGIN,
    left: int = _LEFT,
    ticks: int = _TICKS,
) -> dict[str, object]:
    """``base_layout`` with a chosen plot height, top and left margin and room for ticks (and axis title) below.

    Every distance is in pixels, so the legend (two columns, under the ticks) and the source line (last) keep their
    places at any width; ``showlegend`` is off for a single item. Long titles and source lines wrap (``<br>``).
    ``title``, ``sub`` and ``source`` are plain text, made literal here.
    """
    legend_rows = -(-legend_items // 2) if legend_items > 1 else 0
    title = _wrap(title, _TITLE_CHARACTERS)
    source = _wrap(source, _SOURCE_CHARACTERS)
    top += title.count("<br>") * _TITLE_LINE
    bottom = ticks + legend_rows * _LEGEND_ROW + _SOURCE + source.count("<br>") * _SOURCE_LINE
    return {
        "height": top + plot_height + bottom,
        "title": {
            "text": title,
            "subtitle": {"text": plotly_literal(sub)},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "font": {"size": 18},
        },
        "font": {"family": _FONT, "size": 13},
        "margin": {"l": left, "r": 16, "t": top, "b": bottom, "autoexpand": False, "pad": 0},
        "showlegend": legend_rows > 0,
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -ticks / plot_height,
            "xref": "container",
            "x": 0.01,
            "entrywidth": 0.5,
            "entrywidthmode": "fraction",
            "font": {"size": 11},
            "title": {"text": ""},
        },
        "hovermode": "x unified",
        "plot_bgcolor": "white",
        "annotations": [_source_annotation(source, left=left, bottom=bottom)],
    }


def base_layout(title: str, sub: str, source: str, *, legend_items: int = 0) -> dict[str, object]:
    """Layout shared by every figure: title with subtitle, two-column legend under the plot, source line last."""
    return _layout(title, sub, source, legend_items=legend_items)


def trend_figure(
    trend: pd.DataFrame,
    indicator: Indicator,
    *,
    source: str,
    colours: dict[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """One line per partnership over quarters (``trend`` as returned by ``metrics.quarterly_trend``); ``title``
    replaces the default :func:`indicator_title`."""
    periods = _sorted_periods(trend["period"]) if not trend.empty else []
    figure = go.Figure()
    colours = colours or colour_map(list(trend["partnership"].unique()))
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
                hovertemplate=f"%{{fullData.name}}: {_hover_format(indicator)}<extra></extra>",
            )
        )
    figure.update_layout(
        **base_layout(
            title or indicator_title(indicator), subtitle(indicator, periods), source, legend_items=len(figure.data)
        )
    )
    figure.update_yaxes(**_value_axis(indicator.unit))
    figure.update_xaxes(**_quarter_axis())
    return figure


SPREAD_BAND = "rgba(0, 114, 178, 0.18)"
SPREAD_MEDIAN = "#0072B2"
"""The middle half of partnerships as a light band of the palette's blue, the median as its full blue line; the
named partnerships take the palette's other colours in rank order."""


def spread_figure(
    distribution: TrendDistribution, indicator: Indicator, *, source: str, title: str | None = None
) -> go.Figure:
    """A trend of many partnerships (see :mod:`dashboard.analytics.trend_distribution`): the band of the middle half of
    partnerships each period, their median line, and the largest partnerships in the latest period as lines of
    their own."""
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
                hovertemplate=f"{label} percentile: {_hover_format(indicator)}<extra></extra>",
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
            hovertemplate=f"Median: {_hover_format(indicator)} (%{{customdata:,}} reporting)<extra></extra>",
        )
    )
    named = distribution.named
    for rank, (partnership_id, name) in enumerate(distribution.named_order):
        rows = named[named["partnership_id"].astype(str) == partnership_id].sort_values("period_start")
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["value"],
                name=plotly_literal(name),
                mode="lines",
                line={"color": OKABE_ITO[1 + rank % (len(OKABE_ITO) - 1)], "width": 1.5},
                legendrank=10 + rank,
                hovertemplate=f"%{{fullData.name}}: {_hover_format(indicator)}<extra></extra>",
            )
        )
    periods = [str(p) for p in bands["period"]]
    legend_items = 2 + len(distribution.named_order)
    figure.update_layout(
        **base_layout(
            title or indicator_title(indicator), subtitle(indicator, periods), source, legend_items=legend_items
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
    figure.update_yaxes(**_value_axis(indicator.unit))
    figure.update_xaxes(**_quarter_axis())
    if bands.empty:
        _mark_empty(figure)
    return figure


# ---- breakdowns, small multiples, rankings, goals ------------------------------------------------------------

UNDISCLOSED = "undisclosed"
UNDISCLOSED_GREY = "#999999"
"""Category code of people who did not disclose, and its colour: grey in every breakdown, never a palette colour."""

NON_ADDITIVE_UNITS = ("percent", "ratio")
"""Units whose parts do not add up to a whole, so their breakdowns are grouped, never stacked."""

GOAL_PATH_GREY = "#7F7F7F"
_GRID = "#e6e6e6"
_PANEL_TITLE = 28
_PANEL_HEIGHT = 160
_PANEL_TICKS = 36
"""Small multiples, in pixels: the panel title above a panel, the panel, and its tick labels (about 220 px a row)."""

_BAR_PITCH = 36
_LABEL_CHARACTERS = 28
_CHAR_WIDTH = 7


def category_colours(codes: Sequence[str]) -> dict[str, str]:
    """Okabe–Ito colours for breakdown categories in the given order; ``undisclosed`` is always grey."""
    colours: dict[str, str] = {}
    position = 0
    for code in codes:
        if code == UNDISCLOSED:
            colours[code] = UNDISCLOSED_GREY
        elif code not in colours:
            colours[code] = OKABE_ITO[position % len(OKABE_ITO)]
            position += 1
    return colours


def _value_axis(unit: str) -> dict[str, object]:
    return {
        "showgrid": True,
        "gridcolor": _GRID,
        "zeroline": True,
        "zerolinecolor": "#bbbbbb",
        **_unit_axis_format(unit),
    }


def _quarter_axis() -> dict[str, object]:
    """A time axis of quarters: one label per year, under the middle of its four quarters; quarters in hover."""
    return {
        "showgrid": False,
        "tickformat": "%Y",
        "dtick": "M12",
        "ticklabelmode": "period",
        "hoverformat": "%Y Q%q",
    }


def _mark_empty(figure: go.Figure) -> go.Figure:
    """Say so in the middle of a figure that has nothing to draw, instead of showing empty axes."""
    figure.add_annotation(
        text="No data to show",
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 14, "color": "#555555"},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _label_margin(lines: Sequence[str]) -> int:
    """Left margin wide enough for the longest of the (plain text) lines of the axis labels."""
    longest = max((len(line) for line in lines), default=0)
    return max(_LEFT, min(220, _CHAR_WIDTH * longest + 20))


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
    asks for stacked bars. ``colours`` maps category codes to colours (default: Okabe–Ito in order); the
    ``undisclosed`` category is always grey. ``title`` replaces the default :func:`breakdown_title`.
    """
    stacked = mode == "stacked" and indicator.unit not in NON_ADDITIVE_UNITS
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
                hovertemplate=f"%{{fullData.name}}: {_hover_format(indicator)}<extra></extra>",
            )
        )
    periods = _sorted_periods(rows["period"]) if not rows.empty else []
    title = title or breakdown_title(indicator, dimension_label)
    figure.update_layout(
        **base_layout(title, subtitle(indicator, periods), source, legend_items=len(figure.data)),
        barmode="stack" if stacked else "group",
        bargap=0.25,
        bargroupgap=0.05,
    )
    figure.update_layout(legend_traceorder="normal")
    figure.update_yaxes(**_value_axis(indicator.unit))
    figure.update_xaxes(**_quarter_axis())
    return figure if codes else _mark_empty(figure)


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
    alphabetical order, each line in its partnership's colour, titled with its name (no legend). The figure grows by
    about 220 px per row of panels; every distance is in pixels, so titles and ticks never collide.
    """
    names = sorted(str(name) for name in rows["partnership"].unique()) if not rows.empty else []
    fallback = colour_map(names)
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
                hovertemplate=f"%{{fullData.name}}: {_hover_format(indicator)}<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=col,
        )
        titles.append(
            {
                "text": plotly_literal(name),
                "xref": "paper",
                "yref": "paper",
                "x": figure.get_subplot(row, col).xaxis.domain[0],
                "y": top,
                "xanchor": "left",
                "yanchor": "bottom",
                "yshift": 4,
                "showarrow": False,
                "font": {"size": 14, "color": "#333333"},
            }
        )
    periods = _sorted_periods(rows["period"]) if not rows.empty else []
    layout = _layout(
        f"{indicator.short_name}: each partnership over time",
        subtitle(indicator, periods),
        source,
        plot_height=plot_height,
    )
    figure.update_layout(**layout)
    figure.layout.annotations = [*layout["annotations"], *titles]  # source line first, then the panel titles
    figure.update_yaxes(**_value_axis(indicator.unit))
    figure.update_xaxes(**_quarter_axis())
    figure.for_each_xaxis(lambda axis: axis.update(matches="x") if axis.plotly_name != "xaxis" else None)
    return figure if names else _mark_empty(figure)


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
    ratio) and ``value_label`` names the value in the hover text.
    """
    ranked = rows.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable")
    names = [str(name) for name in ranked["partnership"]]
    values = [float(value) for value in ranked["value"]]
    fallback = colour_map(names)
    colours = colours or {}
    categories = [plotly_literal(name) for name in names]  # the y values, which hover shows as %{y}
    labels = [_wrap(name, _LABEL_CHARACTERS) for name in names]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=categories,
            orientation="h",
            marker={"color": [colours.get(name, fallback[name]) for name in names], "line": {"width": 0}},
            text=[format_value(value, unit, compact=True) for value in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}<br>{plotly_literal(value_label)}: {_value_format(unit, 'x')}<extra></extra>",
            name=plotly_literal(value_label),
        )
    )
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    pitch = max(_BAR_PITCH, 14 * lines + 10)
    margin = _label_margin([line for name in names for line in _lines(name, _LABEL_CHARACTERS)])
    layout = _layout(title, subtitle, source, plot_height=max(160, pitch * len(names)), left=margin, ticks=12)
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
    return figure if names else _mark_empty(figure)


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
    base_year: int,
    base_value: float,
    target_year: int,
    target_value: float,
    current_year: int | None,
    current_value: float | None,
    projection: float | None,
    status: str,
    source: str,
) -> go.Figure:
    """Where a goal stands: the annual values, the straight path from the base to the target, the projection at the
    current pace (in the status colour) and the target as a labelled star.

    ``points`` has the columns year and value (annual values, may be empty). Without a current value or a projection
    there is no projection line.
    """
    unit = indicator.unit
    hover = _hover_format(indicator)
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
            x=[base_year, target_year],
            y=[base_value, target_value],
            name="Required path",
            mode="lines",
            line={"color": GOAL_PATH_GREY, "width": 2, "dash": "dash"},
            hovertemplate=f"Required path: {hover}<extra></extra>",
        )
    )
    projecting = current_year is not None and current_value is not None and projection is not None
    # the target's label sits on the side away from the path coming into it, or opposite the projection's label
    target_above = target_value >= (projection if projecting else base_value)  # type: ignore[operator]
    if projecting:
        figure.add_trace(
            go.Scatter(
                x=[current_year, target_year],
                y=[current_value, projection],
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
            x=[target_year],
            y=[target_value],
            name="Target",
            mode="markers",
            marker={"symbol": "star", "size": 16, "color": "#333333"},
            cliponaxis=False,
            showlegend=False,
            hovertemplate=f"Target: {hover}<extra></extra>",
        )
    )
    years = [base_year, target_year, *(int(year) for year in points["year"])] if not points.empty else []
    first = min(years or [base_year, target_year])
    title = f"{indicator.short_name}: progress toward the {target_year} target"
    sub = f"{UNIT_SUBTITLES[unit]}, {base_year} – {target_year}; status: {STATUS_LABELS[status]}"
    legend_items = sum(1 for trace in figure.data if trace.showlegend is not False)
    # even the required path alone needs its name: keep a legend row for a single item
    figure.update_layout(**base_layout(title, sub, source, legend_items=max(2, legend_items)))
    figure.update_layout(legend_traceorder="normal")
    target_text = f"Target {format_value(target_value, unit, compact=True)} in {target_year}"
    figure.add_annotation(**_point_label(target_year, target_value, target_text, above=target_above))
    if projecting:
        projected_text = f"Projected {format_value(projection, unit, compact=True)}"
        figure.add_annotation(**_point_label(target_year, projection, projected_text, above=not target_above))
    figure.update_yaxes(**_value_axis(unit))
    figure.update_xaxes(
        showgrid=False,
        tickformat="d",
        hoverformat="d",
        dtick=1 if target_year - first <= 12 else None,
        range=[first - 0.5, target_year + 0.5],
    )
    return figure


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
    layout = _layout(
        title,
        "number of goals",
        source,
        plot_height=_BAR_PITCH * len(STATUSES),
        left=_label_margin(labels),
        ticks=_TICKS + _AXIS_TITLE,
    )
    figure.update_layout(**{**layout, "hovermode": "closest"}, bargap=0.3)
    figure.update_xaxes(
        title={"text": "goals", "standoff": 4},
        range=[0, max(most, 1) * 1.1 + 0.4],
        tickformat=",d",
        dtick=1 if most <= 10 else None,
        showgrid=True,
        gridcolor=_GRID,
        zeroline=True,
        zerolinecolor="#bbbbbb",
    )
    figure.update_yaxes(autorange="reversed", ticks="", ticklabelstandoff=6)
    return figure
