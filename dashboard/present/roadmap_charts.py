"""Roadmaps for people: a partnership's milestones on a timeline of quarters (state by colour and by symbol, a line
at today), its table, and the portfolio's late milestones as a table.

Milestones come with their shown state (:func:`dashboard.analytics.milestones.with_displayed_state`). Titles, notes
and ids are text from data: the figure carries them only through :func:`plotly_literal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.milestones import DISPLAYED_STATES, LATE, due_quarter, quarter_end
from dashboard.present.chart_style import (
    CONTEXT_GREY,
    GRID,
    TICKS,
    figure_layout,
    label_margin,
    mark_empty,
    text_lines,
)
from dashboard.present.text_safety import plotly_literal
from data_contracts import split_list

STATE_STYLES: Mapping[str, tuple[str, str]] = {
    "planned": (CONTEXT_GREY, "circle-open"),
    "in_progress": ("#0072B2", "diamond"),
    "done": ("#009E73", "square"),
    LATE: ("#D55E00", "x"),
}
"""Each shown state's colour (Okabe–Ito, 3:1 on white) and marker symbol: a state is told by its symbol as well as
its colour, and the legend names it."""

TITLE_WIDTH = 30
"""Characters per line of a milestone's title beside the timeline (two lines at most)."""
ROW_PITCH = 44
TICK_LINE = 18
"""Pixels of the second line of quarterly ticks."""
"""Pixels per milestone on the timeline."""

ROADMAP_TABLE_COLUMNS: tuple[str, ...] = (
    "Milestone",
    "Due quarter",
    "State",
    "Late by",
    "Linked goals and indicators",
    "Note",
)
LATE_TABLE_COLUMNS: Mapping[str, str] = {
    "partnership": "Partnership",
    "title": "Milestone",
    "due_quarter": "Due quarter",
    "days_late": "Days late",
    "quarters_late": "Quarters late",
    "state": "Recorded state",
    "linked_goals": "Linked goals",
    "linked_indicators": "Linked indicators",
    "partnership_id": "Partnership id",
    "milestone_id": "Milestone id",
}
"""The late list's columns as people read them, in order."""


def state_label(state: str) -> str:
    """A shown state in words: Planned, In progress, Done, Late."""
    return DISPLAYED_STATES.get(state, state)


def quarter_label(text: str) -> str:
    """A stored due quarter (``2027Q1``) as people read it: ``2027 Q1``."""
    return due_quarter(text).label


def late_text(days: int) -> str:
    """How late, in words: "63 days"; empty when not late."""
    if days <= 0:
        return ""
    return f"{days:,} day{'' if days == 1 else 's'}"


def _short_title(title: str) -> str:
    lines = text_lines(" ".join(str(title).split()), TITLE_WIDTH)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: TITLE_WIDTH - 1] + "…"]
    return "<br>".join(plotly_literal(line) for line in lines)


def _middle(text: str) -> pd.Timestamp:
    """The middle of a due quarter, where its marker sits."""
    quarter = due_quarter(text)
    start = quarter.start
    return start + (pd.Timestamp(quarter_end(quarter)) - start) / 2


def _hover(row: Mapping[str, object], state: str) -> str:
    """A milestone's hover text (Plotly text, data made literal): title, due quarter and state, links."""
    lines = [plotly_literal(row["title"])]  # the figures' own markup is only <br> and <extra>
    late = f", {late_text(int(str(row['days_late'])))} late" if state == LATE else ""
    lines.append(f"Due {quarter_label(str(row['due_quarter']))} · {state_label(state)}{late}")
    linked = split_list(row["linked"])
    if linked:
        lines.append(f"Linked: {plotly_literal('; '.join(linked))}")
    return "<br>".join(lines)


def state_summary(milestones: pd.DataFrame) -> str:
    """The milestones counted by shown state: "1 done, 1 in progress, 0 planned, 1 late"."""
    counts = milestones["displayed_state"].value_counts()
    order = ("done", "in_progress", "planned", LATE)
    return ", ".join(f"{int(counts.get(state, 0))} {state_label(state).lower()}" for state in order)


def roadmap_figure(milestones: pd.DataFrame, *, name: str, today: date, source: str) -> go.Figure:
    """A partnership's milestones on a timeline of quarters: one row per milestone (earliest due at the top), a
    marker in the middle of its due quarter coloured and shaped by its shown state, and a dashed line at today.
    ``milestones``: rows of the milestones table with ``displayed_state`` and ``days_late``, in due order."""
    title = f"Roadmap of {name}"
    sub = f"Milestones by due quarter, as of {today:%d %b %Y}"  # the counts by state: state_summary, beside it
    figure = go.Figure()
    if milestones.empty:
        figure.update_layout(**figure_layout(title, sub, source))
        return mark_empty(figure)
    rows = milestones.reset_index(drop=True)
    labels = [_short_title(t) for t in rows["title"]]
    positions = list(range(len(rows)))
    for state, (colour, symbol) in STATE_STYLES.items():
        shown = rows[rows["displayed_state"] == state]
        if shown.empty:
            continue
        hover = [_hover(row, state) for row in shown.to_dict("records")]
        figure.add_trace(
            go.Scatter(
                x=[_middle(str(q)) for q in shown["due_quarter"]],
                y=shown.index.tolist(),
                mode="markers",
                name=state_label(state),
                marker={"color": colour, "symbol": symbol, "size": 14, "line": {"width": 2, "color": colour}},
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    starts = [due_quarter(str(q)).start for q in rows["due_quarter"]]
    first = min([*starts, pd.Timestamp(today)]) - pd.Timedelta(days=45)
    last = max([*starts, pd.Timestamp(today)]) + pd.Timedelta(days=135)
    quarterly = (last - first).days / 91 <= 14  # a tick per quarter (two lines: Q1 / 2027), else per year
    layout = figure_layout(
        title,
        sub,
        source,
        legend_items=max(2, len(figure.data)),  # a legend row even for one state: it says what the marker means
        ticks=TICKS + (TICK_LINE if quarterly else 0),
        legend_longest=max(len(trace.name) for trace in figure.data),
        plot_height=max(ROW_PITCH * 2, ROW_PITCH * len(rows)),
        left=label_margin([line for label in labels for line in label.split("<br>")]),
    )
    layout["hovermode"] = "closest"  # one milestone at a time
    figure.update_layout(**layout)
    figure.update_xaxes(
        type="date",
        range=[first, last],
        dtick="M3" if quarterly else "M12",
        tickformat="Q%q<br>%Y" if quarterly else "%Y",
        ticklabelmode="period",
        showgrid=True,
        gridcolor=GRID,
    )
    figure.update_yaxes(
        tickvals=positions,
        ticktext=labels,
        range=[len(rows) - 0.5, -0.5],
        showgrid=True,
        gridcolor=GRID,
        zeroline=False,
    )
    today_x = pd.Timestamp(today) + pd.Timedelta(hours=12)
    near_end = (today_x - first) / (last - first) > 0.6
    figure.add_shape(
        type="line",
        x0=today_x,
        x1=today_x,
        y0=0,
        y1=1,
        xref="x",
        yref="paper",
        line={"color": "#333333", "width": 1.5, "dash": "dash"},
    )
    figure.add_annotation(
        x=today_x,
        y=1,
        xref="x",
        yref="paper",
        text=f"Today, {today:%d %b %Y}",
        showarrow=False,
        xanchor="right" if near_end else "left",  # the label stays inside the plot, beside the line
        yanchor="top",
        bgcolor="rgba(255, 255, 255, 0.85)",
        xshift=-4 if near_end else 4,
        font={"size": 11, "color": "#333333"},
    )
    return figure


def roadmap_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The timeline's table: each milestone's title, due quarter, shown state, how late, links and note."""
    rows = [
        {
            "Milestone": row["title"],
            "Due quarter": quarter_label(str(row["due_quarter"])),
            "State": state_label(str(row["displayed_state"])),
            "Late by": late_text(int(row["days_late"])),
            "Linked goals and indicators": "; ".join(split_list(row["linked"])),
            "Note": "" if pd.isna(row["note"]) else str(row["note"]),
        }
        for row in milestones.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(ROADMAP_TABLE_COLUMNS))


def late_table(late: pd.DataFrame) -> pd.DataFrame:
    """The portfolio's late milestones (:func:`dashboard.analytics.milestones.late_milestones`) with headers for
    people: due quarters as "2026 Q3", the recorded state in words."""
    table = late.assign(
        due_quarter=late["due_quarter"].map(lambda q: quarter_label(str(q))),
        state=late["state"].map(lambda s: state_label(str(s))),
    )
    return table[list(LATE_TABLE_COLUMNS)].rename(columns=dict(LATE_TABLE_COLUMNS))


def late_summary(late: pd.DataFrame, milestones: int, today: date) -> str:
    """The late list in one sentence: "3 of 24 milestones of 2 partnerships are late on 27 November 2026."."""
    if late.empty:
        return f"No milestone is late on {today:%d %B %Y} ({milestones:,} milestones in all)."
    partnerships = late["partnership_id"].nunique()
    of = f"{partnerships:,} partnership{'' if partnerships == 1 else 's'}"
    return (
        f"{len(late):,} of {milestones:,} milestones, of {of}, are late on {today:%d %B %Y}: not done, and their "
        "due quarter has ended."
    )
