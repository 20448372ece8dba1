"""Upload: program officers send a quarterly file; it is checked, previewed and committed whole — or not at all."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access.pages import PARTNERSHIP, UPLOAD
from dashboard.access.roles import upload_scope
from dashboard.intake.ingest import check_upload, commit_upload, count_text, record_rejection
from dashboard.intake.review import series_name
from dashboard.present.exports import csv_bytes
from dashboard.present.text_safety import markdown_literal
from dashboard.settings import UploadSettings
from dashboard.storage.narratives import texts_version
from dashboard.storage.tables import AUDIT_TABLE, LAZY_TABLES, TABLE_SCHEMAS
from dashboard.web.blocks import blanks_for_missing, findings_table
from dashboard.web.narrative_blocks import file_narratives_note, writing_form
from dashboard.web.portfolio_reads import keep_read_model
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnerships, read_upload_history
from dashboard.web.template_download import render_template_download
from data_contracts import DATASET_INFO, DATASETS, findings_frame, summarise_findings
from data_contracts.templates import template_csv, template_xlsx

DETECT = "detect"


def findings_block(findings: list, *, key: str, label: str, file_name: str) -> None:
    """Findings as a table with a wide message column, and the same rows as a CSV download."""
    st.dataframe(
        findings_table(findings),
        hide_index=True,
        key=f"{key}-table",
        column_config={
            "What to do": st.column_config.TextColumn(width="large"),
            "Rule": st.column_config.TextColumn(width="small", help="The rule's code, as the CSV report names it."),
        },
    )
    st.download_button(
        f"Download {label} (CSV)",
        csv_bytes(findings_table(findings, download=True)),
        file_name,
        "text/csv",
        icon=":material/download:",
        key=f"{key}-csv",
    )


REPORT_KEY = "upload_report"
COMMITTED_KEY = "upload_committed"  # the file id and message of the file committed last, until the file changes
WAITING_FOR_REVIEW = "Waiting for review by an administrator."

identity = require(UPLOAD)
store = get_store()
settings = UploadSettings.from_env()

st.title("Upload quarterly figures")
st.caption(
    "Send one file per dataset: one or several quarters, one or many partnerships. The file is checked as a whole; "
    "it is committed only when it has no error, replacing exactly its partnerships' quarters."
)

# ---- 1. what is being sent -----------------------------------------------------------------------------------
left, right = st.columns([2, 3])
with left:
    choice = st.selectbox(
        "Dataset",
        options=[DETECT, *DATASETS],
        format_func=lambda d: "Detect from the indicator ids" if d == DETECT else DATASET_INFO[d].name,
        key="upload_dataset",
        help="Which contract the file is checked against. Detection works when every indicator id belongs to one "
        "dataset.",
    )
with (
    right,
    st.expander(
        "Templates: the columns, an example row and (in Excel) every valid value", icon=":material/description:"
    ),
):
    for dataset in DATASETS:
        name = DATASET_INFO[dataset].name
        one, two, three = st.columns([2, 1, 1])
        one.markdown(f"**{name}**")
        two.download_button(
            "CSV", template_csv(dataset), f"{dataset}_template.csv", "text/csv", key=f"tpl-csv-{dataset}"
        )
        three.download_button(
            "Excel",
            template_xlsx(dataset),
            f"{dataset}_template.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"tpl-xlsx-{dataset}",
        )

user = identity.email or identity.label
scope = upload_scope(identity)
if scope is None:
    st.caption(f"Signed in as {markdown_literal(user)} (admin): you may upload for every partnership.")
else:
    names = read_partnerships(store).set_index("partnership_id")["name"]
    assigned = ", ".join(markdown_literal(names.get(p, p)) for p in sorted(scope)) or "none"
    st.caption(
        f"Signed in as {markdown_literal(user)}: you may upload for {assigned}. Rows of other partnerships are refused."
    )
render_template_download(store, scope)

uploaded = st.file_uploader(
    "Quarterly file (CSV, Excel .xlsx or Parquet)",
    type=["csv", "tsv", "txt", "xlsx", "parquet"],
    key="upload_file",
    max_upload_size=max(1, settings.max_bytes // (1024 * 1024)),
    help=f"Up to {settings.max_bytes / 1024 / 1024:,.0f} MB and {settings.max_rows:,} rows. CSV may be comma, "
    "semicolon or tab separated, UTF-8 or Windows-1252; with semicolons a decimal comma is read as a decimal.",
)

# ---- 2. check ------------------------------------------------------------------------------------------------
committed = st.session_state.get(COMMITTED_KEY)
if committed and (uploaded is None or committed[0] != uploaded.file_id):  # another file: Commit again
    st.session_state.pop(COMMITTED_KEY, None)
    committed = None
report = None
if uploaded is not None:
    data = uploaded.getvalue()
    dataset = None if choice == DETECT else choice
    data_tables = [t for t in TABLE_SCHEMAS if t != AUDIT_TABLE and t not in LAZY_TABLES]
    versions = (*store.versions(data_tables).values(), texts_version(store, "submitted"))
    cache_key = (uploaded.file_id, dataset, versions, user)
    cached = st.session_state.get(REPORT_KEY)
    if cached and cached[0] == cache_key:
        report = cached[1]
    else:
        bar = st.progress(0.0, text=f"Reading {markdown_literal(uploaded.name)}…")
        report = check_upload(
            store,
            data,
            uploaded.name,
            dataset=dataset,
            settings=settings,
            progress=lambda step, fraction: bar.progress(fraction, text=f"{markdown_literal(step)}…"),
            allowed_partnerships=scope,
        )
        bar.empty()
        st.session_state[REPORT_KEY] = (cache_key, report)

if report is not None:
    st.header("Check")
    if report.format_details:
        st.caption(
            f"{markdown_literal(report.file_name)}: {markdown_literal(report.format_details)}. "
            f"Dataset: {report.dataset or 'not known'}."
        )
    cards = st.columns(4)
    cards[0].metric("Rows read", f"{report.rows:,}", border=True)
    cards[1].metric(
        "Quarters",
        f"{len(report.slices):,}" if report.accepted else "–",
        help="(partnership, year, quarter) slices the file would replace",
        border=True,
    )
    cards[2].metric("Errors", f"{len(report.errors):,}", border=True)
    cards[3].metric("Warnings", f"{len(report.warnings):,}", border=True)

    if report.errors:
        st.error(
            f"Not committed: {report.summary()}. Fix the rows below and upload the file again.",
            icon=":material/block:",
        )
        counted = summarise_findings(report.errors)
        first = findings_frame(report.errors).drop_duplicates("rule").set_index("rule")["message"]
        summary = pd.DataFrame(
            {
                "For example": counted["rule"].map(first),
                "Findings": counted["findings"],
                "Severity": counted["severity"],
                "Rule": counted["rule"],
            }
        )
        st.markdown("**Errors by rule**")
        st.dataframe(
            summary,
            hide_index=True,
            column_config={"For example": st.column_config.TextColumn(width="large")},
        )
        st.markdown("**Every error** (row 1 is the header)")
        report_name = f"{report.file_name}.report.csv"
        findings_block(report.errors, key="errors", label="the error report", file_name=report_name)
        if st.session_state.get("rejection_recorded") != report.sha256:
            record_rejection(store, report, user=user)
            st.session_state["rejection_recorded"] = report.sha256
    else:
        if report.warnings:
            with st.expander(f"{count_text(len(report.warnings), 'warning')}: worth a second look", expanded=True):
                findings_block(
                    report.warnings, key="warnings", label="the warnings", file_name=f"{report.file_name}.warnings.csv"
                )
        st.header("Preview")
        preview = [
            {
                "Partnership": change.slice.partnership_id,
                "Quarter": f"{change.slice.year} Q{change.slice.quarter}",
                "New rows": change.new,
                "Changed": change.changed,
                "Removed": change.removed,
                "Unchanged": change.unchanged,
                "Already published": "yes" if change.published else "no",
            }
            for change in report.changes
        ]
        st.dataframe(preview, hide_index=True, key="preview-table")
        file_narratives_note(report.narratives)
        if not report.largest.empty:
            st.markdown("**Largest changes**")
            largest = report.largest
            st.dataframe(
                pd.DataFrame(
                    {
                        "Partnership": largest["partnership_id"],
                        "Quarter": largest["year"].astype(str) + " Q" + largest["quarter"].astype(str),
                        "Indicator": [
                            series_name(i, d, c)
                            for i, d, c in zip(
                                largest["indicator_id"], largest["dimension"], largest["category"], strict=True
                            )
                        ],
                        "Before": largest["value_old"],
                        "Now": largest["value_new"],
                        "Change": largest["change"],
                        "Change (%)": largest["change_pct"],
                    }
                ),
                hide_index=True,
                key="largest-table",
            )
        if committed:
            st.success(committed[1], icon=":material/check_circle:")
            st.info(WAITING_FOR_REVIEW, icon=":material/hourglass_top:")
            st.button("Commit", type="primary", icon=":material/upload:", disabled=True, key="commit-done",
                      help="Committed. Choose another file to commit again.")  # fmt: skip
        elif report.unchanged:
            when = report.previous_commit
            extra = (
                f" (first committed by {markdown_literal(when['user'])} on {when['committed_at']:%Y-%m-%d})"
                if when
                else ""
            )
            st.info(f"This content is already submitted{extra}; committing would change nothing.", icon="♻️")
        else:
            totals = sum(c.new + c.changed + c.removed for c in report.changes)
            commit_slot = st.empty()
            if commit_slot.button(
                f"Commit {report.rows:,} rows ({count_text(totals, 'change')})",
                type="primary",
                icon=":material/upload:",
            ):
                commit = commit_upload(store, report, user=user)
                keep_read_model(store)
                st.session_state.pop(REPORT_KEY, None)
                message = f"Committed {report.summary()} as version {commit.version} of {commit.table}."
                st.session_state[COMMITTED_KEY] = (uploaded.file_id, message)
                commit_slot.button("Commit", type="primary", icon=":material/upload:", disabled=True, key="commit-done")
                st.success(message, icon=":material/check_circle:")
                st.info(WAITING_FOR_REVIEW, icon=":material/hourglass_top:")
                for partnership_id in sorted({s.partnership_id for s in report.slices})[:10]:
                    names = read_partnerships(store).set_index("partnership_id")["name"]
                    st.page_link(
                        PARTNERSHIP.view,
                        label=f"Open {markdown_literal(names.get(partnership_id, partnership_id))}",
                        icon=":material/arrow_forward:",
                        query_params={"partnership": partnership_id},
                    )

writing_form(store, identity)  # the narrative of a quarter, a goal's explanation

# ---- 3. history ----------------------------------------------------------------------------------------------
st.header("Upload history")
audit = read_upload_history(store)  # the commits once per versions of the audited tables, and the attempts
history = audit[audit["action"].isin(["upload", "seed", "restore"])]
filters = st.columns(3)
chosen_datasets = filters[0].multiselect("Dataset", DATASETS, key="history_dataset")
chosen_outcomes = filters[1].multiselect("Outcome", ["accepted", "rejected", "unchanged"], key="history_outcome")
who = filters[2].text_input("User contains", key="history_user")
if chosen_datasets:
    history = history[history["dataset"].isin(chosen_datasets)]
if chosen_outcomes:
    history = history[history["outcome"].isin(chosen_outcomes)]
if who.strip():
    history = history[history["user"].str.contains(who.strip(), case=False, regex=False).fillna(False)]
if history.empty:
    st.info("No uploads match these filters.", icon=":material/info:")
else:
    shown = history[
        ["committed_at", "user", "action", "outcome", "dataset", "source_name", "rows", "table_version", "message"]
    ].rename(
        columns={
            "committed_at": "When (UTC)",
            "user": "User",
            "action": "Action",
            "outcome": "Outcome",
            "dataset": "Dataset",
            "source_name": "File",
            "rows": "Rows",
            "table_version": "Table version",
            "message": "Message",
        }
    )
    st.dataframe(blanks_for_missing(shown), hide_index=True, key="history-table")
    st.download_button("Download the history (CSV)", csv_bytes(shown), "upload_history.csv", "text/csv")
