"""Pure Plotly figure builders: titles that say what is shown, unit and period in the subtitle, a source line,
colour-blind-safe colours. Nothing imports streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from data_contracts import Indicator

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


def _axis_format(indicator: Indicator) -> dict[str, object]:
    if indicator.unit == "percent":
        return {"ticksuffix": "%", "tickformat": ",.0f", "rangemode": "tozero"}
    if indicator.unit == "currency_usd":
        return {"tickprefix": "$", "tickformat": "~s", "rangemode": "tozero"}
    if indicator.unit == "ratio":
        return {"tickformat": ",.2f", "rangemode": "tozero"}
    return {"tickformat": ",~s" if indicator.unit != "count" else ",", "rangemode": "tozero"}


def _hover_format(indicator: Indicator) -> str:
    return {
        "percent": "%{y:,.1f}%",
        "currency_usd": "USD %{y:,.0f}",
        "ratio": "%{y:,.2f}",
        "hours": "%{y:,.0f} h",
    }.get(indicator.unit, "%{y:,}")


CHART_HEIGHT = 440
"""Figure height in pixels; margins are set in pixels too, so legend and source line never overlap."""

_TOP_MARGIN = 78
_TICKS = 34
_LEGEND_ROW = 21
_SOURCE = 26


def base_layout(title: str, sub: str, source: str, *, legend_items: int = 0) -> dict[str, object]:
    """Layout shared by every figure: title with subtitle, two-column legend under the plot, source line last."""
    legend_rows = -(-legend_items // 2) if legend_items > 1 else 0
    bottom = _TICKS + legend_rows * _LEGEND_ROW + _SOURCE
    plot_height = CHART_HEIGHT - _TOP_MARGIN - bottom
    return {
        "height": CHART_HEIGHT + legend_rows * _LEGEND_ROW,
        "title": {
            "text": title,
            "subtitle": {"text": sub},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "font": {"size": 18},
        },
        "font": {"family": _FONT, "size": 13},
        "margin": {"l": 64, "r": 16, "t": _TOP_MARGIN, "b": bottom, "autoexpand": False, "pad": 0},
        "showlegend": legend_rows > 0,
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -_TICKS / (plot_height + legend_rows * _LEGEND_ROW),
            "xref": "container",
            "x": 0.01,
            "entrywidth": 235,
            "entrywidthmode": "pixels",
            "font": {"size": 11},
            "title": {"text": ""},
        },
        "hovermode": "x unified",
        "plot_bgcolor": "white",
        "annotations": [
            {
                "text": source,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -(bottom - 6),
                "xshift": -54,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#555555"},
                "align": "left",
            }
        ],
    }


def trend_figure(
    trend: pd.DataFrame,
    indicator: Indicator,
    *,
    source: str,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """One line per partnership over quarters (``trend`` as returned by ``metrics.quarterly_trend``)."""
    periods = sorted(trend["period"].unique(), key=lambda p: (int(p[:4]), int(p[-1]))) if not trend.empty else []
    figure = go.Figure()
    colours = colours or colour_map(list(trend["partnership"].unique()))
    for name, rows in trend.groupby("partnership", sort=True):
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["value"],
                name=str(name),
                mode="lines+markers",
                line={"color": colours.get(str(name)), "width": 2},
                marker={"size": 5},
                customdata=rows["period"],
                hovertemplate=f"{name}: {_hover_format(indicator)}<extra></extra>",
            )
        )
    figure.update_layout(
        **base_layout(indicator_title(indicator), subtitle(indicator, periods), source, legend_items=len(figure.data))
    )
    figure.update_yaxes(
        showgrid=True, gridcolor="#e6e6e6", zeroline=True, zerolinecolor="#bbbbbb", **_axis_format(indicator)
    )
    figure.update_xaxes(
        showgrid=False,
        tickformat="%Y Q%q",
        dtick="M12",
        ticklabelmode="period",
        hoverformat="%Y Q%q",
    )
    return figure
