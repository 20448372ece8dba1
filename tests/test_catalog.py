"""The indicator catalog holds the 44 reference indicators with the rules the validators depend on."""

from __future__ import annotations

import pytest

from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS, indicator, indicators_of
from data_contracts.catalog import FRAMEWORKS, RECOMPUTE_METHODS, UNITS

REFERENCE_IDS = {
    "workforce": [
        "workforce_headcount", "workforce_fte", "new_hires", "new_hire_rate", "departures", "turnover_rate",
        "supported_enterprise_jobs", "net_jobs_created_supported", "living_wage_share", "entry_wage_to_min_wage",
        "recordable_injuries",
    ],
    "diversity": [
        "women_share_workforce", "women_share_management", "women_share_governance", "marginalized_share_workforce",
        "disadvantaged_share_workforce", "disability_share_workforce", "youth_share_workforce",
        "target_group_hire_share", "gender_pay_ratio", "ethnic_pay_ratio", "gender_promotion_ratio",
    ],
    "education": [
        "teachers_trained", "teachers_min_qualified_share", "students_reached", "schools_reached", "learning_hours",
        "students_min_proficiency_share", "completion_rate", "green_skills_trainees", "trainees_certified",
        "trainee_job_placements", "employee_training_hours_avg",
    ],
    "community_capacity": [
        "local_supplier_spend", "local_spend_share", "sme_supplier_spend", "diverse_owned_supplier_spend",
        "local_enterprises_contracted", "community_orgs_supported", "community_investment", "volunteer_hours",
        "residents_engaged", "open_spaces_stewarded", "sites_with_engagement_share",
    ],
}  # fmt: skip


def test_catalog_holds_exactly_the_44_reference_indicators_by_dataset() -> None:
    assert len(INDICATORS) == 44
    for dataset, ids in REFERENCE_IDS.items():
        assert [i.id for i in indicators_of(dataset)] == ids


def test_every_entry_is_complete() -> None:
    for item in INDICATORS.values():
        assert item.unit in UNITS
        assert item.name and item.short_name and item.description
        assert item.year_rule_text
        assert set(item.breakdowns) <= set(DIMENSIONS) - {"total"}
        assert all(ref.framework in FRAMEWORKS for ref in item.references)
        if item.year_rule == "recompute":
            assert item.recompute is not None and item.recompute.method in RECOMPUTE_METHODS
            assert item.recompute.numerator in INDICATORS and item.recompute.denominator in INDICATORS
        else:
            assert item.recompute is None


@pytest.mark.parametrize(
    ("indicator_id", "unit", "higher_is_better", "year_rule", "breakdowns"),
    [
        (
            "workforce_headcount",
            "count",
            True,
            "last",
            ("gender", "age_band", "ethnicity", "disadvantaged_status", "employment_type"),
        ),
        ("turnover_rate", "percent", False, "recompute", ("gender", "age_band", "employment_type")),
        ("recordable_injuries", "count", False, "sum", ("gender", "employment_type")),
        ("gender_pay_ratio", "ratio", True, "recompute", ("employment_type",)),
        ("learning_hours", "hours", True, "sum", ("gender", "disadvantaged_status")),
        ("local_supplier_spend", "currency_usd", True, "sum", ()),
        ("schools_reached", "count", True, "last", ("disadvantaged_status",)),
    ],
)
def test_entries_follow_the_reference_table(indicator_id, unit, higher_is_better, year_rule, breakdowns) -> None:
    item = indicator(indicator_id)
    assert (item.unit, item.higher_is_better, item.year_rule, item.breakdowns) == (
        unit,
        higher_is_better,
        year_rule,
        breakdowns,
    )


def test_flags_of_the_reference_section_3a() -> None:
    assert indicator("workforce_fte").whole_number is False
    assert indicator("workforce_headcount").whole_number is True
    assert indicator("recordable_injuries").whole_number is True
    assert indicator("open_spaces_stewarded").whole_number is True
    signed = [i.id for i in INDICATORS.values() if i.signed]
    assert signed == ["net_jobs_created_supported"]
    for item_id in ("new_hires", "learning_hours", "diverse_owned_supplier_spend", "workforce_fte"):
        assert indicator(item_id).additive
    for item_id in ("employee_training_hours_avg", "turnover_rate", "women_share_workforce", "gender_pay_ratio"):
        assert not indicator(item_id).additive
    assert all(not i.additive for i in INDICATORS.values() if i.unit in ("percent", "ratio"))


def test_framework_references_are_structured() -> None:
    headcount = indicator("workforce_headcount")
    assert [str(r) for r in headcount.references_for("gri")] == ["GRI 2-7", "GRI 2-8"]
    assert [r.code for r in headcount.references_for("esrs")] == ["S1-6", "S1-7"]
    injuries = indicator("recordable_injuries")
    assert [(r.code, r.note) for r in injuries.references_for("sdg")] == [("8.8.1", "aligned")]
    assert indicator("new_hires").references_for("wef")[0].code == "employment"


def test_recompute_components() -> None:
    rate = indicator("turnover_rate").recompute
    assert (rate.method, rate.numerator, rate.denominator, rate.scale) == (
        "ratio",
        "departures",
        "workforce_headcount",
        100.0,
    )


def test_datasets_have_display_information() -> None:
    assert tuple(DATASET_INFO) == DATASETS
    colours = {info.colour for info in DATASET_INFO.values()}
    assert len(colours) == 4
    for info in DATASET_INFO.values():
        assert indicator(info.headline_indicator).dataset == info.id


def test_unknown_ids_raise_with_the_id() -> None:
    with pytest.raises(KeyError, match="nope"):
        indicator("nope")
    with pytest.raises(KeyError, match="weather"):
        indicators_of("weather")


def test_vocabularies_match_the_issue() -> None:
    expected = {
        "total": ["total"],
        "gender": ["woman", "man", "non_binary", "undisclosed"],
        "age_band": ["under_30", "30_50", "over_50", "undisclosed"],
        "ethnicity": ["marginalised", "other", "undisclosed"],
        "disadvantaged_status": ["disadvantaged", "not_disadvantaged", "undisclosed"],
        "employment_type": ["direct", "subcontractor"],
    }
    assert {code: list(d.categories) for code, d in DIMENSIONS.items()} == expected
