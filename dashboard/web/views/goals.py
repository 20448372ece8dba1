"""Goals: the goals off course first (each with its status, growth so far and needed, a place for its explanation and
a link to its card), then how many goals are in each status, then every goal in one sortable, filtered table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access.pages import GOALS, PARTNERSHIP
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.goals import status_counts
from dashboard.analytics.progress import STATUS_COLOURS, STATUS_LABELS, STATUSES
from dashboard.present.goal_charts import status_summary_figure
from dashboard.present.goal_texts import (
    GOAL_FILTERS,
    GOAL_TABLE_SHOWN,
    goal_links,
    incomplete_year_note,
    lower_is_better_note,
    status_badge,
    status_summary_table,
)
from dashboard.web import url_state
from dashboard.web.blocks import app_base_url, chart_block, deferred_csv, sample_badge, source_note
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

page_url = f"{app_base_url()}/{PARTNERSHIP.path}"


def goals_dataframe(table: pd.DataFrame, *, key: str) -> None:
    """Goals as a table that fits a laptop screen: the columns of ``GOAL_TABLE_SHOWN``, the status as a coloured label
    with its word, and a link that opens each goal's card on the Partnership page."""
    shown = table.assign(Open=goal_links(table, page_url))
    growth = "Compound annual growth"
    st.container(key=f"{key}-box").dataframe(  # the box's key names the table (tests, page styles)
        shown,
        hide_index=True,
        key=key,
        height=min(38 + 35 * len(shown), 1100),
        column_order=[*GOAL_TABLE_SHOWN, "Open"],
        column_config={
            "Partnership": st.column_config.TextColumn(width=190, pinned=True),
            "Goal": st.column_config.TextColumn(
                width=230, help="The indicator the goal follows, with its breakdown category when it has one."
            ),
            "Status": st.column_config.MultiselectColumn(
                width=130,
                options=[STATUS_LABELS[status] for status in STATUSES],
                color=[STATUS_COLOURS[status] for status in STATUSES],
                help="Progress status by the SDG progress method (see *How progress is measured*).",
            ),
            "Growth so far (%/yr)": st.column_config.NumberColumn(
                "So far",
                format="%+.1f%%",
                width=70,
                help=f"{growth} a year so far: from the base year to the latest complete year.",
            ),
            "Growth needed (%/yr)": st.column_config.NumberColumn(
                "Needed",
                format="%+.1f%%",
                width=72,
                help=f"{growth} a year needed from now on to reach the target in the target year. Empty when the "
                "target is already met.",
            ),
            "Explanation": st.column_config.TextColumn(
                width=145,
                help="Why the goal stands where it does, in the partnership's words: added with each quarter's report.",
            ),
            "Open": st.column_config.LinkColumn(
                "Card", display_text="Open", width=55, help="Open this goal's card on the Partnership page."
            ),
        },
    )


# ---- the answer first: the goals off course -------------------------------------------------------------------------
counts = status_counts(evaluated)
total = len(evaluated)
off_course_count = counts["limited_progress"] + counts["deterioration"]
st.header(f"{off_course_count} of {total} goals are off course", anchor=False)
off_course_goals, off_course_table = read_goals_table(store, summary, off_course=True, partnerships=[], statuses=[])
if off_course_table.empty:
    st.success("No goal is off course: every goal with a status is moving toward its target fast enough.")
else:
    st.caption(
        "Limited progress or deterioration, worst first. Open a goal's card on the Partnership page for its chart "
        f"and workings. {lower_is_better_note(off_course_goals['indicator_id'])}".strip()
    )
    goals_dataframe(off_course_table, key="off-course-table")

# ---- how many goals in each status (once) ----------------------------------------------------------------------
st.header(f"Where the {total} goals stand", anchor=False)
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
    clear = "Clear the partnership or status filter" + (", or turn off *Only goals off course*" if off_course else "")
    st.info(f"No goal matches these filters. {clear}.", icon=":material/filter_alt_off:")
else:
    st.caption(
        f"{len(table)} of {total} goals, worst score first. Click a column header to sort. Growth rates are compound "
        f"annual rates. {lower_is_better_note(shown['indicator_id'])}"
    )
    goals_dataframe(table, key="goals-table")
    st.download_button(
        "Download this table (CSV)",
        data=deferred_csv(table),  # big: on the click
        file_name="goals.csv",
        mime="text/csv",
        icon=":material/download:",
        help="The rows of the table above with every number: base, current and target values and years, the "
        "projection, the score and each goal's id.",
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
