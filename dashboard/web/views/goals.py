"""Goals: every goal of every partnership in one sortable table, with its status, score and the growth it needs."""

from __future__ import annotations

import streamlit as st

from dashboard.access.pages import GOALS
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.goals import status_counts
from dashboard.analytics.progress import STATUS_LABELS, STATUSES
from dashboard.present.goal_charts import status_summary_figure
from dashboard.present.goal_texts import (
    GOAL_FILTERS,
    STATUS_MEANINGS,
    incomplete_year_note,
    lower_is_better_note,
    status_badge,
    status_summary_table,
)
from dashboard.web import url_state
from dashboard.web.blocks import chart_block, deferred_csv, sample_badge, source_note
from dashboard.web.page_style import counted, filters_block, pending_list, pending_toggle
from dashboard.web.portfolio_reads import incomplete_year_frame, read_goals_table, read_summary
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnerships

identity = require(GOALS)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_partnerships(store)
summary = read_summary(store, "submitted")
evaluated = summary.goals

st.title("Goals")
st.caption(
    "Is each partnership on course for its goals, and what annual growth does each goal need from now on? "
    "Staff view: every accepted upload, published or not."
)
sample_badge(store)

if evaluated.empty:
    st.info(
        "No goals yet. An admin records each partnership's goals (indicator, baseline and target) in the goals "
        "table; see the README.",
        icon=":material/info:",
    )
    st.stop()

names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
note = incomplete_year_note(incomplete_year_frame(summary))  # the quarters reported, not every row
year_rule = INCOMPLETE_YEAR_RULE + (f" {note}" if note else "")

# ---- the answer: how many goals in each status ---------------------------------------------------------------------
counts = status_counts(evaluated)
total = len(evaluated)
off_course_count = counts["limited_progress"] + counts["deterioration"]
st.header(f"Where the {total} goals stand", anchor=False)
columns = st.columns(3)
for position, status in enumerate(STATUSES):
    columns[position % 3].metric(
        status_badge(status),
        f"{counts[status]:,}",
        help=f"{STATUS_LABELS[status]}: {STATUS_MEANINGS[status]}",
        border=True,
    )
st.markdown(
    f"**{off_course_count} of {total} goals are off course** (limited progress or deterioration). "
    "Turn on *Only goals off course* below to list them."
)
chart_block(
    status_summary_figure(
        counts,
        title=f"Progress of {total} goals toward their targets",
        source=source_note(store, evaluated["partnership_id"].nunique()),
    ),
    status_summary_table(counts),
    key="goal-status",
    file_name="goal_status_counts.csv",
    alt="Bar chart of the number of goals in each progress status, from target achieved to not available.",
)
st.caption(year_rule)

# ---- filters ------------------------------------------------------------------------------------------------------
st.header("Every goal", anchor=False)
ids = sorted(names, key=lambda pid: names[pid])
pending_partnerships = pending_list("goals_partnerships", "partnership", ids)
pending_statuses = pending_list("goals_statuses", "status", list(STATUSES))
parts = [
    "only off course" if pending_toggle("goals_off_course", "filter", GOAL_FILTERS[1]) else "",
    counted(len(pending_partnerships), "partnership") if pending_partnerships else "",
    counted(len(pending_statuses), "status", "statuses") if pending_statuses else "",
]
with filters_block("goals", [part for part in parts if part] or ["every goal"]):
    off_course = url_state.toggle(
        st.toggle,
        "Only goals off course",
        param="filter",
        values=GOAL_FILTERS,
        key="goals_off_course",
        help="Goals with limited progress or deterioration: moving too slowly toward the target, or away from it.",
    )
    left, right = st.columns(2)
    chosen_partnerships = url_state.id_list(
        left.multiselect,
        "Partnership",
        param="partnership",
        options=ids,
        key="goals_partnerships",
        format_func=lambda pid: names.get(pid, pid),
        placeholder="All partnerships",
    )
    chosen_statuses = url_state.id_list(
        right.multiselect,
        "Status",
        param="status",
        options=list(STATUSES),
        key="goals_statuses",
        format_func=lambda status: STATUS_LABELS[status],
        placeholder="All statuses",
    )

# ---- the table ----------------------------------------------------------------------------------------------------
shown, table = read_goals_table(  # cached per filters: a warm rerun does not rebuild thousands of rows
    store, summary, off_course=off_course, partnerships=chosen_partnerships, statuses=chosen_statuses
)
if shown.empty:
    st.info(
        "No goal matches these filters. Clear the partnership or status filter, or turn off *Only goals off course*.",
        icon=":material/filter_alt_off:",
    )
else:
    st.caption(
        f"{len(table)} of {total} goals, worst score first. Click a column header to sort. Values are in each "
        f"indicator's unit; growth rates are compound annual rates. {lower_is_better_note(shown['indicator_id'])}"
    )
    value = st.column_config.NumberColumn(format="localized")
    year = st.column_config.NumberColumn(format="%d", width="small")
    st.dataframe(
        table,
        hide_index=True,
        key="goals-table",
        height=min(36 + 35 * len(table), 1100),
        column_config={
            "Partnership": st.column_config.TextColumn(width=195, pinned=True),  # in view while scrolling sideways
            "Indicator": st.column_config.TextColumn(width=235),
            "Goal": st.column_config.TextColumn(help="The goal's id in the goals table."),
            "Series": st.column_config.TextColumn(help="The measured series: the total or one breakdown category."),
            "Base year": year,
            "Base value": value,
            "Current year": st.column_config.NumberColumn(
                format="%d", width="small", help="The latest complete year with data."
            ),
            "Current value": value,
            "Target year": year,
            "Target value": value,
            "Status": st.column_config.TextColumn(width=130, help="Progress status by the SDG progress method."),
            "Score": st.column_config.NumberColumn(
                format="%.1f", width=60, help="From −5 (worst) to 5 (target achieved)."
            ),
            "Growth so far (%/yr)": st.column_config.NumberColumn(
                format="%+.1f%%",
                width=140,
                help="Observed compound annual growth from the base year to the current (latest complete) year.",
            ),
            "Growth needed (%/yr)": st.column_config.NumberColumn(
                format="%+.1f%%",
                width=140,
                help="Compound annual growth needed from now on: from the current year to the target in the target "
                "year. Empty when the target is already met.",
            ),
            "Projected at target year": st.column_config.NumberColumn(
                format="localized", help="Where the observed annual growth leads by the target year."
            ),
        },
    )
    st.download_button(
        "Download this table (CSV)",
        data=deferred_csv(table),  # big: on the click
        file_name="goals.csv",
        mime="text/csv",
        icon=":material/download:",
        help="Exactly the rows and columns of the table above.",
    )

with st.expander("How progress is measured", icon=":material/help:"):
    st.markdown(
        f"""
Each goal follows one indicator of one partnership (its total, or one breakdown category such as women) from a
baseline year to a target value in a target year. We use the UN SDG progress method (as Open SDG implements it):

- **Annual values.** Quarters become years by each indicator's rule: flows are summed, stocks take the last
  quarter-end value, rates are recomputed from their annual parts.
- **Observed growth** is the compound annual growth from the base year to the latest complete year.
- **Required growth** is the compound annual growth from the base year that would reach the target in the target
  year.
- **P** is observed growth divided by required growth (read the other way round when lower is better).
  - {status_badge("target_achieved")}: the latest complete year already meets the target.
  - {status_badge("substantial_progress")}: P ≥ 0.95, growing at 95% or more of the
    needed pace.
  - {status_badge("moderate_progress")}: 0.6 ≤ P < 0.95.
  - {status_badge("limited_progress")}: 0 ≤ P < 0.6, the right way but too slowly.
  - {status_badge("deterioration")}: P < 0, moving away from the target.
  - {status_badge("not_available")}: fewer than two complete years, or no pace can be computed.
- **Score** from −5 to 5: 5 when the target is met; otherwise 7.1429 × P − 4.2857 (at most 5) when P ≥ 0.6, and
  4.1667 × P − 2.5 (at least −5) below. A partnership's combined score is the mean of its goals' scores: 2.5 and
  above is substantial, 0 to 2.5 moderate, −2.5 to 0 limited, below −2.5 deterioration.
- **Growth needed from now on** is the compound annual growth from the latest complete year to the target year;
  **projected value** is where the observed growth leads by the target year.
- **Incomplete years.** {year_rule}
"""
    )
