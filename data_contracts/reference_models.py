"""Pandera contracts of the reference tables: partnerships and goals.

Partnership lists (partner organisations, focus datasets) are written as text separated by semicolons, e.g.
``AT&T; Imago Foundation``. A goal's direction is not stored: it comes from its indicator in the catalog.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts.catalog import INDICATORS
from data_contracts.columns import ColumnSpec, breakdown_specs, prepare_frame
from data_contracts.findings import Rule, display_value, findings_from_schema_errors, sort_findings
from data_contracts.indicator_models import MIN_YEAR, ValidationResult
from data_contracts.vocabularies import COUNTRIES, DATASETS, DIMENSIONS, REGIONS, SECTORS, TOTAL, VISIBILITY

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 64
LIST_SEPARATOR = ";"

PARTNERSHIP_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("partnership_id", "text", description="Short id: lower-case letters, digits and hyphens."),
    ColumnSpec("name", "text", description="Name shown on every page."),
    ColumnSpec("partner_organisations", "text", description="Partner organisations, separated by semicolons."),
    ColumnSpec("lead_sector", "text", description=f"Sector of the lead partner: {', '.join(SECTORS)}."),
    ColumnSpec(
        "focus_datasets", "text", description=f"Datasets reported, separated by semicolons: {', '.join(DATASETS)}."
    ),
    ColumnSpec("country", "text", description="ISO 3166-1 alpha-2 country code, e.g. US."),
    ColumnSpec("region", "text", description="SDG region."),
    ColumnSpec("start_date", "date", description="Start of the partnership, YYYY-MM-DD."),
    ColumnSpec("committed_funding_usd", "number", description="Committed funding in US dollars."),
    ColumnSpec("visibility", "text", description="public (shown on the portal) or private (staff only)."),
    ColumnSpec("description", "text", required_column=False, required_value=False, description="What it does."),
)
PARTNERSHIP_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in PARTNERSHIP_COLUMN_SPECS)

GOAL_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("goal_id", "text", description="Short id: lower-case letters, digits and hyphens."),
    ColumnSpec("partnership_id", "text", description="Partnership the goal belongs to."),
    ColumnSpec("indicator_id", "text", description="Indicator the goal is measured by."),
    *breakdown_specs("the measured series"),
    ColumnSpec("baseline_year", "integer", description="Year of the baseline value."),
    ColumnSpec("baseline_value", "number", description="Value in the baseline year, in the indicator's unit."),
    ColumnSpec("target_year", "integer", description="Year by which the target should be reached."),
    ColumnSpec("target_value", "number", description="Target value, in the indicator's unit."),
)
GOAL_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in GOAL_COLUMN_SPECS)


def split_list(text: object) -> list[str]:
    """Items of a semicolon-separated cell, trimmed, blanks dropped."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return []
    return [item.strip() for item in str(text).split(LIST_SEPARATOR) if item.strip()]


def _slug_ok(series: pd.Series) -> pd.Series:
    return series.isna() | (series.str.fullmatch(SLUG_PATTERN).fillna(False) & (series.str.len() <= SLUG_MAX))


def _all_in(series: pd.Series, allowed: Collection[str], minimum: int = 1) -> pd.Series:
    allowed_set = set(allowed)
    return series.map(
        lambda cell: (
            cell is pd.NA
            or (len(split_list(cell)) >= minimum and all(item in allowed_set for item in split_list(cell)))
        )
    ).astype(bool)


class PartnershipModel(pa.DataFrameModel):
    """One row per partnership."""

    partnership_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Partnership id")
    name: Series[pd.StringDtype] = pa.Field(nullable=True, title="Name")
    partner_organisations: Series[pd.StringDtype] = pa.Field(nullable=True, title="Partner organisations")
    lead_sector: Series[pd.StringDtype] = pa.Field(nullable=True, title="Lead sector")
    focus_datasets: Series[pd.StringDtype] = pa.Field(nullable=True, title="Focus datasets")
    country: Series[pd.StringDtype] = pa.Field(nullable=True, title="Country (ISO 3166-1 alpha-2)")
    region: Series[pd.StringDtype] = pa.Field(nullable=True, title="Region")
    start_date: Series[object] = pa.Field(nullable=True, title="Start date")
    committed_funding_usd: Series[float] = pa.Field(nullable=True, title="Committed funding (USD)")
    visibility: Series[pd.StringDtype] = pa.Field(nullable=True, title="Visibility")
    description: Series[pd.StringDtype] = pa.Field(nullable=True, title="Description")

    class Config:
        strict = True
        coerce = True

    @pa.check("partnership_id", name="id_is_slug")
    def _slug(cls, ids: Series[str]) -> Series[bool]:
        return _slug_ok(ids)

    @pa.dataframe_check(name="id_unique")
    def _unique(cls, frame: pd.DataFrame) -> Series[bool]:
        ids = frame["partnership_id"]
        return ids.isna() | ~ids.duplicated(keep="first")

    @pa.check("partner_organisations", name="two_or_more_partners")
    def _partners(cls, partners: Series[str]) -> Series[bool]:
        return partners.isna() | partners.map(lambda cell: len(split_list(cell)) >= 2).astype(bool)

    @pa.check("lead_sector", name="sector_in_vocabulary")
    def _sector(cls, sector: Series[str]) -> Series[bool]:
        return sector.isna() | sector.isin(SECTORS)

    @pa.check("focus_datasets", name="focus_datasets_known")
    def _focus(cls, focus: Series[str]) -> Series[bool]:
        return _all_in(focus, DATASETS)

    @pa.check("country", name="country_iso_alpha2")
    def _country(cls, country: Series[str]) -> Series[bool]:
        return country.isna() | country.isin(COUNTRIES)

    @pa.check("region", name="region_in_vocabulary")
    def _region(cls, region: Series[str]) -> Series[bool]:
        return region.isna() | region.isin(REGIONS)

    @pa.check("committed_funding_usd", name="funding_not_negative")
    def _funding(cls, funding: Series[float]) -> Series[bool]:
        return funding.isna() | (np.isfinite(funding) & (funding >= 0))

    @pa.check("visibility", name="visibility_in_vocabulary")
    def _visibility(cls, visibility: Series[str]) -> Series[bool]:
        return visibility.isna() | visibility.isin(VISIBILITY)


def _value_ok(indicator_ids: pd.Series, values: pd.Series) -> pd.Series:
    """True where a value obeys its indicator's unit rules (finite; whole, sign and percent range)."""
    units = indicator_ids.map(lambda i: INDICATORS[i].unit if i in INDICATORS else None)
    whole = indicator_ids.map(lambda i: i in INDICATORS and INDICATORS[i].whole_number).astype(bool)
    signed = indicator_ids.map(lambda i: i in INDICATORS and INDICATORS[i].signed).astype(bool)
    finite = pd.Series(np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)), index=values.index)
    ok = finite & (~whole | (values % 1 == 0)) & (signed | (values >= 0)) & ((units != "percent") | (values <= 100))
    return values.isna() | units.isna() | ok.fillna(False)


def _value_message(column: str) -> Rule:
    def message(row: Mapping[str, object]) -> str:
        indicator = INDICATORS.get(row.get("indicator_id"))
        found = display_value(row.get(column))
        if indicator is None:
            return f"{column} {found} cannot be checked against an unknown indicator."
        limits = ["finite"]
        if indicator.whole_number:
            limits.append("a whole number")
        if not indicator.signed:
            limits.append("0 or more")
        if indicator.unit == "percent":
            limits.append("at most 100")
        return f"{column} of a {indicator.id} goal must be {', '.join(limits)} ({indicator.unit}); found {found}."

    return Rule(f"{column}_fits_unit", column, message)


class GoalModel(pa.DataFrameModel):
    """One row per goal: a partnership's target for one series of one indicator."""

    goal_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Goal id")
    partnership_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Partnership id")
    indicator_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Indicator id")
    dimension: Series[pd.StringDtype] = pa.Field(nullable=True, title="Breakdown dimension")
    category: Series[pd.StringDtype] = pa.Field(nullable=True, title="Breakdown category")
    baseline_year: Series[pd.Int64Dtype] = pa.Field(nullable=True, title="Baseline year")
    baseline_value: Series[float] = pa.Field(nullable=True, title="Baseline value")
    target_year: Series[pd.Int64Dtype] = pa.Field(nullable=True, title="Target year")
    target_value: Series[float] = pa.Field(nullable=True, title="Target value")

    class Config:
        strict = True
        coerce = True

    @pa.check("goal_id", name="id_is_slug")
    def _slug(cls, ids: Series[str]) -> Series[bool]:
        return _slug_ok(ids)

    @pa.dataframe_check(name="id_unique")
    def _unique(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["goal_id"].isna() | ~frame["goal_id"].duplicated(keep="first")

    @pa.check("indicator_id", name="unknown_indicator")
    def _indicator(cls, ids: Series[str]) -> Series[bool]:
        return ids.isna() | ids.isin(INDICATORS)

    @pa.dataframe_check(name="dimension_allowed")
    def _dimension(cls, frame: pd.DataFrame) -> Series[bool]:
        pairs = zip(frame["indicator_id"], frame["dimension"], strict=False)
        ok = [i not in INDICATORS or (d is not pd.NA and INDICATORS[i].allows(d)) for i, d in pairs]
        return pd.Series(ok, index=frame.index)

    @pa.dataframe_check(name="category_in_vocabulary")
    def _category(cls, frame: pd.DataFrame) -> Series[bool]:
        pairs = zip(frame["dimension"], frame["category"], strict=False)
        ok = [d not in DIMENSIONS or c in DIMENSIONS[d].categories for d, c in pairs]
        return pd.Series(ok, index=frame.index)

    @pa.check("baseline_year", name="year_from_2000")
    def _year(cls, year: Series[int]) -> Series[bool]:
        return year.isna() | (year >= MIN_YEAR)

    @pa.dataframe_check(name="target_after_baseline")
    def _order(cls, frame: pd.DataFrame) -> Series[bool]:
        base, target = frame["baseline_year"], frame["target_year"]
        return (base.isna() | target.isna() | (target > base)).astype(bool)

    @pa.dataframe_check(name="baseline_value_fits_unit")
    def _baseline_value(cls, frame: pd.DataFrame) -> Series[bool]:
        return _value_ok(frame["indicator_id"], frame["baseline_value"])

    @pa.dataframe_check(name="target_value_fits_unit")
    def _target_value(cls, frame: pd.DataFrame) -> Series[bool]:
        return _value_ok(frame["indicator_id"], frame["target_value"])


def partnership_rules() -> dict[str, Rule]:
    rules = [
        Rule(
            "id_is_slug",
            "partnership_id",
            lambda r: (
                f"{r.get('partnership_id')!r} is not a valid id: use lower-case letters, digits and single hyphens "
                f"(at most {SLUG_MAX} characters), e.g. city-parks-commons."
            ),
        ),
        Rule("id_unique", "partnership_id", lambda r: f"The id {r.get('partnership_id')!r} is used by a row above."),
        Rule(
            "two_or_more_partners",
            "partner_organisations",
            lambda r: "List at least two partner organisations, separated by semicolons (Company; Foundation).",
        ),
        Rule(
            "sector_in_vocabulary",
            "lead_sector",
            lambda r: f"{r.get('lead_sector')!r} is not a sector. Use one of: {', '.join(SECTORS)}.",
        ),
        Rule(
            "focus_datasets_known",
            "focus_datasets",
            lambda r: (
                f"{r.get('focus_datasets')!r} must list one or more of {', '.join(DATASETS)}, separated by semicolons."
            ),
        ),
        Rule(
            "country_iso_alpha2",
            "country",
            lambda r: f"{r.get('country')!r} is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. US).",
        ),
        Rule(
            "region_in_vocabulary",
            "region",
            lambda r: f"{r.get('region')!r} is not an SDG region. Use one of: {'; '.join(REGIONS)}.",
        ),
        Rule(
            "funding_not_negative",
            "committed_funding_usd",
            lambda r: (
                f"Committed funding must be a finite amount of 0 USD or more; found {r.get('committed_funding_usd')}."
            ),
        ),
        Rule(
            "visibility_in_vocabulary",
            "visibility",
            lambda r: f"{r.get('visibility')!r} is not a visibility. Use public or private.",
        ),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    return {rule.id: rule for rule in rules}


def goal_rules() -> dict[str, Rule]:
    rules = [
        Rule(
            "id_is_slug",
            "goal_id",
            lambda r: f"{r.get('goal_id')!r} is not a valid id: use lower-case letters, digits and single hyphens.",
        ),
        Rule("id_unique", "goal_id", lambda r: f"The goal id {r.get('goal_id')!r} is used by a row above."),
        Rule(
            "partnership_known",
            "partnership_id",
            lambda r: f"{r.get('partnership_id')!r} is not a partnership in the partnerships table.",
        ),
        Rule(
            "unknown_indicator",
            "indicator_id",
            lambda r: f"{r.get('indicator_id')!r} is not an indicator of the catalog.",
        ),
        Rule(
            "dimension_allowed",
            "dimension",
            lambda r: (
                f"{r.get('indicator_id')} cannot be broken down by {r.get('dimension')!r}; it allows: "
                f"{', '.join((TOTAL, *INDICATORS[r.get('indicator_id')].breakdowns))}."
                if r.get("indicator_id") in INDICATORS
                else "Unknown dimension."
            ),
        ),
        Rule(
            "category_in_vocabulary",
            "category",
            lambda r: (
                f"{r.get('category')!r} is not a category of {r.get('dimension')}: use one of "
                f"{', '.join(DIMENSIONS[r.get('dimension')].categories) if r.get('dimension') in DIMENSIONS else ''}."
            ),
        ),
        Rule(
            "year_from_2000",
            "baseline_year",
            lambda r: f"The baseline year must be {MIN_YEAR} or later; found {r.get('baseline_year')}.",
        ),
        Rule(
            "target_after_baseline",
            "target_year",
            lambda r: (
                f"The target year ({r.get('target_year')}) must come after the baseline year "
                f"({r.get('baseline_year')})."
            ),
        ),
        _value_message("baseline_value"),
        _value_message("target_value"),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    return {rule.id: rule for rule in rules}


def _validate(
    raw: pd.DataFrame,
    specs: tuple[ColumnSpec, ...],
    schema: pa.DataFrameSchema,
    rules: Mapping[str, Rule],
    what: str,
    row_numbers: Mapping[object, int] | None,
    *,
    totals_default: bool = False,
) -> ValidationResult:
    raw = raw.reset_index(drop=True) if row_numbers is None else raw
    prepared = prepare_frame(raw, specs, what=what, row_numbers=row_numbers)
    columns = [spec.name for spec in specs]
    if not prepared.readable:
        return ValidationResult(frame=pd.DataFrame(columns=columns), findings=sort_findings(prepared.findings))
    frame = prepared.frame
    if totals_default:
        both_blank = frame["dimension"].isna() & frame["category"].isna()
        frame.loc[both_blank, ["dimension", "category"]] = TOTAL
    if "country" in frame:
        frame["country"] = frame["country"].str.upper()
    findings = list(prepared.findings)
    try:
        frame = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        flagged = {(f.row, f.column) for f in findings}
        findings += [
            f
            for f in findings_from_schema_errors(errors, frame, rules, row_numbers=row_numbers)
            if (f.row, f.column) not in flagged
        ]
    return ValidationResult(frame=frame.reset_index(drop=True)[columns], findings=sort_findings(findings))


def validate_partnerships(raw: pd.DataFrame, *, row_numbers: Mapping[object, int] | None = None) -> ValidationResult:
    """Check a partnerships table; the frame is typed (start_date as ``datetime.date``) when ``ok``."""
    return _validate(
        raw,
        PARTNERSHIP_COLUMN_SPECS,
        PartnershipModel.to_schema(),
        partnership_rules(),
        "partnerships file",
        row_numbers,
    )


def validate_goals(
    raw: pd.DataFrame,
    *,
    partnership_ids: Collection[str],
    row_numbers: Mapping[object, int] | None = None,
) -> ValidationResult:
    """Check a goals table against the catalog and the known partnerships."""
    schema = copy.copy(GoalModel.to_schema())
    known = frozenset(partnership_ids)
    schema.checks = [
        *schema.checks,
        pa.Check(lambda f: f["partnership_id"].isna() | f["partnership_id"].isin(known), name="partnership_known"),
    ]
    result = _validate(raw, GOAL_COLUMN_SPECS, schema, goal_rules(), "goals file", row_numbers, totals_default=True)
    if result.ok:
        result.frame = result.frame.astype({"baseline_year": "int64", "target_year": "int64"})
    return result
