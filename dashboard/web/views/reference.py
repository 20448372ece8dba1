"""Reference data: admins maintain the partnerships, goals and milestones tables through template, upload, report
and commit."""

from __future__ import annotations

import streamlit as st

from dashboard.access.pages import REFERENCE
from dashboard.intake.reference_admin import (
    TABLES,
    changes_text,
    check_reference_file,
    commit_reference,
    record_reference_rejection,
    reference_changes,
)
from dashboard.present.exports import csv_bytes
from dashboard.web.blocks import blanks_for_missing, findings_table
from dashboard.web.roadmap_reads import read_milestones
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_goals, read_partnerships, read_upload_history
from data_contracts.templates import reference_template_csv

identity = require(REFERENCE)
store = get_store()

st.title("Reference data")
st.caption(
    "The partnerships, their goals and their roadmaps' milestones. Download the current table (or a template), edit "
    "it, and upload it whole: it is checked like a quarterly file and replaces the table in one transaction, or "
    "changes nothing."
)
table = st.segmented_control(
    "Table",
    ["partnerships", "goals", "milestones"],
    default="partnerships",
    format_func=str.capitalize,
    key="reference_table",
)
table = table or "partnerships"
READS = {"partnerships": read_partnerships, "goals": read_goals, "milestones": read_milestones}
current = READS[table](store)
if table == "milestones":
    st.caption(
        "One row per milestone: due_quarter written like 2027Q1; state planned, in_progress or done (late is worked "
        "out from the due quarter, never entered); linked: goal ids of the partnership or indicator ids, separated "
        "by semicolons; visibility public or internal. Officers change their own partnership's milestones on the "
        "Partnership page."
    )
left, middle, _ = st.columns([1, 1, 2])
left.download_button(f"Download current {table} (CSV)", csv_bytes(current), f"{table}.csv", "text/csv")
middle.download_button("Template (CSV)", reference_template_csv(table), f"{table}_template.csv", "text/csv")
st.dataframe(current, hide_index=True)

uploaded = st.file_uploader(f"Upload a new {table} table", type=["csv", "xlsx", "parquet"], key=f"ref-{table}")
if uploaded is not None:
    report = check_reference_file(store, table, uploaded.getvalue(), uploaded.name)
    if not report.accepted:
        st.error(f"Not committed: {len(report.errors)} error(s); nothing written.", icon=":material/block:")
        st.dataframe(findings_table(report.errors), hide_index=True)
        if st.session_state.get("ref_rejection") != report.sha256:
            record_reference_rejection(store, report, user=identity.email or "admin")
            st.session_state["ref_rejection"] = report.sha256
    else:
        changes = reference_changes(current, report.frame, table)
        st.success(
            f"{len(report.frame)} rows pass every check. Replacing the table would make: {changes_text(changes)}.",
            icon=":material/check_circle:",
        )
        if not changes.empty:
            st.dataframe(changes, hide_index=True, key="ref-changes")
        if st.button(f"Replace the {table} table", type="primary", key="ref-commit"):
            commit = commit_reference(store, report, user=identity.email or "admin")
            st.success(
                f"Committed as version {commit.version} of {commit.table}: {changes_text(changes)}.",
                icon=":material/check_circle:",
            )

st.header("History")
audit = read_upload_history(store)  # the commits once per versions of the audited tables, and the attempts
history = audit[audit["table"] == TABLES[table]][["committed_at", "user", "action", "outcome", "source_name", "rows"]]
st.dataframe(blanks_for_missing(history), hide_index=True)
