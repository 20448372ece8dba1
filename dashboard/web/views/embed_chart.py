"""Embed: one chart and nothing else, for an iframe on a partner's website (``/embed?partnership=…&embed=true``).

Published figures of public partnerships only, small counts suppressed. Anything that cannot be shown gets the
same neutral message, whatever the reason.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.access.pages import EMBED
from dashboard.present.chart_style import EMBED_PLOTLY_CONFIG
from dashboard.present.chart_summary import chart_summary
from dashboard.present.narrative_texts import goal_explanation_notes
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import (
    DARK_PAGE_CSS,
    EMBED_CHART_HEIGHT,
    NOT_AVAILABLE,
    embed_content,
    full_view_url,
    parse_request,
)
from dashboard.public.narratives import embed_line, with_notes
from dashboard.public.published import updated_text
from dashboard.settings import data_licence, min_cell_count
from dashboard.web import url_state
from dashboard.web.blocks import app_base_url, source_note
from dashboard.web.figures import drawn_embed
from dashboard.web.narrative_blocks import embed_story_line, public_story
from dashboard.web.public_reads import (
    read_last_updated,
    read_public_goals,
    read_public_partnerships,
    read_public_rows,
)
from dashboard.web.session import get_store, require
from dashboard.web.table_reads import read_partnership_colours
from data_contracts import INDICATORS

require(EMBED)
store = get_store(snapshot=True)  # this page only reads
partnerships = read_public_partnerships(store)
request = parse_request(url_state.params())
content = None
source = ""
if request is not None and set(request.partnerships) <= set(partnerships["partnership_id"]):
    rows = read_public_rows(store, request.partnerships)  # the partnerships asked for, nothing else
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    updated = read_last_updated(store, request.partnerships)
    latest = max((when for when in updated.values() if when is not None), default=None)
    source = source_note(store, [names[pid] for pid in request.partnerships], INDICATORS[request.indicator].dataset)
    source += f" Last updated {updated_text(latest)}."
    content = drawn_embed(  # drawn once per published snapshot, shared
        store,
        ("embed", request, source),
        partial(
            embed_content,
            request,
            rows=rows,
            partnerships=partnerships,
            goals=read_public_goals(store, request.partnerships) if request.view == "progress" else [],
            k=min_cell_count(),
            source=source,
            colours=read_partnership_colours(store),  # each partnership's own colour, the same on every page
        ),
    )

if content is None:
    st.info(NOT_AVAILABLE, icon=":material/visibility_off:")
    st.stop()

story = public_story(store, request.partnerships[0])  # published texts of a public partnership only
goal_id = request.goal if request.view == "progress" else None
if goal_id is not None:  # the goal's explanations on the quarters they explain
    content = with_notes(content, goal_explanation_notes(story, request.partnerships[0], goal_id))
if request is not None and request.theme == "dark":
    st.html(DARK_PAGE_CSS)  # our own fixed style sheet, no data in it
chart_tab, table_tab = st.tabs(["Chart", "Table"])
with chart_tab:
    st.plotly_chart(
        content.figure,
        config=EMBED_PLOTLY_CONFIG,
        key="embed-chart",
        alt=f"{content.alt} {chart_summary(content.figure, content.table)}",
        theme=None,
        height=EMBED_CHART_HEIGHT,
    )
with table_tab:
    st.dataframe(content.table, hide_index=True, height=EMBED_CHART_HEIGHT, key="embed-table")
hidden = f" {len(content.hidden)} values hidden to protect small groups." if content.hidden else ""
link = full_view_url(app_base_url(), request)  # our own address and URL-encoded parameters: safe in a link
st.caption(f"{markdown_literal(source)} Licence {data_licence()}.{hidden} [Full view]({link})")
embed_story_line(embed_line(story, request.partnerships[0], goal_id), app_base_url(), request.partnerships[0])
