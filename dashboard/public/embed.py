"""Embeddable charts: the URL parameters of an embed, its iframe snippet, and what one embed shows.

An embed is addressed by URL parameters (``partnership``, ``indicator``, ``view``, ``period``, ``theme``, and for
some views ``breakdown`` or ``goal``). Anything that cannot be shown — an unknown or private partnership, an
unpublished quarter, an invalid parameter — gives ``None`` here and the same neutral message on the page, so an
embed never reveals whether something private exists.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.breakdowns import breakdown_rows
from dashboard.analytics.comparison import MAX_PARTNERSHIPS, MIN_PARTNERSHIPS
from dashboard.analytics.goals import GoalPath
from dashboard.analytics.metrics import quarterly_trend
from dashboard.present.chart_style import ON_DARK, named_colours, subtitle
from dashboard.present.charts import breakdown_figure, ranking_figure, trend_figure
from dashboard.present.goal_charts import goal_progress_figure
from dashboard.present.goal_texts import goal_chart_table, goal_name
from dashboard.public.published import PublicGoal, category_text, public_table
from dashboard.public.suppression import suppression_text
from data_contracts import DIMENSIONS, INDICATORS, TOTAL
from data_contracts.quarters import Quarter, quarter_numbers
from data_contracts.units import format_value

EMBED_PATH = "embed"
"""URL path of the embed page (``/embed``)."""
PORTAL_PATH = "portal"
"""URL path of the public partnership pages the embed links back to."""

VIEWS: tuple[str, ...] = ("trend", "breakdown", "progress", "compare")
THEMES: tuple[str, ...] = ("light", "dark")
PARAMETERS: tuple[str, ...] = ("partnership", "indicator", "view", "period", "theme", "breakdown", "goal")
"""Parameters an embed reads. Streamlit's own (``embed``, ``embed_options``) are left to Streamlit."""
STREAMLIT_PARAMETERS: tuple[str, ...] = ("embed", "embed_options")

NOT_AVAILABLE = "This chart is not available."
"""The one message for anything an embed cannot show: it never says why, so it reveals nothing."""

WIDTH, HEIGHT = 600, 400
"""Size of the iframe the snippet proposes; the embed page fits it."""
EMBED_CHART_HEIGHT = 250
"""Height of the chart inside the 600×400 frame, leaving room for the tabs, the footer and its link."""

DARK_PAGE_CSS = (
    "<style>"
    ".stApp, [data-testid='stAppViewContainer'] {background-color: #0E1117;}"
    ".stApp, .stApp p, .stApp a, [data-testid='stCaptionContainer'], .stApp [role='tab'], .stApp [role='tab'] p "
    "{color: #FAFAFA !important;}"
    ".stApp a {text-decoration: underline;}"
    "</style>"
)
"""Colours of the embed page around a dark chart (the app's own theme stays light elsewhere)."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_DARK = {"paper": "#0E1117", "text": "#FAFAFA", "muted": "#BBBBBB", "grid": "#333840"}


@dataclass(frozen=True)
class EmbedRequest:
    """What an embed URL asks for, checked for form only (whether it may be shown is decided later)."""

    partnerships: tuple[str, ...]
    indicator: str
    view: str = "trend"
    start: Quarter | None = None
    end: Quarter | None = None
    theme: str = "light"
    breakdown: str | None = None
    goal: str | None = None

    def query(self) -> dict[str, str]:
        """The URL parameters that ask for this embed (without Streamlit's ``embed=true``)."""
        params = {"partnership": ",".join(self.partnerships), "indicator": self.indicator, "view": self.view}
        if self.end is not None:
            params["period"] = period_text(self.start, self.end)
        if self.breakdown:
            params["breakdown"] = self.breakdown
        if self.goal:
            params["goal"] = self.goal
        params["theme"] = self.theme
        return params


def period_text(start: Quarter | None, end: Quarter) -> str:
    """``2026-Q3`` for one quarter, ``2024-Q1..2026-Q3`` for a range."""
    end_code = Quarter(*end).code
    return end_code if start is None or start == end else f"{Quarter(*start).code}..{end_code}"


def parse_period(text: str) -> tuple[Quarter | None, Quarter] | None:
    """``2026-Q3`` as (None, 2026 Q3), ``2024-Q1..2026-Q3`` as (2024 Q1, 2026 Q3); None when it is neither (or the
    range runs backwards). The inverse of :func:`period_text`."""
    first, _, last = text.partition("..")
    end = Quarter.from_code(last or first)
    start = Quarter.from_code(first) if last else None
    if end is None or (last and (start is None or start > end)):
        return None
    return start, end


def _one(params: Mapping[str, object], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        return str(value[-1]) if value else None
    return None if value is None else str(value)


def parse_request(params: Mapping[str, object]) -> EmbedRequest | None:
    """The embed asked for by URL parameters, or None when any parameter is missing or malformed."""
    partnership = _one(params, "partnership")
    indicator = _one(params, "indicator")
    view = _one(params, "view") or "trend"
    theme = _one(params, "theme") or "light"
    if not partnership or not indicator or view not in VIEWS or theme not in THEMES:
        return None
    ids = tuple(part.strip() for part in partnership.split(","))
    if not all(_ID.match(pid) for pid in ids) or len(set(ids)) != len(ids) or indicator not in INDICATORS:
        return None
    if view == "compare":
        if not MIN_PARTNERSHIPS <= len(ids) <= MAX_PARTNERSHIPS:
            return None
    elif len(ids) != 1:
        return None
    start = end = None
    period = _one(params, "period")
    if period:
        span = parse_period(period)
        if span is None:
            return None
        start, end = span
    breakdown = _one(params, "breakdown")
    if breakdown is not None and (breakdown not in INDICATORS[indicator].breakdowns or view != "breakdown"):
        return None
    goal = _one(params, "goal")
    if goal is not None and (view != "progress" or not _ID.match(goal)):
        return None
    return EmbedRequest(ids, indicator, view, start, end, theme, breakdown, goal)


def embed_url(base_url: str, request: EmbedRequest) -> str:
    """The address of an embed: ``<base>/embed?…&embed=true`` (plus Streamlit's dark theme when asked)."""
    params = request.query()
    params["embed"] = "true"
    if request.theme == "dark":
        params["embed_options"] = "dark_theme"
    return f"{base_url.rstrip('/')}/{EMBED_PATH}?{urlencode(params)}"


def embed_snippet(base_url: str, request: EmbedRequest, title: str) -> str:
    """The iframe a partner pastes into their web page."""
    source = html.escape(embed_url(base_url, request), quote=True)
    return (
        f'<iframe src="{source}" title="{html.escape(title, quote=True)}" width="{WIDTH}" height="{HEIGHT}" '
        'style="border:0" loading="lazy" referrerpolicy="no-referrer"></iframe>'
    )


def full_view_query(request: EmbedRequest) -> dict[str, str]:
    """The portal's URL parameters that open the same view as the embed: the same partnership, indicator (and its
    dataset), view, breakdown (``total`` when none), the other partnerships of a comparison and the period."""
    params = {
        "partnership": request.partnerships[0],
        "dataset": INDICATORS[request.indicator].dataset,
        "indicator": request.indicator,
        "view": request.view,
        "breakdown": request.breakdown or TOTAL,
    }
    if request.view == "compare":
        params["compare"] = ",".join(request.partnerships[1:])
    if request.end is not None:
        params["period"] = period_text(request.start, request.end)
    return params


def full_view_url(base_url: str, request: EmbedRequest) -> str:
    """The public page the embed links back to: the portal on the same view (:func:`full_view_query`)."""
    return f"{base_url.rstrip('/')}/{PORTAL_PATH}?{urlencode(full_view_query(request))}"


def partnership_portal_url(base_url: str, partnership_id: str) -> str:
    """The portal page of one partnership, which the line under an embed links to."""
    return f"{base_url.rstrip('/')}/{PORTAL_PATH}?{urlencode({'partnership': partnership_id})}"


@dataclass
class EmbedContent:
    """Everything one embed shows: a chart, the same numbers as a table, and the lines around them."""

    figure: go.Figure
    table: pd.DataFrame
    title: str
    alt: str
    partnerships: tuple[str, ...]
    hidden: list[str] = field(default_factory=list)
    """Plain-text notes on values hidden to protect small groups (shown under the chart)."""


def _in_period(rows: pd.DataFrame, start: Quarter | None, end: Quarter | None) -> pd.DataFrame:
    if end is None:
        return rows
    keys = quarter_numbers(rows["year"], rows["quarter"])
    keep = keys <= Quarter(*end).number
    if start is not None:
        keep &= keys >= Quarter(*start).number
    return rows[keep]


def _published(rows: pd.DataFrame, partnership_id: str, period: Quarter | None) -> bool:
    """True when the partnership has published rows (in that quarter, when one is named)."""
    mine = rows[rows["partnership_id"] == partnership_id]
    if period is None:
        return not mine.empty
    return bool(((mine["year"] == period[0]) & (mine["quarter"] == period[1])).any())


_COMPACT_TOP, _COMPACT_TICKS, _COMPACT_LEGEND = 64, 34, 26


def _compact(figure: go.Figure) -> go.Figure:
    """The figure sized for the iframe: the source line leaves the figure (the embed prints it under the chart),
    the legend takes one row, and the plot keeps what height is left."""
    figure.layout.annotations = [
        note for note in figure.layout.annotations if not str(note.text or "").startswith("Source")
    ]
    title_lines = str(figure.layout.title.text or "").count("<br>")
    top = _COMPACT_TOP + 20 * title_lines
    bottom = _COMPACT_TICKS + (_COMPACT_LEGEND if figure.layout.showlegend else 0) + 4
    plot = max(EMBED_CHART_HEIGHT - top - bottom, 60)
    figure.update_layout(
        height=EMBED_CHART_HEIGHT,
        margin={"t": top, "b": bottom},
        title_font_size=16,
        legend={"entrywidth": 0, "entrywidthmode": "pixels", "y": -_COMPACT_TICKS / plot},
    )
    return figure


def _apply_theme(figure: go.Figure, theme: str) -> go.Figure:
    if theme != "dark":
        return figure
    figure.update_layout(
        paper_bgcolor=_DARK["paper"],
        plot_bgcolor=_DARK["paper"],
        font_color=_DARK["text"],
        title_font_color=_DARK["text"],
        legend_font_color=_DARK["text"],
    )
    figure.update_xaxes(gridcolor=_DARK["grid"], linecolor=_DARK["grid"], zerolinecolor=_DARK["grid"])
    figure.update_yaxes(gridcolor=_DARK["grid"], linecolor=_DARK["grid"], zerolinecolor=_DARK["grid"])
    for annotation in figure.layout.annotations:
        annotation.font.color = _DARK["muted"]
    for trace in figure.data:  # the darkest palette colours, lighter on the dark background
        if getattr(trace, "line", None) is not None and trace.line.color in ON_DARK:
            trace.line.color = ON_DARK[trace.line.color]
        marker = getattr(trace, "marker", None)
        if marker is not None and isinstance(marker.color, str) and marker.color in ON_DARK:
            marker.color = ON_DARK[marker.color]
        elif marker is not None and isinstance(marker.color, tuple | list):
            marker.color = [ON_DARK.get(colour, colour) for colour in marker.color]
    return figure


def _say_all_hidden(figure: go.Figure, k: int) -> None:
    """A chart whose every value is hidden says so in its middle, instead of showing empty axes."""
    figure.add_annotation(
        text=f"Every value here is hidden to protect groups of fewer than {k} people.<br>The Table tab says which.",
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 13, "color": "#555555"},
    )


def _hidden_notes(rows: pd.DataFrame, k: int, label: str = "category") -> list[str]:
    """ "Men, 2026 Q3: fewer than 10" for every hidden value among ``rows`` (which carry ``suppression``)."""
    hidden = rows[rows["suppression"].astype(str) != ""]
    notes = []
    for row in hidden.itertuples(index=False):
        when = Quarter(int(row.year), int(row.quarter)).label
        notes.append(f"{getattr(row, label)}, {when}: {suppression_text(row.suppression, k)}")
    return notes


def embed_content(
    request: EmbedRequest,
    *,
    rows: pd.DataFrame,
    partnerships: pd.DataFrame,
    goals: Sequence[PublicGoal],
    k: int,
    source: str,
    compact: bool = True,
    colours: Mapping[str, str] | None = None,
) -> EmbedContent | None:
    """What the embed shows, from public rows only (published, public partnerships, suppressed), or None when it
    cannot be shown. ``partnerships`` are the public partnerships; ``goals`` their goals as the public sees them;
    ``source`` the source line (who, dataset, sample note, last updated). ``compact`` sizes the chart for the
    iframe; pages that show the same chart in full pass False. ``colours`` are the partnerships' own colours by id
    (``chart_style.partnership_colours`` of every partnership id, so an embed draws a partnership in the colour the
    pages do)."""
    public = set(partnerships["partnership_id"])
    if any(pid not in public for pid in request.partnerships):
        return None
    if any(not _published(rows, pid, request.end) for pid in request.partnerships):
        return None
    if request.start is not None and any(not _published(rows, pid, request.start) for pid in request.partnerships):
        return None
    indicator = INDICATORS[request.indicator]
    mine = rows[rows["partnership_id"].isin(request.partnerships) & (rows["indicator_id"] == indicator.id)]
    mine = _in_period(mine, request.start, request.end)
    if mine.empty:
        return None
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    builder = {"trend": _trend, "breakdown": _breakdown, "progress": _progress, "compare": _compare}[request.view]
    drawn = named_colours(names, colours, shown=request.partnerships) if colours else None
    content = builder(request, mine, partnerships, names, goals, k, source, drawn)
    if content is None:
        return None
    if compact:
        _compact(content.figure)
    _apply_theme(content.figure, request.theme)
    return content


def _trend(request, rows, partnerships, names, goals, k, source, colours) -> EmbedContent | None:  # noqa: ANN001
    indicator = INDICATORS[request.indicator]
    trend = quarterly_trend(rows, indicator.id, partnerships)
    if trend.empty:
        return None
    name = names[request.partnerships[0]]
    totals = rows[rows["dimension"] == TOTAL]
    table = public_table(totals, TOTAL, k).rename(columns={"Total": f"{indicator.short_name} ({indicator.unit_label})"})
    figure = trend_figure(trend, indicator, source=source, colours=colours)
    if trend["value"].isna().all():
        _say_all_hidden(figure, k)
    return EmbedContent(
        figure=figure,
        table=table,
        title=f"{indicator.short_name} per quarter, {name}",
        alt=f"Line chart of {indicator.short_name.lower()} per quarter for {name}.",
        partnerships=request.partnerships,
        hidden=_hidden_notes(totals.assign(category="Total"), k),
    )


def _breakdown(request, rows, partnerships, names, goals, k, source, colours) -> EmbedContent | None:  # noqa: ANN001
    indicator = INDICATORS[request.indicator]
    dimensions = [d for d in indicator.breakdowns if (rows["dimension"] == d).any()]
    dimension = request.breakdown or (dimensions[0] if dimensions else None)
    if dimension is None or dimension not in dimensions:
        return None
    parts = breakdown_rows(rows, indicator.id, dimension)
    part_rows = rows[rows["dimension"] == dimension]
    if parts.empty:
        return None
    label = DIMENSIONS[dimension].label
    name = names[request.partnerships[0]]
    table = public_table(part_rows, dimension, k)
    table = table.rename(columns={c: f"{c} ({indicator.unit_label})" for c in table.columns if c != "Quarter"})
    shown = part_rows.assign(category_label=[category_text(dimension, c) for c in part_rows["category"]])
    figure = breakdown_figure(parts, indicator, dimension_label=label, mode="stacked", source=source)
    if parts["value"].isna().all():
        _say_all_hidden(figure, k)
    return EmbedContent(
        figure=figure,
        table=table,
        title=f"{indicator.short_name} by {label.lower()}, {name}",
        alt=f"Bar chart of {indicator.short_name.lower()} per quarter by {label.lower()} for {name}.",
        partnerships=request.partnerships,
        hidden=_hidden_notes(shown, k, label="category_label"),
    )


def _compare(request, rows, partnerships, names, goals, k, source, colours) -> EmbedContent | None:  # noqa: ANN001
    indicator = INDICATORS[request.indicator]
    totals = rows[rows["dimension"] == TOTAL]
    end = request.end or max(zip(totals["year"].astype(int), totals["quarter"].astype(int), strict=True), default=None)
    if end is None:
        return None
    quarter = totals[(totals["year"] == end[0]) & (totals["quarter"] == end[1])]
    if set(quarter["partnership_id"]) != set(request.partnerships):
        return None
    ranked = pd.DataFrame(
        {"partnership": quarter["partnership_id"].map(names), "value": quarter["value"].astype("float64")}
    )
    table = pd.DataFrame(
        {
            "Partnership": ranked["partnership"],
            f"{indicator.short_name} ({indicator.unit_label})": [
                format_value(v, indicator.unit) if pd.notna(v) else "suppressed" for v in ranked["value"]
            ],
        }
    ).sort_values("Partnership", ignore_index=True)
    label = Quarter(*end).label
    figure = ranking_figure(
        ranked,
        value_label=indicator.short_name,
        unit=indicator.unit,
        title=f"{indicator.short_name} by partnership, {label}",
        subtitle=subtitle(indicator, [label]),
        source=source,
        colours=colours,
    )
    return EmbedContent(
        figure=figure,
        table=table,
        title=f"{indicator.short_name} by partnership, {label}",
        alt=f"Bar chart of {indicator.short_name.lower()} in {label} for {len(ranked)} partnerships, largest first.",
        partnerships=request.partnerships,
        hidden=[f"{n}: suppressed" for n, v in zip(ranked["partnership"], ranked["value"], strict=True) if pd.isna(v)],
    )


def _progress(request, rows, partnerships, names, goals, k, source, colours) -> EmbedContent | None:  # noqa: ANN001
    indicator = INDICATORS[request.indicator]
    candidates = [
        goal
        for goal in goals
        if goal.row["partnership_id"] == request.partnerships[0] and goal.row["indicator_id"] == indicator.id
    ]
    if request.goal is not None:
        candidates = [goal for goal in candidates if goal.row["goal_id"] == request.goal]
    else:  # the headline goal first: total before breakdowns, then by target year
        candidates.sort(key=lambda g: (g.row["dimension"] != TOTAL, int(g.row["target_year"]), str(g.row["goal_id"])))
    if not candidates:
        return None
    goal = candidates[0]
    row = goal.row
    points = goal.points
    visible = points.dropna(subset=["value"])[["year", "value"]]
    hidden_years = [int(y) for y in points.loc[points["value"].isna(), "year"]]
    current_year = None if row["current_year"] is None or pd.isna(row["current_year"]) else int(row["current_year"])
    current_hidden = current_year in hidden_years
    current_value = None if current_hidden or pd.isna(row["current_value"]) else float(row["current_value"])
    projection = None if current_hidden or pd.isna(row["projection"]) else float(row["projection"])
    base_year = int(row["base_year_used"]) if pd.notna(row["base_year_used"]) else int(row["baseline_year"])
    base_value = float(row["base_value_used"]) if pd.notna(row["base_value_used"]) else float(row["baseline_value"])
    if base_year in hidden_years:
        return None  # the path would start at a hidden value
    title = goal_name(str(row["indicator_id"]), str(row["dimension"]), str(row["category"]))
    name = names[request.partnerships[0]]
    path = GoalPath(
        base_year=base_year,
        base_value=base_value,
        target_year=int(row["target_year"]),
        target_value=float(row["target_value"]),
        current_year=None if current_hidden else current_year,
        current_value=current_value,
        projection=projection,
    )
    figure = goal_progress_figure(
        visible, indicator=indicator, path=path, status=str(row["status"]), source=source, name=title
    )
    table = goal_chart_table(visible, path)
    table.insert(0, "Status", str(row["status_label"]))
    return EmbedContent(
        figure=figure,
        table=table,
        title=f"{title}: {row['status_label']}, {name}",
        alt=f"Line chart of {title.lower()} by year with the path to the target, for {name}.",
        partnerships=request.partnerships,
        hidden=[
            f"{int(year)}: {suppression_text(str(reason), k)}"
            for year, reason in zip(points["year"], points["suppression"], strict=True)
            if str(reason)
        ],
    )
