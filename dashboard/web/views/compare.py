"""Compare: 2–8 partnerships side by side on 1–4 indicators, as reported or normalised by funding or people."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.access.pages import COMPARE
from dashboard.analytics import comparison as cmp
from dashboard.present import comparison_texts, indicator_texts
from dashboard.present.chart_style import named_colours
from dashboard.present.charts import ranking_figure, small_multiples_figure
from dashboard.present.exports import csv_bytes
from dashboard.present.text_safety import markdown_literal, plotly_literal
from dashboard.storage.tables import PARTNERSHIPS_TABLE
from dashboard.web import url_state
from dashboard.web.blocks import chart_block, sample_badge, source_note
from dashboard.web.figures import drawn_figure
from dashboard.web.page_style import counted, filters_block, pending_choice, pending_list
from dashboard.web.partnership_reads import read_comparison
from dashboard.web.portfolio_reads import read_summary
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import layer_snapshot, read_partnership_colours, read_partnerships
from data_contracts import DATASET_INFO, INDICATORS
from data_contracts.units import UNITS

identity = require(COMPARE)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_partnerships(store).sort_values("name", ignore_index=True)
row_counts = read_summary(store, "submitted").total_rows  # from the read model; the chosen ones' rows come later

st.title("Compare partnerships")
st.caption(
    "Put 2 to 8 partnerships side by side on up to four indicators: how each moved over time, who leads in the "
    "latest quarter, the change over a year and the goal status. Staff view: every accepted upload."
)
sample_badge(store)

if partnerships.empty or not row_counts:
    st.info(
        "Nothing to compare yet: there are no partnerships or no indicator data. Program officers can upload "
        "quarterly files on the Upload page.",
        icon=":material/info:",
    )
    st.stop()

ids = partnerships["partnership_id"].astype(str).tolist()
names = dict(zip(ids, partnerships["name"].astype(str), strict=True))
indicator_ids = list(INDICATORS)

# ---- state from the URL: a copied link reopens the same view --------------------------------------------------
default_ids = cmp.default_partnerships_from_counts(row_counts, partnerships)
pending_ids = pending_list("compare_partnerships", "p", ids, default_ids, cmp.MAX_PARTNERSHIPS)
pending_indicators = pending_list("compare_indicators", "i", indicator_ids, cmp.DEFAULT_INDICATORS, cmp.MAX_INDICATORS)
pending_modes = cmp.available_normalisations([INDICATORS[i] for i in pending_indicators])
pending_mode = cmp.NORMALISATIONS[pending_choice("compare_norm", "norm", pending_modes, "none")]
parts = [
    counted(len(pending_ids), "partnership"),
    counted(len(pending_indicators), "indicator"),
    pending_mode[0].lower() + pending_mode[1:],
]
with filters_block("compare", parts):
    left, right = st.columns(2)
    chosen_ids = url_state.id_list(
        left.multiselect,
        "Partnerships (2 to 8)",
        param="p",
        options=ids,
        key="compare_partnerships",
        default=default_ids,
        limit=cmp.MAX_PARTNERSHIPS,
        keep_empty=True,
        format_func=lambda pid: names[pid],
        max_selections=cmp.MAX_PARTNERSHIPS,
        placeholder="Choose partnerships",
        wrap=True,
    )
    chosen_indicators = url_state.id_list(
        right.multiselect,
        "Indicators (1 to 4)",
        param="i",
        options=indicator_ids,
        key="compare_indicators",
        default=cmp.DEFAULT_INDICATORS,
        limit=cmp.MAX_INDICATORS,
        keep_empty=True,
        format_func=indicator_texts.indicator_label,
        max_selections=cmp.MAX_INDICATORS,
        placeholder="Choose indicators",
        wrap=True,
        help="Grouped by dataset: workforce, diversity, education, community capacity.",
    )
    indicators = [INDICATORS[i] for i in chosen_indicators]
    modes = cmp.available_normalisations(indicators)
    mode = url_state.choice(
        st.radio,
        "Normalise",
        param="norm",
        options=modes,
        default="none",
        key="compare_norm",
        format_func=lambda m: cmp.NORMALISATIONS[m],
        horizontal=True,
        help="Per USD 1M divides by the partnership's committed funding in millions of US dollars; per participant "
        "divides by the people working on the partnership at the same quarter end (its headcount). Only amounts that "
        "add up (counts, hours, US dollars) can be normalised.",
    )
    if len(modes) == 1 and indicators:
        st.caption(
            "Normalisation applies only to amounts (counts, hours, US dollars); the chosen indicators are rates."
        )

if len(chosen_ids) < cmp.MIN_PARTNERSHIPS:
    st.info("Choose at least two partnerships to compare.", icon=":material/info:")
    st.stop()
if not indicators:
    st.info("Choose at least one indicator to compare.", icon=":material/info:")
    st.stop()

colours = named_colours(names, read_partnership_colours(store), shown=chosen_ids)  # each one's own colour
# figures are drawn once per snapshot and choice (the colours follow the partnerships table)
snapshot = (layer_snapshot(store), store.version(PARTNERSHIPS_TABLE), tuple(chosen_ids), mode)


def draw_ranking(ranked, value_header, unit, indicator, when, direction, source, precise, decimals, number_format):  # noqa: ANN001, ANN201, PLR0913
    figure = ranking_figure(
        ranked,
        value_label=value_header,
        unit=unit,
        title=f"{indicator.short_name} in the latest quarter",
        subtitle=f"{comparison_texts.unit_text(indicator, mode)}, {when}{direction}",
        source=source,
        colours=colours,
    )
    if precise:  # small normalised values need more decimals than the unit's usual two
        bars = figure.data[0]
        bars.text = [comparison_texts.format_normalised(float(x), unit, decimals) for x in bars.x]
        bars.hovertemplate = f"%{{y}}<br>{plotly_literal(value_header)}: %{{x:{number_format}}}<extra></extra>"
    return figure


def draw_multiples(rows, shown, indicator, source, precise, number_format):  # noqa: ANN001, ANN201
    figure = small_multiples_figure(
        rows,
        shown,
        source=source,
        colours=colours,
        columns=comparison_texts.panel_columns(rows["partnership"].nunique()),
    )
    if cmp.applies(indicator, mode):
        sub = f"{comparison_texts.unit_text(indicator, mode)}, {comparison_texts.span_text(rows)}"
        figure.update_layout(title_subtitle_text=plotly_literal(sub))
    if precise:
        figure.update_yaxes(tickformat=number_format)
        for line in figure.data:  # the name as data, never as part of the template
            line.hovertemplate = f"%{{fullData.name}}: %{{y:{number_format}}}<extra></extra>"
    return figure


for indicator in indicators:
    dataset = DATASET_INFO[indicator.dataset]
    shown = cmp.normalised_indicator(indicator, mode)
    unit = cmp.normalised_unit(indicator, mode)
    with st.container(border=True):
        st.header(f"{indicator.short_name}", anchor=False)
        in_words = indicator_texts.formula_in_words(indicator)
        st.caption(f"{dataset.name} · {in_words} · {comparison_texts.unit_text(indicator)}")
        reason = comparison_texts.not_applicable_reason(indicator, mode)
        if reason:
            st.caption(reason)
        compared = read_comparison(store, chosen_ids, indicator.id, mode)  # cached: series and side-by-side table
        if compared is None:
            st.info(
                f"None of the chosen partnerships has reported {indicator.short_name.lower()} yet. Choose other "
                "partnerships, or program officers can upload it on the Upload page.",
                icon=":material/info:",
            )
            continue
        series, table = compared
        missing = cmp.missing_divisors(series)
        note = comparison_texts.normalisation_note(indicator, mode, [markdown_literal(name) for name in missing])
        if note:
            st.caption(note)
        source = source_note(store, int(series["partnership_id"].nunique()), indicator.dataset)
        ranked = cmp.ranking_rows(table)
        value_header = comparison_texts.value_column(indicator, mode)
        when = comparison_texts.periods_text(ranked["period"].tolist())
        direction = "" if indicator.higher_is_better else "; lower is better"

        precise = cmp.applies(indicator, mode) and not UNITS[unit].money
        decimals = comparison_texts.decimals_for(series["value"].tolist())
        number_format = comparison_texts.number_format(unit, decimals)

        figure = drawn_figure(
            (*snapshot, "ranking", indicator.id, source),
            partial(
                draw_ranking,
                ranked,
                value_header,
                unit,
                indicator,
                when,
                direction,
                source,
                precise,
                decimals,
                number_format,
            ),
        )
        chart_block(
            figure,
            ranked.rename(columns={"partnership": "Partnership", "period": "Quarter", "value": value_header}),
            key=f"rank-{indicator.id}",
            file_name=f"{indicator.id}_ranking{'' if mode == 'none' else '_' + mode}.csv",
            alt=f"Bar chart ranking the partnerships by {indicator.short_name.lower()} in their latest quarter.",
        )

        rows = series[["partnership", "period_start", "period", "value"]]
        figure = drawn_figure(
            (*snapshot, "multiples", indicator.id, source),
            partial(draw_multiples, rows, shown, indicator, source, precise, number_format),
        )
        chart_block(
            figure,
            comparison_texts.series_table(series, indicator, mode),
            key=f"multiples-{indicator.id}",
            file_name=f"{indicator.id}_by_quarter{'' if mode == 'none' else '_' + mode}.csv",
            alt=f"Small line charts of {indicator.short_name.lower()} per quarter, one per partnership.",
        )

        st.markdown("**Side by side**")
        side = comparison_texts.comparison_display(table, indicator, mode)
        st.table(side.map(markdown_literal), hide_index=True, alt=f"{indicator.short_name}: partnerships side by side")
        st.download_button(
            "Download this table (CSV)",
            data=csv_bytes(comparison_texts.comparison_csv(table, indicator, mode)),
            file_name=f"{indicator.id}_comparison.csv",
            mime="text/csv",
            key=f"side-{indicator.id}-csv",
            icon=":material/download:",
        )
