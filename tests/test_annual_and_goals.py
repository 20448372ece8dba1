"""Annual points by year rule (complete years only) and goal evaluation, on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.annual import annual_series
from dashboard.analytics.goals import evaluate_goals, growth_needed, partnership_progress, status_counts


def quarters(indicator: str, values: dict[tuple[int, int], float], partnership: str = "a", dim: str = "total",
             cat: str = "total") -> list[dict]:  # fmt: skip
    return [
        {
            "partnership_id": partnership,
            "year": y,
            "quarter": q,
            "indicator_id": indicator,
            "dimension": dim,
            "category": cat,
            "value": v,
        }  # fmt: skip
        for (y, q), v in values.items()
    ]


def full_year(year: int, values: list[float]) -> dict[tuple[int, int], float]:
    return {(year, q + 1): v for q, v in enumerate(values)}


def frame(*parts: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part])


def test_flows_sum_and_incomplete_years_are_left_out() -> None:
    data = frame(quarters("new_hires", {**full_year(2024, [1, 2, 3, 4]), (2025, 1): 10, (2025, 2): 10}))
    assert annual_series(data, "new_hires").to_dict("list") == {
        "partnership_id": ["a"],
        "year": [2024],
        "value": [10.0],
    }


def test_stocks_take_the_fourth_quarter() -> None:
    data = frame(quarters("workforce_headcount", full_year(2024, [100, 120, 130, 125])))
    assert annual_series(data, "workforce_headcount")["value"].tolist() == [125.0]


def test_rates_are_recomputed_from_annual_components() -> None:
    data = frame(
        quarters("departures", full_year(2024, [5, 5, 5, 5])),
        quarters("workforce_headcount", full_year(2024, [100, 100, 100, 80])),
        quarters("turnover_rate", full_year(2024, [5, 5, 5, 6.25])),
    )
    # 20 departures / 80 at year end * 100 = 25 %, not the mean of the quarterly rates (5.3 %)
    assert annual_series(data, "turnover_rate")["value"].tolist() == [25.0]


def test_weighted_mean_per_last_and_implied_total() -> None:
    data = frame(
        quarters("target_group_hire_share", full_year(2024, [50, 50, 50, 10])),
        quarters("new_hires", full_year(2024, [10, 10, 10, 30])),
        quarters("employee_training_hours_avg", full_year(2024, [2, 2, 2, 2])),
        quarters("workforce_headcount", full_year(2024, [100, 100, 100, 200])),
        quarters("local_supplier_spend", full_year(2024, [100, 100, 100, 100])),
        quarters("local_spend_share", full_year(2024, [50, 50, 50, 25])),
    )
    # (50*10*3 + 10*30) / 60 = 30
    assert annual_series(data, "target_group_hire_share")["value"].tolist() == [30.0]
    # (2*100*3 + 2*200) / 200 = 5 hours per worker
    assert annual_series(data, "employee_training_hours_avg")["value"].tolist() == [5.0]
    # 400 local / (200*3 + 400) total * 100 = 40 %
    assert annual_series(data, "local_spend_share")["value"].tolist() == [40.0]


def test_a_missing_component_gives_no_annual_value() -> None:
    data = frame(quarters("employee_training_hours_avg", full_year(2024, [2, 2, 2, 2])))
    assert annual_series(data, "employee_training_hours_avg").empty


def test_breakdown_series() -> None:
    data = frame(quarters("new_hires", full_year(2024, [1, 1, 1, 1]), dim="gender", cat="woman"))
    assert annual_series(data, "new_hires", dimension="gender", category="woman")["value"].tolist() == [4.0]
    assert annual_series(data, "new_hires").empty


GOALS = pd.DataFrame(
    {
        "goal_id": ["g-up", "g-one", "g-early"],
        "partnership_id": ["a", "a", "a"],
        "indicator_id": ["new_hires", "workforce_headcount", "departures"],
        "dimension": ["total"] * 3,
        "category": ["total"] * 3,
        "baseline_year": [2022, 2024, 2020],
        "baseline_value": [40.0, 125.0, 30.0],
        "target_year": [2030, 2030, 2030],
        "target_value": [100.0, 200.0, 10.0],
    }
)


def test_goals_are_evaluated_with_workings() -> None:
    data = frame(
        quarters("new_hires", {**full_year(2022, [10] * 4), **full_year(2024, [15] * 4), **full_year(2025, [20] * 4)}),
        quarters("workforce_headcount", full_year(2024, [100, 120, 130, 125])),
        quarters("departures", full_year(2024, [5] * 4)),
    )
    result = evaluate_goals(GOALS, data).set_index("goal_id")
    up = result.loc["g-up"]
    assert (up["base_year_used"], up["base_value_used"], up["current_year"], up["current_value"]) == (
        2022,
        40.0,
        2025,
        80.0,
    )
    assert up["cagr_observed"] == pytest.approx(2 ** (1 / 3) - 1)
    assert up["growth_needed"] == pytest.approx((100 / 80) ** (1 / 5) - 1)
    assert up["projection"] == pytest.approx(80 * 2 ** (5 / 3))
    assert up["status"] == "substantial_progress" and not up["off_course"]
    one = result.loc["g-one"]
    assert one["status"] == "not_available" and one["annual_points"] == 1
    early = result.loc["g-early"]  # baseline 2020 is not in the data: the recorded baseline is the base point
    assert early["base_year_used"] == 2020 and early["current_value"] == 20.0
    assert early["status"] in {"moderate_progress", "substantial_progress", "limited_progress"}
    counts = status_counts(evaluate_goals(GOALS, data))
    assert sum(counts.values()) == 3 and counts["not_available"] == 1
    summary = partnership_progress(evaluate_goals(GOALS, data))
    assert summary.loc[0, "goals"] == 3 and summary.loc[0, "status"] != "not_available"


def test_growth_needed() -> None:
    assert growth_needed(80, 100, 2025, 2030) == pytest.approx(1.25**0.2 - 1)
    assert growth_needed(None, 100, None, 2030) is None
    assert growth_needed(80, 100, 2030, 2030) is None
