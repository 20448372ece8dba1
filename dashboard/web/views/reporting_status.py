"""Reporting status: who has reported which quarter, what is due and what is overdue (officers see their own
partnerships, admins every partnership)."""

from __future__ import annotations

import math

import streamlit as st

from dashboard.access.pages import REPORTING_STATUS
from dashboard.analytics.reporting_status import STATUSES, in_quarters, pairs_with_status, quarter_summary
from dashboard.present.reporting_texts import (
    STATUS_STYLES,
    cell_colours,
    legend_frame,
    overdue_frame,
    quarter_range,
    status_grid,
    summary_sentence,
)
from dashboard.settings import due_days
from dashboard.web.blocks import deferred_csv
from dashboard.web.session import get_store, require
from dashboard.web.status_reads import read_officers, read_reporting_status
from dashboard.web.table_reads import read_partnerships
from data_contracts import DATASET_INFO, DATASETS, clock
from data_contracts.quarters import Quarter

ROWS_PER_PAGE = 50  # partnerships per page of a grid

identity = require(REPORTING_STATUS)
store = get_store(snapshot=True)
today = clock.today()

st.title("Reporting status")
st.caption(
    f"Who has reported which quarter, what is due and what is overdue, as of {today:%d %B %Y}. Each partnership "
    f"reports its focus datasets every quarter from its start; a quarter is due {due_days()} days after it ends, "
    "unless the partnership sets its own due days."
)

partnerships = read_partnerships(store)
if identity.role == "officer":
    partnerships = partnerships[partnerships["partnership_id"].isin(sorted(identity.partnerships))]
    if partnerships.empty:
        st.info(
            "No partnership is assigned to you yet: ask an administrator to assign the partnerships you report for.",
            icon=":material/info:",
        )
        st.stop()
    st.caption("You see the partnerships assigned to you.")
elif partnerships.empty:
    st.info(
        "No partnerships yet: an administrator adds them on the Reference data page.",
        icon=":material/info:",
    )
    st.stop()

status = read_reporting_status(store, today)
names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))

# ---- filters -------------------------------------------------------------------------------------------------
current = Quarter.of(today)
last_ended = Quarter.from_number(current.number - 1)
earliest = int((status["year"] * 4 + status["quarter"] - 1).min()) if not status.empty else last_ended.number
options = [Quarter.from_number(n) for n in range(current.number, min(earliest, last_ended.number) - 1, -1)]
top = st.columns([1, 2, 1])
quarter = top[0].selectbox(
    "Quarter",
    options,
    index=options.index(last_ended),
    format_func=lambda q: q.label,
    key="status_quarter",
    help="The summary counts this quarter; the grids end with it.",
)
chosen_datasets = top[1].multiselect(
    "Dataset",
    list(DATASETS),
    default=list(DATASETS),
    format_func=lambda d: DATASET_INFO[d].name,
    key="status_datasets",
)
shown_quarters = top[2].number_input(
    "Quarters shown", min_value=1, max_value=40, value=8, step=1, key="status_quarters_shown"
)
middle = st.columns(3)
regions = middle[0].multiselect("Region", sorted(partnerships["region"].dropna().unique()), key="status_regions")
sectors = middle[1].multiselect("Sector", sorted(partnerships["lead_sector"].dropna().unique()), key="status_sectors")
chosen_statuses = middle[2].multiselect(
    "Status",
    list(STATUSES),
    format_func=lambda s: STATUS_STYLES[s].cell,
    key="status_statuses",
    help="Only partnerships with at least one quarter shown in one of these statuses.",
)

kept = partnerships
if regions:
    kept = kept[kept["region"].isin(regions)]
if sectors:
    kept = kept[kept["lead_sector"].isin(sectors)]
rows = status[
    status["partnership_id"].isin(kept["partnership_id"].astype(str)) & status["dataset"].isin(chosen_datasets)
]
window = quarter_range(quarter, int(shown_quarters))
in_window = in_quarters(rows, window[0], window[-1])
if chosen_statuses:
    in_window = pairs_with_status(in_window, chosen_statuses)

# ---- the answer ----------------------------------------------------------------------------------------------
if rows.empty:
    st.info(
        "No quarter is expected from the partnerships and datasets chosen: widen the filters.",
        icon=":material/filter_alt_off:",
    )
    st.stop()
summary = quarter_summary(rows, quarter)
st.markdown(f"**{summary_sentence(summary)}**")
overdue = overdue_frame(rows, names, read_officers(store), today)
left, right = st.columns([3, 2])
with left:
    st.caption(
        f"{len(overdue):,} overdue quarters in every quarter of the partnerships and datasets chosen. The list names "
        "the officers assigned to each partnership and their e-mails, for reminders."
    )
with right:
    st.download_button(
        "Download the overdue list (CSV)",
        deferred_csv(overdue),
        f"overdue_{today:%Y-%m-%d}.csv",
        "text/csv",
        icon=":material/download:",
        key="status_overdue_csv",
        disabled=overdue.empty,
    )

with st.expander("What the cells mean", expanded=False, icon=":material/info:"):
    legend = legend_frame()
    st.dataframe(legend.style.map(cell_colours, subset=["Cell"]), hide_index=True, key="status_legend")

for dataset in chosen_datasets:
    st.header(DATASET_INFO[dataset].name)
    of_dataset = in_window[in_window["dataset"] == dataset]
    present = of_dataset["partnership_id"].unique()
    ids = sorted((str(p) for p in present), key=lambda p: names.get(p, p).lower())
    if not ids:
        st.info(
            f"No partnership chosen reports {DATASET_INFO[dataset].name.lower()} in these quarters.",
            icon=":material/info:",
        )
        continue
    pages = math.ceil(len(ids) / ROWS_PER_PAGE)
    page = 1
    if pages > 1:
        page = int(
            st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"status_page_{dataset}")
        )
    first = (page - 1) * ROWS_PER_PAGE
    on_page = ids[first : first + ROWS_PER_PAGE]
    st.caption(f"Partnerships {first + 1:,}–{first + len(on_page):,} of {len(ids):,}, by name.")
    grid = status_grid(of_dataset[of_dataset["partnership_id"].isin(on_page)], names, window, on_page)
    quarter_columns = [q.label for q in window]
    st.dataframe(
        grid.style.map(cell_colours, subset=quarter_columns),
        hide_index=True,
        key=f"status_grid_{dataset}",
        column_config={"Partnership": st.column_config.TextColumn(pinned=True)},
    )
