"""Embed parameters: what a URL asks for, the snippet a partner pastes, and the link back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.public.embed import (
    EmbedRequest,
    embed_snippet,
    embed_url,
    full_view_query,
    full_view_url,
    parse_period,
    parse_request,
)
from data_contracts import INDICATORS
from data_contracts.quarters import Quarter

BASE = "https://impact.example.org"


def test_a_plain_trend_request() -> None:
    request = parse_request({"partnership": "att-imago", "indicator": "students_reached"})
    assert request == EmbedRequest(("att-imago",), "students_reached", "trend")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-Q3", (2026, 3)), ("2026Q3", (2026, 3)), ("2026 q1", (2026, 1)), ("2026-Q5", None), ("Q3-2026", None)],
)
def test_periods(text: str, expected: tuple[int, int] | None) -> None:
    assert Quarter.from_code(text) == expected


def test_a_period_range_and_a_single_quarter() -> None:
    ranged = parse_request({"partnership": "a", "indicator": "new_hires", "period": "2024-Q1..2026-Q3"})
    assert ranged is not None and (ranged.start, ranged.end) == ((2024, 1), (2026, 3))
    single = parse_request({"partnership": "a", "indicator": "new_hires", "period": "2026-Q3"})
    assert single is not None and (single.start, single.end) == (None, (2026, 3))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"partnership": "att-imago"},
        {"indicator": "new_hires"},
        {"partnership": "att-imago", "indicator": "no_such_indicator"},
        {"partnership": "att-imago", "indicator": "new_hires", "view": "pie"},
        {"partnership": "att-imago", "indicator": "new_hires", "theme": "blue"},
        {"partnership": "att-imago", "indicator": "new_hires", "period": "2026-Q9"},
        {"partnership": "att-imago", "indicator": "new_hires", "period": "2026-Q3..2024-Q1"},
        {"partnership": "att-imago", "indicator": "new_hires", "view": "breakdown", "breakdown": "shoe_size"},
        {"partnership": "att-imago", "indicator": "local_supplier_spend", "view": "breakdown", "breakdown": "gender"},
        {"partnership": "att-imago", "indicator": "new_hires", "view": "trend", "breakdown": "gender"},
        {"partnership": "att-imago,pge-green-for-all", "indicator": "new_hires", "view": "trend"},
        {"partnership": "att-imago", "indicator": "new_hires", "view": "compare"},
        {"partnership": ",".join(f"p{i}" for i in range(9)), "indicator": "new_hires", "view": "compare"},
        {"partnership": "a,a", "indicator": "new_hires", "view": "compare"},
        {"partnership": "<script>alert(1)</script>", "indicator": "new_hires"},
        {"partnership": "att-imago", "indicator": "new_hires", "view": "progress", "goal": "x' or 1=1"},
    ],
)
def test_malformed_requests_are_refused(params: dict[str, str]) -> None:
    assert parse_request(params) is None


def test_the_snippet_is_an_iframe_of_the_embed_url() -> None:
    request = EmbedRequest(("att-imago",), "new_hires", "breakdown", end=(2026, 3), theme="dark", breakdown="gender")
    url = embed_url(BASE, request)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "impact.example.org", "/embed")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "partnership": "att-imago",
        "indicator": "new_hires",
        "view": "breakdown",
        "period": "2026-Q3",
        "breakdown": "gender",
        "theme": "dark",
        "embed": "true",
        "embed_options": "dark_theme",
    }
    assert parse_request(query) == request  # the URL asks for exactly this view again
    snippet = embed_snippet(BASE, request, 'New hires by gender, "A" <b>&</b> Co')
    assert snippet.startswith('<iframe src="https://impact.example.org/embed?partnership=att-imago&amp;')
    assert 'width="600" height="400"' in snippet
    assert 'title="New hires by gender, &quot;A&quot; &lt;b&gt;&amp;&lt;/b&gt; Co"' in snippet


def test_a_compare_request_round_trips_and_links_back_to_the_first_partnership() -> None:
    request = EmbedRequest(("att-imago", "pge-green-for-all"), "new_hires", "compare", end=(2026, 3))
    query = {key: values[-1] for key, values in parse_qs(urlsplit(embed_url(BASE, request)).query).items()}
    assert parse_request(query) == request
    link = urlsplit(full_view_url(BASE + "/", request))
    assert (link.netloc, link.path) == ("impact.example.org", "/portal")
    assert {key: values[-1] for key, values in parse_qs(link.query).items()} == {
        "partnership": "att-imago",
        "dataset": "workforce",
        "indicator": "new_hires",
        "view": "compare",
        "breakdown": "total",
        "compare": "pge-green-for-all",
        "period": "2026-Q3",
    }


def test_the_full_view_of_a_compare_embed_names_its_indicator_view_and_period() -> None:
    women = next(i for i in INDICATORS.values() if i.short_name == "Women in workforce")
    embed = parse_request(
        {"partnership": "att-imago,pge-green-for-all,solar-skills-kenya", "indicator": women.id, "view": "compare"}
        | {"period": "2026-Q2"}
    )
    assert embed is not None
    query = full_view_query(embed)
    assert query == {
        "partnership": "att-imago",
        "dataset": "diversity",
        "indicator": "women_share_workforce",
        "view": "compare",
        "breakdown": "total",
        "compare": "pge-green-for-all,solar-skills-kenya",
        "period": "2026-Q2",
    }
    link = urlsplit(full_view_url(BASE, embed))
    assert {key: values[-1] for key, values in parse_qs(link.query).items()} == query


def test_the_full_view_of_a_breakdown_over_a_range_keeps_both() -> None:
    embed = EmbedRequest(("att-imago",), "new_hires", "breakdown", (2025, 1), (2026, 2), breakdown="gender")
    query = full_view_query(embed)
    assert (query["view"], query["breakdown"], query["period"]) == ("breakdown", "gender", "2025-Q1..2026-Q2")
    assert "compare" not in query
    assert parse_period(query["period"]) == ((2025, 1), (2026, 2))
    assert parse_period("2026-Q3") == (None, (2026, 3)) and parse_period("2026-Q3..2025-Q1") is None
