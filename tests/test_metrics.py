"""The overview's pure computations on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.metrics import (
    Kpi,
    default_period,
    kpi_change_text,
    kpi_reported_text,
    latest_period,
    partnership_overview,
    period_coverage,
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
    down = Kpi("new_hires", "New hires", "count", (2024, 3), 90.0, 100.0, 2, 2, 2, 90.0)
    assert kpi_change_text(down) == "-10.0% like for like vs 2023 Q3"
    assert kpi_reported_text(down) == "2 of 2 partnerships reported; 2 compared with 2023 Q3"
    up = Kpi("new_hires", "New hires", "count", (2024, 3), 150.0, 100.0, 3, 3, 1, 110.0)
    assert kpi_change_text(up) == "+10.0% like for like vs 2023 Q3"
    from_zero = Kpi("new_hires", "New hires", "count", (2024, 3), 5.0, 0.0, 1, 1, 1, 5.0)
    assert kpi_change_text(from_zero) == "+5 like for like vs 2023 Q3"
    assert kpi_change_text(Kpi("new_hires", "New hires", "count", (2024, 3), 110.0, None, 2, 2)) is None


def test_a_kpi_changes_only_over_partnerships_that_reported_both_quarters() -> None:
    """b reports 2024 Q3 but not 2023 Q3, c only 2023 Q3: the value sums a and b, the change compares a alone."""
    rows = frame(
        [
            ("a", 2023, 3, "workforce_headcount", "total", "total", 100),
            ("c", 2023, 3, "workforce_headcount", "total", "total", 900),
            ("a", 2024, 3, "workforce_headcount", "total", "total", 110),
            ("b", 2024, 3, "workforce_headcount", "total", "total", 40),
            ("d", 2024, 3, "workforce_headcount", "total", "total", None),  # suppressed: not a figure to sum
            ("e", 2025, 1, "workforce_headcount", "total", "total", 5),  # reports only later
        ]
    )
    (kpi,) = portfolio_kpis({"workforce": rows}, (2024, 3), ["workforce_headcount"])
    assert (kpi.value, kpi.partnerships, kpi.partnerships_in_view) == (150.0, 2, 3)
    assert (kpi.compared, kpi.compared_value, kpi.previous) == (1, 110.0, 100.0)
    assert kpi.change == 10.0 and kpi.change_pct == pytest.approx(10.0)  # not 150 against 1,000: -85 %
    assert kpi.reported_text == "2 of 3 partnerships reported"
    assert kpi_change_text(kpi) == "+10.0% like for like vs 2023 Q3"
    assert kpi_reported_text(kpi) == "2 of 3 partnerships reported; 1 compared with 2023 Q3"
    (nothing,) = portfolio_kpis({"workforce": rows}, (2025, 1), ["workforce_headcount"])
    assert nothing.value == 5.0 and nothing.compared == 0 and kpi_change_text(nothing) is None
    assert kpi_reported_text(nothing) == "1 of 4 partnerships reported; none to compare with 2024 Q1"
    (none,) = portfolio_kpis({"workforce": rows}, (2024, 4), ["workforce_headcount"])
    assert none.value is None and kpi_reported_text(none) == "0 of 3 partnerships reported"


def reported(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["partnership_id", "year", "quarter"])


def test_the_default_quarter_is_the_latest_most_partnerships_reported() -> None:
    seen = reported(
        [(p, 2026, q) for p in "abcd" for q in (1, 2)]
        + [("a", 2026, 3), ("b", 2026, 3), ("c", 2026, 3), ("a", 2026, 4)]
    )
    periods = [Quarter(2026, q) for q in (1, 2, 3, 4)]
    coverage = period_coverage(seen, periods)
    assert coverage.in_view == 4 and list(coverage.reported.values()) == [4, 4, 3, 1]
    assert default_period(coverage, 0.75) == (2026, 3)  # 3 of 4
    assert default_period(coverage, 1.0) == (2026, 2)
    assert default_period(coverage, 0.0) == (2026, 4)
    assert coverage.option_text(Quarter(2026, 4), 0.75) == "2026 Q4 partial (1 of 4 reported)"
    assert coverage.option_text(Quarter(2026, 3), 0.75) == "2026 Q3"
    assert coverage.option_text(Quarter(2026, 3), 1.0) == "2026 Q3 partial (3 of 4 reported)"
    mine = period_coverage(seen, periods, ["a", "b", "x"])  # x never reported: not awaited
    assert mine.in_view == 2 and default_period(mine, 0.75) == (2026, 3)
    nobody = period_coverage(seen, periods, ["x"])
    assert nobody.in_view == 0 and default_period(nobody, 0.75) == (2026, 4)
    assert default_period(period_coverage(seen, []), 0.75) is None
