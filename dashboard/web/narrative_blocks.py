"""The story behind the numbers on the pages: the writing form of the Upload page, the texts and required
explanations of the Review page, and the narrative and goal explanations shown on the Partnership page, the portal
and embeds. The pages call these blocks; the rules live in ``intake.narratives`` and ``queries.explanations``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access.roles import Identity, upload_scope
from dashboard.intake.narratives import (
    NarrativeError,
    discard_texts,
    publish_texts,
    quarters_of,
    waive_explanation,
    write_text,
)
from dashboard.present.goal_texts import goal_name
from dashboard.present.narrative_texts import (
    explanation_markdown,
    goal_explanation_notes,
    narrative_markdown,
    narrative_of,
    narrative_quarters,
    shortened,
)
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import partnership_portal_url
from dashboard.queries.explanations import explanations_needed, missing_explanations, status_change_text
from dashboard.settings import min_cell_count
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.storage.tables import Layer
from dashboard.web.narrative_reads import read_layer_texts, read_pending_texts, read_public_story
from dashboard.web.table_reads import read_goals, read_partnerships
from data_contracts import DATASETS
from data_contracts.clock import today
from data_contracts.narratives import EXPLANATION_MAX, MAX_LENGTH, small_number_message, small_number_warnings
from data_contracts.quarters import Quarter

FLASH = "story_flash"
QUARTERS_OFFERED = 8
"""Quarters the writing form offers: the current one and the seven before it."""


def _flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/task_alt:")


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _goal_label(goals: pd.DataFrame, goal_id: str) -> str:
    row = goals[goals["goal_id"] == goal_id]
    if row.empty:
        return goal_id
    first = row.iloc[0]
    return f"{goal_name(str(first['indicator_id']), str(first['dimension']), str(first['category']))} ({goal_id})"


# ---- the Upload page: writing ------------------------------------------------------------------------------------


def writing_form(store: Store, identity: Identity) -> None:
    """The form where officers (and admins) write a quarter's narrative or a goal's explanation, warned before
    submitting when the text may name a small group."""
    st.header("The story behind the numbers")
    st.caption(
        "What happened this quarter, what changed and what is planned (a narrative, up to 5,000 characters), and "
        f"why a goal stands where it does (an explanation, up to {EXPLANATION_MAX} characters). Texts are reviewed "
        "and published with the quarter's figures. Paragraphs and lines starting with “- ” are kept; everything "
        "else is shown exactly as typed."
    )
    _flash()
    partnerships = read_partnerships(store)
    names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
    scope = upload_scope(identity)
    ids = sorted((p for p in names if scope is None or p in scope), key=lambda p: names[p].casefold())
    if not ids:
        st.info("You are not assigned to a partnership yet: an admin assigns partnerships.", icon=":material/info:")
        return
    current = Quarter.of(today())
    quarters = [Quarter.from_number(current.number - i) for i in range(QUARTERS_OFFERED)]
    left, middle, right = st.columns([3, 2, 2])
    partnership_id = left.selectbox("Partnership", ids, format_func=lambda p: names.get(p, p), key="story_partnership")
    quarter = middle.selectbox(
        "Quarter", quarters, index=1, format_func=lambda q: q.label, key="story_quarter", help="Newest first."
    )
    kind = right.radio(
        "Text",
        ["narrative", "explanation"],
        format_func=lambda k: "Narrative of the quarter" if k == "narrative" else "Explanation of a goal",
        key="story_kind",
    )
    goal_id = ""
    goals = read_goals(store)
    goals = goals[goals["partnership_id"] == partnership_id]
    if kind == "explanation":
        if goals.empty:
            st.info("This partnership has no goals yet.", icon=":material/flag:")
            return
        goal_id = st.selectbox(
            "Goal",
            sorted(goals["goal_id"].astype(str)),
            format_func=lambda g: _goal_label(goals, g),
            key="story_goal",
        )
    existing = read_layer_texts(store, "submitted", [partnership_id])
    same = existing[
        (existing["year"] == quarter.year)
        & (existing["quarter"] == quarter.quarter)
        & (existing["kind"] == kind)
        & (existing["goal_id"] == goal_id)
    ]
    before = "" if same.empty or bool(same["waived"].iloc[0]) else str(same["text"].iloc[0])
    if before:
        st.caption(f"Submitted before by {markdown_literal(same['author'].iloc[0])}; saving replaces it.")
    limit = MAX_LENGTH[kind]
    label = "Narrative" if kind == "narrative" else "Explanation"
    text = st.text_area(
        f"{label} (up to {limit:,} characters)",
        value=before,
        max_chars=limit,
        height=220 if kind == "narrative" else 110,
        key=f"story_text|{partnership_id}|{quarter.code}|{kind}|{goal_id}",
    )
    k = min_cell_count()
    passages = small_number_warnings(text, k)
    confirmed = True
    if passages:
        st.warning(small_number_message(passages, k), icon=":material/warning:")
        confirmed = st.checkbox(
            f"I have checked the text: it does not name a group of fewer than {k} people (or says “fewer than {k}”)",
            key=f"story_confirm|{partnership_id}|{quarter.code}|{kind}|{goal_id}",
        )
    if st.button(
        f"Submit the {label.lower()} for review",
        type="primary",
        disabled=not text.strip() or not confirmed or text == before,
        key="story_submit",
        icon=":material/send:",
    ):
        try:
            write_text(
                store,
                partnership_id=partnership_id,
                year=quarter.year,
                quarter=quarter.quarter,
                kind=kind,
                goal_id=goal_id,
                text=text,
                user=identity.email or identity.label,
                allowed_partnerships=scope,
            )
            _done(
                f"Submitted the {label.lower()} of {markdown_literal(names[partnership_id])} for {quarter.label}: "
                "waiting for review by an administrator."
            )
        except NarrativeError as error:
            st.error(markdown_literal(error), icon=":material/block:")


def file_narratives_note(narratives: pd.DataFrame) -> None:
    """On the Upload page's check: the narratives a file carries, committed with its rows."""
    if narratives is None or narratives.empty:
        return
    quarters = ", ".join(f"{s.partnership_id} {s.year} Q{s.quarter}" for s in quarters_of(narratives)[:5])
    more = len(narratives) - 5
    st.caption(
        f"The file carries {len(narratives):,} new or changed narrative(s) ({markdown_literal(quarters)}"
        f"{f' and {more} more' if more > 0 else ''}): committed with its rows and reviewed with them."
    )


# ---- the Review page -----------------------------------------------------------------------------------------------


def _chosen_slices(chosen_keys: list[str]) -> dict[str, list[Slice]]:
    found: dict[str, list[Slice]] = {}
    for key in chosen_keys:
        dataset, text = key.split("|", 1)
        if dataset in DATASETS:
            found.setdefault(dataset, []).append(Slice.parse(text))
    return found


def required_explanations(store: Store, identity: Identity, chosen_keys: list[str]) -> bool:
    """For the quarters chosen on the Review page: the texts that go with them, and each goal that falls to limited
    progress or deterioration, with a form to explain it or (admins) waive it. True while an explanation is missing:
    Publish stays disabled."""
    chosen = _chosen_slices(chosen_keys)
    if not chosen:
        return False
    _flash()
    quarters = sorted({s for slices in chosen.values() for s in slices}, key=str)
    pending = read_pending_texts(store)
    wanted = set(quarters)
    keys = pending[["partnership_id", "year", "quarter"]].itertuples(index=False)
    going = pending[[Slice(str(p), int(y), int(q)) in wanted for p, y, q in keys]] if not pending.empty else pending
    if not going.empty:
        narratives = int((going["kind"] == "narrative").sum())
        st.caption(
            f"With these quarters go {narratives} narrative(s) and {len(going) - narratives} explanation(s) or "
            "waiver(s) waiting for review: publishing publishes them, rejecting discards them."
        )
    needed = explanations_needed(store, chosen)
    if needed.empty:
        return False
    goals = read_goals(store)
    names = read_partnerships(store).set_index("partnership_id")["name"].astype(str).to_dict()
    missing = missing_explanations(needed)
    st.markdown(f"**Explanations required** ({len(needed) - len(missing)} of {len(needed)} done)")
    for row in needed.itertuples(index=False):
        quarter = Quarter(int(row.year), int(row.quarter))
        key = f"{row.partnership_id}|{quarter.code}|{row.goal_id}"
        with st.container(border=True, key=f"explain-{row.partnership_id}-{quarter.code}-{row.goal_id}"):
            st.markdown(
                f"**{markdown_literal(_goal_label(goals, str(row.goal_id)))}** · "
                f"{markdown_literal(names.get(row.partnership_id, row.partnership_id))} · {quarter.label}: "
                f"{status_change_text(str(row.before), str(row.after))}"
            )
            if row.explained:
                st.caption("Explained:")
                st.text(str(row.text))
                continue
            if row.waived:
                st.caption("The explanation was waived by an admin (recorded in the audit).")
                continue
            text = st.text_area(
                f"Why (up to {EXPLANATION_MAX} characters)", max_chars=EXPLANATION_MAX, key=f"explain-text|{key}"
            )
            write, waive = st.columns(2)
            if write.button("Save the explanation", key=f"explain-save|{key}", disabled=not text.strip()):
                try:
                    write_text(
                        store,
                        partnership_id=str(row.partnership_id),
                        year=quarter.year,
                        quarter=quarter.quarter,
                        kind="explanation",
                        goal_id=str(row.goal_id),
                        text=text,
                        user=identity.email or identity.label,
                    )
                    _done(f"Saved the explanation of goal {markdown_literal(row.goal_id)} for {quarter.label}.")
                except NarrativeError as error:
                    st.error(markdown_literal(error), icon=":material/block:")
            if identity.is_admin:
                reason = waive.text_input("Reason for waiving", key=f"explain-reason|{key}")
                if waive.button(
                    "Waive (recorded in the audit)", key=f"explain-waive|{key}", disabled=not reason.strip()
                ):
                    try:
                        waive_explanation(
                            store,
                            partnership_id=str(row.partnership_id),
                            year=quarter.year,
                            quarter=quarter.quarter,
                            goal_id=str(row.goal_id),
                            user=identity.email or identity.label,
                            reason=reason,
                        )
                        _done(f"Waived the explanation of goal {markdown_literal(row.goal_id)} for {quarter.label}.")
                    except NarrativeError as error:
                        st.error(markdown_literal(error), icon=":material/block:")
    if not missing.empty:
        st.warning(
            f"Publish is disabled until each of the {len(missing)} goal(s) above that fell to limited progress or "
            "deterioration has an explanation or a waiver.",
            icon=":material/edit_note:",
        )
    return not missing.empty


def texts_waiting(store: Store, identity: Identity) -> None:
    """The Review page's list of narratives and explanations waiting for review, with Publish texts and Reject texts
    (for texts written after their quarter's figures were published)."""
    pending = read_pending_texts(store)
    st.header("Narratives and explanations waiting")
    if pending.empty:
        st.caption("No narrative or explanation waits for review.")
        return
    names = read_partnerships(store).set_index("partnership_id")["name"].astype(str).to_dict()
    shown = pd.DataFrame(
        {
            "Partnership": pending["partnership_id"].map(lambda p: names.get(p, p)),
            "Quarter": pending["year"].astype(str) + " Q" + pending["quarter"].astype(str),
            "Kind": pending["kind"],
            "Goal": pending["goal_id"],
            "What": pending["status"].map({"new": "new", "changed": "changed", "removed": "removed"}),
            "Text": [
                "(explanation waived)" if waived else shortened(text, 200)
                for text, waived in zip(pending["text"].fillna(""), pending["waived"], strict=True)
            ],
            "Written by": pending["author"],
            "Written at (UTC)": pending["written_at"],
        }
    )
    st.dataframe(shown, hide_index=True, key="texts-waiting")
    options = [str(s) for s in quarters_of(pending)]
    chosen = st.multiselect(
        "Quarters whose texts to act on",
        options,
        format_func=lambda t: (
            f"{names.get(Slice.parse(t).partnership_id, Slice.parse(t).partnership_id)} · "
            f"{Slice.parse(t).year} Q{Slice.parse(t).quarter}"
        ),
        key="texts_choice",
        help="Texts of a quarter whose figures wait for review are published with them; publish texts alone when "
        "the figures are published already.",
    )
    left, right = st.columns(2)
    user = identity.email or identity.label
    if left.button("Publish these texts", key="texts-publish", disabled=not chosen, type="primary"):
        try:
            publish_texts(store, [Slice.parse(t) for t in chosen], user=user)
            _done(f"Published the texts of {len(chosen)} quarter(s).")
        except NarrativeError as error:
            st.error(markdown_literal(error), icon=":material/block:")
    reason = right.text_input("Reason for rejecting the texts", key="texts_reason")
    if right.button("Reject these texts", key="texts-reject", disabled=not chosen):
        try:
            discard_texts(store, [Slice.parse(t) for t in chosen], user=user, reason=reason)
            _done(f"Rejected the texts of {len(chosen)} quarter(s).")
        except NarrativeError as error:
            st.error(markdown_literal(error), icon=":material/block:")


# ---- reading: the Partnership page, the portal, embeds ----------------------------------------------------------


def narrative_section(texts: pd.DataFrame, partnership_id: str, *, key: str, public: bool = False) -> None:
    """A partnership's narrative of a chosen quarter (newest first), shown as text."""
    st.subheader("The story behind the numbers", anchor=False)
    quarters = narrative_quarters(texts, partnership_id)
    if not quarters:
        st.info(
            "No narrative published yet."
            if public
            else "No narrative yet. Officers write one on the Upload page; it is published with the quarter.",
            icon=":material/article:",
        )
        return
    quarter = st.selectbox(
        "Narrative of the quarter", quarters, format_func=lambda q: q.label, key=f"{key}-quarter", help="Newest first."
    )
    if not public:
        st.caption("Staff view: as submitted. The public reads it once the quarter is published.")
    st.markdown(narrative_markdown(narrative_of(texts, partnership_id, quarter)))


def staff_texts(store: Store, partnership_id: str, layer: Layer = "submitted") -> pd.DataFrame:
    """A partnership's texts for a staff page."""
    return read_layer_texts(store, layer, [partnership_id])


def public_story(store: Store, partnership_id: str) -> pd.DataFrame:
    """A public partnership's published texts."""
    return read_public_story(store, [partnership_id])


def goal_explanation(texts: pd.DataFrame, partnership_id: str, goal_id: str) -> tuple[tuple[Quarter, str], ...]:
    """A goal card's latest explanation (shown), and every explanation of the goal (for its chart's notes)."""
    notes = tuple(goal_explanation_notes(texts, partnership_id, goal_id))
    if notes:
        st.markdown(explanation_markdown(*notes[-1]))
    return notes


def embed_story_line(line: str | None, base_url: str, partnership_id: str) -> None:
    """One line under an embed's chart: the story's line and a link to the partnership's portal page."""
    if not line:
        return
    link = partnership_portal_url(base_url, partnership_id)  # our own address and URL-encoded id: safe in a link
    st.caption(f"{markdown_literal(line)} [Read the story]({link})")
