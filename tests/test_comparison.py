"""The Compare page's and Indicator explorer's pure computations on small frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.analytics import breakdowns
from dashboard.analytics import comparison as cmp
from dashboard.analytics.metrics import quarterly_trend
from dashboard.present import comparison_texts, indicator_texts
from dashboard.present.text_safety import markdown_literal, plotly_literal
from dashboard.web import url_state
from data_contracts import INDICATORS
from data_contracts.quarters import Quarter

PARTNERSHIPS = pd.DataFrame(
    {
        "partnership_id": ["a", "b", "c"],
        "name": ["Alpha Schools", "Beta Jobs", "Gamma Parks"],
        "committed_funding_usd": [12_500_000.0, 2_000_000.0, 0.0],
    }
)


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value"]
    )


DATA = frame(
    [
        ("a", 2023, 2, "new_hires", "total", "total", 100),
        ("a", 2024, 1, "new_hires", "total", "total", 90),
        ("a", 2024, 2, "new_hires", "total", "total", 120),
        ("a", 2024, 2, "new_hires", "gender", "woman", 70),
        ("a", 2024, 1, "workforce_headcount", "total", "total", 300),
        ("a", 2024, 2, "workforce_headcount", "total", "total", 400),
        ("b", 2024, 1, "new_hires", "total", "total", 10),
        ("b", 2024, 1, "workforce_headcount", "total", "total", 200),
        ("c", 2024, 2, "new_hires", "total", "total", 5),
    ]
)

GOALS = pd.DataFrame(
    {
        "partnership_id": ["a", "a", "b"],
        "indicator_id": ["new_hires", "new_hires", "workforce_headcount"],
        "dimension": ["total", "gender", "total"],
        "category": ["total", "woman", "total"],
        "baseline_year": [2022, 2022, 2022],
        "baseline_value": [80.0, 40.0, 150.0],
        "target_year": [2028, 2030, 2028],
        "target_value": [200.0, 90.0, 300.0],
        "current_year": [2024, 2024, None],
        "current_value": [330.0, 150.0, None],
        "status_label": ["Target achieved", "Moderate progress", "Not available"],
        "score": [5.0, 1.234, None],
    }
)


# ---- choices from the URL --------------------------------------------------------------------------------------


def test_parse_ids_keeps_known_ids_in_order_once_up_to_the_limit() -> None:
    valid = ["a", "b", "c", "d"]
    assert url_state.parse_ids("c, a,zz,a,b", valid, 8) == ["c", "a", "b"]
    assert url_state.parse_ids("a,b,c,d", valid, 2) == ["a", "b"]
    assert url_state.parse_ids("", valid, 8) == []
    assert url_state.parse_ids(None, valid, 8) == []
    assert url_state.parse_ids("<script>", valid, 8) == []


def test_parse_choice_falls_back_to_the_default() -> None:
    assert url_state.parse_choice("annual", ["quarterly", "annual"], "quarterly") == "annual"
    assert url_state.parse_choice("yearly", ["quarterly", "annual"], "quarterly") == "quarterly"
    assert url_state.parse_choice(None, ["quarterly", "annual"], "quarterly") == "quarterly"


def test_indicator_label_names_dataset_and_short_name() -> None:
    assert indicator_texts.indicator_label("workforce_headcount") == "Workforce · Headcount"
    assert indicator_texts.indicator_label("local_supplier_spend").startswith("Community capacity · ")


def test_default_partnerships_takes_those_with_most_headline_figures() -> None:
    # a: 5 total rows, b: 2, c: 1 (the breakdown row of a does not count)
    assert cmp.default_partnerships(DATA, PARTNERSHIPS, n=2) == ["a", "b"]
    assert cmp.default_partnerships(DATA, PARTNERSHIPS, n=1) == ["a", "b"]  # never fewer than two
    assert cmp.default_partnerships(DATA, PARTNERSHIPS, n=4) == ["a", "b", "c"]


def test_default_partnerships_breaks_ties_by_name_and_fills_up_to_two() -> None:
    tied = frame([("c", 2024, 1, "new_hires", "total", "total", 1), ("b", 2024, 1, "new_hires", "total", "total", 1)])
    assert cmp.default_partnerships(tied, PARTNERSHIPS, n=1) == ["b", "c"]
    only_c = frame([("c", 2024, 1, "new_hires", "total", "total", 1)])
    assert cmp.default_partnerships(only_c, PARTNERSHIPS, n=4) == ["a", "c"]
    assert cmp.default_partnerships(frame([]), PARTNERSHIPS, n=4) == ["a", "b"]


# ---- normalisation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator_id", "options"),
    [
        ("new_hires", ["none", "per_usd_million", "per_participant"]),
        ("local_supplier_spend", ["none", "per_usd_million", "per_participant"]),
        ("volunteer_hours", ["none", "per_usd_million", "per_participant"]),
        ("workforce_headcount", ["none", "per_usd_million"]),
        ("women_share_workforce", ["none"]),
        ("gender_pay_ratio", ["none"]),
        ("employee_training_hours_avg", ["none"]),
    ],
)
def test_normalisation_options_follow_the_unit(indicator_id: str, options: list[str]) -> None:
    assert cmp.normalisation_options(INDICATORS[indicator_id]) == options


def test_available_normalisations_is_the_union_in_display_order() -> None:
    shares = [INDICATORS["women_share_workforce"]]
    assert cmp.available_normalisations(shares) == ["none"]
    mixed = [INDICATORS["workforce_headcount"], INDICATORS["women_share_workforce"]]
    assert cmp.available_normalisations(mixed) == ["none", "per_usd_million"]
    assert cmp.available_normalisations([*mixed, INDICATORS["new_hires"]]) == list(cmp.NORMALISATIONS)
    assert cmp.available_normalisations([]) == ["none"]


def test_not_applicable_reason_says_why_values_stay_as_reported() -> None:
    assert comparison_texts.not_applicable_reason(INDICATORS["new_hires"], "per_usd_million") is None
    assert comparison_texts.not_applicable_reason(INDICATORS["women_share_workforce"], "none") is None
    assert "percentage" in comparison_texts.not_applicable_reason(
        INDICATORS["women_share_workforce"], "per_usd_million"
    )
    assert "ratio" in comparison_texts.not_applicable_reason(INDICATORS["gender_pay_ratio"], "per_participant")
    assert "average" in comparison_texts.not_applicable_reason(
        INDICATORS["employee_training_hours_avg"], "per_participant"
    )
    assert "participant count itself" in comparison_texts.not_applicable_reason(
        INDICATORS["workforce_headcount"], "per_participant"
    )


def test_normalise_per_usd_million_divides_by_funding_in_millions() -> None:
    trend = quarterly_trend(DATA, "new_hires", PARTNERSHIPS)
    result = cmp.normalise(trend, PARTNERSHIPS, DATA, "per_usd_million", INDICATORS["new_hires"])
    by_key = {(p, y, q): v for p, y, q, v in result[["partnership_id", "year", "quarter", "value"]].to_numpy()}
    assert by_key[("a", 2024, 2)] == pytest.approx(9.6)  # 120 / 12.5
    assert by_key[("b", 2024, 1)] == pytest.approx(5.0)  # 10 / 2
    assert math.isnan(by_key[("c", 2024, 2)])  # no funding to divide by
    assert result["raw_value"].tolist() == trend["value"].tolist()
    assert cmp.missing_divisors(result) == ["Gamma Parks"]


def test_normalise_per_participant_divides_by_headcount_of_the_same_quarter() -> None:
    trend = quarterly_trend(DATA, "new_hires", PARTNERSHIPS)
    result = cmp.normalise(trend, PARTNERSHIPS, DATA, "per_participant", INDICATORS["new_hires"])
    by_key = {(p, y, q): v for p, y, q, v in result[["partnership_id", "year", "quarter", "value"]].to_numpy()}
    assert by_key[("a", 2024, 1)] == pytest.approx(0.3)  # 90 / 300
    assert by_key[("a", 2024, 2)] == pytest.approx(0.3)  # 120 / 400, not 120 / 300
    assert by_key[("b", 2024, 1)] == pytest.approx(0.05)  # 10 / 200
    assert math.isnan(by_key[("a", 2023, 2)])  # no headcount in 2023 Q2
    assert math.isnan(by_key[("c", 2024, 2)])


def test_normalise_leaves_rates_as_reported() -> None:
    rates = frame([("a", 2024, 1, "women_share_workforce", "total", "total", 41.5)])
    trend = quarterly_trend(rates, "women_share_workforce", PARTNERSHIPS)
    result = cmp.normalise(trend, PARTNERSHIPS, rates, "per_usd_million", INDICATORS["women_share_workforce"])
    assert result["value"].tolist() == [41.5]
    assert result["divisor"].tolist() == [1.0]


def test_normalised_units_and_labels() -> None:
    hires, spend = INDICATORS["new_hires"], INDICATORS["local_supplier_spend"]
    assert cmp.normalised_unit(hires, "per_usd_million") == "ratio"
    assert cmp.normalised_unit(spend, "per_usd_million") == "currency_usd"
    assert cmp.normalised_unit(hires, "none") == "count"
    assert cmp.normalised_indicator(hires, "per_participant").unit == "ratio"
    assert cmp.normalised_indicator(hires, "none") is hires
    assert comparison_texts.unit_text(hires, "per_usd_million") == "number per USD 1M of committed funding"
    assert comparison_texts.unit_text(INDICATORS["women_share_workforce"], "per_usd_million") == "%"
    assert comparison_texts.value_column(hires) == "New hires (number)"
    assert comparison_texts.value_column(hires, "per_participant") == "New hires per participant"
    assert (
        comparison_texts.value_column(spend, "per_usd_million")
        == "Local supplier spend per USD 1M of committed funding (USD)"
    )
    assert "millions of US dollars" in comparison_texts.normalisation_note(hires, "per_usd_million")
    assert "Gamma Parks" in comparison_texts.normalisation_note(hires, "per_participant", ["Gamma Parks"])
    assert comparison_texts.normalisation_note(hires, "none") is None


# ---- latest values and the side-by-side table ------------------------------------------------------------------


def test_latest_values_compare_with_the_same_quarter_a_year_earlier() -> None:
    latest = cmp.latest_values(DATA, "new_hires", PARTNERSHIPS).set_index("partnership_id")
    assert latest.loc["a", "period"] == "2024 Q2"
    assert latest.loc["a", "value"] == 120
    assert latest.loc["a", "previous_period"] == "2023 Q2"
    assert latest.loc["a", "previous"] == 100
    assert latest.loc["a", "change"] == 20
    assert latest.loc["a", "change_pct"] == pytest.approx(20.0)
    assert math.isnan(latest.loc["b", "previous"]) and math.isnan(latest.loc["b", "change"])
    assert list(latest["partnership"]) == ["Alpha Schools", "Beta Jobs", "Gamma Parks"]


def test_change_percent_is_against_the_absolute_earlier_value() -> None:
    net = frame(
        [
            ("a", 2023, 1, "net_jobs_created_supported", "total", "total", -10),
            ("a", 2024, 1, "net_jobs_created_supported", "total", "total", 5),
        ]
    )
    latest = cmp.latest_values(net, "net_jobs_created_supported", PARTNERSHIPS)
    assert latest.loc[0, "change"] == 15
    assert latest.loc[0, "change_pct"] == pytest.approx(150.0)


def test_format_change() -> None:
    assert comparison_texts.format_change(20.0, 20.0, "count") == "+20 (+20.0%)"
    assert comparison_texts.format_change(-1500.0, -12.5, "currency_usd") == "-USD 1,500 (-12.5%)"
    assert comparison_texts.format_change(2.5, 6.1, "percent") == "+2.5 pts"
    assert comparison_texts.format_change(None, None, "count") == "–"
    assert comparison_texts.format_change(float("nan"), None, "count") == "–"


def test_comparison_table_side_by_side() -> None:
    table = cmp.comparison_table(DATA, PARTNERSHIPS, GOALS, "new_hires", ["b", "a", "c"], "per_usd_million")
    assert list(table.columns) == cmp.COMPARISON_COLUMNS
    assert list(table["partnership_id"]) == ["a", "b", "c"]  # largest normalised value first, no value last
    a = table.iloc[0]
    assert (a["Latest quarter"], a["Latest value"], a["A year earlier"]) == ("2024 Q2", 120, 100)
    assert (a["Change over a year"], a["Change over a year (%)"]) == (20, 20.0)
    assert a["Normalised value"] == pytest.approx(9.6)
    assert a["Goal status"] == "Target achieved; Moderate progress (Women)"
    assert a["Committed funding (USD)"] == 12_500_000
    assert table.iloc[1]["Goal status"] == "no goal"  # b's goal is on headcount
    assert math.isnan(table.iloc[2]["Normalised value"])


def test_comparison_table_lists_chosen_partnerships_without_data() -> None:
    table = cmp.comparison_table(DATA, PARTNERSHIPS, GOALS, "workforce_headcount", ["a", "c"])
    assert list(table["Partnership"]) == ["Alpha Schools", "Gamma Parks"]
    assert table.iloc[1]["Latest quarter"] == "no data"
    assert math.isnan(table.iloc[1]["Latest value"])
    assert table.iloc[0]["Normalised value"] == 400  # no normalisation: the value itself


def test_comparison_display_writes_units_and_names_the_normalisation() -> None:
    hires = INDICATORS["new_hires"]
    table = cmp.comparison_table(DATA, PARTNERSHIPS, GOALS, "new_hires", ["a", "b"], "per_usd_million")
    shown = comparison_texts.comparison_display(table, hires, "per_usd_million")
    assert list(shown.columns) == [
        "Partnership",
        "Quarter",
        "Value",
        "A year earlier",
        "Change over a year",
        "Per USD 1M committed",
        "Goal status",
        "Funding",
    ]
    assert shown.iloc[0].tolist()[:6] == ["Alpha Schools", "2024 Q2", "120", "100", "+20 (+20.0%)", "9.60"]
    assert shown.iloc[0]["Funding"] == "USD 12,500,000"
    assert shown.iloc[1]["A year earlier"] == "–"
    assert "Per USD 1M committed" not in comparison_texts.comparison_display(table, hires, "none").columns
    csv = comparison_texts.comparison_csv(table, hires, "per_usd_million")
    assert "New hires per USD 1M of committed funding" in csv.columns
    assert "Latest value (number)" in csv.columns and "partnership_id" not in csv.columns
    assert "New hires (number)" not in comparison_texts.comparison_csv(table, hires, "none").columns


def test_comparison_csv_headers_are_unique_for_percentages() -> None:
    shares = frame(
        [
            ("a", 2023, 1, "women_share_workforce", "total", "total", 40.0),
            ("a", 2024, 1, "women_share_workforce", "total", "total", 42.5),
        ]
    )
    table = cmp.comparison_table(shares, PARTNERSHIPS, GOALS, "women_share_workforce", ["a", "b"])
    csv = comparison_texts.comparison_csv(table, INDICATORS["women_share_workforce"], "per_usd_million")
    assert csv.columns.is_unique
    assert csv.iloc[0]["Change over a year (percentage points)"] == pytest.approx(2.5)


def test_ranking_rows_and_periods_text() -> None:
    table = cmp.comparison_table(DATA, PARTNERSHIPS, GOALS, "new_hires", ["a", "b", "c"])
    rows = cmp.ranking_rows(table)
    assert rows.to_dict("list") == {
        "partnership": ["Alpha Schools", "Beta Jobs", "Gamma Parks"],
        "period": ["2024 Q2", "2024 Q1", "2024 Q2"],
        "value": [120.0, 10.0, 5.0],
    }
    assert comparison_texts.periods_text(["2024 Q2", "2024 Q2"]) == "2024 Q2"
    assert comparison_texts.periods_text(["2024 Q2", "2023 Q4"]) == "latest quarter each reported: 2023 Q4, 2024 Q2"
    assert comparison_texts.periods_text([]) == "no data"


def test_series_table_and_span() -> None:
    trend = quarterly_trend(DATA, "new_hires", PARTNERSHIPS)
    series = cmp.normalise(trend, PARTNERSHIPS, DATA, "per_participant", INDICATORS["new_hires"])
    table = comparison_texts.series_table(series, INDICATORS["new_hires"], "per_participant")
    assert list(table.columns) == ["Partnership", "Quarter", "New hires (number)", "New hires per participant"]
    assert len(table) == len(trend)
    raw = comparison_texts.series_table(series, INDICATORS["new_hires"], "none")
    assert list(raw.columns) == ["Partnership", "Quarter", "New hires (number)"]
    assert comparison_texts.span_text(trend) == "2023 Q2 – 2024 Q2"
    assert comparison_texts.span_text(trend.iloc[:0]) == "no data"


def test_goal_status_text() -> None:
    assert cmp.goal_status_text(GOALS, "a", "new_hires") == "Target achieved; Moderate progress (Women)"
    assert cmp.goal_status_text(GOALS, "b", "workforce_headcount") == "Not available"
    assert cmp.goal_status_text(GOALS, "c", "new_hires") == "no goal"
    assert cmp.goal_status_text(GOALS.iloc[:0], "a", "new_hires") == "no goal"


# ---- indicator explorer ----------------------------------------------------------------------------------------


def test_latest_quarter_display_and_csv() -> None:
    latest = cmp.latest_values(DATA, "new_hires", PARTNERSHIPS)
    assert comparison_texts.latest_quarter(latest) == "2024 Q2"
    assert comparison_texts.latest_quarter(latest.iloc[:0]) == "none"
    shown = comparison_texts.latest_display(latest, INDICATORS["new_hires"])
    assert shown.iloc[0].tolist() == ["Alpha Schools", "2024 Q2", "120", "100", "+20 (+20.0%)"]
    csv = comparison_texts.latest_csv(latest, INDICATORS["new_hires"])
    assert csv.iloc[0]["Value (number)"] == 120 and csv.iloc[0]["Quarter a year earlier"] == "2023 Q2"


def test_annual_trend_keeps_complete_years_only() -> None:
    rows = [("a", 2023, q, "new_hires", "total", "total", 10 * q) for q in (1, 2, 3, 4)]
    rows += [("a", 2024, q, "new_hires", "total", "total", 5) for q in (1, 2, 3)]
    annual = cmp.annual_trend(frame(rows), "new_hires", PARTNERSHIPS)
    assert annual[["partnership", "period", "value"]].to_dict("list") == {
        "partnership": ["Alpha Schools"],
        "period": ["2023"],
        "value": [100.0],
    }
    assert annual.loc[0, "period_start"] == pd.Timestamp("2023-01-01")
    assert cmp.annual_trend(frame(rows[4:]), "new_hires", PARTNERSHIPS).empty


def test_annual_title_follows_the_year_rule() -> None:
    assert indicator_texts.annual_title(INDICATORS["new_hires"]) == "New hires per year"
    assert indicator_texts.annual_title(INDICATORS["workforce_headcount"]) == "Headcount at year end"
    assert "recomputed" in indicator_texts.annual_title(INDICATORS["turnover_rate"])


BREAKDOWN = frame(
    [
        ("a", 2024, 1, "workforce_headcount", "gender", "undisclosed", 5),
        ("a", 2024, 1, "workforce_headcount", "gender", "man", 150),
        ("a", 2024, 1, "workforce_headcount", "gender", "woman", 145),
        ("a", 2024, 1, "workforce_headcount", "total", "total", 300),
        ("a", 2023, 4, "workforce_headcount", "gender", "woman", 140),
        ("b", 2024, 1, "workforce_headcount", "gender", "woman", 90),
        ("b", 2024, 1, "workforce_headcount", "total", "total", 200),
        ("b", 2024, 1, "workforce_headcount", "age_band", "under_30", 50),
    ]
)


def test_breakdown_rows_follow_the_vocabulary_order() -> None:
    rows = breakdowns.partnership_breakdown(BREAKDOWN, "workforce_headcount", "gender", "a")
    assert list(rows.columns) == ["period", "period_start", "category", "category_label", "value"]
    assert list(rows["category"]) == ["woman", "woman", "man", "undisclosed"]
    assert list(rows["period"][:2]) == ["2023 Q4", "2024 Q1"]
    assert list(rows["category_label"].unique()) == ["Women", "Men", "Undisclosed"]
    assert breakdowns.partnership_breakdown(BREAKDOWN, "workforce_headcount", "ethnicity", "a").empty


def test_latest_breakdown_has_one_row_per_partnership_and_reported_categories() -> None:
    table = breakdowns.latest_breakdown(BREAKDOWN, "workforce_headcount", "gender", PARTNERSHIPS)
    assert list(table.columns) == ["Partnership", "Quarter", "Total", "Women", "Men", "Undisclosed"]
    assert table.iloc[0].tolist() == ["Alpha Schools", "2024 Q1", 300.0, 145.0, 150.0, 5.0]
    assert table.iloc[1]["Women"] == 90 and math.isnan(table.iloc[1]["Men"])
    assert breakdowns.partnerships_with_breakdown(BREAKDOWN, "workforce_headcount", "age_band", PARTNERSHIPS) == ["b"]
    assert breakdowns.latest_breakdown(BREAKDOWN, "workforce_headcount", "ethnicity", PARTNERSHIPS).empty


def test_format_columns_writes_values_with_their_unit() -> None:
    table = pd.DataFrame({"Partnership": ["x"], "Total": [1234.0], "Women": [float("nan")]})
    shown = comparison_texts.format_columns(table, ["Total", "Women"], "count")
    assert shown.iloc[0].tolist() == ["x", "1,234", "–"]
    assert table.iloc[0]["Total"] == 1234.0  # the original stays numeric


def test_goals_on_indicator() -> None:
    goals = comparison_texts.goals_on_indicator(GOALS, "new_hires", PARTNERSHIPS)
    assert list(goals.columns) == ["Partnership", "Series", "Baseline", "Target", "Current", "Status", "Score"]
    assert goals.iloc[0].tolist() == [
        "Alpha Schools",
        "Total",
        "80 (2022)",
        "200 (2028)",
        "330 (2024)",
        "Target achieved",
        5.0,
    ]
    assert goals.iloc[1]["Series"] == "Gender: Women" and goals.iloc[1]["Score"] == 1.23
    unavailable = comparison_texts.goals_on_indicator(GOALS, "workforce_headcount", PARTNERSHIPS)
    assert unavailable.iloc[0]["Current"] == "–" and math.isnan(unavailable.iloc[0]["Score"])
    assert comparison_texts.goals_on_indicator(GOALS, "students_reached", PARTNERSHIPS).empty


def test_indicator_metadata_in_plain_words() -> None:
    headcount = dict(indicator_texts.indicator_metadata(INDICATORS["workforce_headcount"]))
    assert headcount["Id"] == "workforce_headcount"
    assert headcount["Dataset"] == "Workforce"
    assert headcount["Unit"] == "number"
    assert headcount["Direction"] == "Higher is better"
    assert headcount["Year rule"].startswith("Last: Value at the end of the last quarter")
    assert headcount["Whole numbers"].startswith("Yes")
    assert headcount["Sign"] == "Never negative"
    assert headcount["Additive"].startswith("Yes")
    assert headcount["Breakdowns"].startswith("Gender (Women, Men, Non-binary, Undisclosed); Age band")
    assert "Recomputed from" not in headcount
    injuries = dict(indicator_texts.indicator_metadata(INDICATORS["recordable_injuries"]))
    assert injuries["Direction"] == "Lower is better"
    turnover = dict(indicator_texts.indicator_metadata(INDICATORS["turnover_rate"]))
    assert turnover["Recomputed from"].startswith("Departures and Headcount")
    assert turnover["Additive"].startswith("No") and turnover["Unit"] == "percent (0–100)"
    assert dict(indicator_texts.indicator_metadata(INDICATORS["net_jobs_created_supported"]))["Sign"].startswith(
        "May be negative"
    )
    assert dict(indicator_texts.indicator_metadata(INDICATORS["local_supplier_spend"]))["Breakdowns"].startswith("None")
    owners = dict(indicator_texts.indicator_metadata(INDICATORS["diverse_owned_supplier_spend"]))
    assert "owners" in owners["Breakdowns describe"]


def test_references_table_groups_by_framework_with_none_verified() -> None:
    table = indicator_texts.reference_rows(INDICATORS["workforce_headcount"])
    assert list(table["Framework"].unique()) == ["GRI", "IRIS+", "SDG", "WEF", "ESRS"]
    assert table[table["Framework"] == "GRI"]["Reference"].tolist() == ["GRI 2-7", "GRI 2-8"]
    assert table[table["Framework"] == "SDG"]["Reference"].tolist() == [indicator_texts.NONE_VERIFIED]
    assert table[table["Framework"] == "ESRS"]["Reference"].tolist() == ["ESRS S1-6", "ESRS S1-7"]
    living = indicator_texts.reference_rows(INDICATORS["living_wage_share"]).set_index("Reference")
    assert living.loc["SDG 8.5.1", "Note"] == "aligned"
    assert (
        indicator_texts.reference_rows(INDICATORS["schools_reached"])["Reference"] == indicator_texts.NONE_VERIFIED
    ).all()


def test_series_label() -> None:
    assert cmp.series_label("total", "total") == "Total"
    assert cmp.series_label("age_band", "under_30") == "Age band: Under 30"
    assert cmp.series_label("planet", "mars") == "planet: mars"


WJ = "\u2060"  # the word joiner markdown_literal puts after ":" and "@"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("GRI 2-7", r"GRI 2\-7"),
        ("AT&T × Imago", "AT&T × Imago"),
        ("*bold* _x_ `code`", r"\*bold\* \_x\_ \`code\`"),
        ("[click](javascript:x) <b>", rf"\[click\]\(javascript\:{WJ}x\) \<b\>"),
        (":red[alarm] $x$ a|b ~s~", rf"\:{WJ}red\[alarm\] \$x\$ a\|b \~s\~"),
        ("# Title", r"\# Title"),
        ("- item\n1. one", r"\- item 1\. one"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert markdown_literal(text) == escaped


def test_plot_text_escapes_tags_but_keeps_ampersands_readable() -> None:
    assert plotly_literal("AT&T <b>x</b>") == "AT&amp;T &lt;b&gt;x&lt;/b&gt;"


def test_small_normalised_values_keep_enough_decimals() -> None:
    assert comparison_texts.decimals_for([0.0052, 0.0031]) == 4
    assert comparison_texts.decimals_for([0.3, float("nan")]) == 3
    assert comparison_texts.decimals_for([9.6, 44.18]) == 2
    assert comparison_texts.decimals_for([8000.0, 12.0]) == 0
    assert comparison_texts.format_normalised(0.005208, "ratio", 4) == "0.0052"
    assert comparison_texts.format_normalised(8123.4, "ratio", 0) == "8,123"
    assert comparison_texts.format_normalised(2567.4, "currency_usd", 4) == "USD 2,567"
    assert comparison_texts.format_normalised(float("nan"), "ratio", 2) == "–"
    assert comparison_texts.number_format("ratio", 4) == ",.4f"
    assert comparison_texts.number_format("currency_usd", 4) == ",.0f"


def test_per_participant_table_shows_small_rates_precisely() -> None:
    injuries = frame(
        [
            ("a", 2024, 1, "recordable_injuries", "total", "total", 2),
            ("a", 2024, 1, "workforce_headcount", "total", "total", 400),
            ("b", 2024, 1, "recordable_injuries", "total", "total", 1),
            ("b", 2024, 1, "workforce_headcount", "total", "total", 300),
        ]
    )
    table = cmp.comparison_table(injuries, PARTNERSHIPS, GOALS, "recordable_injuries", ["a", "b"], "per_participant")
    shown = comparison_texts.comparison_display(table, INDICATORS["recordable_injuries"], "per_participant")
    assert shown["Per participant"].tolist() == ["0.0050", "0.0033"]


@pytest.mark.parametrize(("count", "columns"), [(1, 1), (2, 2), (3, 3), (4, 2), (5, 3), (8, 3)])
def test_panel_columns(count: int, columns: int) -> None:
    assert comparison_texts.panel_columns(count) == columns


# ---- the latest quarter of every partnership at once, checked against the one-partnership-at-a-time loop ----------


def latest_one_by_one(trend: pd.DataFrame) -> pd.DataFrame:
    """The old ``latest_from_trend``: a loop over partnerships, kept as the reference."""
    from dashboard.analytics.comparison import LATEST_COLUMNS

    rows = []
    present = trend.dropna(subset=["value"]) if not trend.empty else trend
    for pid, group in present.groupby("partnership_id", sort=False):
        values = {(int(y), int(q)): float(v) for y, q, v in group[["year", "quarter", "value"]].itertuples(index=False)}
        year, quarter = max(values)
        value = values[(year, quarter)]
        previous = values.get((year - 1, quarter))
        change = value - previous if previous is not None else None
        change_pct = 100.0 * change / abs(previous) if change is not None and previous else None
        rows.append(
            {
                "partnership_id": str(pid),
                "partnership": str(group["partnership"].iloc[0]),
                "year": year,
                "quarter": quarter,
                "period": Quarter(year, quarter).label,
                "value": value,
                "previous_period": Quarter(year - 1, quarter).label,
                "previous": previous,
                "change": change,
                "change_pct": change_pct,
            }
        )
    table = pd.DataFrame(rows, columns=LATEST_COLUMNS)
    for column in ("value", "previous", "change", "change_pct"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.sort_values("partnership", ignore_index=True)


@pytest.mark.parametrize("seed", range(25))
def test_latest_values_at_once_are_the_loops(seed: int) -> None:
    import random

    from dashboard.analytics.comparison import latest_from_trend

    rng = random.Random(seed)
    rows = []
    for number in range(rng.randint(0, 12)):
        for _ in range(rng.randint(1, 10)):
            value = rng.choice([float("nan"), 0.0, -0.0, 5.0, -3.5, float(rng.randint(0, 1000))])
            rows.append(
                {
                    "partnership_id": f"p{number}",
                    "partnership": rng.choice([f"Name {number}", f"Name {number}", "Same name"]),
                    "year": rng.choice([2023, 2024, 2025]),
                    "quarter": rng.randint(1, 4),
                    "value": value,
                }
            )
    trend = pd.DataFrame(rows, columns=["partnership_id", "partnership", "year", "quarter", "value"])
    fast, slow = latest_from_trend(trend), latest_one_by_one(trend)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=not trend.empty and not fast.empty)
    if fast.empty:
        assert list(fast.columns) == list(slow.columns)


def latest_breakdown_one_by_one(
    frame: pd.DataFrame, indicator_id: str, dimension: str, partnerships: pd.DataFrame
) -> pd.DataFrame:
    """The old ``latest_breakdown``: a loop over partnerships, kept as the reference."""
    from dashboard.analytics.metrics import total_rows
    from data_contracts import DIMENSIONS

    found = DIMENSIONS.get(dimension)
    labels = dict(found.categories) if found else {}
    rows = frame[(frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension)]
    totals = total_rows(frame)
    totals = totals[totals["indicator_id"] == indicator_id]
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()
    records = []
    for pid, group in rows.groupby("partnership_id", sort=False):
        year, quarter = max((int(y), int(q)) for y, q in zip(group["year"], group["quarter"], strict=True))
        latest = group[(group["year"] == year) & (group["quarter"] == quarter)]
        total = totals[(totals["partnership_id"] == pid) & (totals["year"] == year) & (totals["quarter"] == quarter)]
        record: dict[str, object] = {
            "Partnership": names.get(str(pid), str(pid)),
            "Quarter": Quarter(year, quarter).label,
            "Total": float(total["value"].iloc[0]) if not total.empty else math.nan,
        }
        values = dict(zip(latest["category"].astype(str), latest["value"].astype(float), strict=True))
        for code, label in labels.items():
            record[label] = values.get(code, math.nan)
        records.append(record)
    columns = ["Partnership", "Quarter", "Total", *labels.values()]
    table = pd.DataFrame(records, columns=columns)
    present = [label for code, label in labels.items() if table[label].notna().any()]
    return table[["Partnership", "Quarter", "Total", *present]].sort_values("Partnership", ignore_index=True)


@pytest.mark.parametrize("seed", range(25))
def test_latest_breakdowns_at_once_are_the_loops(seed: int) -> None:
    import random

    from data_contracts import DIMENSIONS

    rng = random.Random(seed)
    codes = [*DIMENSIONS["gender"].categories, "not-a-code"]
    rows = []
    for number in range(rng.randint(0, 10)):
        for _ in range(rng.randint(1, 12)):
            year, quarter = rng.choice([2024, 2025]), rng.randint(1, 4)
            breakdown = rng.random() < 0.7
            rows.append(
                {
                    "partnership_id": f"p{number}",
                    "year": year,
                    "quarter": quarter,
                    "indicator_id": rng.choice(["new_hires", "new_hires", "departures"]),
                    "dimension": "gender" if breakdown else "total",
                    "category": rng.choice(codes) if breakdown else "total",
                    "value": rng.choice([float("nan"), 0.0, float(rng.randint(0, 90))]),
                }
            )
    frame = pd.DataFrame(
        rows, columns=["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value"]
    )
    partnerships = pd.DataFrame(
        {
            "partnership_id": [f"p{n}" for n in range(8)],
            "name": [rng.choice(["Alpha", "Beta", "Gamma"]) for _ in range(8)],
        }
    )
    fast = breakdowns.latest_breakdown(frame, "new_hires", "gender", partnerships)
    slow = latest_breakdown_one_by_one(frame, "new_hires", "gender", partnerships)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=not slow.empty, check_index_type=not slow.empty)
