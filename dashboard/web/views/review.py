"""Review: admins publish accepted uploads to the public, reject them, or withdraw published quarters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access.pages import REVIEW
from dashboard.intake.review import (
    ReviewError,
    publish_slices,
    reject_slices,
    series_name,
    slice_differences,
    unpublish_slices,
)
from dashboard.present.exports import csv_bytes
from dashboard.present.text_safety import markdown_literal
from dashboard.settings import four_eyes_required
from dashboard.storage.slices import FINGERPRINT_LENGTH_SHOWN, Slice
from dashboard.web.blocks import blanks_for_missing
from dashboard.web.narrative_blocks import required_explanations, texts_waiting
from dashboard.web.portfolio_reads import keep_read_model
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import (
    read_partnerships,
    read_pending,
    read_publishing_history,
    read_slice_changes,
    read_slices,
)
from data_contracts import DATASET_INFO, DATASETS
from data_contracts.quarters import Quarter

identity = require(REVIEW)
store = get_store()

st.title("Review and publish")
st.caption(
    "Accepted uploads wait here until an admin publishes them; only published figures reach the public. "
    "Publishing copies a quarter into the published layer in one transaction; rejecting puts the submitted quarter "
    "back to what is published."
)
if four_eyes_required():
    st.info("Four-eyes rule on: you cannot publish a quarter you uploaded yourself.", icon=":material/visibility:")

FLASH = "review_flash"
# The fingerprints of the pending quarters as the page last showed them, by "dataset|slice": a click acts on what was
# on screen then, so an upload made between the showing and the click is refused, not published unseen. (Comments,
# not docstrings: Streamlit's magic would write a bare string on the page.)
SHOWN = "review_fingerprints"
shown_before: dict[str, str] = st.session_state.get(SHOWN, {})
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")


def done(message: str) -> None:
    """Say what happened after the page shows the new state."""
    keep_read_model(store)
    st.session_state[FLASH] = message
    st.session_state.pop("review_choice", None)
    st.rerun()


def reviewed(dataset: str, slices: list[Slice]) -> dict[Slice, str]:
    """The fingerprints the reviewer saw of the chosen quarters of one dataset (as shown before the click)."""
    found = {s: shown_before.get(f"{dataset}|{s}") for s in slices}
    return {s: fingerprint for s, fingerprint in found.items() if fingerprint}


pending = read_pending(store)  # fingerprints first, then only what differs; once per table versions
st.session_state[SHOWN] = {
    f"{row.dataset}|{row.slice}": str(row.fingerprint) for row in pending.itertuples(index=False) if row.fingerprint
}
names = read_partnerships(store).set_index("partnership_id")["name"].astype(str).to_dict()


def quarter_label(text: str) -> str:
    """``"att-imago:2026Q3"`` as ``"AT&T × Imago Foundation · 2026 Q3"``."""
    target = Slice.parse(text)
    return f"{names.get(target.partnership_id, target.partnership_id)} · {Quarter(target.year, target.quarter).label}"


def what_it_is(row: object) -> str:
    """A pending quarter in words: new, a correction or withdrawn; its warnings."""
    kind = (
        "Withdrawn from the public, waiting again"
        if row.withdrawn
        else "A new quarter"
        if row.first_time
        else "A correction of a published quarter"
    )
    warned = f"; {row.warnings:,} warning(s) to check" if row.warnings else ""
    return f"{kind}: {row.new:,} new, {row.changed:,} changed, {row.removed:,} removed rows{warned}"


CHANGES_SHOWN_FOR = 10  # pending quarters whose largest changes are shown at once; the others when chosen

st.header("Waiting for review")
if pending.empty:
    st.success("Nothing is waiting: every accepted upload is published.", icon=":material/task_alt:")
else:
    shown = pending.assign(
        Dataset=pending["dataset"].map(lambda d: DATASET_INFO[d].name),
        Partnership=pending["partnership_id"].map(lambda p: names.get(p, p)),
        Quarter=pending["year"].astype(str) + " Q" + pending["quarter"].astype(str),
    ).rename(
        columns={
            "new": "New rows",
            "changed": "Changed",
            "removed": "Removed",
            "uploaded_by": "Uploaded by",
            "uploaded_at": "Uploaded at (UTC)",
            "source_name": "File",
            "warnings": "Warnings",
        }
    )
    shown["Fingerprint"] = pending["fingerprint"].str.slice(0, FINGERPRINT_LENGTH_SHOWN)
    columns = ["Dataset", "Partnership", "Quarter", "New rows", "Changed", "Removed", "Warnings", "Uploaded by",
               "Uploaded at (UTC)", "File", "Fingerprint"]  # fmt: skip
    st.dataframe(
        shown[columns],
        hide_index=True,
        column_config={
            "Fingerprint": st.column_config.TextColumn(
                help="The start of the SHA-256 of the quarter's submitted rows. Publishing and rejecting act on "
                "exactly these rows: if a new upload changes them after this page was shown, the action is refused "
                "and you review again."
            )
        },
    )
    download = shown[columns].assign(Fingerprint=pending["fingerprint"])  # the whole fingerprint in the file
    st.download_button("Download the list (CSV)", csv_bytes(download), "pending_review.csv", "text/csv")
    labels = {
        f"{row.dataset}|{row.slice}": f"{DATASET_INFO[row.dataset].name} · {quarter_label(row.slice)} "
        f"({row.new} new, {row.changed} changed, {row.removed} removed)"
        for row in pending.itertuples(index=False)
    }
    rows_of = {f"{row.dataset}|{row.slice}": row for row in pending.itertuples(index=False)}
    chosen = st.multiselect("Quarters to act on", options=list(labels), format_func=labels.get, key="review_choice")

    st.markdown("**Largest changes** against what the public sees now")
    at_once = list(labels)[:CHANGES_SHOWN_FOR]
    for key in [*at_once, *(k for k in chosen if k not in at_once)]:
        dataset, text = key.split("|", 1)
        changes = read_slice_changes(store, dataset, Slice.parse(text))
        with st.container(border=True):
            st.markdown(f"**{markdown_literal(f'{DATASET_INFO[dataset].name} · {quarter_label(text)}')}**")
            st.caption(f"{what_it_is(rows_of[key])}. {changes.compared_text}")
            if changes.rows.empty:
                st.info("Nothing is submitted for this quarter: publishing it removes it from the public.")
                continue
            st.dataframe(
                changes.table(),
                hide_index=True,
                key=f"changes-{key}",
                column_config={
                    "Trend": st.column_config.LineChartColumn(
                        "Trend",
                        help="The submitted values of the last eight quarters up to this one, oldest first.",
                        width="small",
                    ),
                },
            )
            if changes.more_text():
                st.caption(changes.more_text())
    if len(labels) > len(at_once):
        st.caption(f"{len(labels) - len(at_once):,} more quarter(s) wait: choose them above to see their changes.")

    for key in chosen:
        dataset, text = key.split("|", 1)
        with st.expander(f"Every row that differs from what is published: {markdown_literal(labels[key])}"):
            differences = slice_differences(store, dataset, Slice.parse(text))
            st.dataframe(
                pd.DataFrame(
                    {
                        "Indicator": [
                            series_name(i, d, c)
                            for i, d, c in zip(
                                differences["indicator_id"],
                                differences["dimension"],
                                differences["category"],
                                strict=True,
                            )
                        ],
                        "What changed": differences["status"].map(
                            {"new": "new row", "changed": "changed", "removed": "removed"}
                        ),
                        "Published value": differences["value_published"],
                        "Submitted value": differences["value_submitted"],
                        "Published note": differences["note_published"],
                        "Submitted note": differences["note_submitted"],
                    }
                ),
                hide_index=True,
            )
    blocked = required_explanations(store, identity, chosen)  # goals falling off course need their "why" first
    publish_column, reject_column = st.columns(2)
    with publish_column:
        if st.button(
            f"Publish {len(chosen)} quarter(s)", type="primary", disabled=not chosen or blocked, key="publish"
        ):
            try:
                for dataset in DATASETS:
                    slices = [Slice.parse(k.split("|", 1)[1]) for k in chosen if k.startswith(f"{dataset}|")]
                    if slices:
                        publish_slices(
                            store,
                            dataset,
                            slices,
                            user=identity.email or "admin",
                            four_eyes=four_eyes_required(),
                            reviewed=reviewed(dataset, slices),
                        )
                done(f"Published {len(chosen)} quarter(s).")
            except ReviewError as error:
                st.error(markdown_literal(error), icon=":material/block:")
    with reject_column:
        reason = st.text_input("Reason for rejecting", key="reject_reason", placeholder="e.g. figures double-counted")
        if st.button(f"Reject {len(chosen)} quarter(s)", disabled=not chosen, key="reject"):
            try:
                for dataset in DATASETS:
                    slices = [Slice.parse(k.split("|", 1)[1]) for k in chosen if k.startswith(f"{dataset}|")]
                    if slices:
                        reject_slices(
                            store,
                            dataset,
                            slices,
                            user=identity.email or "admin",
                            reason=reason,
                            reviewed=reviewed(dataset, slices),
                        )
                done(f"Rejected {len(chosen)} quarter(s).")
            except ReviewError as error:
                st.error(markdown_literal(error), icon=":material/block:")

with st.expander("Withdraw a published quarter", icon=":material/visibility_off:"):
    st.caption(
        "Withdrawing stops the public seeing a published quarter; its submitted figures stay and wait for review "
        "again. Choose the dataset, the partnership and the quarter: nothing is chosen for you."
    )
    dataset = st.selectbox(
        "Dataset",
        DATASETS,
        index=None,
        placeholder="Choose a dataset",
        format_func=lambda d: DATASET_INFO[d].name,
        key="withdraw_dataset",
    )
    keys = read_slices(store, dataset, "published") if dataset else None  # three columns of one table
    partnership = target = None
    if keys is not None and keys.empty:
        st.info("Nothing of this dataset is published.", icon=":material/info:")
    elif keys is not None:
        published_ids = sorted(map(str, keys["partnership_id"].unique()), key=lambda p: (names.get(p, p).casefold(), p))
        partnership = st.selectbox(
            "Partnership",
            published_ids,
            index=None,
            placeholder="Choose a partnership",
            format_func=lambda p: names.get(p, p),
            key="withdraw_partnership",
            help="Partnerships with a published quarter of this dataset.",
        )
        if partnership is not None:
            own = keys[keys["partnership_id"] == partnership]
            options = sorted((str(Slice(p, int(y), int(q))) for p, y, q in own.itertuples(index=False)), reverse=True)
            target = st.selectbox(
                "Quarter",
                options,
                index=None,
                placeholder="Choose a quarter",
                format_func=lambda text: Quarter(Slice.parse(text).year, Slice.parse(text).quarter).label,
                key="withdraw_slice",
                help="Newest first.",
            )
    why = st.text_input("Reason for withdrawing (recorded in the audit)", key="withdraw_reason")
    if st.button(
        "Withdraw from the public",
        key="withdraw",
        icon=":material/visibility_off:",
        disabled=target is None or dataset is None,
    ):
        try:
            unpublish_slices(store, dataset, [Slice.parse(target)], user=identity.email or "admin", reason=why)
            done(f"Withdrew {markdown_literal(quarter_label(target))} from the public; it waits for review again.")
        except ReviewError as error:
            st.error(markdown_literal(error), icon=":material/block:")

texts_waiting(store, identity)  # narratives and explanations written after their figures were published

st.header("Publishing history")
history = read_publishing_history(store)  # once per audit version; each action's slices summarised
if history.empty:
    st.info("No quarter has been published, rejected or withdrawn yet.", icon=":material/history:")
else:
    shown = history.assign(
        action=history["action"].map(
            {
                "publish": "published",
                "reject": "rejected",
                "unpublish": "withdrawn",
                "waive": "explanation waived",
            }
        ),
        dataset=history["dataset"].map(lambda d: DATASET_INFO[d].name if d in DATASET_INFO else d),
    ).rename(
        columns={
            "committed_at": "When (UTC)",
            "user": "Admin",
            "action": "Action",
            "dataset": "Dataset",
            "slices": "Quarters",
            "message": "Reason",
        }
    )
    st.dataframe(blanks_for_missing(shown), hide_index=True)
