"""Public portal: every public partnership with its goals, indicators and data downloads — published figures only,
small counts of people suppressed. No sign-in needed."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.access.pages import PORTAL
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.comparison import MAX_PARTNERSHIPS
from dashboard.present.goal_texts import breakdown_label, dataset_options, goal_card, indicator_options, profile_lines
from dashboard.present.indicator_texts import formula_in_words
from dashboard.present.scorecards import SCORECARD_FORMATS, SCORECARD_HELP, STYLED_ROWS, scorecard_style
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import EmbedContent, EmbedRequest, embed_content, parse_period
from dashboard.public.narratives import with_notes
from dashboard.public.published import (
    DOWNLOAD_FORMATS,
    about_frame,
    citation,
    download_bytes,
    updated_text,
)
from dashboard.settings import data_licence, min_cell_count
from dashboard.web import url_state
from dashboard.web.blocks import app_base_url, chart_block, sample_badge, source_note
from dashboard.web.figures import drawn_embed
from dashboard.web.narrative_blocks import goal_explanation, narrative_section, public_story
from dashboard.web.page_style import filters_block, pending_choice, pinned_first
from dashboard.web.public_reads import (
    read_portal_index,
    read_public_download_table,
    read_public_goals,
    read_public_partnerships,
    read_public_rows,
)
from dashboard.web.roadmap import roadmap_block
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import is_sample, read_partnership_colours
from data_contracts import DATASET_INFO, INDICATORS, TOTAL
from data_contracts.quarters import Quarter
from data_contracts.units import format_value

require(PORTAL)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_public_partnerships(store)
k = min_cell_count()
licence = data_licence()

st.title("Partnerships")
st.caption(
    "What each public partnership reports and whether its goals are on course. Published figures only; breakdowns "
    f"of fewer than {k} people are hidden (see Methodology)."
)
sample_badge(store)

index = read_portal_index(store)  # the list of every public partnership that reports, cached by version
reporting = index.reporting
if not reporting:
    st.info(
        "No published figures yet. They appear here once a reviewer publishes a partnership's quarter.",
        icon=":material/info:",
    )
    st.stop()

shown = partnerships[partnerships["partnership_id"].isin(reporting)].reset_index(drop=True)
names = dict(zip(shown["partnership_id"], shown["name"], strict=True))
updated = index.updated
latest_of = index.latest

# ---- the list -----------------------------------------------------------------------------------------------------
listing = index.listing
with st.expander(f"All {len(shown)} public partnerships", expanded=not url_state.has("partnership")):
    st.caption("Goals off course, on course and not assessable; most off course first. Click a header to sort.")
    st.dataframe(
        scorecard_style(listing) if len(listing) <= STYLED_ROWS else listing,  # colours on a list one can scan
        hide_index=True,
        key="portal-list",
        column_config=pinned_first(
            listing,
            {
                **{
                    header: st.column_config.NumberColumn(format=text, help=SCORECARD_HELP[header])
                    for header, text in SCORECARD_FORMATS.items()
                },
                "Average status": st.column_config.TextColumn(help=SCORECARD_HELP["Average status"]),
            },
        ),
    )

chosen = url_state.partnership_choice(st.selectbox, reporting, names, key="portal_partnership")
profile = shown.set_index("partnership_id").loc[chosen]
mine = read_public_rows(store, [chosen])  # this partnership's public rows only
source_who = [names[chosen]]
last = updated.get(chosen)

st.header(markdown_literal(names[chosen]), anchor=False)
st.caption(f"Last updated {updated_text(last)} · latest published quarter {Quarter(*latest_of[chosen]).label}")
if isinstance(profile["description"], str) and profile["description"].strip():
    st.text(profile["description"])
for label, text in [("Country", str(profile["country"])), *profile_lines(profile.to_dict())]:
    line = st.columns([1, 7], vertical_alignment="top")
    line[0].markdown(f"**{label}**")
    line[1].text(text)


def source_for(dataset: str) -> str:
    return f"{source_note(store, source_who, dataset)} Last updated {updated_text(last)}."


def drawn_view(request: EmbedRequest, rows: pd.DataFrame, source: str) -> EmbedContent | None:
    """One view of this partnership as the embed draws it, at full size (``embed.embed_content`` of its public
    rows), drawn once per published snapshot and shared; None when there is nothing the public may see."""
    draw = partial(
        embed_content,
        request,
        rows=rows,
        partnerships=shown,
        goals=my_goals,
        k=k,
        source=source,
        compact=False,
        colours=read_partnership_colours(store),  # each partnership's own colour, the same on every page
    )
    return drawn_embed(store, ("portal", request, source), draw)


def show_view(content: EmbedContent, request: EmbedRequest, *, key: str, file_name: str) -> None:
    """A drawn view with its table, its CSV download and its Embed button."""
    chart_block(
        content.figure,
        content.table,
        key=key,
        file_name=file_name,
        alt=content.alt,
        embed=request,
        embed_title=content.title,
    )


story = public_story(store, chosen)  # published texts of this public partnership only
narrative_section(story, chosen, key="portal-story", public=True)

# ---- goals ----------------------------------------------------------------------------------------------------------
st.subheader("Goals", anchor=False)
my_goals = read_public_goals(store, [chosen])
if not my_goals:
    st.info("This partnership has not published goals yet.", icon=":material/flag:")
else:
    st.caption(INCOMPLETE_YEAR_RULE)
    for goal in sorted(my_goals, key=lambda g: (str(g.row["indicator_id"]), str(g.row["goal_id"]))):
        card = goal_card(goal.row)
        indicator = INDICATORS[str(goal.row["indicator_id"])]
        hidden_years = set(goal.points.loc[goal.points["value"].isna(), "year"].astype(int))
        current_hidden = pd.notna(goal.row["current_year"]) and int(goal.row["current_year"]) in hidden_years
        with st.container(border=True):
            st.markdown(f"**{markdown_literal(card.title)}**  {card.badge}")
            target = format_value(float(goal.row["target_value"]), indicator.unit)
            st.caption(f"Target {target} by {int(goal.row['target_year'])} · {card.status_label}")
            if current_hidden:
                st.progress(0.0, text="The latest value is hidden to protect a small group of people.")
            else:
                st.progress(card.fraction or 0.0, text=card.progress_text)
            notes = goal_explanation(story, chosen, card.goal_id)
            request = EmbedRequest((chosen,), indicator.id, "progress", goal=str(goal.row["goal_id"]))
            source = source_for(indicator.dataset)
            content = drawn_view(request, mine, source)
            if content is None:
                st.info(
                    "The chart of this goal is hidden: its values concern fewer than "
                    f"{k} people. The status above is computed from the published figures.",
                    icon=":material/visibility_off:",
                )
                continue
            show_view(
                with_notes(content, notes),
                request,
                key=f"goal-{card.goal_id}",
                file_name=f"{card.goal_id}_progress.csv",
            )

# ---- roadmap: public milestones only --------------------------------------------------------------------------------
roadmap_block(store, chosen, names[chosen], public=True)

# ---- indicators ---------------------------------------------------------------------------------------------------
st.subheader("Indicators", anchor=False)
datasets = [d for d in dataset_options(profile["focus_datasets"]) if indicator_options(mine, d)]
datasets += [d for d in DATASET_INFO if d not in datasets and indicator_options(mine, d)]
if not datasets:
    st.info("No published indicator figures for this partnership yet.", icon=":material/info:")
else:
    linked = url_state.params().get("indicator")
    if not url_state.has("dataset") and linked in INDICATORS:  # a link that names only the indicator: its dataset
        url_state.write("dataset", INDICATORS[linked].dataset)
    pending_dataset = pending_choice("portal_dataset", "dataset", datasets, datasets[0])
    pending_indicators = indicator_options(mine, pending_dataset)
    pending_indicator = pending_choice("portal_indicator", "indicator", pending_indicators, pending_indicators[0])
    with filters_block("portal", [INDICATORS[pending_indicator].short_name]):
        pick = st.columns([1, 1, 1])
        dataset = url_state.dataset_choice(pick[0].selectbox, datasets, key="portal_dataset")
        indicators = indicator_options(mine, dataset)
        indicator_id = url_state.indicator_choice(pick[1].selectbox, indicators, key="portal_indicator")
        indicator = INDICATORS[indicator_id]
        with_data = [
            d for d in indicator.breakdowns if ((mine["indicator_id"] == indicator_id) & (mine["dimension"] == d)).any()
        ]
        options = [TOTAL, *with_data]
        breakdown = url_state.choice(
            pick[2].selectbox,
            "Breakdown",
            param="breakdown",
            options=options,
            default=TOTAL,
            key="portal_breakdown",
            format_func=breakdown_label,
        )
    st.caption(f"{formula_in_words(indicator)}. {indicator.description} Unit: {indicator.unit_label}.")
    linked_view = url_state.params().get("view")  # as the URL opened it (a Full view link names view and period)
    span = parse_period(url_state.params().get("period") or "") if linked_view in ("trend", "breakdown") else None
    start, end = span or (None, None)
    if breakdown == TOTAL:
        request = EmbedRequest((chosen,), indicator_id, "trend", start=start, end=end)
    else:
        request = EmbedRequest((chosen,), indicator_id, "breakdown", start=start, end=end, breakdown=breakdown)
    source = source_for(dataset)
    content = drawn_view(request, mine, source)
    if span is not None and content is None:  # the linked quarters are not all published here: every quarter
        request = EmbedRequest((chosen,), indicator_id, request.view, breakdown=request.breakdown)
        content = drawn_view(request, mine, source)
    if request.end is not None:
        quarters = " – ".join(Quarter(*q).label for q in (request.start, request.end) if q is not None)
        shown_span = st.columns([3, 1], vertical_alignment="center")
        shown_span[0].caption(f"Quarters {quarters}, as the link asked.")
        if shown_span[1].button("Show every quarter", key="portal_every_quarter"):
            url_state.drop("period")
            st.rerun()
    if content is None:
        st.info(f"No published {indicator.short_name.lower()} figures to show here.", icon=":material/info:")
    else:
        show_view(content, request, key="portal-indicator", file_name=f"{chosen}_{indicator_id}_{request.view}.csv")
        if content.hidden:
            st.caption(
                f"{len(content.hidden)} values are hidden to protect small groups: fewer than {k} people, or a "
                "value from which one could be worked out. The Table tab shows which."
            )

    # ---- compare ------------------------------------------------------------------------------------------------
    others = [pid for pid in reporting if pid != chosen]
    compared = url_state.params().get("view") == "compare" or url_state.has("compare")  # e.g. an embed's Full view
    with st.expander("Compare with other public partnerships", expanded=compared):
        picked = url_state.id_list(  # held by ?compare= (and ?view=compare, ?period= below)
            st.multiselect,
            "Partnerships to compare with",
            param="compare",
            options=others,
            key="portal_compare",
            limit=MAX_PARTNERSHIPS - 1,
            max_selections=MAX_PARTNERSHIPS - 1,
            format_func=lambda pid: names[pid],
            placeholder="Choose one or more",
        )
        url_state.write("view", "compare" if picked else request.view)
        if not picked and linked_view == "compare":  # the quarter compared is no period of the trend
            url_state.drop("period")
        if picked:
            ids = (chosen, *picked)
            rows = read_public_rows(store, ids)  # the partnerships compared, nothing else
            common = set.intersection(
                *[
                    set(zip(g["year"].astype(int), g["quarter"].astype(int), strict=True))
                    for pid, g in rows[(rows["indicator_id"] == indicator_id) & (rows["dimension"] == TOTAL)].groupby(
                        "partnership_id"
                    )
                    if pid in ids
                ]
                or [set()]
            )
            if not common:
                st.info(
                    f"These partnerships have no quarter of {indicator.short_name.lower()} in common.",
                    icon=":material/info:",
                )
            else:
                quarters = [Quarter(*q).code for q in sorted(common, reverse=True)]
                code = url_state.choice(
                    st.selectbox,
                    "Quarter",
                    param="period",
                    options=quarters,
                    default=quarters[0],
                    key="portal_period",
                    format_func=lambda c: Quarter.from_code(c).label,
                    help="The quarters all these partnerships published, latest first.",
                )
                end = Quarter.from_code(code)
                request = EmbedRequest(ids, indicator_id, "compare", end=end)
                content = drawn_view(request, rows, source)
                if content is None:
                    st.info(
                        "Not every partnership chosen reports this indicator in that quarter.", icon=":material/info:"
                    )
                else:
                    show_view(
                        content,
                        request,
                        key="portal-compare",
                        file_name=f"{indicator_id}_{end[0]}Q{end[1]}_compared.csv",
                    )

# ---- downloads ----------------------------------------------------------------------------------------------------
st.subheader("Data", anchor=False)
table = read_public_download_table(store, chosen)  # download_frame of this partnership's public rows, cached
today = datetime.now(UTC).date()
line = citation([names[chosen]], published=last, retrieved=today, url=f"{app_base_url()}/portal", licence=licence)
about = about_frame(line, licence, k, sample=is_sample(store))
st.caption(
    f"Every published figure of this partnership, {len(table):,} rows: the value shown to the public, with "
    f"suppressed values blank and the reason beside them. Licence: {licence}."
)
st.text(f"Cite as: {line}")
buttons = st.columns(len(DOWNLOAD_FORMATS))
for column, (fmt, (label, mime)) in zip(buttons, DOWNLOAD_FORMATS.items(), strict=True):
    column.download_button(
        f"All figures ({label})",
        data=partial(download_bytes, table, fmt, about=about),
        file_name=f"{chosen}_published.{fmt}",
        mime=mime,
        icon=":material/download:",
        key=f"portal-download-{fmt}",
        on_click="ignore",
    )
