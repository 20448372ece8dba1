"""The Upload page's "Download template for …" block: a pre-filled template of chosen partnerships and a quarter.

The rows come from :mod:`dashboard.intake.prefilled_templates` (every indicator of the dataset, the breakdowns each
partnership reported before, last quarter's and last year's values beside); they are read once per version of the
partnerships table and the dataset's submitted table, and the file is built only when the button is clicked.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import streamlit as st

from dashboard.intake.prefilled_templates import (
    MIME_TYPES,
    focus_datasets,
    latest_ended_quarter,
    template_csv_bytes,
    template_file_name,
    template_rows,
    template_xlsx_bytes,
)
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, indicator_table
from dashboard.web.table_reads import read_partnerships
from data_contracts import clock
from data_contracts.catalog import DATASET_INFO
from data_contracts.quarters import Quarter

TEMPLATE_BLOCK_LABEL = "Download template for partnerships and a quarter, pre-filled"
QUARTERS_OFFERED = 8
"""Ended quarters offered besides the current one, newest first."""
FORMATS = {"xlsx": "Excel (.xlsx)", "csv": "CSV"}
FORMAT_WORDS = {"xlsx": "Excel", "csv": "CSV"}


@st.cache_data(show_spinner=False, max_entries=32)
def _rows(
    _store: Store, root: str, versions: tuple[int, int], ids: tuple[str, ...], dataset: str, quarter: int
) -> pd.DataFrame:
    """The template's rows, once per version of the tables they come from (``root`` and ``versions`` are the key)."""
    return template_rows(_store, list(ids), dataset, Quarter.from_number(quarter))


def quarter_options(today: Quarter) -> list[Quarter]:
    """The current quarter and the :data:`QUARTERS_OFFERED` ended quarters before it, newest first."""
    return [Quarter.from_number(today.number - offset) for offset in range(QUARTERS_OFFERED + 1)]


def render_template_download(store: Store, scope: Collection[str] | None) -> None:
    """The block: partnerships (``scope``: an officer's own; None: every one), quarter (default: the latest ended),
    format and dataset, then a download button. Nothing is shown when there is no partnership to choose."""
    partnerships = read_partnerships(store)
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()
    allowed = [p for p in partnerships["partnership_id"] if scope is None or p in scope]
    with st.expander(TEMPLATE_BLOCK_LABEL, icon=":material/edit_note:"):
        if not allowed:
            st.info("No partnership is assigned to you yet: ask an admin to assign yours.", icon=":material/info:")
            return
        st.caption(
            "Every row the partnership is expected to report: each indicator's total and the breakdowns it reported "
            "before, with last quarter's and last year's values beside. Fill in the value column and upload the file "
            "as it is; rows left blank are skipped."
        )
        left, right = st.columns(2)
        chosen = left.multiselect(
            "Partnerships",
            allowed,
            default=allowed if scope is not None and len(allowed) <= 3 else [],
            format_func=lambda p: names.get(p, p),
            key="tpl_partnerships",
        )
        current = Quarter.of(clock.today())
        options = quarter_options(current)
        latest = latest_ended_quarter(clock.today())
        quarter = right.selectbox(
            "Quarter",
            options,
            index=options.index(latest),
            format_func=lambda q: (
                q.label + (" (latest ended)" if q == latest else " (current)" if q == current else "")
            ),
            key="tpl_quarter",
        )
        if not chosen:
            st.info("Choose one or more partnerships.", icon=":material/info:")
            return
        datasets = focus_datasets(partnerships, chosen)
        left, right = st.columns(2)
        dataset = left.selectbox(
            "Dataset",
            datasets,
            format_func=lambda d: DATASET_INFO[d].name,
            key="tpl_dataset",
            help="One file per dataset: the focus datasets of the chosen partnerships.",
        )
        fmt = right.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True, key="tpl_format")
        if dataset is None:
            st.info("The chosen partnerships have no focus dataset.", icon=":material/info:")
            return
        versions = (store.version(PARTNERSHIPS_TABLE), store.version(indicator_table(dataset, "submitted")))
        rows = _rows(store, store.root, versions, tuple(chosen), dataset, quarter.number)
        if rows.empty:
            st.info(
                f"None of the chosen partnerships reports {DATASET_INFO[dataset].name} in {quarter.label}: it is not "
                "one of their focus datasets, or they started later.",
                icon=":material/info:",
            )
            return
        reporting = rows["partnership_id"].nunique()
        st.caption(
            f"{len(rows):,} rows for {reporting:,} partnership{'' if reporting == 1 else 's'}, "
            f"{DATASET_INFO[dataset].name}, {quarter.label}."
        )

        def build() -> bytes:
            return template_xlsx_bytes(rows, dataset, quarter) if fmt == "xlsx" else template_csv_bytes(rows)

        st.download_button(
            f"Download the {FORMAT_WORDS[fmt]} template",
            build,
            template_file_name(list(dict.fromkeys(rows["partnership_id"])), dataset, quarter, fmt),
            MIME_TYPES[fmt],
            icon=":material/download:",
            key="tpl_download",
            on_click="ignore",
        )
