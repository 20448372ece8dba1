"""One partnership: who is in it, what it reports, its latest figures and its goals."""

from __future__ import annotations

import streamlit as st

from dashboard.exports import csv_bytes
from dashboard.metrics import latest_figures, period_label
from dashboard.ui import get_store, read_goals, read_indicators, read_partnerships, sample_badge
from data_contracts import DATASET_INFO, INDICATORS, split_list

store = get_store()
partnerships = read_partnerships(store).sort_values("name", ignore_index=True)

st.title("Partnership")
st.caption("A partnership's profile, its latest reported figures and its goals. Staff view: every accepted upload.")
sample_badge(store)

if partnerships.empty:
    st.info("No partnerships yet. An admin adds them; see the README.", icon=":material/info:")
    st.stop()

ids = partnerships["partnership_id"].tolist()
names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
requested = st.query_params.get("partnership")
chosen = st.selectbox(
    "Partnership",
    options=ids,
    index=ids.index(requested) if requested in ids else 0,
    format_func=lambda pid: names[pid],
)
st.query_params["partnership"] = chosen
profile = partnerships.set_index("partnership_id").loc[chosen]

st.header(names[chosen], anchor=False)
st.text(profile["description"] or "")
facts = st.columns(4)
facts[0].metric("Committed funding", f"USD {profile['committed_funding_usd']:,.0f}", border=True)
facts[1].metric("Country", f"{profile['country']}", help=str(profile["region"]), border=True)
facts[2].metric("Lead sector", str(profile["lead_sector"]).replace("_", " ").capitalize(), border=True)
facts[3].metric("Since", f"{profile['start_date']:%B %Y}", border=True)
st.markdown("**Partners:** " + ", ".join(split_list(profile["partner_organisations"])).replace("*", r"\*"))
st.markdown(
    "**Reports on:** "
    + ", ".join(DATASET_INFO[d].name for d in split_list(profile["focus_datasets"]) if d in DATASET_INFO)
    + f" · visibility: {profile['visibility']}"
)

frames = read_indicators(store, "submitted")
st.subheader("Latest figures")
latest = latest_figures({d: f[f["partnership_id"] == chosen] for d, f in frames.items()})
if latest.empty:
    st.info(
        "No figures for this partnership yet. Program officers can upload them on the Upload page.",
        icon=":material/info:",
    )
else:
    for dataset, rows in latest.groupby("dataset", sort=False):
        info = DATASET_INFO[dataset]
        with st.expander(
            f"{info.name} — {period_label((rows['year'].iloc[0], rows['quarter'].iloc[0]))}", expanded=True
        ):
            table = rows[["indicator", "value_text", "unit", "indicator_id"]].rename(
                columns={"indicator": "Indicator", "value_text": "Value", "unit": "Unit", "indicator_id": "Id"}
            )
            st.dataframe(table, hide_index=True, key=f"latest-{dataset}")
    st.download_button(
        "Download the latest figures (CSV)",
        csv_bytes(latest.drop(columns=["value_text"])),
        f"{chosen}_latest.csv",
        "text/csv",
        icon=":material/download:",
    )

st.subheader("Goals")
goals = read_goals(store)
goals = goals[goals["partnership_id"] == chosen]
if goals.empty:
    st.info("This partnership has no goals yet.", icon=":material/info:")
else:
    shown = goals.assign(
        indicator=goals["indicator_id"].map(lambda i: INDICATORS[i].short_name),
        direction=goals["indicator_id"].map(
            lambda i: "higher is better" if INDICATORS[i].higher_is_better else "lower is better"
        ),
    )[
        [
            "goal_id",
            "indicator",
            "dimension",
            "category",
            "baseline_year",
            "baseline_value",
            "target_year",
            "target_value",
            "direction",
        ]
    ]
    st.dataframe(shown, hide_index=True, key="goals-table")
