"""What every figure shares: the colour-blind-safe palette and one colour per partnership, Plotly's toolbar, titles
with subtitle and source line laid out in pixels, value and quarter axes, number formats by unit.

The palette (:data:`PALETTE`)
    Eight colours, every one with a WCAG contrast of at least 3:1 against the white plot (the minimum for lines and
    marks, WCAG 1.4.11; :func:`contrast_ratio` computes it and a test checks every colour). It starts from
    Okabe–Ito's blue, vermillion, bluish green and reddish purple (their orange, sky blue and yellow fall under
    2.4:1 on white and are dropped) and adds a violet, a sienna, an azure and a wine. The four added colours were
    chosen among darker colour-blind-safe colours (Paul Tol's, IBM's, ColorBrewer's) so that every pair stays as far
    apart as possible (CIELAB ΔE 1976) for normal vision and simulated protanopia and deuteranopia (Machado et al.,
    2009); the smallest distance is about 18 where Okabe–Ito's was 17. No colour is black or grey: black draws the
    median of many partnerships, grey what is de-emphasised. The same list is ``theme.chartCategoricalColors`` in
    ``.streamlit/config.toml``. On the dark embed, :data:`ON_DARK` lightens the two darkest colours. Colour never
    carries meaning alone: every coloured line or bar has its name in a
    legend, a label or the hover.

One colour per partnership (:func:`partnership_colours`, :func:`chart_colours`)
    A partnership's own colour comes from its id alone, among every partnership id of the reference table sorted:
    the i-th id has ``PALETTE[i % 8]``. Staff pages, public pages, compare, embeds and downloads of the same figure
    all read the same table, so a partnership has the same colour everywhere, whichever partnerships are in view.
    Within one chart, colours never repeat: the partnerships drawn take their own colour in order of precedence
    (the highlighted ones first, in the order given, then the others by id); one whose colour is already taken in
    the chart is drawn grey (:data:`CONTEXT_GREY`). When a chart draws more partnerships than the palette has
    colours and some are highlighted, only those are in colour and every other one is grey (highlight and grey).
    So a partnership is drawn either in its own colour or in grey, never in another's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.present.text_safety import plotly_literal
from data_contracts import Indicator
from data_contracts.units import UNITS

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue (Okabe–Ito), 5.2:1 on white
    "#D55E00",  # vermillion (Okabe–Ito), 3.9:1
    "#009E73",  # bluish green (Okabe–Ito), 3.4:1
    "#CC79A7",  # reddish purple (Okabe–Ito), 3.1:1
    "#4B0092",  # violet, 12.3:1
    "#A0522D",  # sienna, 5.6:1
    "#1A85FF",  # azure, 3.6:1
    "#882255",  # wine (Paul Tol), 8.7:1
)
"""Colour-blind-safe categorical palette whose every colour has 3:1 contrast on white (see the module's
docstring); the same list is set in .streamlit/config.toml."""

ON_DARK: dict[str, str] = {"#4B0092": "#B38CF0", "#882255": "#D4485F"}
"""On a dark background (the dark embed, #0E1117) the two darkest palette colours are drawn lighter in the same hue,
so every colour keeps 3:1 there too; the others already have it."""

CONTEXT_GREY = "#8C8C8C"
"""Partnerships drawn for context, without a colour of their own in a chart (3.4:1 on white: still a visible mark)."""

WHITE = "#FFFFFF"


PLOTLY_CONFIG: dict[str, object] = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
"""Plotly toolbar: keeps "download as PNG" (twice the screen resolution), drops the logo."""

EMBED_PLOTLY_CONFIG: dict[str, object] = {**PLOTLY_CONFIG, "displayModeBar": False}
"""An embed's chart has no toolbar: on a touch screen Plotly shows it all the time, over a small chart's title; the
embed's "Full view" link opens the chart with its tools and downloads."""


_FONT = "Source Sans Pro, Arial, sans-serif"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#RRGGBB`` colour: 0 for black, 1 for white."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    channels = [int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str = WHITE) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def partnership_colours(partnership_ids: Iterable[str]) -> dict[str, str]:
    """Each partnership's own colour, from ALL the partnership ids of the reference table: the i-th id in sorted
    order has ``PALETTE[i % len(PALETTE)]``. Pass every id, never only those in view, so the colour of a
    partnership is the same on every page; :func:`chart_colours` keeps colours from repeating within a chart."""
    ids = sorted({str(pid) for pid in partnership_ids})
    return {pid: PALETTE[i % len(PALETTE)] for i, pid in enumerate(ids)}


def chart_colours(shown: Iterable[str], own: Mapping[str, str], *, highlight: Sequence[str] = ()) -> dict[str, str]:
    """The colour of each partnership id ``shown`` in one chart: its own colour (``own``, from
    :func:`partnership_colours`) or :data:`CONTEXT_GREY`.

    Precedence goes to the ``highlight`` ids (in their order), then to the others by id. A partnership takes its own
    colour unless one with precedence took it already in this chart; then it is grey, so no two partnerships in
    colour share one. When more partnerships are shown than the palette has colours and some are highlighted, only
    the highlighted ones are in colour. An id without an own colour is grey."""
    ids = list(dict.fromkeys(str(pid) for pid in shown))
    first = [pid for pid in dict.fromkeys(str(pid) for pid in highlight) if pid in ids]
    order = first + sorted(pid for pid in ids if pid not in first)
    only_highlighted = bool(first) and len(ids) > len(PALETTE)
    taken: set[str] = set()
    colours: dict[str, str] = {}
    for pid in order:
        colour = own.get(pid)
        if colour is None or colour in taken or (only_highlighted and pid not in first):
            colours[pid] = CONTEXT_GREY
        else:
            colours[pid] = colour
            taken.add(colour)
    return colours


def named_colours(
    names: Mapping[str, str],
    own: Mapping[str, str],
    *,
    shown: Iterable[str] | None = None,
    highlight: Sequence[str] = (),
) -> dict[str, str]:
    """:func:`chart_colours` keyed by the partnership names a figure draws (``names``: id to name) for the ids
    ``shown`` (default: every id of ``names``)."""
    ids = list(names if shown is None else shown)
    return {names[pid]: colour for pid, colour in chart_colours(ids, own, highlight=highlight).items() if pid in names}


def indicator_title(indicator: Indicator) -> str:
    """A plain sentence saying what a quarterly chart of the indicator shows."""
    if indicator.year_rule == "last":
        return f"{indicator.short_name} at quarter end"
    if indicator.unit in ("percent", "ratio") or indicator.year_rule == "recompute":
        return f"{indicator.short_name} per quarter"
    return f"{indicator.short_name} per quarter"


def subtitle(indicator: Indicator, periods: Sequence[str]) -> str:
    unit = UNITS[indicator.unit].subtitle
    span = f"{periods[0]} – {periods[-1]}" if periods else "no data"
    return f"{unit}, {span}"


def _unit_axis_format(unit: str) -> dict[str, object]:
    """Tick format of a value axis: thousands separators, % suffix, USD with k/M."""
    if unit == "percent":
        return {"ticksuffix": "%", "tickformat": ",.0f", "rangemode": "tozero"}
    if UNITS[unit].money:
        return {"tickprefix": "$", "tickformat": "~s", "rangemode": "tozero"}
    if unit == "ratio":
        return {"tickformat": ",.2f", "rangemode": "tozero"}
    return {"tickformat": ",~s" if unit != "count" else ",", "rangemode": "tozero"}


def value_format(unit: str, axis: str = "y") -> str:
    """Hover text of a full value on ``axis`` ("x" or "y"): thousands separators, one decimal for %, whole USD."""
    return {
        "percent": f"%{{{axis}:,.1f}}%",
        "currency_usd": f"USD %{{{axis}:,.0f}}",
        "ratio": f"%{{{axis}:,.2f}}",
        "hours": f"%{{{axis}:,.0f}} h",
    }.get(unit, f"%{{{axis}:,}}")


def hover_format(indicator: Indicator) -> str:
    return value_format(indicator.unit, "y")


def _period_key(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[-1])


def sorted_periods(periods: pd.Series) -> list[str]:
    """Distinct "2024 Q1" labels, oldest first."""
    return sorted((str(p) for p in periods.dropna().unique()), key=_period_key)


CHART_HEIGHT = 440
"""Figure height in pixels; margins are set in pixels too, so legend and source line never overlap."""


_TOP_MARGIN = 78


TICKS = 34


_LEGEND_ROW = 21


_SOURCE = 26


LEFT = 64


AXIS_TITLE = 20


_PLOT_HEIGHT = CHART_HEIGHT - _TOP_MARGIN - TICKS - _SOURCE
"""Height of the plot area of a standard figure (the legend adds to the figure, not takes from the plot)."""


_LEGEND_COLUMN_CHARACTERS = 20
"""A legend name longer than this does not fit half of a phone-wide chart: such a legend has one column."""


_TITLE_CHARACTERS = 44


_TITLE_LINE = 22


_SOURCE_CHARACTERS = 56


_SOURCE_LINE = 14
"""Titles and source lines longer than this many characters wrap, so they stay whole in a ~550 px wide column; each
extra line adds its height (px) to the top or bottom margin."""


def text_lines(text: str, width: int) -> list[str]:
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


def plotly_lines(text: str, width: int) -> str:
    """A plain text as Plotly text: each line made literal (:func:`plotly_literal`), lines joined by ``<br>``."""
    return "<br>".join(plotly_literal(line) for line in text_lines(str(text), width))


def source_annotation(source: str, *, left: int, bottom: int) -> dict[str, object]:
    """The source line (Plotly text), pinned in pixels to the bottom-left corner of the figure whatever its size;
    image exports pin their footer line below it the same way."""
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


def figure_layout(
    title: str,
    sub: str,
    source: str,
    *,
    legend_items: int = 0,
    legend_longest: int = 0,
    plot_height: int = _PLOT_HEIGHT,
    top: int = _TOP_MARGIN,
    left: int = LEFT,
    ticks: int = TICKS,
) -> dict[str, object]:
    """``base_layout`` with a chosen plot height, top and left margin and room for ticks (and axis title) below.

    Every distance is in pixels, so the legend (under the ticks) and the source line (last) keep their places at any
    width; ``showlegend`` is off for a single item. The legend has two columns when its longest name
    (``legend_longest`` characters) fits half a phone's width, one otherwise. Long titles and source lines wrap
    (``<br>``) to fit a phone (390 px) too.
    ``title``, ``sub`` and ``source`` are plain text, made literal here.
    """
    columns = 2 if legend_longest <= _LEGEND_COLUMN_CHARACTERS else 1
    legend_rows = -(-legend_items // columns) if legend_items > 1 else 0
    title = plotly_lines(title, _TITLE_CHARACTERS)
    source = plotly_lines(source, _SOURCE_CHARACTERS)
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
            "entrywidth": 1 / columns,
            "entrywidthmode": "fraction",
            "font": {"size": 11},
            "title": {"text": ""},
        },
        "hovermode": "x unified",
        "plot_bgcolor": "white",
        "annotations": [source_annotation(source, left=left, bottom=bottom)],
    }


def base_layout(
    title: str, sub: str, source: str, *, legend_items: int = 0, legend_longest: int = 0
) -> dict[str, object]:
    """Layout shared by every figure: title with subtitle, legend under the plot, source line last."""
    return figure_layout(title, sub, source, legend_items=legend_items, legend_longest=legend_longest)


def longest_name(figure: go.Figure) -> int:
    """Characters of the longest name in the figure's legend (traces shown in it)."""
    return max((len(str(trace.name or "")) for trace in figure.data if trace.showlegend is not False), default=0)


UNDISCLOSED = "undisclosed"


UNDISCLOSED_GREY = "#808080"
"""Category code of people who did not disclose, and its colour: grey in every breakdown, never a palette colour
(4:1 on white, so its bars and legend mark stay visible)."""


GRID = "#e6e6e6"


BAR_PITCH = 36


_CHAR_WIDTH = 7


def category_colours(codes: Sequence[str]) -> dict[str, str]:
    """:data:`PALETTE` colours for breakdown categories in the given order; ``undisclosed`` is always grey."""
    colours: dict[str, str] = {}
    position = 0
    for code in codes:
        if code == UNDISCLOSED:
            colours[code] = UNDISCLOSED_GREY
        elif code not in colours:
            colours[code] = PALETTE[position % len(PALETTE)]
            position += 1
    return colours


def value_axis(unit: str) -> dict[str, object]:
    return {
        "showgrid": True,
        "gridcolor": GRID,
        "zeroline": True,
        "zerolinecolor": "#bbbbbb",
        **_unit_axis_format(unit),
    }


def quarter_axis() -> dict[str, object]:
    """A time axis of quarters: one label per year, under the middle of its four quarters; quarters in hover."""
    return {
        "showgrid": False,
        "tickformat": "%Y",
        "dtick": "M12",
        "ticklabelmode": "period",
        "hoverformat": "%Y Q%q",
    }


def mark_empty(figure: go.Figure) -> go.Figure:
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


def label_margin(lines: Sequence[str]) -> int:
    """Left margin wide enough for the longest of the (plain text) lines of the axis labels."""
    longest = max((len(line) for line in lines), default=0)
    return max(LEFT, min(220, _CHAR_WIDTH * longest + 20))
