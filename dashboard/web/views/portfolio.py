"""The portfolio overview, for staff (submitted layer, every partnership) and for the public (published layer,
public partnerships only): headline KPIs of a quarter, goal progress, a trend per dataset, the partnership list."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.access.pages import GOALS, OVERVIEW, PORTAL, PUBLIC
from dashboard.analytics.annual import INCOMPLETE_YEAR_RULE
from dashboard.analytics.filters import apply_filter
from dashboard.analytics.goals import status_counts
from dashboard.analytics.metrics import default_period, kpi_change_text, kpi_reported_text
from dashboard.present.indicator_texts import formula_in_words
from dashboard.present.scorecards import SCORECARD_FORMATS, SCORECARD_HELP, STYLED_ROWS, scorecard_style
from dashboard.settings import default_quarter_coverage
from dashboard.storage.tables import Layer
from dashboard.web import url_state
from dashboard.web.blocks import deferred_csv, sample_badge, source_note, status_chart, trend_block
from dashboard.web.page_style import filters_block, kpi_cards, pinned_first, portfolio_filter_parts
from dashboard.web.portfolio_reads import PortfolioView, read_public_summary, read_summary
from dashboard.web.roadmap import late_milestones_block
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnership_colours
from data_contracts import DATASET_INFO, DATASETS, INDICATORS
from data_contracts.quarters import Quarter
from data_contracts.units import format_value


def render_portfolio(*, public: bool) -> None:
    """The overview page. ``public`` reads only the published layer of public partnerships.

    Nothing here reads whole tables: one cached pass over the layer (``portfolio_reads.read_summary``) gives the
    quarters, the headline rows and the evaluated goals, and the figures of each filter and quarter are cached too,
    so a rerun with the same choices only draws."""
    page = PUBLIC if public else OVERVIEW
    require(page)
    store = get_store(snapshot=True)  # this page only reads
    layer: Layer = "published" if public else "submitted"
    # for the public: published rows of public partnerships, small counts suppressed before anything is computed
    summary = read_public_summary(store) if public else read_summary(store, layer)
    view = PortfolioView(store, summary)
    all_partnerships = view.partnerships()

    st.title("Partnership impact" if public else "Portfolio overview")
    st.caption(
        "What the partnerships achieve together, which goals are on course and how each dataset is trending. "
        + (
            "Published figures of public partnerships only."
            if public
            else "Staff view: every accepted upload, published or not, private partnerships included."
        )
    )
    sample_badge(store)

    periods = summary.periods
    if all_partnerships.empty or not periods:
        st.info(
            "No indicator data yet. Program officers add it on the Upload page; the public pages show it once an "
            "administrator publishes it.",
            icon=":material/info:",
        )
        return

    # ---- filters (kept in the URL) -------------------------------------------------------------------------------
    labels = [Quarter(*p).label for p in periods]
    # the quarter stays in view; the partnership filters sit in a collapsed block whose label says what is chosen
    quarter_column, filters_column = st.columns([1.2, 6.2], vertical_alignment="bottom")
    with filters_column, filters_block(page.path, portfolio_filter_parts(all_partnerships, page.path)):
        region_column, country_column, sector_column, focus_column = st.columns([2, 1.2, 1.4, 1.6])
        portfolio_filter = url_state.portfolio_filter(
            all_partnerships,
            key=page.path,
            widgets={
                "region": partial(region_column.multiselect, "Region", placeholder="All"),
                "country": partial(country_column.multiselect, "Country", placeholder="All"),
                "sector": partial(
                    sector_column.multiselect, "Lead sector", placeholder="All", format_func=str.capitalize
                ),
                "focus": partial(
                    focus_column.multiselect,
                    "Focus dataset",
                    placeholder="All",
                    format_func=lambda d: DATASET_INFO[d].name,
                ),
            },
        )
    # the quarter opened first is the latest one most partnerships in view reported; later ones are marked partial
    coverage = view.coverage(portfolio_filter)
    share = default_quarter_coverage()
    opening = default_period(coverage, share) or periods[-1]
    chosen = url_state.choice(
        quarter_column.selectbox,
        "Quarter",
        param="period",
        options=labels[::-1],
        default=Quarter(*opening).label,
        key=f"{page.path}_period",
        format_func=lambda label: coverage.option_text(Quarter.parse(label), share),
        help="KPI cards show this quarter and compare it, like for like, with the same quarter a year earlier. A "
        f"quarter fewer than {share:.0%} of the partnerships in view have reported is marked partial.",
    )
    period = Quarter.parse(chosen)

    partnerships = apply_filter(all_partnerships, portfolio_filter)
    if partnerships.empty:
        st.info("No partnership matches these filters. Remove a filter to see more.", icon=":material/filter_alt_off:")
        return
    kpis, goals, overview = view.figures(portfolio_filter, period)
    if portfolio_filter.active:
        st.caption(f"Showing {len(partnerships)} of {len(all_partnerships)} partnerships.")

    # ---- headline figures ----------------------------------------------------------------------------------------
    st.header(f"Headline figures, {chosen}")
    if coverage.is_partial(period, share):
        st.info(
            f"Only {coverage.count(period)} of {coverage.in_view} partnerships have reported {chosen} so far: its "
            "figures are partial. Changes compare only partnerships that reported both quarters.",
            icon=":material/hourglass_top:",
        )
    cards = kpi_cards()  # three per row, two on a phone, in reading order
    for kpi in kpis:
        indicator = INDICATORS[kpi.indicator_id]
        card = cards.container(border=True)
        card.metric(
            kpi.label,
            format_value(kpi.value, kpi.unit, compact=True),
            delta=kpi_change_text(kpi),
            delta_color="normal" if indicator.higher_is_better else "inverse",
            help=f"{formula_in_words(indicator)}. Summed over the partnerships that reported it for {chosen}: "
            f"{kpi.partnerships} of the {kpi.partnerships_in_view} in view that report it. The change compares only "
            f"the {kpi.compared} that reported it for both {chosen} and {period.year_earlier().label}: like for "
            f"like. Unit: {indicator.unit_label}.",
        )
        card.caption(kpi_reported_text(kpi))

    # ---- goal progress -------------------------------------------------------------------------------------------
    st.header("Goal progress")
    if goals.empty:
        st.info("No goals for these partnerships yet.", icon=":material/flag:")
    else:
        counts = status_counts(goals)
        off_course = counts["limited_progress"] + counts["deterioration"]
        st.caption(
            f"{len(goals)} goals of {goals['partnership_id'].nunique()} partnerships; {off_course} off course "
            f"(limited progress or deterioration). {INCOMPLETE_YEAR_RULE}"
        )
        status_chart(store, counts, partnerships=goals["partnership_id"].nunique(), key="overview-status")
        if not public:
            st.page_link(
                GOALS.view,
                label=f"See the {off_course} goals off course",
                icon=":material/flag:",
                query_params={"filter": "off_course"},
            )

    # ---- trends --------------------------------------------------------------------------------------------------
    st.header("Trends by dataset")
    colours = read_partnership_colours(store)  # each partnership's own colour, the same on every page
    trends = view.trends(portfolio_filter)
    for dataset in DATASETS:
        info = DATASET_INFO[dataset]
        indicator = INDICATORS[info.headline_indicator]
        trend = trends[dataset]
        with st.container(border=True):
            st.markdown(f"**:material/bar_chart: {info.name}** — {info.description}")
            if not trend.partnerships:
                st.info(f"No {info.name.lower()} data for the partnerships in view.", icon=":material/info:")
                continue
            source = source_note(store, trend.partnerships, dataset)
            trend_block(  # a line per partnership, or their spread when there are many: drawn once per version
                trend.trend,
                indicator,
                distribution=trend.distribution,
                everyone=partial(view.every_partnership, portfolio_filter, dataset),
                draw_key=(view.key(portfolio_filter), dataset, source),
                source=source,
                colours=colours,
                key=f"trend-{dataset}",
                file_name=f"{indicator.id}_by_partnership.csv",
                value_header=f"{indicator.short_name} ({indicator.unit_label})",
            )

    # ---- late milestones (staff) ---------------------------------------------------------------------------------
    if not public:
        late_milestones_block(store, partnerships["partnership_id"].astype(str).tolist())

    # ---- partnerships --------------------------------------------------------------------------------------------
    st.header("Partnerships")
    shown = overview.drop(columns=["partnership_id"])
    st.caption("Most goals off course first; click a column's header to sort by it.")
    st.dataframe(
        scorecard_style(shown) if len(shown) <= STYLED_ROWS else shown,  # colours on a list a reader can scan
        hide_index=True,
        column_order=list(shown.columns),
        column_config=pinned_first(
            shown,
            {
                **{
                    header: st.column_config.NumberColumn(format=text, help=SCORECARD_HELP[header])
                    for header, text in SCORECARD_FORMATS.items()
                },
                "Average status": st.column_config.TextColumn(help=SCORECARD_HELP["Average status"]),
                "Committed funding (USD)": st.column_config.NumberColumn(format="dollar"),
            },
        ),
    )
    if public:
        st.page_link(
            PORTAL.view,
            label="Open a partnership: its goals, indicators and data",
            icon=":material/travel_explore:",
        )
    st.download_button(
        "Download partnership list (CSV)",
        data=deferred_csv(shown),  # big: on the click
        file_name="partnerships.csv",
        mime="text/csv",
        icon=":material/download:",
    )
