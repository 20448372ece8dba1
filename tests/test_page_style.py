"""Pages on a phone, in real Streamlit (AppTest) on the sample store: the filters of the analytics pages sit in a
collapsed "Filters" block whose label says what is chosen, the main tables keep their first column in view, and the
one style sheet is constant text added on every page."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.storage.store import Store
from dashboard.web.page_style import PAGE_CSS, filters_label, pinned_first
from tests.conftest import app_as


def open_page(monkeypatch: pytest.MonkeyPatch, store: Store, view: str | None, **query: str) -> AppTest:
    """The app signed in as an admin on ``view`` (None: the start page) with ``query`` in the URL when the page first
    runs in this session."""
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    if view is None:
        app.query_params.update(query)
    app.run()
    if view is not None:
        app.query_params.clear()
        app.query_params.update(query)
        app.switch_page(f"web/views/{view}.py").run()
    assert not app.exception
    return app


def filters(app: AppTest):  # noqa: ANN201 - an AppTest expander
    blocks = [block for block in app.expander if block.label.startswith("Filters")]
    assert len(blocks) == 1, [block.label for block in app.expander]
    return blocks[0]


def pinned_columns(app: AppTest, column: str) -> list[str]:
    """The pinned columns of the last st.dataframe that has ``column``."""
    table = [element for element in app.dataframe if column in element.value.columns][-1]
    config = json.loads(table.proto.columns or "{}")
    return [name for name, settings in config.items() if settings.get("pinned")]


def test_the_overview_filters_are_one_collapsed_block_that_names_the_choices(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_page(monkeypatch, sample_store, None)
    block = filters(app)
    assert block.label == "Filters · all partnerships"
    assert not block.proto.expanded
    assert [m.label for m in block.multiselect] == ["Region", "Country", "Lead sector", "Focus dataset"]
    assert app.selectbox[0].label == "Quarter"  # the quarter stays outside, in view
    block.multiselect[0].select("Sub-Saharan Africa").run()
    assert filters(app).label == "Filters · 1 region"
    filters(app).multiselect[2].select("business").run()
    assert filters(app).label == "Filters · 1 region · 1 sector"
    assert app.query_params["region"] == "Sub-Saharan Africa"
    assert pinned_columns(app, "Partnership") == ["Partnership"]


def test_a_filter_in_the_url_shows_in_the_label_on_the_first_run(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    regions = "Sub-Saharan Africa,Europe and Northern America,Nowhere"
    app = open_page(monkeypatch, sample_store, None, region=regions)
    assert filters(app).label == "Filters · 2 regions"  # an unknown value is not counted, as the filter ignores it


def test_compare_and_goals_name_their_choices(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_page(
        monkeypatch, sample_store, "compare", p="att-imago,pge-green-for-all,solar-skills-kenya", norm="per_usd_million"
    )
    assert filters(app).label == "Filters · 3 partnerships · 2 indicators · per USD 1M of committed funding"
    assert len(filters(app).multiselect) == 2
    app = open_page(monkeypatch, sample_store, "goals", filter="off_course")
    assert filters(app).label == "Filters · only off course"
    assert pinned_columns(app, "Score") == ["Partnership"]
    app = open_page(monkeypatch, sample_store, "goals")
    assert filters(app).label == "Filters · every goal"


def test_the_explorer_and_the_portal_name_the_indicator(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_page(monkeypatch, sample_store, "indicator", indicator="teachers_trained")
    assert filters(app).label == "Filters · Education · Teachers trained"
    app = open_page(
        monkeypatch, sample_store, "portal", partnership="att-imago", dataset="education", indicator="students_reached"
    )
    assert filters(app).label == "Filters · Students reached"
    app = open_page(monkeypatch, sample_store, "partnership", partnership="att-imago", dataset="education")
    assert [box.label for box in filters(app).selectbox] == ["Dataset", "Indicator"]
    assert filters(app).label == "Filters · Teachers trained"  # the first education indicator it reports
    assert filters(app).selectbox[1].value == "teachers_trained"
    filters(app).selectbox[1].select("students_reached").run()
    assert filters(app).label == "Filters · Students reached"


def test_the_style_sheet_is_constant_text_on_every_page(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    app = open_page(monkeypatch, sample_store, None)
    assert PAGE_CSS.startswith("<style>") and PAGE_CSS.endswith("</style>")
    assert "{" in PAGE_CSS and "{{" not in PAGE_CSS  # the f-string's braces came out single
    assert [element.proto.body for element in app.get("html")] == [PAGE_CSS]


def test_labels_and_pinned_columns() -> None:
    assert filters_label(["2026 Q3", "", "2 regions"]) == "Filters · 2026 Q3 · 2 regions"
    frame = pd.DataFrame({"Partnership": ["a"], "Funding": [1]})
    assert pinned_first(frame)["Partnership"]["pinned"] is True
    assert pinned_first(frame, {"Partnership": {"width": 195}}) == {"Partnership": {"width": 195, "pinned": True}}
    assert "Funding" not in pinned_first(frame)
    assert pinned_first(pd.DataFrame()) == {}
