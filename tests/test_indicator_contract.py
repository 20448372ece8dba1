"""Each rule of the indicator contracts rejects what it should, with a message naming row, column and rule."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandera.pandas as pa
import pytest

from data_contracts import (
    DATASET_MODELS,
    INDICATOR_COLUMNS,
    Finding,
    WorkforceModel,
    findings_frame,
    summarise_findings,
    validate_indicators,
)
from tests.conftest import TODAY, indicator_rows

PARTNERSHIPS = {"att-imago", "pge-green-for-all"}


def check(raw: pd.DataFrame, dataset: str = "workforce", today: date = TODAY) -> list[Finding]:
    return validate_indicators(raw, dataset, partnership_ids=PARTNERSHIPS, today=today).findings


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, f"expected one {rule} finding, got {findings}"
    return matching[0]


def test_a_clean_table_passes_and_comes_back_typed() -> None:
    raw = indicator_rows(
        {"value": "10"},
        {"dimension": "gender", "category": "woman", "value": "6"},
        {"dimension": "gender", "category": "man", "value": "4"},
        {"indicator_id": "workforce_fte", "value": "7.5"},
        {"indicator_id": "net_jobs_created_supported", "value": "-3"},
    )
    result = validate_indicators(raw, "workforce", partnership_ids=PARTNERSHIPS, today=TODAY)
    assert result.ok, result.findings
    assert tuple(result.frame.columns) == INDICATOR_COLUMNS
    assert result.frame["year"].dtype == "int64" and result.frame["value"].dtype == "float64"
    assert result.frame["value"].tolist() == [10.0, 6.0, 4.0, 7.5, -3.0]


@pytest.mark.parametrize(
    ("row", "rule", "column", "words"),
    [
        ({"partnership_id": "acme-unknown"}, "partnership_known", "partnership_id", "not a partnership"),
        ({"indicator_id": "happiness"}, "unknown_indicator", "indicator_id", "not an indicator"),
        ({"indicator_id": "students_reached"}, "indicator_in_other_dataset", "indicator_id", "education"),
        ({"quarter": "5"}, "quarter_1_to_4", "quarter", "1, 2, 3 or 4"),
        ({"quarter": "0"}, "quarter_1_to_4", "quarter", "1, 2, 3 or 4"),
        ({"year": "1999"}, "year_from_2000", "year", "2000 or later"),
        ({"year": "2027", "quarter": "1"}, "quarter_not_future", "quarter", "has not started"),
        ({"value": ""}, "missing_value", "value", "empty"),
        ({"value": "inf"}, "value_finite", "value", "finite"),
        ({"value": "12 people"}, "not_a_number", "value", "plain number"),
        ({"year": "twenty"}, "not_a_number", "year", "whole number"),
        ({"value": "1.5"}, "value_whole_number", "value", "whole number"),
        ({"value": "-2"}, "value_not_negative", "value", "cannot be negative"),
        ({"indicator_id": "new_hire_rate", "value": "100.5"}, "percent_0_to_100", "value", "between 0 and 100"),
        ({"indicator_id": "entry_wage_to_min_wage", "value": "-0.1"}, "value_not_negative", "value", "negative"),
        ({"indicator_id": "workforce_fte", "value": "-1"}, "value_not_negative", "value", "negative"),
    ],
)
def test_each_row_rule_rejects_with_its_message(row: dict, rule: str, column: str, words: str) -> None:
    raw = indicator_rows({"value": "1"}, {"quarter": "2", "value": "2"}, {"quarter": "3", **row})
    finding = only(check(raw), rule)
    assert finding.row == 4  # header is row 1; the third data row is row 4
    assert finding.column == column
    assert words in finding.message
    assert finding.severity == "error"


def test_the_dataset_an_indicator_belongs_to_is_named() -> None:
    finding = only(
        check(indicator_rows({"indicator_id": "women_share_workforce", "value": "40"})), "indicator_in_other_dataset"
    )
    assert "belongs to the diversity dataset" in finding.message


def test_hours_and_currency_cannot_be_negative() -> None:
    findings = check(
        indicator_rows(
            {"indicator_id": "learning_hours", "value": "-5"},
        ),
        dataset="education",
    )
    assert only(findings, "value_not_negative").column == "value"
    findings = check(indicator_rows({"indicator_id": "community_investment", "value": "-100"}), "community_capacity")
    assert only(findings, "value_not_negative")


def test_the_current_quarter_is_accepted_and_the_next_rejected() -> None:
    clock = date(2025, 5, 2)  # 2025 Q2
    assert check(indicator_rows({"year": "2025", "quarter": "2"}), today=clock) == []
    assert only(check(indicator_rows({"year": "2025", "quarter": "3"}), today=clock), "quarter_not_future")


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ({"dimension": "ethnicity", "category": "marginalised"}, "dimension_allowed", "dimension"),
        ({"dimension": "colour", "category": "blue"}, "dimension_allowed", "dimension"),
        ({"dimension": "gender", "category": "female"}, "category_in_vocabulary", "category"),
        ({"dimension": "gender", "category": ""}, "category_in_vocabulary", "category"),
        ({"dimension": "", "category": "woman"}, "dimension_allowed", "dimension"),
    ],
)
def test_breakdown_dimension_and_category_rules(row: dict, rule: str, column: str) -> None:
    raw = indicator_rows(
        {"indicator_id": "workforce_fte", "value": "10"},
        {"indicator_id": "workforce_fte", "value": "1", **row},
    )
    finding = only(check(raw), rule)
    assert (finding.row, finding.column) == (3, column)


def test_a_blank_dimension_and_category_mean_total() -> None:
    raw = indicator_rows(
        {"dimension": "", "category": "", "value": "10"}, {"dimension": "gender", "category": "woman", "value": "4"}
    )
    result = validate_indicators(raw, "workforce", partnership_ids=PARTNERSHIPS, today=TODAY)
    assert result.ok, result.findings
    assert result.frame.loc[0, ["dimension", "category"]].tolist() == ["total", "total"]


def test_missing_dimension_and_category_columns_mean_total() -> None:
    raw = indicator_rows({"value": "10"}).drop(columns=["dimension", "category", "note"])
    result = validate_indicators(raw, "workforce", partnership_ids=PARTNERSHIPS, today=TODAY)
    assert result.ok, result.findings
    assert result.frame.loc[0, "dimension"] == "total"


def test_duplicate_keys_are_rejected_after_the_first() -> None:
    raw = indicator_rows({"value": "10"}, {"value": "10"}, {"value": "11"})
    findings = [f for f in check(raw) if f.rule == "unique_key"]
    assert [f.row for f in findings] == [3, 4]
    assert "appear once" in findings[0].message


def test_additive_breakdowns_may_not_exceed_the_total() -> None:
    raw = indicator_rows(
        {"value": "10"},
        {"dimension": "gender", "category": "woman", "value": "7"},
        {"dimension": "gender", "category": "man", "value": "5"},
        {"dimension": "age_band", "category": "under_30", "value": "4"},
    )
    finding = only(check(raw), "breakdown_within_total")
    assert finding.row == 3
    assert "add up to 12" in finding.message and "total of 10" in finding.message


def test_breakdowns_that_leave_people_unassigned_pass() -> None:
    raw = indicator_rows({"value": "10"}, {"dimension": "gender", "category": "woman", "value": "3"})
    assert check(raw) == []


def test_rates_shares_ratios_and_averages_are_not_summed() -> None:
    raw = indicator_rows(
        {"indicator_id": "turnover_rate", "value": "10"},
        {"indicator_id": "turnover_rate", "dimension": "gender", "category": "woman", "value": "12"},
        {"indicator_id": "turnover_rate", "dimension": "gender", "category": "man", "value": "9"},
    )
    assert check(raw) == []
    raw = indicator_rows(
        {"indicator_id": "employee_training_hours_avg", "value": "10"},
        {"indicator_id": "employee_training_hours_avg", "dimension": "gender", "category": "woman", "value": "12"},
        {"indicator_id": "employee_training_hours_avg", "dimension": "gender", "category": "man", "value": "9"},
    )
    assert check(raw, "education") == []


def test_a_breakdown_needs_its_total_row() -> None:
    raw = indicator_rows({"dimension": "gender", "category": "woman", "value": "3"})
    finding = only(check(raw), "breakdown_needs_total")
    assert finding.row == 2 and "no total row" in finding.message


def test_unknown_columns_are_named_and_rows_still_checked() -> None:
    raw = indicator_rows({"value": "1.5"}).assign(colour="red", Region="x")
    findings = check(raw)
    unknown = [f for f in findings if f.rule == "unknown_column"]
    assert sorted(f.column for f in unknown) == ["Region", "colour"]
    assert all(f.row == 1 for f in unknown)
    assert "colour" in unknown[1].message or "colour" in unknown[0].message
    assert only(findings, "value_whole_number")


def test_missing_required_columns_are_named() -> None:
    raw = indicator_rows({}).drop(columns=["value", "quarter"])
    findings = check(raw)
    assert sorted((f.row, f.column, f.rule) for f in findings) == [
        (1, "quarter", "missing_column"),
        (1, "value", "missing_column"),
    ]


def test_headers_match_case_insensitively_with_spaces_trimmed() -> None:
    raw = indicator_rows({}).rename(columns={"partnership_id": " Partnership_ID ", "value": "VALUE"})
    assert check(raw) == []


def test_typed_input_as_from_parquet_is_accepted() -> None:
    raw = pd.DataFrame(
        {
            "partnership_id": ["att-imago"],
            "year": [2024],
            "quarter": [2],
            "indicator_id": ["workforce_fte"],
            "dimension": [None],
            "category": [None],
            "value": [12.5],
            "note": [None],
        }
    )
    assert check(raw) == []


def test_every_finding_is_reported_at_once_in_file_order() -> None:
    raw = indicator_rows({"value": "-1"}, {"quarter": "9"}, {"indicator_id": "nope"})
    findings = check(raw)
    assert [(f.row, f.rule) for f in findings] == [
        (2, "value_not_negative"),
        (3, "quarter_1_to_4"),
        (4, "unknown_indicator"),
    ]
    table = findings_frame(findings)
    assert list(table.columns) == ["row", "column", "value", "rule", "message", "severity"]
    assert summarise_findings(findings)["findings"].sum() == 3


def test_explicit_row_numbers_are_used() -> None:
    raw = indicator_rows({"value": "-1"})
    raw.index = [41]
    findings = validate_indicators(
        raw, "workforce", partnership_ids=PARTNERSHIPS, today=TODAY, row_numbers={41: 57}
    ).findings
    assert findings[0].row == 57


def test_the_pandera_models_are_usable_directly() -> None:
    assert set(DATASET_MODELS) == {"workforce", "diversity", "education", "community_capacity"}
    frame = pd.DataFrame(
        {
            "partnership_id": pd.Series(["att-imago"], dtype="string"),
            "year": pd.Series([2024], dtype="Int64"),
            "quarter": pd.Series([7], dtype="Int64"),
            "indicator_id": pd.Series(["new_hires"], dtype="string"),
            "dimension": pd.Series(["total"], dtype="string"),
            "category": pd.Series(["total"], dtype="string"),
            "value": [3.0],
            "note": pd.Series([None], dtype="string"),
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        WorkforceModel.validate(frame, lazy=True)
    assert "quarter_1_to_4" in set(caught.value.failure_cases["check"])


@pytest.mark.parametrize("dataset", ["workforce", "diversity", "education", "community_capacity"])
def test_every_dataset_model_carries_every_named_rule(dataset: str) -> None:
    schema = DATASET_MODELS[dataset].to_schema()
    names = {c.name for c in schema.checks} | {c.name for col in schema.columns.values() for c in col.checks}
    assert {
        "unknown_indicator",
        "indicator_in_other_dataset",
        "value_finite",
        "value_whole_number",
        "value_not_negative",
        "percent_0_to_100",
        "value_within_unit_range",
        "partnership_id_too_long",
        "indicator_id_too_long",
        "dimension_too_long",
        "category_too_long",
        "note_too_long",
        "dimension_allowed",
        "category_in_vocabulary",
        "unique_key",
        "breakdown_within_total",
        "breakdown_needs_total",
        "year_from_2000",
        "quarter_1_to_4",
    } <= names


def test_a_partial_breakdown_of_a_negative_net_change_is_not_bounded_by_the_total() -> None:
    raw = indicator_rows(
        {"indicator_id": "net_jobs_created_supported", "value": "-5"},
        {"indicator_id": "net_jobs_created_supported", "dimension": "gender", "category": "woman", "value": "-2"},
    )
    assert check(raw) == []


def test_an_invalid_total_does_not_also_flag_its_breakdowns() -> None:
    raw = indicator_rows({"value": "-4"}, {"dimension": "gender", "category": "woman", "value": "3"})
    assert [f.rule for f in check(raw)] == ["value_not_negative"]
