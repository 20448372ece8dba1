"""A goal on one breakdown category is named with it everywhere (issue #14): the goal card, its chart, the embed and
the public card say "New hires — Women", never plain "New hires"; and a goal's link opens its card first."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present.goal_texts import goal_link, goal_links
from dashboard.storage.store import Store
from tests.conftest import app_as

VIEWS = Path(__file__).resolve().parent.parent / "dashboard" / "web" / "views"
WOMEN_HIRES = "pge-green-for-all-women-hires-2030"
NAME = "New hires — Women"
TITLE = f"{NAME}: progress toward the 2030 target"


def chart_titles(app: AppTest) -> list[str]:
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    return [title.replace("<br>", " ") for title in titles]  # a long title wraps to fit a phone


def card_headings(app: AppTest) -> list[str]:
    """The bold first line of each goal card (``**name**  badge``), in page order."""
    return [m.value.split("**")[1] for m in app.markdown if m.value.startswith("**") and "-badge[" in m.value]


def open_partnership(monkeypatch: pytest.MonkeyPatch, store: Store, **query: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as()
    app.switch_page("web/views/partnership.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_the_card_and_the_chart_of_a_goal_on_women_name_women(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = open_partnership(monkeypatch, sample_store, partnership="pge-green-for-all")
    assert not app.exception
    assert NAME in card_headings(app)
    assert TITLE in chart_titles(app)
    assert "New hires: progress toward the 2030 target" not in chart_titles(app)


def test_a_goal_link_opens_the_partnership_with_that_goal_card_first(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    plain = open_partnership(monkeypatch, sample_store, partnership="pge-green-for-all")
    assert card_headings(plain)[0] != NAME  # worst first: the women's hires goal is not the first card by itself
    assert "goal" not in plain.query_params
    app = open_partnership(monkeypatch, sample_store, partnership="pge-green-for-all", goal=WOMEN_HIRES)
    assert not app.exception
    assert card_headings(app)[0] == NAME
    assert chart_titles(app)[0] == TITLE
    assert any("The goal you opened" in c.value for c in app.caption)
    assert app.query_params["goal"] == WOMEN_HIRES
    scrolls = [h.proto.body for h in app.get("html") if h.proto.body.startswith("<script>")]
    assert len(scrolls) == 1 and ".st-key-opened-goal" in scrolls[0]  # the page scrolls to the card it opened
    # a goal of another partnership (or none at all) is no target: the cards keep their order, the URL drops it
    other = open_partnership(monkeypatch, sample_store, partnership="att-imago", goal=WOMEN_HIRES)
    assert not other.exception
    assert "goal" not in other.query_params
    assert not any("The goal you opened" in c.value for c in other.caption)


def test_the_embed_and_the_public_card_of_a_goal_on_women_name_women(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    embed = AppTest.from_file(str(VIEWS / "embed_chart.py"), default_timeout=120)
    for key, value in {
        "partnership": "pge-green-for-all",
        "indicator": "new_hires",
        "view": "progress",
        "goal": WOMEN_HIRES,
    }.items():
        embed.query_params[key] = value
    embed.run()
    assert not embed.exception
    assert chart_titles(embed) == [TITLE]
    # no toolbar over a small chart's title on a touch screen: the Full view link has the tools
    assert [json.loads(chart.proto.config).get("displayModeBar") for chart in embed.get("plotly_chart")] == [False]
    portal = AppTest.from_file(str(VIEWS / "portal.py"), default_timeout=120)
    portal.query_params["partnership"] = "pge-green-for-all"
    portal.run()
    assert not portal.exception
    assert NAME in card_headings(portal)
    assert TITLE in chart_titles(portal)


def test_goal_links_are_each_rows_goal_link_with_every_character_quoted() -> None:
    table = pd.DataFrame(
        {
            "Partnership id": ["a&b c", "a&b c", "é/ü?x=1", "plain"],
            "Goal id": ["g+1", "g#2", "g 3", "g%4"],
        }
    )
    expected = [goal_link("/partnership", p, g) for p, g in zip(table["Partnership id"], table["Goal id"], strict=True)]
    assert goal_links(table, "/partnership") == expected
    assert expected[0] == "/partnership?partnership=a%26b+c&goal=g%2B1"
