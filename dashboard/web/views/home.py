"""My reporting: the officer's home. What is due next for my partnerships, what is overdue, and my last uploads with
their review state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access.pages import HOME, REPORTING_STATUS, UPLOAD
from dashboard.analytics.reporting_status import upload_review_states
from dashboard.present.reporting_texts import cell_colours, status_table
from dashboard.present.text_safety import markdown_literal
from dashboard.web.session import get_store, require
from dashboard.web.status_reads import read_officers, read_reporting_status
from dashboard.web.table_reads import read_partnerships, read_upload_history
from data_contracts import clock
from data_contracts.quarters import Quarter

SHOWN = 20  # rows of each list

identity = require(HOME)
store = get_store(snapshot=True)
today = clock.today()

st.title("My reporting")
partnerships = read_partnerships(store)
if identity.role == "officer":
    partnerships = partnerships[partnerships["partnership_id"].isin(sorted(identity.partnerships))]
    st.caption(
        f"What is due next for your partnerships, what is overdue, and what became of your last uploads, as of "
        f"{today:%d %B %Y}."
    )
else:
    st.caption(
        f"What is due next for every partnership, what is overdue, and what became of your last uploads, as of "
        f"{today:%d %B %Y}. Officers see their own partnerships here."
    )
if partnerships.empty:
    st.info(
        "No partnership is assigned to you yet: ask an administrator to assign the partnerships you report for.",
        icon=":material/info:",
    )
    st.stop()

status = read_reporting_status(store, today)
mine = status[status["partnership_id"].astype(str).isin(set(partnerships["partnership_id"].astype(str)))]
names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
officers = read_officers(store)
current = Quarter.of(today)
numbers = mine["year"] * 4 + mine["quarter"] - 1
upcoming = mine[(mine["status"] == "due") | ((mine["status"] == "not_due") & (numbers == current.number))]
upcoming = upcoming.sort_values(["due_date", "partnership_id", "dataset"], kind="stable")
overdue = mine[mine["status"] == "overdue"].sort_values(["due_date", "partnership_id"], ascending=[False, True])
waiting = mine[mine["status"].isin(["submitted", "changed_since_published"])]

cards = st.columns(3)
cards[0].metric("Due now", f"{int((mine['status'] == 'due').sum()):,}", help="Quarters ended, within the due days",
                border=True)  # fmt: skip
cards[1].metric("Overdue", f"{len(overdue):,}", help="Quarters past their due date with nothing submitted", border=True)
cards[2].metric("Waiting for review", f"{len(waiting):,}", help="Quarters submitted, not yet published", border=True)

st.header("Due next")
if upcoming.empty:
    st.success("Nothing is due: every ended quarter of your partnerships is reported.", icon=":material/check_circle:")
else:
    shown = status_table(upcoming.head(SHOWN), names, officers).drop(columns=["Submitted (UTC)", "Published (UTC)"])
    days_left = (pd.to_datetime(upcoming["due_date"].head(SHOWN)) - pd.Timestamp(today)).dt.days
    shown.insert(5, "Days left", days_left.to_numpy())
    st.dataframe(shown.style.map(cell_colours, subset=["Status"]), hide_index=True, key="home_due")
    st.page_link(UPLOAD.view, label="Upload quarterly figures", icon=":material/upload_file:")

st.header("Overdue")
if overdue.empty:
    st.success("Nothing is overdue.", icon=":material/check_circle:")
else:
    shown = status_table(overdue.head(SHOWN), names, officers).drop(columns=["Submitted (UTC)", "Published (UTC)"])
    st.dataframe(shown.style.map(cell_colours, subset=["Status"]), hide_index=True, key="home_overdue")
    more = len(overdue) - SHOWN
    if more > 0:
        st.caption(f"The {SHOWN} most recent of {len(overdue):,} overdue quarters.")
st.page_link(
    REPORTING_STATUS.view, label="Every quarter on the Reporting status page", icon=":material/event_available:"
)

st.header("My last uploads")
history = read_upload_history(store)
uploads = history[(history["action"] == "upload") & (history["user"] == (identity.email or ""))].head(SHOWN)
if uploads.empty:
    st.info(
        "You have not uploaded a file yet: send your first quarter on the Upload page.",
        icon=":material/info:",
    )
else:
    reviewed = upload_review_states(uploads, status)
    count = reviewed["slices"].map(lambda text: text.count(":") if isinstance(text, str) else 0)
    table = pd.DataFrame(
        {
            "When (UTC)": pd.to_datetime(reviewed["committed_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
            "File": reviewed["source_name"].fillna(""),
            "Dataset": reviewed["dataset"].fillna(""),
            "Quarters": count,
            "Outcome": reviewed["outcome"].fillna(""),
            "Review": reviewed["review_state"],
        }
    )
    st.dataframe(table, hide_index=True, key="home_uploads")
    if (reviewed["review_state"] == "waiting for review").any():
        st.caption(
            f"{markdown_literal(identity.label)}: uploads waiting for review are checked and published by an "
            "administrator on the Review page."
        )
