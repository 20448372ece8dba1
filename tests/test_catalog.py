"""The indicator catalog holds the 52 reference indicators with the rules the validators depend on."""

from __future__ import annotations

import pytest

from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS, indicator, indicators_of
from data_contracts.catalog import CATALOG_FILE, FRAMEWORKS, RECOMPUTE_METHODS
from data_contracts.catalog import _load as load_catalog
from data_contracts.units import UNITS

REFERENCE_IDS = {
    "workforce": [
        "workforce_headcount", "workforce_fte", "new_hires", "new_hire_rate", "departures", "turnover_rate",
        "supported_enterprise_jobs", "net_jobs_created_supported", "living_wage_share", "entry_wage_to_min_wage",
        "recordable_injuries", "seasonal_jobs", "pre_apprenticeship_enrolments", "pre_apprenticeship_completions",
        "pre_apprenticeship_placements",
    ],
    "diversity": [
        "women_share_workforce", "women_share_management", "women_share_governance", "marginalized_share_workforce",
        "disadvantaged_share_workforce", "disability_share_workforce", "youth_share_workforce",
        "target_group_hire_share", "gender_pay_ratio", "ethnic_pay_ratio", "gender_promotion_ratio",
    ],
    "education": [
        "teachers_trained", "teachers_min_qualified_share", "students_reached", "schools_reached", "learning_hours",
        "students_min_proficiency_share", "completion_rate", "green_skills_trainees", "trainees_certified",
        "trainee_job_placements", "employee_training_hours_avg", "community_stakeholders_engaged",
    ],
    "community_capacity": [
        "local_supplier_spend", "local_spend_share", "sme_supplier_spend", "diverse_owned_supplier_spend",
        "local_enterprises_contracted", "community_orgs_supported", "community_investment", "volunteer_hours",
        "residents_engaged", "open_spaces_stewarded", "sites_with_engagement_share", "community_events_held",
        "community_event_attendance", "residents_in_decisions",
    ],
}  # fmt: skip


def test_catalog_holds_exactly_the_52_reference_indicators_by_dataset() -> None:
    assert len(INDICATORS) == 52
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


PEOPLE_COUNTS = {
    "workforce_headcount", "workforce_fte", "new_hires", "departures", "supported_enterprise_jobs",
    "net_jobs_created_supported", "recordable_injuries", "teachers_trained", "students_reached",
    "green_skills_trainees", "trainees_certified", "trainee_job_placements", "residents_engaged",
    "local_enterprises_contracted", "seasonal_jobs", "pre_apprenticeship_enrolments", "pre_apprenticeship_completions",
    "pre_apprenticeship_placements", "community_stakeholders_engaged", "community_event_attendance",
    "residents_in_decisions",
}  # fmt: skip
NOT_ABOUT_PEOPLE = {
    "schools_reached", "learning_hours", "local_supplier_spend", "local_spend_share", "sme_supplier_spend",
    "diverse_owned_supplier_spend", "community_orgs_supported", "community_investment", "volunteer_hours",
    "open_spaces_stewarded", "sites_with_engagement_share", "community_events_held",
}  # fmt: skip
HEADCOUNT = "workforce_headcount"
DERIVED = {
    # indicator: (population, numerator, share, share_of, groups)
    "new_hire_rate": (HEADCOUNT, "new_hires", False, None, None),
    "turnover_rate": (HEADCOUNT, "departures", False, None, None),
    "living_wage_share": (HEADCOUNT, None, True, None, None),
    "entry_wage_to_min_wage": (HEADCOUNT, None, False, None, None),
    "women_share_workforce": (HEADCOUNT, None, True, ("gender", "woman"), None),
    "women_share_management": (None, None, False, None, None),
    "women_share_governance": (None, None, False, None, None),
    "marginalized_share_workforce": (HEADCOUNT, None, True, ("ethnicity", "marginalised"), None),
    "disadvantaged_share_workforce": (HEADCOUNT, None, True, ("disadvantaged_status", "disadvantaged"), None),
    "disability_share_workforce": (HEADCOUNT, None, True, None, None),
    "youth_share_workforce": (HEADCOUNT, None, True, ("age_band", "under_30"), None),
    "target_group_hire_share": ("new_hires", None, True, None, None),
    "gender_pay_ratio": (HEADCOUNT, None, False, None, ("gender", ("woman", "man"))),
    "ethnic_pay_ratio": (HEADCOUNT, None, False, None, ("ethnicity", ("marginalised", "other"))),
    "gender_promotion_ratio": (HEADCOUNT, None, False, None, ("gender", ("woman", "man"))),
    "teachers_min_qualified_share": ("teachers_trained", None, True, None, None),
    "students_min_proficiency_share": ("students_reached", None, True, None, None),
    "completion_rate": ("students_reached", None, True, None, None),
    "employee_training_hours_avg": (HEADCOUNT, None, False, None, None),
}


def test_disclosure_blocks_say_how_each_indicator_concerns_people() -> None:
    assert PEOPLE_COUNTS | NOT_ABOUT_PEOPLE | set(DERIVED) == set(INDICATORS)
    for item_id in PEOPLE_COUNTS:
        disclosure = indicator(item_id).disclosure
        assert disclosure is not None and disclosure.people, item_id
        assert (disclosure.population, disclosure.numerator, disclosure.share) == (None, None, False)
    for item_id in NOT_ABOUT_PEOPLE:
        assert indicator(item_id).disclosure is None, item_id
    for item_id, (population, numerator, share, share_of, groups) in DERIVED.items():
        d = indicator(item_id).disclosure
        assert d is not None and not d.people, item_id
        assert (d.population, d.numerator, d.share) == (population, numerator, share), item_id
        assert (None if d.share_of is None else (d.share_of.dimension, d.share_of.category)) == share_of, item_id
        assert (None if d.groups is None else (d.groups.dimension, d.groups.categories)) == groups, item_id


def test_disclosure_groups_are_breakdowns_of_their_population() -> None:
    for item in INDICATORS.values():
        d = item.disclosure
        if d is None or d.people or d.population is None:
            continue
        population = indicator(d.population)
        assert population.disclosure.people
        for cell in (d.share_of, d.groups):
            if cell is not None:
                assert cell.dimension in population.breakdowns


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "disclosure: {population: new_hires, share: true}",
            "disclosure: {population: new_hirez, share: true}",
            "'target_group_hire_share'.*unknown indicator 'new_hirez'",
        ),
        (
            "disclosure: {population: workforce_headcount, numerator: departures}",
            "disclosure: {population: workforce_headcount, numerator: learning_hours}",
            "'turnover_rate'.*'learning_hours' must be a count of people",
        ),
        (
            "share_of: {dimension: age_band, category: under_30}",
            "share_of: {dimension: age, category: under_30}",
            "'youth_share_workforce'.*unknown dimension 'age'",
        ),
        (
            "groups: {dimension: ethnicity, categories: [marginalised, other]}",
            "groups: {dimension: ethnicity, categories: [marginalised, others]}",
            "'ethnic_pay_ratio'.*unknown category 'others' of ethnicity",
        ),
        (
            "groups: {dimension: ethnicity, categories: [marginalised, other]}",
            "groups: {dimension: employment_type, categories: [direct, subcontractor]}",
            None,  # a valid comparison: direct vs subcontracted headcount exist
        ),
        (
            "disclosure: {population: students_reached, share: true}\n    references:\n      gri: []",
            "disclosure: {population: schools_reached, share: true}\n    references:\n      gri: []",
            "must be a count of people",
        ),
        (
            "share_of: {dimension: gender, category: woman}",
            "share_of: {dimension: gender, category: woman}, share: false",
            "'women_share_workforce'.*share_of implies share: true",
        ),
        ("disclosure: {population: null}", "disclosure: {populaton: null}", "'women_share_management'.*unknown fields"),
        ("disclosure: {population: null}", "disclosure: {}", "needs people: true or a population"),
        (
            "disclosure: {population: null}",
            "disclosure: {population: null, share: true}",
            "population: null takes no numerator",
        ),
        (
            "    breakdowns: [gender, employment_type]\n    disclosure: {people: true}",
            "    breakdowns: [gender, employment_type]\n    disclosure: {people: true, population: new_hires}",
            "'workforce_fte'.*people: true takes no other fields",
        ),
        (
            "    breakdowns: [gender, disadvantaged_status]\n    references:",
            "    breakdowns: [gender, disadvantaged_status]\n    disclosure: {people: true}\n    references:",
            "'learning_hours'.*only for counts",
        ),
        (
            "disclosure: {population: workforce_headcount, share: true}",
            "disclosure: {population: workforce_headcount, share: yes please}",
            "'living_wage_share'.*share must be true or false",
        ),
    ],
)
def test_broken_disclosure_blocks_stop_the_catalog_naming_the_indicator(tmp_path, old, new, message) -> None:
    text = CATALOG_FILE.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    broken = tmp_path / "indicators.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    if message is None:
        indicators, _ = load_catalog(broken)
        assert indicators["ethnic_pay_ratio"].disclosure.groups.categories == ("direct", "subcontractor")
        return
    with pytest.raises(ValueError, match=message):
        load_catalog(broken)


SEED_COVERAGE = {
    # id: (dataset, year rule, breakdowns, framework references as written)
    "seasonal_jobs": (
        "workforce",
        "sum",
        ("gender", "age_band", "ethnicity", "disadvantaged_status", "employment_type"),
        ["GRI 2-7 (temporary employees)", "IRIS+ OI9028 (related)", "ESRS S1-6 (temporary employees)"],
    ),
    "pre_apprenticeship_enrolments": (
        "workforce",
        "sum",
        ("gender", "age_band", "ethnicity", "disadvantaged_status"),
        ["SDG 4.3.1 (aligned)"],
    ),
    "pre_apprenticeship_completions": (
        "workforce",
        "sum",
        ("gender", "age_band", "ethnicity", "disadvantaged_status"),
        ["IRIS+ PI2998 (related)"],
    ),
    "pre_apprenticeship_placements": (
        "workforce",
        "sum",
        ("gender", "age_band", "ethnicity", "disadvantaged_status", "employment_type"),
        ["IRIS+ PI9465 (rate PI3527)", "SDG 8.6.1 (aligned)"],
    ),
    "community_stakeholders_engaged": (
        "education",
        "sum",
        ("gender", "ethnicity", "disadvantaged_status"),
        ["GRI 2-29 (related)", "ESRS S3-2 (related)"],
    ),
    "community_events_held": ("community_capacity", "sum", (), []),
    "community_event_attendance": ("community_capacity", "sum", (), []),
    "residents_in_decisions": (
        "community_capacity",
        "sum",
        ("gender", "age_band", "ethnicity", "disadvantaged_status"),
        ["GRI 413-1 (related)", "SDG 11.3.2 (aligned)"],
    ),
}


@pytest.mark.parametrize("indicator_id", sorted(SEED_COVERAGE))
def test_the_seed_partnerships_measures_are_whole_counts_that_add_up(indicator_id: str) -> None:
    dataset, year_rule, breakdowns, references = SEED_COVERAGE[indicator_id]
    item = indicator(indicator_id)
    assert (item.dataset, item.year_rule, item.breakdowns) == (dataset, year_rule, breakdowns)
    assert (item.unit, item.higher_is_better, item.whole_number, item.signed, item.additive) == (
        "count",
        True,
        True,
        False,
        True,
    )
    assert [str(r) for r in item.references] == references
    if references:  # the line people read names every structured code
        assert all(r.code in item.references_text for r in item.references), item.references_text
    else:
        assert item.references_text == "none verified"
    # events are not people; every other measure counts people and is protected in public outputs
    assert (item.disclosure is not None and item.disclosure.people) == (indicator_id != "community_events_held")
