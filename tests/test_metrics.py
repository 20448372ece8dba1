"""The overview's pure computations on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.metrics import (
    Kpi,
    kpi_change_text,
    latest_period,
    partnership_overview,
    periods_in,
    portfolio_kpis,
    quarterly_trend,
)
from data_contracts.quarters import Quarter
from data_contracts.units import format_value

PARTNERSHIPS = pd.DataFrame(
    {
        "partnership_id": ["a", "b"],
        "name": ["Alpha Schools", "Beta Jobs"],
        "partner_organisations": ["A Corp; A Foundation", "B Utility; B NGO"],
        "lead_sector": ["business", "ngo"],
        "focus_datasets": ["education", "workforce; community_capacity"],
        "country": ["US", "KE"],
        "region": ["Europe and Northern America", "Sub-Saharan Africa"],
        "committed_funding_usd": [1e6, 2e6],
        "visibility": ["public", "private"],
    }
)


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value"]
    )


WORKFORCE = frame(
    [
        ("a", 2023, 3, "workforce_headcount", "total", "total", 100),
        ("b", 2023, 3, "workforce_headcount", "total", "total", 50),
        ("a", 2024, 3, "workforce_headcount", "total", "total", 120),
        ("a", 2024, 3, "workforce_headcount", "gender", "woman", 70),
        ("b", 2024, 3, "workforce_headcount", "total", "total", 45),
        ("b", 2024, 2, "new_hires", "total", "total", 9),
    ]
)


def test_periods() -> None:
    assert periods_in([WORKFORCE]) == [(2023, 3), (2024, 2), (2024, 3)]
    assert latest_period([WORKFORCE, frame([])]) == (2024, 3)
    assert latest_period([frame([])]) is None
    assert Quarter(2024, 3).label == "2024 Q3"
    assert Quarter.parse(" 2024 q3 ") == (2024, 3)
    with pytest.raises(ValueError):
        Quarter.parse("2024 Q5")


def test_portfolio_kpis_sum_total_rows_and_compare_with_a_year_earlier() -> None:
    kpis = portfolio_kpis({"workforce": WORKFORCE}, (2024, 3), ["workforce_headcount", "new_hires", "students_reached"])
    headcount, hires, students = kpis
    assert (headcount.value, headcount.previous, headcount.partnerships) == (165.0, 150.0, 2)
    assert headcount.change == 15.0 and headcount.change_pct == pytest.approx(10.0)
    assert hires.value is None and hires.change is None
    assert students.value is None and students.partnerships == 0


def test_kpis_refuse_indicators_that_cannot_be_summed() -> None:
    with pytest.raises(ValueError, match="cannot be summed"):
        portfolio_kpis({"workforce": WORKFORCE}, (2024, 3), ["turnover_rate"])


def test_quarterly_trend_has_one_total_point_per_partnership_and_quarter() -> None:
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", PARTNERSHIPS)
    assert trend[["partnership", "period", "value"]].values.tolist() == [
        ["Alpha Schools", "2023 Q3", 100],
        ["Alpha Schools", "2024 Q3", 120],
        ["Beta Jobs", "2023 Q3", 50],
        ["Beta Jobs", "2024 Q3", 45],
    ]
    assert trend["period_start"].iloc[1] == pd.Timestamp("2024-07-01")
    assert quarterly_trend(WORKFORCE, "departures", PARTNERSHIPS).empty


def test_partnership_overview_lists_latest_quarter_and_datasets() -> None:
    table = partnership_overview(PARTNERSHIPS, {"workforce": WORKFORCE, "education": frame([])})
    assert table["Partnership"].tolist() == ["Alpha Schools", "Beta Jobs"]
    assert table["Latest quarter"].tolist() == ["2024 Q3", "2024 Q3"]
    assert table["Focus"].tolist() == ["Education", "Workforce, Community capacity"]
    assert table["Partners"].tolist()[0] == "A Corp, A Foundation"
    empty = partnership_overview(PARTNERSHIPS, {})
    assert empty["Latest quarter"].tolist() == ["no data yet", "no data yet"]


@pytest.mark.parametrize(
    ("value", "unit", "compact", "text"),
    [
        (1234567, "count", False, "1,234,567"),
        (12.5, "count", False, "12.5"),
        (45.25, "percent", False, "45.2%"),
        (0.956, "ratio", False, "0.96"),
        (2_500_000, "currency_usd", True, "USD 2.5M"),
        (2_500_000, "currency_usd", False, "USD 2,500,000"),
        (1500, "hours", True, "1.5k h"),
        (None, "count", False, "–"),
        (float("nan"), "percent", False, "–"),
    ],
)
def test_format_value(value, unit, compact, text) -> None:
    assert format_value(value, unit, compact=compact) == text


def test_format_change_starts_with_an_ascii_sign_for_streamlit() -> None:
    down = Kpi("new_hires", "New hires", "count", (2024, 3), 90.0, 100.0, 2)
    assert kpi_change_text(down) == "-10 (-10.0%) vs 2023 Q3"
    up = Kpi("new_hires", "New hires", "count", (2024, 3), 110.0, 100.0, 2)
    assert kpi_change_text(up).startswith("+10")
    assert kpi_change_text(Kpi("new_hires", "New hires", "count", (2024, 3), 110.0, None, 2)) is None
