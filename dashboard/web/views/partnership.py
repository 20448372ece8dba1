"""One partnership: who is in it, whether its goals are on course, how its indicators trend, its latest figures."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard.access.pages import PARTNERSHIP
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.breakdowns import breakdown_rows
from dashboard.analytics.goals import GoalPath, goal_scorecards, partnership_progress
from dashboard.analytics.metrics import latest_figures, quarterly_trend
from dashboard.analytics.progress import STATUS_LABELS
from dashboard.present.chart_style import named_colours
from dashboard.present.charts import breakdown_figure, trend_figure
from dashboard.present.exports import csv_bytes
from dashboard.present.goal_charts import goal_progress_figure
from dashboard.present.goal_texts import (
    BAR_LABELS,
    bar_modes,
    breakdown_label,
    breakdown_options,
    breakdown_table,
    combined_text,
    dataset_options,
    goal_card,
    goal_chart_table,
    incomplete_year_note,
    indicator_options,
    missing,
    profile_lines,
    scorecard_badges,
    sector_label,
    series_label,
    total_table,
    workings_table,
)
from dashboard.present.indicator_texts import formula_in_words, references_by_framework
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import EmbedRequest
from dashboard.settings import min_cell_count
from dashboard.web import url_state
from dashboard.web.blocks import chart_block, sample_badge, source_note
from dashboard.web.employment_split_block import show_employment_split
from dashboard.web.figures import drawn_figure
from dashboard.web.narrative_blocks import goal_explanation, narrative_section, staff_texts
from dashboard.web.page_style import filters_block, pending_choice
from dashboard.web.partnership_reads import read_goal_workings, read_partnership_goals, read_what_the_public_sees
from dashboard.web.roadmap import manage_milestones_block, roadmap_block
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnership_colours, read_partnerships, read_rows
from data_contracts import DATASET_INFO, DIMENSIONS, INDICATORS, TOTAL
from data_contracts.quarters import Quarter
from data_contracts.units import format_value

# Scrolls the page to the goal card a link opened (?goal=): the URL's own #fragment does not survive the page writing
# its other parameters. A fixed script: no data goes into it.
SCROLL_TO_OPENED_GOAL = """<script>
(() => {
  let tries = 0;
  const scroll = () => {
    const card = document.querySelector(".st-key-opened-goal");
    if (card) {
      card.style.scrollMarginTop = "4.5rem"; // below the app's top bar
      card.scrollIntoView({ block: "start" });
    } else if (++tries < 100) {
      setTimeout(scroll, 100);
    }
  };
  scroll();
  setTimeout(scroll, 1500); // again once the charts above have their height
})();
</script>"""

identity = require(PARTNERSHIP)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_partnerships(store).sort_values("name", ignore_index=True)

st.title("Partnership")
st.caption(
    "One partnership in depth: who is in it, whether its goals are on course, how its indicators trend and its "
    "latest figures. Staff view: every accepted upload."
)
sample_badge(store)

if partnerships.empty:
    st.info("No partnerships yet. An admin adds them; see the README.", icon=":material/info:")
    st.stop()

ids = partnerships["partnership_id"].tolist()
names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
chosen = url_state.partnership_choice(st.selectbox, ids, names, key="partnership_chosen")
profile = partnerships.set_index("partnership_id").loc[chosen]

# ---- profile ------------------------------------------------------------------------------------------------------
st.header(markdown_literal(names[chosen]), anchor=False)
if not missing(profile["description"]):
    st.text(str(profile["description"]))
facts = st.columns(4)
facts[0].metric(
    "Committed funding",
    format_value(profile["committed_funding_usd"], "currency_usd", compact=True),
    help=format_value(profile["committed_funding_usd"], "currency_usd"),
    border=True,
)
facts[1].metric("Lead sector", markdown_literal(sector_label(profile["lead_sector"])), border=True)
facts[2].metric(
    "Country",
    markdown_literal(profile["country"]) or "not recorded",
    help=f"Region: {markdown_literal(profile['region'])}",
    border=True,
)
facts[3].metric(
    "Since", "not recorded" if missing(profile["start_date"]) else f"{profile['start_date']:%b %Y}", border=True
)
for label, text in profile_lines(profile.to_dict()):
    line = st.columns([1, 7], vertical_alignment="top")
    line[0].markdown(f"**{label}**")
    line[1].text(text)

rows_of = read_rows(store, "submitted", partnership_ids=[chosen])  # this partnership's rows only, every dataset
show_employment_split(rows_of.get("workforce"), chosen)  # direct vs subcontracted, when reported


def embeddable(request: EmbedRequest) -> EmbedRequest | None:
    """Charts of public partnerships offer an embed (of the published figures); private ones do not."""
    return request if profile["visibility"] == "public" else None


texts = staff_texts(store, chosen)  # its narratives and goal explanations, as submitted
narrative_section(texts, chosen, key="story")

# ---- goals ----------------------------------------------------------------------------------------------------------
st.subheader("Goals", anchor=False)
mine, evaluated_key = read_partnership_goals(store, chosen)  # its goals on its rows only, cached by version
if mine.empty:
    st.info(
        "This partnership has no goals yet. An admin records goals (indicator, baseline and target) in the goals "
        "table.",
        icon=":material/info:",
    )
else:
    combined = partnership_progress(mine).iloc[0]
    score = None if missing(combined["score"]) else float(combined["score"])
    card = goal_scorecards(mine).iloc[0]  # the counts first: an average can hide a goal off course
    st.markdown(scorecard_badges(int(card["off_course"]), int(card["on_course"]), int(card["not_assessable"])))
    st.caption(
        f"Average status {STATUS_LABELS[str(combined['status'])].lower()}: "
        + combined_text(int(combined["goals"]), score, int(mine["off_course"].sum()))
        + " An average can read well while one goal is off course: read the counts."
    )
    all_rows = pd.concat(list(rows_of.values()), ignore_index=True)  # a goal's points need only its partnership
    note = incomplete_year_note(all_rows)
    st.caption(INCOMPLETE_YEAR_RULE + (f" {note}" if note else ""))

    opened = url_state.known_id("goal", mine["goal_id"].astype(str))  # a link to one goal: its card comes first
    ordered = mine.assign(_opened=mine["goal_id"] != opened, _missing=mine["score"].isna()).sort_values(
        ["_opened", "_missing", "score", "goal_id"]
    )
    workings = read_goal_workings(store, chosen)  # each goal's result and annual points, cached by version
    figure_key = (evaluated_key, chosen)
    for goal in ordered.to_dict("records"):
        card = goal_card(goal)
        indicator = INDICATORS[str(goal["indicator_id"])]
        result, points = workings[str(goal["goal_id"])]
        with st.container(border=True, key="opened-goal" if card.goal_id == opened else None):
            if card.goal_id == opened:
                st.caption(":material/my_location: The goal you opened")
                st.html(SCROLL_TO_OPENED_GOAL, unsafe_allow_javascript=True)  # our own fixed script, no data in it
            st.markdown(f"**{markdown_literal(card.title)}**  {card.badge}")
            direction = "higher is better" if indicator.higher_is_better else "lower is better"
            series = series_label(goal["dimension"], goal["category"])
            st.caption(f"Goal {markdown_literal(card.goal_id)} · {markdown_literal(series)} · {direction}")
            st.progress(card.fraction or 0.0, text=card.progress_text)
            if card.empty_message:
                st.info(card.empty_message, icon=":material/hourglass_empty:")
            else:
                numbers = st.columns(4)
                numbers[0].metric(card.current_label, card.current, help=card.current_help)
                numbers[1].metric("Observed growth a year", card.observed, help=card.observed_help)
                numbers[2].metric("Required growth a year", card.required, help=card.required_help)
                numbers[3].metric("Needed a year from now on", card.needed, help=card.needed_help)
            notes = goal_explanation(texts, chosen, card.goal_id)  # the latest "why", and every one for the chart
            base_year = result.base_year if result.base_year is not None else int(goal["baseline_year"])
            base_value = result.base_value if result.base_value is not None else float(goal["baseline_value"])
            projection = None if missing(goal["projection"]) else float(goal["projection"])
            source = source_note(store, [names[chosen]], indicator.dataset)
            path = GoalPath(
                base_year=base_year,
                base_value=base_value,
                target_year=int(goal["target_year"]),
                target_value=float(goal["target_value"]),
                current_year=result.current_year,
                current_value=result.current_value,
                projection=projection,
            )
            figure = drawn_figure(
                (*figure_key, card.goal_id, source, notes),
                partial(
                    goal_progress_figure,
                    points,
                    indicator=indicator,
                    path=path,
                    status=card.status,
                    source=source,
                    name=card.title,
                    notes=notes,
                ),
            )
            chart_block(
                figure,
                goal_chart_table(points, path),
                key=f"goal-{card.goal_id}",
                file_name=f"{card.goal_id}_progress.csv",
                alt=f"Line chart of {card.title.lower()} by year with the path to the target and the projection.",
                embed=embeddable(EmbedRequest((chosen,), indicator.id, "progress", goal=card.goal_id)),
                embed_title=f"{card.title}, {names[chosen]}",
            )
            with st.expander("Workings"):
                st.dataframe(workings_table(result, indicator), hide_index=True, key=f"workings-{card.goal_id}")

# ---- roadmap --------------------------------------------------------------------------------------------------------
roadmap_block(store, chosen, names[chosen])
manage_milestones_block(identity, chosen)  # officers of this partnership, and admins


def public_view_note(dimension: str) -> None:
    """Staff see true values; say what the public sees of them (small counts hidden), or that it sees nothing."""
    if profile["visibility"] != "public":
        st.caption(":material/lock: This partnership is private: the public sees none of its figures.")
        return
    k = min_cell_count()
    table, hidden = read_what_the_public_sees(store, chosen, indicator_id, dimension, k)
    if not hidden:
        st.caption(":material/visibility: The public sees these values as they are, once published.")
        return
    st.caption(
        f":material/visibility_off: {hidden} of these values are hidden in public outputs: counts of fewer than {k} "
        "people, values from which one could be worked out, or rates over such groups."
    )
    with st.expander(f"What the public sees ({hidden} hidden)"):
        st.dataframe(table, hide_index=True, key=f"public-view-{dimension}")


# ---- indicator trends -----------------------------------------------------------------------------------------------
st.subheader("Indicator trends", anchor=False)
datasets = dataset_options(profile["focus_datasets"])
pending_dataset = pending_choice("partnership_dataset", "dataset", datasets, datasets[0])
pending_indicators = indicator_options(rows_of[pending_dataset], pending_dataset)
pending_name = (
    INDICATORS[
        pending_choice("partnership_indicator", "indicator", pending_indicators, pending_indicators[0])
    ].short_name
    if pending_indicators
    else DATASET_INFO[pending_dataset].name
)
with filters_block("partnership", [pending_name]):
    pick = st.columns(2)  # the indicator's box is filled below, once the dataset has rows
    dataset = url_state.dataset_choice(
        pick[0].selectbox, datasets, key="partnership_dataset", help="The datasets this partnership reports on."
    )
rows = rows_of[dataset]
indicators = indicator_options(rows, dataset)
if not indicators:
    st.info(
        f"No {DATASET_INFO[dataset].name.lower()} data for this partnership yet — program officers can upload it on "
        "the Upload page.",
        icon=":material/info:",
    )
else:
    indicator_id = url_state.indicator_choice(pick[1].selectbox, indicators, key="partnership_indicator")
    indicator = INDICATORS[indicator_id]
    st.caption(f"{formula_in_words(indicator)}. {indicator.description}")

    options = breakdown_options(indicator)
    controls = st.columns(2)
    breakdown = url_state.choice(
        controls[0].radio,
        "Breakdown",
        param="breakdown",
        options=options,
        default=TOTAL,
        key="partnership_breakdown",
        format_func=breakdown_label,
        horizontal=True,
        help="The total, or the figures by one breakdown the indicator allows.",
    )
    source = source_note(store, [names[chosen]], dataset)
    if breakdown == TOTAL:
        url_state.drop("bars")
        trend = quarterly_trend(rows, indicator_id, partnerships)
        chart_block(
            trend_figure(
                trend, indicator, source=source, colours=named_colours(names, read_partnership_colours(store))
            ),
            total_table(rows, indicator),
            key="trend-total",
            file_name=f"{chosen}_{indicator_id}.csv",
            alt=f"Line chart of {indicator.short_name.lower()} per quarter for {names[chosen]}.",
            embed=embeddable(EmbedRequest((chosen,), indicator_id, "trend")),
            embed_title=f"{indicator.short_name} per quarter, {names[chosen]}",
        )
        public_view_note(TOTAL)
    else:
        modes = bar_modes(indicator)
        if len(modes) > 1:
            bars = url_state.choice(
                controls[1].radio,
                "Bars",
                param="bars",
                options=modes,
                default=modes[0],
                key="partnership_bars",
                format_func=lambda mode: BAR_LABELS[mode],
                horizontal=True,
                help="Stacked bars show how the total splits; side-by-side bars compare the categories.",
            )
        else:
            controls[1].caption(
                "Shares, rates and averages do not add up across categories, so the bars stand side by side."
            )
            bars = modes[0]  # the only way these bars can stand
            url_state.write("bars", bars)
        parts = breakdown_rows(rows, indicator_id, breakdown)
        label = DIMENSIONS[breakdown].label
        if parts.empty:
            st.info(
                f"No breakdown by {label.lower()} of {indicator.short_name.lower()} for this partnership yet: only "
                "the total is reported. Choose Total, or ask program officers to add the breakdown to their next "
                "upload.",
                icon=":material/info:",
            )
        else:
            chart_block(
                breakdown_figure(parts, indicator, dimension_label=label, mode=bars, source=source),  # type: ignore[arg-type]
                breakdown_table(parts, indicator),
                key="trend-breakdown",
                file_name=f"{chosen}_{indicator_id}_by_{breakdown}.csv",
                alt=f"Bar chart of {indicator.short_name.lower()} per quarter by {label.lower()} for {names[chosen]}.",
                embed=embeddable(EmbedRequest((chosen,), indicator_id, "breakdown", breakdown=breakdown)),
                embed_title=f"{indicator.short_name} by {label.lower()}, {names[chosen]}",
            )
            public_view_note(breakdown)
    st.markdown("**Framework references**")
    st.dataframe(references_by_framework(indicator), hide_index=True, width="content", key="references")

# ---- latest figures -------------------------------------------------------------------------------------------------
st.subheader("Latest figures", anchor=False)
latest = latest_figures(rows_of)
if latest.empty:
    st.info(
        "No figures for this partnership yet. Program officers can upload them on the Upload page.",
        icon=":material/info:",
    )
else:
    for dataset_id, latest_rows in latest.groupby("dataset", sort=False):
        info = DATASET_INFO[dataset_id]
        with st.expander(f"{info.name} — {Quarter(latest_rows['year'].iloc[0], latest_rows['quarter'].iloc[0]).label}"):
            table = latest_rows[["indicator", "value_text", "unit", "indicator_id"]].rename(
                columns={"indicator": "Indicator", "value_text": "Value", "unit": "Unit", "indicator_id": "Id"}
            )
            st.dataframe(table, hide_index=True, key=f"latest-{dataset_id}")
    st.download_button(
        "Download the latest figures (CSV)",
        csv_bytes(latest.drop(columns=["value_text"])),
        f"{chosen}_latest.csv",
        "text/csv",
        icon=":material/download:",
    )
