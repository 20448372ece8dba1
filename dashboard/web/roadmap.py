"""Roadmap blocks of the pages: a partnership's timeline of milestones (Partnership page, portal), the officers' form
that adds, changes and deletes their partnership's milestones, and the portfolio's late milestones (Overview)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.access.roles import Identity, can_manage_milestones
from dashboard.analytics.milestones import late_milestones, with_displayed_state
from dashboard.intake.milestones_admin import (
    MilestoneChange,
    MilestoneScopeError,
    add_milestone,
    delete_milestone,
    update_milestone,
)
from dashboard.present.exports import csv_bytes
from dashboard.present.roadmap_charts import (
    late_summary,
    late_table,
    quarter_label,
    roadmap_figure,
    roadmap_table,
    state_label,
    state_summary,
)
from dashboard.present.text_safety import markdown_literal
from dashboard.storage.store import Store
from dashboard.web.blocks import SAMPLE_NOTE, chart_block, findings_table
from dashboard.web.roadmap_reads import read_milestones, read_public_roadmap
from dashboard.web.session import get_store
from dashboard.web.table_reads import is_sample, read_goals, read_partnerships
from data_contracts import INDICATORS, indicators_of, split_list
from data_contracts.clock import today as clock_today
from data_contracts.quarters import Quarter
from data_contracts.reference_models import (
    MILESTONE_NOTE_MAX,
    MILESTONE_STATES,
    MILESTONE_TITLE_MAX,
    MILESTONE_VISIBILITY,
)

NOTICE_KEY = "roadmap_notice"
"""Session state: what the last change of a milestone did, shown after the rerun that shows the change."""
QUARTERS_BEFORE, QUARTERS_AFTER = 8, 16
"""The due quarters the form offers: from two years back to four years ahead of today's quarter."""


def roadmap_source(store: Store, name: str) -> str:
    """The source line under a roadmap."""
    sample = f" · {SAMPLE_NOTE}" if is_sample(store) else ""
    return f"Source: {name}, roadmap milestones{sample}."


def roadmap_block(store: Store, partnership_id: str, name: str, *, public: bool = False) -> None:
    """The Roadmap section of a partnership: its timeline with a Table tab and downloads, or what to do when it has
    no milestones. ``public``: only what a visitor may see (public milestones of a public partnership)."""
    st.subheader("Roadmap", anchor=False)
    if public:
        milestones = read_public_roadmap(store, partnership_id)
    else:
        every = read_milestones(store)
        milestones = every[every["partnership_id"] == partnership_id]
    today = clock_today()
    if milestones.empty:
        st.info(
            "This partnership has not published a roadmap yet."
            if public
            else "No milestones for this partnership yet. Its officers add them below; admins can upload them on "
            "the Reference data page.",
            icon=":material/route:",
        )
        return
    shown = with_displayed_state(milestones, today)
    counts = state_summary(shown)
    st.caption(
        f"What the partnership plans to deliver, by quarter: {counts}. A milestone not done by the end of its due "
        "quarter is shown late." + ("" if public else " Staff view: internal milestones included.")
    )
    chart_block(
        roadmap_figure(shown, name=name, today=today, source=roadmap_source(store, name)),
        roadmap_table(shown),
        key=f"roadmap-{'public' if public else 'staff'}",
        file_name=f"{partnership_id}_roadmap.csv",
        alt=f"Timeline of the milestones of {name} by due quarter, each marked by its state ({counts}), with a line "
        "at today.",
    )


def _notice() -> None:
    """The outcome of the change made on the run before, once."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")


def _report(change: MilestoneChange, done: str) -> None:
    """After a change: on success, remember what was done and rerun (the page then shows it); else say why, with the
    checks' findings."""
    if change.ok:
        st.session_state[NOTICE_KEY] = done
        st.rerun()
    st.error("Not saved: the milestone breaks a rule (below); nothing was written.", icon=":material/block:")
    st.dataframe(findings_table(change.findings).drop(columns=["Row"]), hide_index=True)


def _quarter_options(today_quarter: Quarter) -> list[str]:
    first = today_quarter.number - QUARTERS_BEFORE
    return [Quarter.from_number(n).code.replace("-", "") for n in range(first, today_quarter.number + QUARTERS_AFTER)]


def manage_milestones_block(identity: Identity, partnership_id: str) -> None:
    """The officers' form for their own partnership's milestones (admins for any): add one, change its state, or
    delete one. Shown only to those who may change them (``roles.can_manage_milestones``)."""
    if not can_manage_milestones(identity, partnership_id):
        return
    store = get_store()  # a plain store: this block writes
    _notice()
    partnerships = read_partnerships(store)
    focus = partnerships.loc[partnerships["partnership_id"] == partnership_id, "focus_datasets"]
    focus_indicators = [i.id for d in split_list(focus.iloc[0] if len(focus) else "") for i in indicators_of(d)]
    every = read_milestones(store)
    mine = every[every["partnership_id"] == partnership_id].sort_values(["due_quarter", "title"], ignore_index=True)
    goals = read_goals(store)
    goal_ids = goals.loc[goals["partnership_id"] == partnership_id, "goal_id"].astype(str).tolist()
    linkable = [*goal_ids, *focus_indicators]
    titles = dict(zip(mine["milestone_id"].astype(str), mine["title"].astype(str), strict=True))
    dues = {
        mid: quarter_label(str(q)) for mid, q in zip(mine["milestone_id"].astype(str), mine["due_quarter"], strict=True)
    }
    user = identity.email or identity.role
    with st.expander("Manage milestones", icon=":material/edit_calendar:"):
        st.caption(
            "Add a milestone, change its state or delete it. Late is worked out from the due quarter: mark a "
            f"milestone done when it is. Changes are recorded with your name ({markdown_literal(user)})."
        )
        add, change, remove = st.tabs(["Add", "Change state", "Delete"])
        with add, st.form(f"milestone-add-{partnership_id}", clear_on_submit=False, border=False):
            title = st.text_input("Title", max_chars=MILESTONE_TITLE_MAX, placeholder="e.g. First cohort completes")
            columns = st.columns(3)
            options = _quarter_options(Quarter.of(clock_today()))
            due = columns[0].selectbox(
                "Due quarter",
                options,
                index=QUARTERS_BEFORE + 1,
                format_func=quarter_label,
            )
            state = columns[1].selectbox("State", list(MILESTONE_STATES), format_func=state_label)
            visibility = columns[2].selectbox(
                "Visibility",
                list(MILESTONE_VISIBILITY),
                index=1,
                format_func=lambda v: f"{v}: {MILESTONE_VISIBILITY[v]}",
            )
            linked = st.multiselect(
                "Linked goals and indicators",
                linkable,
                help="The partnership's goals and the indicators of its focus datasets this milestone moves.",
                format_func=lambda item: item if item in goal_ids else f"{INDICATORS[item].short_name} ({item})",
            )
            note = st.text_area("Note (optional)", max_chars=MILESTONE_NOTE_MAX)
            if st.form_submit_button("Add milestone", type="primary"):
                result = add_milestone(
                    store,
                    identity,
                    partnership_id,
                    title=title,
                    due_quarter=due,
                    state=state,
                    linked=";".join(linked),
                    note=note,
                    visibility=visibility,
                )
                _report(result, f"Added {markdown_literal(title)} (due {quarter_label(due)}).")
        if mine.empty:
            change.info("No milestones to change yet.", icon=":material/info:")
            remove.info("No milestones to delete yet.", icon=":material/info:")
            return
        with change:
            picked = st.selectbox(
                "Milestone",
                list(titles),
                format_func=lambda mid: f"{titles[mid]} ({dues[mid]})",
                key=f"milestone-change-{partnership_id}",
            )
            stored = mine.set_index("milestone_id").loc[picked]
            new_state = st.segmented_control(
                "New state",
                list(MILESTONE_STATES),
                default=str(stored["state"]),
                format_func=state_label,
                key=f"milestone-state-{partnership_id}-{picked}",
            )
            if st.button("Save state", key=f"milestone-save-{partnership_id}", disabled=new_state is None):
                result = _guarded(lambda: update_milestone(store, identity, picked, state=str(new_state)))
                if result is not None:
                    _report(result, f"{markdown_literal(titles[picked])} is now {state_label(str(new_state)).lower()}.")
        with remove:
            doomed = st.selectbox(
                "Milestone", list(titles), format_func=lambda mid: titles[mid], key=f"milestone-delete-{partnership_id}"
            )
            sure = st.checkbox("Yes, delete this milestone", key=f"milestone-sure-{partnership_id}")
            if st.button("Delete milestone", key=f"milestone-delete-button-{partnership_id}", disabled=not sure):
                result = _guarded(lambda: delete_milestone(store, identity, doomed))
                if result is not None:
                    _report(result, f"Deleted {markdown_literal(titles[doomed])}.")


def _guarded(change: object) -> MilestoneChange | None:
    """Run a change; a refusal (another partnership's milestone, one deleted meanwhile) is said, never raised."""
    try:
        return change()  # type: ignore[operator]
    except MilestoneScopeError as error:
        st.error(markdown_literal(str(error)), icon=":material/lock:")
    except KeyError:
        st.warning("That milestone was deleted meanwhile; nothing was changed.", icon=":material/info:")
    return None


def late_milestones_block(store: Store, partnership_ids: Sequence[str] | None = None) -> None:
    """The portfolio's late milestones (staff): a sentence, the table and its CSV download. ``partnership_ids``:
    the partnerships in view (None: all)."""
    st.header("Late milestones")
    every = read_milestones(store)
    if partnership_ids is not None:
        every = every[every["partnership_id"].isin(list(partnership_ids))]
    today = clock_today()
    if every.empty:
        st.info(
            "No milestones recorded for these partnerships. Officers add them on the Partnership page; admins can "
            "upload them on the Reference data page.",
            icon=":material/route:",
        )
        return
    partnerships = read_partnerships(store)
    names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
    goal_ids = set(read_goals(store)["goal_id"].astype(str))
    late = late_milestones(every, names, goal_ids, today)
    st.caption(markdown_literal(late_summary(late, len(every), today)))
    if late.empty:
        return
    table = late_table(late)
    st.dataframe(
        table,
        hide_index=True,
        column_order=[c for c in table.columns if not c.endswith(" id")],
        column_config={"Days late": st.column_config.NumberColumn(format="%d days")},
        key="late-milestones",
    )
    st.download_button(
        "Download late milestones (CSV)",
        csv_bytes(table),
        file_name=f"late_milestones_{today:%Y-%m-%d}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="late-milestones-csv",
    )
