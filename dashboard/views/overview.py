"""Portfolio overview: headline KPIs of a quarter, a trend per dataset, and the partnership list."""

from __future__ import annotations

import streamlit as st

from dashboard.charts import colour_map, trend_figure
from dashboard.exports import csv_bytes
from dashboard.metrics import (
    format_change,
    format_value,
    latest_period,
    parse_period,
    partnership_overview,
    period_label,
    periods_in,
    portfolio_kpis,
    quarterly_trend,
)
from dashboard.ui import (
    SAMPLE_NOTE,
    chart_block,
    get_store,
    is_sample,
    read_indicators,
    read_partnerships,
    sample_badge,
)
from data_contracts import DATASET_INFO, DATASETS, INDICATORS

store = get_store()
partnerships = read_partnerships(store)
frames = read_indicators(store, "submitted")

st.title("Portfolio overview")
st.caption(
    "What the partnerships achieve together this quarter, how each dataset is trending, and who is in the portfolio. "
    "Staff view: every accepted upload, published or not."
)
sample_badge(store)

periods = periods_in(frames.values())
if partnerships.empty or not periods:
    st.info(
        "No indicator data yet. Load the synthetic sample with `python -m dashboard init`, or ask program officers "
        "to upload their quarterly files.",
        icon=":material/info:",
    )
    st.stop()

labels = [period_label(p) for p in periods]
requested = st.query_params.get("period")
default_label = requested if requested in labels else period_label(latest_period(frames.values()))
chosen = st.selectbox(
    "Quarter",
    options=labels[::-1],
    index=labels[::-1].index(default_label),
    help="KPI cards show this quarter and compare it with the same quarter a year earlier.",
)
st.query_params["period"] = chosen
period = parse_period(chosen)

st.subheader(f"Headline figures, {chosen}")
kpis = portfolio_kpis(frames, period)
columns = st.columns(3)
for position, kpi in enumerate(kpis):
    column = columns[position % 3]
    indicator = INDICATORS[kpi.indicator_id]
    column.metric(
        kpi.label,
        format_value(kpi.value, kpi.unit, compact=True),
        delta=format_change(kpi),
        delta_color="normal" if indicator.higher_is_better else "inverse",
        help=f"{indicator.name}. Sum over the {kpi.partnerships} partnerships reporting in {chosen}. "
        f"Unit: {indicator.unit_label}.",
        border=True,
    )

st.subheader("Trends by dataset")
names = partnerships.set_index("partnership_id")["name"]
colours = colour_map(list(names))
sample_text = f" · {SAMPLE_NOTE}" if is_sample(store) else ""
for dataset in DATASETS:
    info = DATASET_INFO[dataset]
    indicator = INDICATORS[info.headline_indicator]
    trend = quarterly_trend(frames[dataset], indicator.id, partnerships)
    with st.container(border=True):
        st.markdown(f"**:material/bar_chart: {info.name}** — {info.description}")
        if trend.empty:
            st.info(f"No {info.name.lower()} data yet.", icon=":material/info:")
            continue
        source = f"Source: {trend['partnership_id'].nunique()} partnerships, {info.name.lower()} dataset{sample_text}."
        figure = trend_figure(trend, indicator, source=source, colours=colours)
        table = trend[["partnership", "period", "value"]].rename(
            columns={
                "partnership": "Partnership",
                "period": "Quarter",
                "value": f"{indicator.short_name} ({indicator.unit_label})",
            }
        )
        chart_block(
            figure,
            table,
            key=f"trend-{dataset}",
            file_name=f"{indicator.id}_by_partnership.csv",
            alt=f"Line chart of {indicator.short_name.lower()} per quarter for each partnership.",
        )

st.subheader("Partnerships")
overview = partnership_overview(partnerships, frames)
st.dataframe(
    overview.drop(columns=["partnership_id"]),
    hide_index=True,
    column_config={
        "Committed funding (USD)": st.column_config.NumberColumn(format="dollar"),
    },
)
st.download_button(
    "Download partnership list (CSV)",
    data=csv_bytes(overview.drop(columns=["partnership_id"])),
    file_name="partnerships.csv",
    mime="text/csv",
    icon=":material/download:",
)
