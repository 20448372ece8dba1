"""Display helpers of the Goals and Partnership pages (dashboard.present.goal_texts) on tiny frames."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from dashboard.analytics.breakdowns import BREAKDOWN_COLUMNS, breakdown_rows
from dashboard.analytics.goals import GOAL_RESULT_COLUMNS, GoalPath, filter_goals
from dashboard.analytics.progress import STATUS_LABELS, STATUSES, assess_series
from dashboard.present.goal_texts import (
    GOAL_TABLE_COLUMNS,
    GOAL_TABLE_SHOWN,
    NO_EXPLANATION,
    STATUS_BADGE_COLOURS,
    bar_modes,
    breakdown_label,
    breakdown_options,
    breakdown_table,
    category_name,
    combined_text,
    dataset_options,
    enough_years,
    format_growth,
    goal_card,
    goal_chart_table,
    goal_explanations,
    goal_link,
    goal_links,
    goal_name,
    goals_table,
    growth_percent,
    incomplete_year_note,
    indicator_options,
    lower_is_better_note,
    missing,
    profile_lines,
    progress_fraction,
    progress_text,
    round_value,
    sector_label,
    series_label,
    status_badge,
    status_summary_table,
    total_table,
    workings_table,
)
from dashboard.present.indicator_texts import references_by_framework
from dashboard.present.text_safety import markdown_literal
from dashboard.web.url_state import join_ids, parse_choice, parse_ids
from data_contracts import INDICATORS

# ---- formatting --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0.0523, "+5.2%"),
        (-0.006, "-0.6%"),
        (0.15153, "+15.2%"),
        (0.00004, "0.0%"),
        (-0.00004, "0.0%"),
        (None, "–"),
        (float("nan"), "–"),
        (pd.NA, "–"),
    ],
)
def test_growth_is_a_signed_percentage_with_one_decimal(rate: object, text: str) -> None:
    assert format_growth(rate) == text  # type: ignore[arg-type]


def test_growth_can_say_per_year_and_has_a_number_for_tables() -> None:
    assert format_growth(0.079265, per_year=True) == "+7.9% a year"
    assert format_growth(None, per_year=True) == "–"
    assert growth_percent(0.079265) == 7.9
    assert growth_percent(-0.107667) == -10.8
    assert growth_percent(None) is None
    assert growth_percent(float("nan")) is None


def test_missing_knows_every_kind_of_blank() -> None:
    assert all(missing(v) for v in (None, float("nan"), pd.NA, pd.NaT))
    assert not any(missing(v) for v in (0, 0.0, "", "x", 2025))


def test_values_round_by_unit() -> None:
    assert round_value(1482023.4, "currency_usd") == 1482023.0
    assert round_value(0.87654, "ratio") == 0.88
    assert round_value(40.5421, "percent") == 40.5
    assert round_value(25795.14, "hours") == 25795.1
    assert round_value(None, "count") is None


def test_markdown_from_data_is_escaped() -> None:
    text = "AT&T *bold* [link](http://x) :red[alarm] $x$ # heading"
    escaped = markdown_literal(text)
    for special in "*[]():$#":
        assert all(escaped[i - 1] == "\\" for i, ch in enumerate(escaped) if ch == special)
    assert escaped.replace("\\", "").replace("\u2060", "") == text  # escapes and word joiners are invisible
    assert markdown_literal(None) == ""


# ---- labels ------------------------------------------------------------------------------------------------------


def test_series_and_goal_titles_use_vocabulary_labels() -> None:
    assert series_label("total", "total") == "Total"
    assert series_label("gender", "woman") == "Gender: Women"
    assert series_label("disadvantaged_status", "disadvantaged") == "Disadvantaged status: Disadvantaged"
    assert goal_name("new_hires", "gender", "woman") == "New hires — Women"
    assert goal_name("workforce_headcount", "total", "total") == "Headcount"


@pytest.mark.parametrize(
    ("dimension", "category", "name"),
    [
        ("gender", "woman", "Women"),
        ("age_band", "under_30", "Under 30"),
        ("age_band", "30_50", "Age band 30–50"),  # a bare range needs its dimension
        ("gender", "undisclosed", "Gender: Undisclosed"),  # a label several dimensions share
        ("ethnicity", "other", "Ethnicity: Other"),  # a label that does not say which group
        ("disadvantaged_status", "disadvantaged", "Disadvantaged"),
        ("employment_type", "subcontractor", "Subcontractors"),
        ("total", "total", "Total"),
    ],
)
def test_a_goal_name_says_its_category_so_it_reads_on_its_own(dimension: str, category: str, name: str) -> None:
    assert category_name(dimension, category) == name
    expected = "New hires" if dimension == "total" else f"New hires — {name}"
    assert goal_name("new_hires", dimension, category) == expected


def test_every_status_has_a_badge_with_its_label_beside_the_colour() -> None:
    assert set(STATUS_BADGE_COLOURS) == set(STATUSES)
    assert status_badge("deterioration").startswith(":red-badge[")
    assert status_badge("limited_progress").startswith(":orange-badge[")
    for status in STATUSES:
        assert STATUS_LABELS[status] in status_badge(status)
        assert status_badge(status).endswith("]")


def test_status_summary_lists_every_status_in_order_with_zeros() -> None:
    table = status_summary_table({"deterioration": 7, "target_achieved": 6})
    assert table["Status"].tolist() == [STATUS_LABELS[s] for s in STATUSES]
    assert table["Goals"].tolist() == [6, 0, 0, 0, 7, 0]


# ---- URL parameters ----------------------------------------------------------------------------------------------


def test_a_choice_falls_back_to_its_default() -> None:
    assert parse_choice("off_course", ("all", "off_course"), "all") == "off_course"
    assert parse_choice("<script>", ("all", "off_course"), "all") == "all"
    assert parse_choice(None, ("all", "off_course"), "all") == "all"


def test_id_lists_keep_only_known_ids_once() -> None:
    assert parse_ids(" b, zz ,a,b,", ["a", "b", "c"]) == ["b", "a"]
    assert parse_ids(None, ["a"]) == []
    assert parse_ids("", ["a"]) == []
    assert join_ids(["b", "a"]) == "b,a"


# ---- the goals table ---------------------------------------------------------------------------------------------


def evaluated_row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "goal_id": "g",
        "partnership_id": "p1",
        "indicator_id": "new_hires",
        "dimension": "total",
        "category": "total",
        "baseline_year": 2022,
        "baseline_value": 100.0,
        "target_year": 2030,
        "target_value": 200.0,
        "higher_is_better": True,
        "status": "substantial_progress",
        "status_label": "Substantial progress",
        "score": 4.6,
        "progress_value": 1.2,
        "base_year_used": 2022,
        "base_value_used": 100.0,
        "current_year": 2025,
        "current_value": 130.0,
        "cagr_observed": 0.0914,
        "cagr_required": 0.085,
        "growth_needed": 0.0899,
        "projection": 252.3,
        "annual_points": 4,
        "off_course": False,
    }
    row.update(values)
    row["status_label"] = STATUS_LABELS[str(row["status"])]
    return row


def evaluated_frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=GOAL_RESULT_COLUMNS)


@pytest.fixture
def four_goals() -> pd.DataFrame:
    return evaluated_frame(
        evaluated_row(goal_id="a", partnership_id="p1", status="deterioration", score=-4.0, off_course=True),
        evaluated_row(goal_id="b", partnership_id="p1", status="target_achieved", score=5.0, growth_needed=None),
        evaluated_row(goal_id="c", partnership_id="p2", status="limited_progress", score=-1.5, off_course=True),
        evaluated_row(
            goal_id="d",
            partnership_id="p2",
            status="not_available",
            score=None,
            current_year=None,
            current_value=None,
            cagr_observed=None,
            growth_needed=None,
            projection=None,
            annual_points=1,
        ),
    )


def test_off_course_means_limited_progress_or_deterioration(four_goals: pd.DataFrame) -> None:
    assert filter_goals(four_goals, off_course_only=True)["goal_id"].tolist() == ["a", "c"]
    assert len(filter_goals(four_goals)) == 4


def test_goals_filter_by_partnership_and_status_together(four_goals: pd.DataFrame) -> None:
    assert filter_goals(four_goals, partnerships=["p2"])["goal_id"].tolist() == ["c", "d"]
    assert filter_goals(four_goals, statuses=["target_achieved", "deterioration"])["goal_id"].tolist() == ["a", "b"]
    assert filter_goals(four_goals, off_course_only=True, partnerships=["p1"])["goal_id"].tolist() == ["a"]
    assert filter_goals(four_goals, off_course_only=True, statuses=["target_achieved"]).empty


def test_the_goals_table_puts_the_worst_first_and_shows_growth_in_percent(four_goals: pd.DataFrame) -> None:
    table = goals_table(four_goals, {"p1": "Partner One", "p2": "Partner Two"})
    assert tuple(table.columns) == GOAL_TABLE_COLUMNS
    assert set(GOAL_TABLE_SHOWN) <= set(GOAL_TABLE_COLUMNS)
    assert table["Goal id"].tolist() == ["a", "c", "b", "d"]  # by score, unscored last
    assert table["Partnership"].tolist() == ["Partner One", "Partner Two", "Partner One", "Partner Two"]
    first = table.iloc[0]
    assert first["Goal"] == "New hires" and first["Series"] == "Total" and first["Unit"] == "number"
    assert first["Status"] == "Deterioration" and first["Score"] == -4.0
    assert first["Growth so far (%/yr)"] == 9.1 and first["Growth needed (%/yr)"] == 9.0
    assert first["Explanation"] == NO_EXPLANATION
    achieved = table[table["Goal id"] == "b"].iloc[0]
    assert pd.isna(achieved["Growth needed (%/yr)"])
    unscored = table.iloc[-1]
    assert pd.isna(unscored["Current year"]) and pd.isna(unscored["Score"])
    assert str(table["Current year"].dtype) == "Int64"
    assert table["Base year"].tolist() == [2022] * 4


def test_a_goals_table_row_names_the_goal_with_its_category(four_goals: pd.DataFrame) -> None:
    women = four_goals.assign(dimension="gender", category="woman")
    assert set(goals_table(women, {})["Goal"]) == {"New hires — Women"}


def test_no_goal_is_explained_until_the_reporting_cycle_adds_explanations(four_goals: pd.DataFrame) -> None:
    assert goal_explanations(four_goals) == {}
    assert set(goals_table(four_goals, {})["Explanation"]) == {NO_EXPLANATION}


def test_each_goal_links_to_its_card_on_the_partnership_page(four_goals: pd.DataFrame) -> None:
    link = goal_link("https://x.org/partnership", "p&1", "goal 1")
    assert link == "https://x.org/partnership?partnership=p%261&goal=goal+1"
    table = goals_table(four_goals, {})
    assert goal_links(table, "/partnership")[0] == "/partnership?partnership=p1&goal=a"


def test_negative_growth_is_explained_where_lower_is_better() -> None:
    note = lower_is_better_note(["new_hires", "turnover_rate", "departures", "turnover_rate"])
    assert note == "Where lower is better (departures, turnover rate), a fall is progress."
    assert lower_is_better_note(["new_hires"]) == ""


def test_the_goals_table_uses_the_id_when_a_partnership_has_no_name(four_goals: pd.DataFrame) -> None:
    assert set(goals_table(four_goals, {})["Partnership"]) == {"p1", "p2"}


# ---- one goal ----------------------------------------------------------------------------------------------------


def test_progress_fraction_higher_is_better() -> None:
    assert progress_fraction(10, 15, 20, higher_is_better=True) == 0.5
    assert progress_fraction(10, 25, 20, higher_is_better=True) == 1.0  # clipped above
    assert progress_fraction(10, 5, 20, higher_is_better=True) == 0.0  # clipped below


def test_progress_fraction_lower_is_better() -> None:
    assert progress_fraction(38, 27, 22, higher_is_better=False) == pytest.approx(11 / 16)
    assert progress_fraction(38, 40, 22, higher_is_better=False) == 0.0
    assert progress_fraction(38, 20, 22, higher_is_better=False) == 1.0


def test_progress_fraction_when_the_base_already_equals_the_target() -> None:
    assert progress_fraction(50, 50, 50, higher_is_better=True) == 1.0
    assert progress_fraction(50, 49, 50, higher_is_better=True) == 0.0
    assert progress_fraction(50, 49, 50, higher_is_better=False) == 1.0
    assert progress_fraction(50, 51, 50, higher_is_better=False) == 0.0


def test_progress_fraction_without_a_current_value() -> None:
    assert progress_fraction(10, None, 20, higher_is_better=True) is None
    assert progress_fraction(10, float("nan"), 20, higher_is_better=True) is None


def test_progress_text_names_the_numbers() -> None:
    text = progress_text(
        0.6875,
        unit="count",
        base_year=2022,
        base_value=38,
        current_year=2025,
        current_value=27,
        target_year=2028,
        target_value=22,
    )
    assert text == "69% of the way from 38 (2022) to 22 (2028): 27 in 2025"
    none_yet = progress_text(
        None,
        unit="percent",
        base_year=2025,
        base_value=40.5,
        current_year=None,
        current_value=None,
        target_year=2030,
        target_value=60.8,
    )
    assert "No complete year" in none_yet and "60.8%" in none_yet


def test_a_pace_needs_two_years_from_the_base() -> None:
    assert enough_years(4, 2022, 2025)
    assert not enough_years(1, 2025, 2025)
    assert not enough_years(2, 2025, 2025)
    assert not enough_years(0, None, None)


def test_a_card_says_how_the_goal_stands() -> None:
    card = goal_card(evaluated_row(goal_id="g1", dimension="gender", category="woman"))
    assert card.title == "New hires — Women"
    assert card.status_label == "Substantial progress" and "Substantial progress" in card.badge
    assert card.fraction == pytest.approx(0.3)
    assert card.progress_text == "30% of the way from 100 (2022) to 200 (2030): 130 in 2025"
    assert (card.observed, card.required, card.needed) == ("+9.1%", "+8.5%", "+9.0%")
    assert card.current_label == "Value in 2025" and card.current == "130"
    assert card.enough_years and card.empty_message is None


def test_a_card_of_a_met_target_needs_no_more_growth() -> None:
    card = goal_card(evaluated_row(status="target_achieved", current_value=210.0, growth_needed=None))
    assert card.needed == "Target met"
    assert card.fraction == 1.0


def test_a_card_with_one_annual_point_says_not_enough_years() -> None:
    card = goal_card(
        evaluated_row(
            status="not_available",
            score=None,
            base_year_used=2025,
            current_year=2025,
            current_value=100.0,
            cagr_observed=None,
            cagr_required=0.1487,
            growth_needed=0.1487,
            projection=None,
            annual_points=1,
        )
    )
    assert not card.enough_years
    assert card.empty_message is not None and card.empty_message.startswith("Not enough years yet")
    assert card.observed == "–"


def test_workings_show_base_current_growth_p_and_thresholds() -> None:
    result = assess_series(
        [2022, 2023, 2024, 2025],
        [38, 35, 31, 27],
        higher_is_better=False,
        base_year=2022,
        target_year=2028,
        target=22,
    )
    table = workings_table(result, INDICATORS["recordable_injuries"])
    values = dict(zip(table["Item"], table["Value"], strict=True))
    assert list(table.columns) == ["Item", "Value"]
    assert values["Base year"] == "2022" and values["Base value"] == "38"
    assert values["Current year (latest complete year)"] == "2025" and values["Current value"] == "27"
    assert values["Observed annual growth (base to current)"] == "-10.8%"
    assert values["Required annual growth (base to target)"] == "-8.7%"
    assert values["Progress ratio P"] == f"{result.progress_value:.2f}"
    assert "0.95" in values["Thresholds used"] and "0.6" in values["Thresholds used"]
    assert values["Direction"].startswith("lower is better")
    assert values["Status"] == "Substantial progress"


def test_workings_without_a_pace_have_no_thresholds() -> None:
    result = assess_series([2025], [10], higher_is_better=True, base_year=2025, target_year=2030, target=20)
    values = dict(workings_table(result, INDICATORS["new_hires"]).to_numpy())
    assert (
        values["Progress ratio P"] == "–" and values["Thresholds used"] == "–" and values["Status"] == "Not available"
    )


def test_the_goal_chart_table_holds_every_number_of_the_chart() -> None:
    points = pd.DataFrame({"year": [2024, 2022, 2023], "value": [31.0, 38.0, 35.0]})
    table = goal_chart_table(
        points,
        GoalPath(
            base_year=2022,
            base_value=38,
            target_year=2028,
            target_value=22,
            current_year=2024,
            current_value=31,
            projection=19.2,
        ),
    )
    assert table.values.tolist() == [
        ["Annual value", 2022, 38.0],
        ["Annual value", 2023, 35.0],
        ["Annual value", 2024, 31.0],
        ["Required path", 2022, 38.0],
        ["Required path", 2028, 22.0],
        ["Projection at the current pace", 2024, 31.0],
        ["Projection at the current pace", 2028, 19.2],
        ["Target", 2028, 22.0],
    ]
    bare = goal_chart_table(
        points.iloc[:0],
        GoalPath(
            base_year=2022,
            base_value=38,
            target_year=2028,
            target_value=22,
            current_year=None,
            current_value=None,
            projection=None,
        ),
    )
    assert bare["Series"].tolist() == ["Required path", "Required path", "Target"]


def test_combined_text() -> None:
    assert combined_text(4, 2.81, 1) == (
        "Mean score 2.8 on a scale from −5 to 5 over 4 goals; 1 off course (limited progress or deterioration)."
    )
    assert combined_text(1, None, 0) == "1 goal; none can be scored yet."


def quarters(*pairs: tuple[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"year": [y for y, _ in pairs], "quarter": [q for _, q in pairs]})


def test_the_incomplete_year_is_named() -> None:
    note = incomplete_year_note(quarters((2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 3)))
    assert note == (
        "2026 is not complete yet (Q1, Q3 reported), so goal progress runs to 2025, the latest complete year."
    )
    assert incomplete_year_note(quarters((2025, 1), (2025, 2), (2025, 3), (2025, 4))) is None
    assert incomplete_year_note(quarters()) is None


# ---- indicator trends --------------------------------------------------------------------------------------------


def test_dataset_options_follow_the_display_order() -> None:
    assert dataset_options("education; workforce") == ["workforce", "education"]
    assert dataset_options("") == ["workforce", "diversity", "education", "community_capacity"]
    assert dataset_options(None) == ["workforce", "diversity", "education", "community_capacity"]


def indicator_frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (year, quarter, indicator_id, dimension, category, value) of partnership p1."""
    frame = pd.DataFrame(rows, columns=["year", "quarter", "indicator_id", "dimension", "category", "value"])
    frame.insert(0, "partnership_id", "p1")
    return frame


def test_indicator_options_are_those_with_data_in_catalog_order() -> None:
    rows = indicator_frame(
        (2025, 1, "departures", "total", "total", 3),
        (2025, 1, "workforce_headcount", "total", "total", 30),
        (2025, 1, "students_reached", "total", "total", 300),
    )
    assert indicator_options(rows, "workforce") == ["workforce_headcount", "departures"]
    assert indicator_options(rows, "diversity") == []
    assert indicator_options(rows.iloc[:0], "workforce") == []


def test_breakdown_options_follow_the_vocabulary() -> None:
    scrambled = dataclasses.replace(INDICATORS["new_hires"], breakdowns=("employment_type", "gender"))
    assert breakdown_options(scrambled) == ["total", "gender", "employment_type"]
    assert breakdown_options(INDICATORS["local_spend_share"]) == ["total"]
    assert breakdown_label("total") == "Total" and breakdown_label("age_band") == "Age band"


def test_only_additive_indicators_stack() -> None:
    assert bar_modes(INDICATORS["new_hires"]) == ("stacked", "grouped")
    assert bar_modes(INDICATORS["women_share_management"]) == ("grouped",)


def test_breakdown_rows_follow_the_vocabulary_order_with_labels() -> None:
    rows = indicator_frame(
        (2025, 2, "new_hires", "gender", "undisclosed", 1),
        (2025, 1, "new_hires", "gender", "man", 35),
        (2025, 2, "new_hires", "gender", "woman", 12),
        (2025, 1, "new_hires", "gender", "woman", 10),
        (2025, 2, "new_hires", "gender", "man", 36),
        (2025, 1, "new_hires", "total", "total", 46),
        (2025, 1, "new_hires", "age_band", "under_30", 20),
        (2025, 1, "departures", "gender", "woman", 2),
    )
    result = breakdown_rows(rows, "new_hires", "gender")
    assert list(result.columns) == BREAKDOWN_COLUMNS
    assert result["category"].tolist() == ["woman", "woman", "man", "man", "undisclosed"]
    assert result["category_label"].tolist() == ["Women", "Women", "Men", "Men", "Undisclosed"]
    assert result["period"].tolist() == ["2025 Q1", "2025 Q2", "2025 Q1", "2025 Q2", "2025 Q2"]
    assert result["period_start"].iloc[1] == pd.Timestamp("2025-04-01")
    assert result["value"].tolist() == [10, 12, 35, 36, 1]
    assert breakdown_rows(rows, "new_hires", "ethnicity").empty
    assert list(breakdown_rows(rows, "new_hires", "ethnicity").columns) == BREAKDOWN_COLUMNS


def test_the_breakdown_table_has_a_column_per_category() -> None:
    rows = indicator_frame(
        (2025, 2, "new_hires", "gender", "man", 36),
        (2025, 1, "new_hires", "gender", "woman", 10),
        (2025, 2, "new_hires", "gender", "woman", 12),
    )
    table = breakdown_table(breakdown_rows(rows, "new_hires", "gender"), INDICATORS["new_hires"])
    assert list(table.columns) == ["Quarter", "Women (number)", "Men (number)"]
    assert table["Quarter"].tolist() == ["2025 Q1", "2025 Q2"]
    assert table["Women (number)"].tolist() == [10, 12]
    assert math.isnan(table["Men (number)"].iloc[0]) and table["Men (number)"].iloc[1] == 36


def test_the_total_table_is_the_quarterly_headline() -> None:
    rows = indicator_frame(
        (2025, 2, "new_hires", "total", "total", 48),
        (2025, 1, "new_hires", "total", "total", 46),
        (2025, 1, "new_hires", "gender", "woman", 10),
        (2025, 1, "departures", "total", "total", 3),
    )
    table = total_table(rows, INDICATORS["new_hires"])
    assert table.values.tolist() == [["2025 Q1", 46.0], ["2025 Q2", 48.0]]
    assert list(table.columns) == ["Quarter", "New hires (number)"]


def test_references_list_every_framework() -> None:
    table = references_by_framework(INDICATORS["new_hires"])
    assert table["Framework"].tolist() == ["GRI", "IRIS+", "SDG", "WEF", "ESRS"]
    references = dict(table.to_numpy())
    assert references["GRI"] == "401-1a" and references["IRIS+"] == "OI3547"
    assert references["SDG"] == "none listed"


def test_the_profile_reads_as_text() -> None:
    lines = dict(
        profile_lines(
            {
                "partner_organisations": "AT&T; Imago Foundation",
                "focus_datasets": "education;workforce",
                "region": None,
            }
        )
    )
    assert lines == {
        "Partners": "AT&T, Imago Foundation",
        "Focus datasets": "Workforce, Education",
        "Region": "not recorded",
    }
    assert sector_label("ngo") == "Non-profit organisation"
    assert sector_label(None) == "not recorded"
