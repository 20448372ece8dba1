"""The progress method, branch by branch, with worked examples computed by hand from the published formulas."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dashboard.analytics.progress import STATUSES, aggregate, assess_series, cagr, limit_coefficient, status_of_score


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# ---- without target ------------------------------------------------------------------------------------------


def test_substantial_without_target() -> None:
    # 100 -> 110 over 4 years: CAGR = 1.1 ** 0.25 - 1 = 0.024114..., P >= 0.015
    result = assess_series([2020, 2024], [100, 110], higher_is_better=True, base_year=2020)
    expected_p = 1.1**0.25 - 1
    assert result.status == "substantial_progress"
    assert result.progress_value == approx(expected_p)
    assert result.score == approx(min(500 * expected_p - 5, 5))
    assert (result.base_year, result.base_value, result.current_year, result.current_value, result.sign) == (
        2020,
        100.0,
        2024,
        110.0,
        1,
    )


def test_moderate_without_target() -> None:
    # 100 -> 101 over 1 year: P = 0.01, between 0.005 and 0.015: score 250P - 1.25 = 1.25
    result = assess_series([2023, 2024], [100, 101], higher_is_better=True, base_year=2023)
    assert result.status == "moderate_progress"
    assert result.score == approx(250 * 0.01 - 1.25)


def test_limited_without_target() -> None:
    # P = 0.002: score 500P - 2.5 = -1.5
    result = assess_series([2023, 2024], [1000, 1002], higher_is_better=True, base_year=2023)
    assert result.status == "limited_progress"
    assert result.score == approx(500 * 0.002 - 2.5)


def test_deterioration_without_target() -> None:
    # 100 -> 90: P = -0.1; score max(125P - 2.5, -5) = max(-15, -5) = -5
    result = assess_series([2023, 2024], [100, 90], higher_is_better=True, base_year=2023)
    assert result.status == "deterioration"
    assert result.progress_value == approx(-0.1)
    assert result.score == -5.0
    mild = assess_series([2023, 2024], [100, 99.6], higher_is_better=True, base_year=2023)
    assert mild.score == approx(125 * -0.004 - 2.5)


def test_lower_is_better_flips_the_direction() -> None:
    # injuries 20 -> 16: CAGR -0.2, d = -1: P = 0.2, substantial
    result = assess_series([2023, 2024], [20, 16], higher_is_better=False, base_year=2023)
    assert result.status == "substantial_progress" and result.progress_value == approx(0.2)


def test_limit_coefficient_branches() -> None:
    assert limit_coefficient(300, 100) == 1.0  # |b| >= 2|L|
    assert limit_coefficient(50, 100) == approx(1 - 0.5**4.44)  # |b| <= |L|
    assert limit_coefficient(150, 100) == approx(1 - 0.5**4.44)  # otherwise: ((2L - b) / L) ** 4.44
    assert limit_coefficient(-180, 100) == approx(1 - 0.2**4.44)
    assert limit_coefficient(100, 100) == 0.0


def test_limit_lowers_the_thresholds_and_scales_the_score() -> None:
    # base 95 near limit 100: C = 1 - 0.95 ** 4.44; P = 0.01 is substantial because high = 0.015 C
    c = 1 - 0.95**4.44
    result = assess_series([2023, 2024], [95, 95.95], higher_is_better=True, base_year=2023, limit=100)
    assert result.coefficient == approx(c)
    assert result.high == approx(0.015 * c) and result.med == approx(0.005 * c)
    assert result.status == "substantial_progress"
    assert result.score == approx(min(500 * 0.01 / c - 5, 5))


def test_a_base_at_the_limit_scores_five_unless_it_falls() -> None:
    flat = assess_series([2023, 2024], [100, 100], higher_is_better=True, base_year=2023, limit=100)
    assert flat.coefficient == 0.0 and flat.score == 5.0 and flat.status == "substantial_progress"
    falling = assess_series([2023, 2024], [100, 90], higher_is_better=True, base_year=2023, limit=100)
    assert falling.score == -5.0 and falling.status == "deterioration"


# ---- with target ---------------------------------------------------------------------------------------------


def test_substantial_with_target() -> None:
    # base 100 (2020) target 200 (2030): required = 2 ** 0.1 - 1; observed 100 -> 135 over 4 years
    required = 2**0.1 - 1
    observed = 1.35**0.25 - 1
    result = assess_series(
        [2020, 2024], [100, 135], higher_is_better=True, base_year=2020, target_year=2030, target=200
    )
    p = observed / required
    assert result.cagr_required == approx(required) and result.progress_value == approx(p)
    assert p >= 0.95 and result.status == "substantial_progress"
    assert result.score == approx(min(7.1429 * p - 4.2857, 5))


def test_moderate_limited_and_deterioration_with_target() -> None:
    kwargs = {"higher_is_better": True, "base_year": 2020, "target_year": 2030, "target": 200}
    required = 2**0.1 - 1
    moderate = assess_series([2020, 2024], [100, 100 * (1 + 0.7 * required) ** 4], **kwargs)
    assert moderate.progress_value == approx(0.7)
    assert moderate.status == "moderate_progress" and moderate.score == approx(7.1429 * 0.7 - 4.2857)
    limited = assess_series([2020, 2024], [100, 100 * (1 + 0.3 * required) ** 4], **kwargs)
    assert limited.status == "limited_progress" and limited.score == approx(4.1667 * 0.3 - 2.5)
    worse = assess_series([2020, 2024], [100, 90], **kwargs)
    assert worse.status == "deterioration"
    assert worse.score == approx(max(4.1667 * worse.progress_value - 2.5, -5))


def test_target_achieved_comes_first_and_still_computes_p() -> None:
    result = assess_series(
        [2020, 2024], [100, 210], higher_is_better=True, base_year=2020, target_year=2030, target=200
    )
    assert result.status == "target_achieved" and result.score == 5.0
    assert result.progress_value == approx((2.1**0.25 - 1) / (2**0.1 - 1))
    lower = assess_series([2020, 2024], [20, 9], higher_is_better=False, base_year=2020, target_year=2030, target=10)
    assert lower.status == "target_achieved"


def test_zero_base_and_zero_target_are_replaced() -> None:
    result = assess_series([2020, 2024], [0, 40], higher_is_better=True, base_year=2020, target_year=2030, target=100)
    assert result.base_value == 0.001
    assert result.cagr_observed == approx((40 / 0.001) ** 0.25 - 1)
    down = assess_series([2020, 2024], [50, 20], higher_is_better=False, base_year=2020, target_year=2030, target=0)
    assert down.target == 0.001
    assert down.cagr_required == approx((0.001 / 50) ** 0.1 - 1)
    assert down.status == "limited_progress"  # P = CAGR_obs / |CAGR_req| = 0.2047 / 0.6623 ≈ 0.31


def test_a_negative_base_reads_the_series_the_other_way() -> None:
    # net jobs -10 -> -5: CAGR = 0.5 ** 0.25 - 1 < 0, sign -1, d +1: P > 0 (improving)
    result = assess_series([2020, 2024], [-10, -5], higher_is_better=True, base_year=2020)
    assert result.sign == -1
    assert result.progress_value == approx(-(0.5**0.25 - 1))
    assert result.status == "substantial_progress"


def test_not_available_cases() -> None:
    one = assess_series([2024], [10], higher_is_better=True, base_year=2024)
    assert (one.status, one.score, one.progress_value) == ("not_available", None, None)
    nothing = assess_series([], [], higher_is_better=True, base_year=2020)
    assert nothing.status == "not_available" and nothing.current_year is None
    before_base = assess_series([2018, 2019], [1, 2], higher_is_better=True, base_year=2020)
    assert before_base.status == "not_available"
    opposite = assess_series([2020, 2024], [-10, 5], higher_is_better=True, base_year=2020)
    assert opposite.status == "not_available" and opposite.sign == -1
    flat_target = assess_series(
        [2020, 2024], [50, 40], higher_is_better=True, base_year=2020, target_year=2030, target=50
    )
    assert flat_target.status == "not_available"  # required CAGR 0, target not met
    met_flat = assess_series([2020, 2024], [50, 60], higher_is_better=True, base_year=2020, target_year=2030, target=50)
    assert met_flat.status == "target_achieved"
    one_met = assess_series([2024], [90], higher_is_better=True, base_year=2024, target_year=2030, target=80)
    assert one_met.status == "target_achieved" and one_met.progress_value is None


def test_the_base_year_without_data_moves_to_the_first_later_year() -> None:
    result = assess_series([2019, 2022, 2024], [5, 100, 121], higher_is_better=True, base_year=2020)
    assert (result.base_year, result.base_value) == (2022, 100.0)
    assert result.progress_value == approx(0.1)


def test_missing_values_are_dropped_and_duplicates_refused() -> None:
    result = assess_series([2020, 2021, 2022], [100, None, float("nan")], higher_is_better=True, base_year=2020)
    assert result.status == "not_available"
    with pytest.raises(ValueError, match="two values for 2021"):
        assess_series([2021, 2021], [1, 2], higher_is_better=True, base_year=2020)


def test_cagr() -> None:
    assert cagr(121, 100, 2022, 2020) == approx(0.1)
    assert cagr(-5, 10, 2022, 2020) is None
    assert cagr(5, 10, 2020, 2020) is None


# ---- aggregate -----------------------------------------------------------------------------------------------


def s(score: float | None, status: str) -> SimpleNamespace:
    return SimpleNamespace(score=score, status=status)


@pytest.mark.parametrize(
    ("scores", "status", "score"),
    [
        ([s(5, "target_achieved"), s(5, "target_achieved")], "target_achieved", 5.0),
        ([s(5, "target_achieved"), s(1, "moderate_progress")], "substantial_progress", 3.0),
        (
            [s(2.4, "moderate_progress"), s(2.4, "moderate_progress"), s(None, "not_available")],
            "moderate_progress",
            2.4,
        ),
        ([s(-1, "limited_progress"), s(-2, "limited_progress")], "limited_progress", -1.5),
        ([s(-5, "deterioration"), s(-1, "limited_progress")], "deterioration", -3.0),
        ([s(None, "not_available")], "not_available", None),
        ([], "not_available", None),
    ],
)
def test_aggregate(scores, status, score) -> None:
    result = aggregate(scores)
    assert result.status == status
    assert result.score == (None if score is None else pytest.approx(score))


def test_score_bands() -> None:
    assert [status_of_score(x) for x in (5, 2.5, 2.49, 0, -0.01, -2.5, -2.51)] == [
        "substantial_progress",
        "substantial_progress",
        "moderate_progress",
        "moderate_progress",
        "limited_progress",
        "limited_progress",
        "deterioration",
    ]
    assert len(STATUSES) == 6
