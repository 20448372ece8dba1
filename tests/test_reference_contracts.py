"""Contracts of the partnerships and goals tables."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from data_contracts import GOAL_COLUMNS, PARTNERSHIP_COLUMNS, split_list, validate_goals, validate_partnerships

PARTNERSHIP = {
    "partnership_id": "riverton-parks",
    "name": "Riverton Parks Commons",
    "partner_organisations": "Riverton Parks Department; Riverton Neighbourhood Alliance",
    "lead_sector": "government",
    "focus_datasets": "community_capacity; workforce",
    "country": "US",
    "region": "Europe and Northern America",
    "start_date": "2021-04-01",
    "committed_funding_usd": "2500000",
    "visibility": "public",
    "description": "Synthetic example.",
}

GOAL = {
    "goal_id": "riverton-residents-2028",
    "partnership_id": "riverton-parks",
    "indicator_id": "residents_engaged",
    "dimension": "",
    "category": "",
    "baseline_year": "2022",
    "baseline_value": "1200",
    "target_year": "2028",
    "target_value": "3000",
}


def partnerships(*changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{**PARTNERSHIP, **change} for change in changes])


def goals(*changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{**GOAL, **change} for change in changes])


def test_a_valid_partnership_passes_typed() -> None:
    result = validate_partnerships(partnerships({}))
    assert result.ok, result.findings
    assert tuple(result.frame.columns) == PARTNERSHIP_COLUMNS
    assert result.frame.loc[0, "start_date"] == datetime.date(2021, 4, 1)
    assert result.frame.loc[0, "committed_funding_usd"] == 2_500_000.0


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        ({"partnership_id": "Riverton Parks"}, "id_is_slug", "partnership_id"),
        ({"partner_organisations": "Only One Org"}, "two_or_more_partners", "partner_organisations"),
        ({"lead_sector": "church"}, "sector_in_vocabulary", "lead_sector"),
        ({"focus_datasets": "workforce; weather"}, "focus_datasets_known", "focus_datasets"),
        ({"country": "USA"}, "country_iso_alpha2", "country"),
        ({"country": "XX"}, "country_iso_alpha2", "country"),
        ({"region": "Mars"}, "region_in_vocabulary", "region"),
        ({"start_date": "01/04/2021"}, "not_a_date", "start_date"),
        ({"committed_funding_usd": "-5"}, "funding_not_negative", "committed_funding_usd"),
        ({"committed_funding_usd": "1,000"}, "not_a_number", "committed_funding_usd"),
        ({"visibility": "secret"}, "visibility_in_vocabulary", "visibility"),
        ({"name": ""}, "missing_value", "name"),
    ],
)
def test_partnership_rules(change: dict, rule: str, column: str) -> None:
    result = validate_partnerships(partnerships({"partnership_id": "other-one"}, change))
    assert [(f.row, f.column, f.rule) for f in result.findings] == [(3, column, rule)]
    assert result.findings[0].message


def test_partnership_ids_are_unique_and_country_case_is_forgiven() -> None:
    result = validate_partnerships(partnerships({"country": "us"}, {}))
    assert [(f.row, f.rule) for f in result.findings] == [(3, "id_unique")]
    assert validate_partnerships(partnerships({"country": "us"})).frame.loc[0, "country"] == "US"


def test_split_list() -> None:
    assert split_list(" a ;b;; c ") == ["a", "b", "c"]
    assert split_list(None) == []


def test_a_valid_goal_passes_with_total_by_default() -> None:
    result = validate_goals(goals({}), partnership_ids={"riverton-parks"})
    assert result.ok, result.findings
    assert tuple(result.frame.columns) == GOAL_COLUMNS
    assert result.frame.loc[0, ["dimension", "category"]].tolist() == ["total", "total"]
    assert result.frame["target_year"].dtype == "int64"


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        ({"partnership_id": "nobody"}, "partnership_known", "partnership_id"),
        ({"indicator_id": "happiness"}, "unknown_indicator", "indicator_id"),
        ({"target_year": "2022"}, "target_after_baseline", "target_year"),
        ({"target_year": "2020"}, "target_after_baseline", "target_year"),
        ({"dimension": "employment_type", "category": "direct"}, "dimension_allowed", "dimension"),
        ({"dimension": "gender", "category": "female"}, "category_in_vocabulary", "category"),
        ({"baseline_value": "10.5"}, "baseline_value_fits_unit", "baseline_value"),
        ({"target_value": "-1"}, "target_value_fits_unit", "target_value"),
        (
            {"indicator_id": "women_share_workforce", "baseline_value": "40", "target_value": "120"},
            "target_value_fits_unit",
            "target_value",
        ),
        ({"baseline_year": "1990"}, "year_from_2000", "baseline_year"),
        ({"goal_id": "Goal 1"}, "id_is_slug", "goal_id"),
    ],
)
def test_goal_rules(change: dict, rule: str, column: str) -> None:
    result = validate_goals(goals(change), partnership_ids={"riverton-parks"})
    assert [(f.row, f.column, f.rule) for f in result.findings] == [(2, column, rule)]


def test_goals_on_a_signed_indicator_may_be_negative() -> None:
    change = {"indicator_id": "net_jobs_created_supported", "baseline_value": "-4", "target_value": "12"}
    assert validate_goals(goals(change), partnership_ids={"riverton-parks"}).ok
