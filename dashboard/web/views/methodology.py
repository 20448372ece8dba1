"""Methodology: how the public figures are defined, how goal progress is judged, what is hidden to protect people,
and the whole public dataset to download with its licence."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.access.pages import METHODOLOGY
from dashboard.present.exports import csv_bytes
from dashboard.public.embed import HEIGHT, WIDTH
from dashboard.public.published import (
    DOWNLOAD_FORMATS,
    about_frame,
    citation,
    indicator_definitions,
    suppression_rules,
)
from dashboard.settings import data_licence, min_cell_count
from dashboard.web.blocks import app_base_url, sample_badge
from dashboard.web.portfolio_reads import read_public_summary
from dashboard.web.public_reads import public_download, read_last_updated, read_public_partnerships
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import is_sample

require(METHODOLOGY)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_public_partnerships(store)
summary = read_public_summary(store)  # how many public rows and partnerships; the rows are read on download
k = min_cell_count()
licence = data_licence()

st.title("Methodology")
st.caption("How the published figures are defined, how goal progress is judged and what is hidden to protect people.")
sample_badge(store)

st.header("Indicators", anchor=False)
st.markdown(
    "Partnerships report indicators every quarter in four datasets. Each indicator has one definition, one unit and "
    "one rule for turning quarters into a year, aligned with the GRI Standards, IRIS+, the WEF stakeholder "
    "capitalism metrics, ESRS and the SDG indicators."
)
definitions = indicator_definitions()
st.dataframe(definitions, hide_index=True, key="definitions")
st.download_button(
    "Download the indicator definitions (CSV)",
    csv_bytes(definitions),
    "indicator_definitions.csv",
    "text/csv",
    icon=":material/download:",
    on_click="ignore",
)

st.header("Progress towards goals", anchor=False)
st.markdown(
    """
Each goal names an indicator, a baseline year and value, and a target for a target year. Progress is judged with the
method of the UN SDG progress reports as implemented by Open SDG:

1. Quarterly figures become **one value per complete year** by the indicator's rule (a sum for flows, the last
   quarter for stocks, recomputed from yearly parts for rates). A year counts only when all four quarters are
   published.
2. The **observed growth** is the average yearly growth from the baseline year to the latest complete year; the
   **required growth** is the average yearly growth that reaches the target in the target year.
3. Their ratio says how much of the needed pace is achieved: **substantial progress** at 95 % or more, **moderate**
   from 60 %, **limited** from 0 %, and **deterioration** when the indicator moves the wrong way. A goal whose latest
   value already meets the target is **target achieved**; with fewer than two complete years the status is
   **not available**.
4. A partnership's combined status is the average of its goals' scores (from −5 to 5).

Statuses are shown with a label beside each colour, never by colour alone.
"""
)

st.header("Privacy: what is hidden and why", anchor=False)
for rule in suppression_rules(k):
    st.markdown(f"- {rule}")

st.header("Embedding a chart", anchor=False)
st.markdown(
    "Every chart of a public partnership has an **Embed** button with a ready iframe snippet. The embed shows "
    f"published figures only, fits a {WIDTH}×{HEIGHT} frame, offers the same numbers as a table for screen readers "
    "and links back to the full view."
)

st.header("Data and licence", anchor=False)
updated = read_last_updated(store, list(partnerships["partnership_id"]))
latest = max((when for when in updated.values() if when is not None), default=None)
line = citation([], published=latest, retrieved=datetime.now(UTC).date(), url=app_base_url(), licence=licence)
reporting = partnerships["partnership_id"].isin(set(summary.coverage["partnership_id"])).sum()
st.markdown(
    f"All published figures of the {reporting} public partnerships, {summary.rows:,} rows, as the public "
    "sees them (suppressed values blank, with the reason). "
    f"Licence: **{licence}**."
)
st.text(f"Cite as: {line}")
about = about_frame(line, licence, k, sample=is_sample(store))
buttons = st.columns(len(DOWNLOAD_FORMATS))
for column, (fmt, (label, mime)) in zip(buttons, DOWNLOAD_FORMATS.items(), strict=True):
    column.download_button(
        f"All figures ({label})",
        data=public_download(store, fmt, about, k),
        file_name=f"published_figures.{fmt}",
        mime=mime,
        icon=":material/download:",
        key=f"all-download-{fmt}",
        on_click="ignore",
    )
