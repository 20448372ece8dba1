"""Indicator explorer: one indicator across every partnership, its breakdowns, its definition and its goals."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard.access.pages import INDICATOR
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.present import comparison_texts, indicator_texts
from dashboard.present.charts import breakdown_figure, breakdown_title
from dashboard.present.exports import csv_bytes
from dashboard.present.text_safety import markdown_literal
from dashboard.web import url_state
from dashboard.web.blocks import chart_block, deferred_csv, sample_badge, source_note, trend_block
from dashboard.web.explorer_reads import ExplorerView, read_goals_on_indicator
from dashboard.web.figures import drawn_figure
from dashboard.web.page_style import filters_block, pending_choice, pinned_first
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnership_colours, read_partnerships
from data_contracts import DATASET_INFO, DIMENSIONS, INDICATORS, TOTAL

VIEWS = {"quarterly": "Quarterly", "annual": "Annual (complete years)"}
DEFAULT_INDICATOR = "workforce_headcount"

identity = require(INDICATOR)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_partnerships(store).sort_values("name", ignore_index=True)
names = dict(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
colours = read_partnership_colours(store)  # each partnership's own colour, the same on every page

st.title("Indicator explorer")
st.caption(
    "One indicator across every partnership: how it moves, how it breaks down, what it means and which goals are "
    "set on it. Staff view: every accepted upload."
)
sample_badge(store)

pending = pending_choice("explorer_indicator", "indicator", list(INDICATORS), DEFAULT_INDICATOR)
with filters_block("explorer", [indicator_texts.indicator_label(pending)]):
    chosen = url_state.choice(
        st.selectbox,
        "Indicator",
        param="indicator",
        options=list(INDICATORS),
        default=DEFAULT_INDICATOR,
        key="explorer_indicator",
        format_func=indicator_texts.indicator_label,
        help=f"All {len(INDICATORS)} indicators of the catalog, grouped by dataset.",
    )
indicator = INDICATORS[chosen]
dataset = DATASET_INFO[indicator.dataset]

explorer = ExplorerView(store, chosen)  # the rows of this indicator (and its components) only, results cached
trend = explorer.trend()
latest = explorer.latest()
goals = read_goals_on_indicator(store, chosen)  # comparison_texts.goals_on_indicator, cached by version

st.header(indicator.short_name, anchor=False)
st.caption(indicator_texts.formula_in_words(indicator))
st.text(indicator.description)
cards = st.columns(3)
cards[0].metric(
    "Partnerships reporting",
    f"{len(latest)} of {len(names)}",
    help="Partnerships with at least one quarterly headline figure of this indicator.",
    border=True,
)
cards[1].metric(
    "Latest quarter reported",
    comparison_texts.latest_quarter(latest),
    border=True,
)
cards[2].metric(
    "Goals on this indicator",
    f"{len(goals)}",
    help="Goals partnerships set on this indicator (any series); see the Goals tab.",
    border=True,
)

across_tab, breakdown_tab, metadata_tab, goals_tab = st.tabs(["Across partnerships", "Breakdowns", "Metadata", "Goals"])

# ---- across partnerships --------------------------------------------------------------------------------------
with across_tab:
    view = url_state.choice(
        st.radio,
        "Period",
        param="view",
        options=list(VIEWS),
        default="quarterly",
        key="explorer_view",
        format_func=VIEWS.get,
        horizontal=True,
        help="Annual values follow the indicator's year rule (see the Metadata tab).",
    )
    if trend.empty:
        st.info(
            f"No partnership has reported {indicator.short_name.lower()} yet. Program officers can upload it on the "
            "Upload page.",
            icon=":material/info:",
        )
    else:
        if view == "annual":
            st.caption(f"{INCOMPLETE_YEAR_RULE} Year rule: {indicator.year_rule_text}")
            series = explorer.annual()
        else:
            series = trend
        if series.empty:
            st.info(
                f"No partnership has a complete year of {indicator.short_name.lower()} yet: switch to the quarterly "
                "view.",
                icon=":material/info:",
            )
        else:
            source = source_note(store, int(series["partnership_id"].nunique()), indicator.dataset)
            trend_block(  # a line per partnership, or their spread when there are many: drawn once per version
                series,
                indicator,
                draw_key=(explorer.key, view, source),
                source=source,
                colours=colours,
                key=f"across-{chosen}-{view}",
                file_name=f"{chosen}_{view}_by_partnership.csv",
                value_header=comparison_texts.value_column(indicator),
                period_header="Year" if view == "annual" else "Quarter",
                title=indicator_texts.annual_title(indicator) if view == "annual" else None,
                annual=view == "annual",
            )
        st.markdown("**Latest quarter each partnership reported**")
        latest_table = explorer.latest_display()
        st.dataframe(latest_table, hide_index=True, key=f"latest-{chosen}", column_config=pinned_first(latest_table))
        st.download_button(
            "Download the latest values (CSV)",
            data=deferred_csv(explorer.latest_csv()),
            file_name=f"{chosen}_latest.csv",
            mime="text/csv",
            key=f"latest-{chosen}-csv",
            icon=":material/download:",
        )

# ---- breakdowns -----------------------------------------------------------------------------------------------
with breakdown_tab:
    if not indicator.breakdowns:
        url_state.write("dimension", TOTAL)
        st.info(
            f"{indicator.short_name} is reported as a total only: the catalog allows no breakdown for it.",
            icon=":material/info:",
        )
    else:
        options = list(indicator.breakdowns)
        dimension = url_state.choice(
            st.selectbox,
            "Breakdown",
            param="dimension",
            options=options,
            default=options[0],
            key="explorer_dimension",
            format_func=lambda code: DIMENSIONS[code].label,
        )
        label = DIMENSIONS[dimension].label
        if indicator.breakdown_of == "owners":
            st.caption("This breakdown describes the owners of the supplier firms, not people served.")
        latest_parts = explorer.latest_breakdown(dimension)
        if latest_parts is None or latest_parts.empty:
            st.info(
                f"No partnership reports {indicator.short_name.lower()} by {label.lower()} yet.",
                icon=":material/info:",
            )
        else:
            reporters = explorer.reporters(dimension)
            partnership_id = url_state.partnership_choice(
                st.selectbox,
                reporters,
                names,
                key="explorer_partnership",
                help=f"Partnerships that report {indicator.short_name.lower()} by {label.lower()}.",
            )
            rows = explorer.breakdown(dimension, partnership_id)
            name = names.get(partnership_id, partnership_id)  # plain text: the figure builder makes it literal
            source = source_note(store, [name], indicator.dataset)
            figure = drawn_figure(
                (explorer.key, "breakdown", dimension, partnership_id, source),
                partial(
                    breakdown_figure,
                    rows,
                    indicator,
                    dimension_label=label,
                    mode="stacked",
                    source=source,
                    title=f"{breakdown_title(indicator, label)}: {name}",
                ),
            )
            chart_block(
                figure,
                rows[["period", "category_label", "value"]].rename(
                    columns={
                        "period": "Quarter",
                        "category_label": label,
                        "value": comparison_texts.value_column(indicator),
                    }
                ),
                key=f"breakdown-{chosen}-{dimension}",
                file_name=f"{chosen}_{partnership_id}_by_{dimension}.csv",
                alt=f"Bar chart of {indicator.short_name.lower()} per quarter by {label.lower()}.",
            )
            st.markdown(f"**Latest quarter by {markdown_literal(label.lower())}, every partnership reporting it**")
            st.dataframe(
                explorer.latest_breakdown_display(dimension),
                hide_index=True,
                key=f"parts-{chosen}-{dimension}",
            )
            st.download_button(
                "Download this table (CSV)",
                data=deferred_csv(latest_parts),
                file_name=f"{chosen}_latest_by_{dimension}.csv",
                mime="text/csv",
                key=f"parts-{chosen}-{dimension}-csv",
                icon=":material/download:",
            )

# ---- metadata -------------------------------------------------------------------------------------------------
with metadata_tab:
    metadata = pd.DataFrame(indicator_texts.indicator_metadata(indicator), columns=["Field", "Value"])
    st.table(metadata.map(markdown_literal), hide_index=True, hide_header=True, alt="Indicator definition")
    st.markdown("**Framework references**")
    st.caption(
        "Codes of the reporting frameworks this indicator follows: GRI Standards, IRIS+, the SDG indicators, the WEF "
        "stakeholder capitalism metrics and ESRS. “none verified” means no code has been checked for that framework."
    )
    st.table(
        indicator_texts.reference_rows(indicator).map(markdown_literal), hide_index=True, alt="Framework references"
    )

# ---- goals ----------------------------------------------------------------------------------------------------
with goals_tab:
    if goals.empty:
        st.info(
            f"No partnership has set a goal on {indicator.short_name.lower()} yet.",
            icon=":material/info:",
        )
    else:
        st.caption(
            "Status by the SDG progress method on complete years: the observed annual growth against the growth "
            "needed to reach the target. Score from −5 (deterioration) to 5 (target achieved)."
        )
        st.dataframe(goals, hide_index=True, key=f"goals-{chosen}")
        st.download_button(
            "Download the goals (CSV)",
            data=csv_bytes(goals),
            file_name=f"{chosen}_goals.csv",
            mime="text/csv",
            key=f"goals-{chosen}-csv",
            icon=":material/download:",
        )
