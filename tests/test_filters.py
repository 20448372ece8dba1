"""Portfolio filters and their URL form."""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.filters import PortfolioFilter, apply_filter, filter_options

PARTNERSHIPS = pd.DataFrame(
    {
        "partnership_id": ["a", "b", "c"],
        "region": ["Sub-Saharan Africa", "Europe and Northern America", "Europe and Northern America"],
        "country": ["KE", "US", "DE"],
        "lead_sector": ["business", "ngo", "government"],
        "focus_datasets": ["education;workforce", "diversity", "workforce; community_capacity"],
    }
)


def test_options_come_from_the_partnerships() -> None:
    options = filter_options(PARTNERSHIPS)
    assert options["country"] == ["DE", "KE", "US"]
    assert options["focus"] == ["community_capacity", "diversity", "education", "workforce"]


def test_filters_combine_with_and_within_with_or() -> None:
    chosen = PortfolioFilter(regions=("Europe and Northern America",), focus=("workforce", "diversity"))
    assert apply_filter(PARTNERSHIPS, chosen)["partnership_id"].tolist() == ["b", "c"]
    assert apply_filter(PARTNERSHIPS, PortfolioFilter(focus=("workforce",)))["partnership_id"].tolist() == ["a", "c"]
    assert apply_filter(PARTNERSHIPS, PortfolioFilter(countries=("KE",), sectors=("ngo",))).empty
    assert len(apply_filter(PARTNERSHIPS, PortfolioFilter())) == 3


def test_url_round_trip_ignores_unknown_values() -> None:
    chosen = PortfolioFilter(regions=("Sub-Saharan Africa",), sectors=("business", "ngo"))
    query = chosen.to_query()
    assert query == {"region": "Sub-Saharan Africa", "sector": "business,ngo"}
    assert PortfolioFilter.from_query(query, PARTNERSHIPS) == chosen
    noisy = PortfolioFilter.from_query({"country": "KE,XX,<script>", "focus": "weather"}, PARTNERSHIPS)
    assert noisy == PortfolioFilter(countries=("KE",))
    assert not PortfolioFilter().active and noisy.active
