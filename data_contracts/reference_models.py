"""Pandera contracts of the reference tables, partnerships, goals and milestones: their columns and rules, each
declared once, and the models and validations made of them.

Partnership lists (partner organisations, focus datasets) are written as text separated by semicolons, e.g.
``AT&T; Imago Foundation``. A goal's direction is not stored: it comes from its indicator in the catalog.
A milestone's state is stored as planned, in progress or done; "late" is never stored: it is computed from the due
quarter and the clock (:mod:`dashboard.analytics.milestones`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from data_contracts.catalog import INDICATORS
from data_contracts.column_specs import ColumnSpec, blank_pair_means_total, breakdown_specs, number_dtypes
from data_contracts.columns import normalise_header, prepare_frame
from data_contracts.findings import display_value, sort_findings
from data_contracts.indicator_models import ValidationResult
from data_contracts.indicator_rules import MIN_YEAR, from_min_year, partnership_known
from data_contracts.quarters import Quarter
from data_contracts.rules import (
    FrameCheck,
    Rule,
    RuleContext,
    contract_model,
    findings_from_schema_errors,
    schema_in_context,
)
from data_contracts.vocabularies import COUNTRIES, DATASETS, DIMENSIONS, REGIONS, SECTORS, TOTAL, VISIBILITY

MIN_DUE_DAYS, MAX_DUE_DAYS = 0, 366
"""The range of a partnership's ``due_days`` (and of the ``IMPACT_DUE_DAYS`` setting it overrides)."""
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 64
LIST_SEPARATOR = ";"

PARTNERSHIP_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "partnership_id",
        "text",
        title="Partnership id",
        description="Short id: lower-case letters, digits and hyphens.",
    ),
    ColumnSpec("name", "text", title="Name", description="Name shown on every page."),
    ColumnSpec(
        "partner_organisations",
        "text",
        title="Partner organisations",
        description="Partner organisations, separated by semicolons.",
    ),
    ColumnSpec(
        "lead_sector", "text", title="Lead sector", description=f"Sector of the lead partner: {', '.join(SECTORS)}."
    ),
    ColumnSpec(
        "focus_datasets",
        "text",
        title="Focus datasets",
        description=f"Datasets reported, separated by semicolons: {', '.join(DATASETS)}.",
    ),
    ColumnSpec(
        "country", "text", title="Country (ISO 3166-1 alpha-2)", description="ISO 3166-1 alpha-2 country code, e.g. US."
    ),
    ColumnSpec("region", "text", title="Region", description="SDG region."),
    ColumnSpec("start_date", "date", title="Start date", description="Start of the partnership, YYYY-MM-DD."),
    ColumnSpec(
        "committed_funding_usd",
        "number",
        title="Committed funding (USD)",
        description="Committed funding in US dollars.",
    ),
    ColumnSpec(
        "visibility", "text", title="Visibility", description="public (shown on the portal) or private (staff only)."
    ),
    ColumnSpec(
        "description",
        "text",
        required_column=False,
        required_value=False,
        title="Description",
        description="What it does.",
    ),
    ColumnSpec(
        "due_days",
        "integer",
        required_column=False,
        required_value=False,
        title="Due days",
        description=(
            f"Days after a quarter ends by which its figures are due, a whole number from {MIN_DUE_DAYS} to "
            f"{MAX_DUE_DAYS}; blank means the IMPACT_DUE_DAYS setting (default 30)."
        ),
    ),
)
PARTNERSHIP_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in PARTNERSHIP_COLUMN_SPECS)

GOAL_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("goal_id", "text", title="Goal id", description="Short id: lower-case letters, digits and hyphens."),
    ColumnSpec("partnership_id", "text", title="Partnership id", description="Partnership the goal belongs to."),
    ColumnSpec("indicator_id", "text", title="Indicator id", description="Indicator the goal is measured by."),
    *breakdown_specs("the measured series"),
    ColumnSpec("baseline_year", "integer", title="Baseline year", description="Year of the baseline value."),
    ColumnSpec(
        "baseline_value",
        "number",
        title="Baseline value",
        description="Value in the baseline year, in the indicator's unit.",
    ),
    ColumnSpec(
        "target_year", "integer", title="Target year", description="Year by which the target should be reached."
    ),
    ColumnSpec("target_value", "number", title="Target value", description="Target value, in the indicator's unit."),
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


def _first_of_each(column: str) -> FrameCheck:
    """Passes the first row of each id in ``column`` (and rows without one)."""
    return lambda frame: frame[column].isna() | ~frame[column].duplicated(keep="first")


def _dimension_allowed(frame: pd.DataFrame) -> pd.Series:
    pairs = zip(frame["indicator_id"], frame["dimension"], strict=False)
    ok = [i not in INDICATORS or (d is not pd.NA and INDICATORS[i].allows(d)) for i, d in pairs]
    return pd.Series(ok, index=frame.index)


def _category_valid(frame: pd.DataFrame) -> pd.Series:
    pairs = zip(frame["dimension"], frame["category"], strict=False)
    ok = [d not in DIMENSIONS or c in DIMENSIONS[d].categories for d, c in pairs]
    return pd.Series(ok, index=frame.index)


def _target_after_baseline(frame: pd.DataFrame) -> pd.Series:
    base, target = frame["baseline_year"], frame["target_year"]
    return (base.isna() | target.isna() | (target > base)).astype(bool)


def _value_ok(indicator_ids: pd.Series, values: pd.Series) -> pd.Series:
    """True where a value obeys its indicator's unit rules (finite; whole, sign and percent range)."""
    units = indicator_ids.map(lambda i: INDICATORS[i].unit if i in INDICATORS else None)
    whole = indicator_ids.map(lambda i: i in INDICATORS and INDICATORS[i].whole_number).astype(bool)
    signed = indicator_ids.map(lambda i: i in INDICATORS and INDICATORS[i].signed).astype(bool)
    finite = pd.Series(np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)), index=values.index)
    ok = finite & (~whole | (values % 1 == 0)) & (signed | (values >= 0)) & ((units != "percent") | (values <= 100))
    return values.isna() | units.isna() | ok.fillna(False)


def _fits_unit(column: str) -> Rule:
    """The rule that a goal's value in ``column`` obeys its indicator's unit."""

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

    return Rule(
        f"{column}_fits_unit",
        column,
        message,
        frame_check=lambda frame: _value_ok(frame["indicator_id"], frame[column]),
    )


def partnership_rules() -> dict[str, Rule]:
    """Every named rule of the partnerships table, keyed by its id."""
    rules = [
        Rule(
            "id_is_slug",
            "partnership_id",
            lambda r: (
                f"{r.get('partnership_id')!r} is not a valid id: use lower-case letters, digits and single hyphens "
                f"(at most {SLUG_MAX} characters), e.g. city-parks-commons."
            ),
            column_check=_slug_ok,
        ),
        Rule(
            "id_unique",
            "partnership_id",
            lambda r: f"The id {r.get('partnership_id')!r} is used by a row above.",
            frame_check=_first_of_each("partnership_id"),
        ),
        Rule(
            "two_or_more_partners",
            "partner_organisations",
            lambda r: "List at least two partner organisations, separated by semicolons (Company; Foundation).",
            column_check=lambda partners: (
                partners.isna() | partners.map(lambda cell: len(split_list(cell)) >= 2).astype(bool)
            ),
        ),
        Rule(
            "sector_in_vocabulary",
            "lead_sector",
            lambda r: f"{r.get('lead_sector')!r} is not a sector. Use one of: {', '.join(SECTORS)}.",
            column_check=lambda sector: sector.isna() | sector.isin(SECTORS),
        ),
        Rule(
            "focus_datasets_known",
            "focus_datasets",
            lambda r: (
                f"{r.get('focus_datasets')!r} must list one or more of {', '.join(DATASETS)}, separated by semicolons."
            ),
            column_check=lambda focus: _all_in(focus, DATASETS),
        ),
        Rule(
            "country_iso_alpha2",
            "country",
            lambda r: f"{r.get('country')!r} is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. US).",
            column_check=lambda country: country.isna() | country.isin(COUNTRIES),
        ),
        Rule(
            "region_in_vocabulary",
            "region",
            lambda r: f"{r.get('region')!r} is not an SDG region. Use one of: {'; '.join(REGIONS)}.",
            column_check=lambda region: region.isna() | region.isin(REGIONS),
        ),
        Rule(
            "funding_not_negative",
            "committed_funding_usd",
            lambda r: (
                f"Committed funding must be a finite amount of 0 USD or more; found {r.get('committed_funding_usd')}."
            ),
            column_check=lambda funding: funding.isna() | (np.isfinite(funding) & (funding >= 0)),
        ),
        Rule(
            "visibility_in_vocabulary",
            "visibility",
            lambda r: f"{r.get('visibility')!r} is not a visibility. Use public or private.",
            column_check=lambda visibility: visibility.isna() | visibility.isin(VISIBILITY),
        ),
        Rule(
            "due_days_in_range",
            "due_days",
            lambda r: (
                f"due_days must be a whole number of days from {MIN_DUE_DAYS} to {MAX_DUE_DAYS}, or blank for the "
                f"IMPACT_DUE_DAYS setting; found {display_value(r.get('due_days'))}."
            ),
            column_check=lambda days: days.isna() | days.between(MIN_DUE_DAYS, MAX_DUE_DAYS).fillna(False),
        ),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    return {rule.id: rule for rule in rules}


def goal_rules() -> dict[str, Rule]:
    """Every named rule of the goals table, keyed by its id."""
    rules = [
        Rule(
            "id_is_slug",
            "goal_id",
            lambda r: f"{r.get('goal_id')!r} is not a valid id: use lower-case letters, digits and single hyphens.",
            column_check=_slug_ok,
        ),
        Rule(
            "id_unique",
            "goal_id",
            lambda r: f"The goal id {r.get('goal_id')!r} is used by a row above.",
            frame_check=_first_of_each("goal_id"),
        ),
        Rule(
            "partnership_known",
            "partnership_id",
            lambda r: f"{r.get('partnership_id')!r} is not a partnership in the partnerships table.",
            context_check=partnership_known,
        ),
        Rule(
            "unknown_indicator",
            "indicator_id",
            lambda r: f"{r.get('indicator_id')!r} is not an indicator of the catalog.",
            column_check=lambda ids: ids.isna() | ids.isin(INDICATORS),
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
            frame_check=_dimension_allowed,
        ),
        Rule(
            "category_in_vocabulary",
            "category",
            lambda r: (
                f"{r.get('category')!r} is not a category of {r.get('dimension')}: use one of "
                f"{', '.join(DIMENSIONS[r.get('dimension')].categories) if r.get('dimension') in DIMENSIONS else ''}."
            ),
            frame_check=_category_valid,
        ),
        Rule(
            "year_from_2000",
            "baseline_year",
            lambda r: f"The baseline year must be {MIN_YEAR} or later; found {r.get('baseline_year')}.",
            column_check=from_min_year,
        ),
        Rule(
            "target_after_baseline",
            "target_year",
            lambda r: (
                f"The target year ({r.get('target_year')}) must come after the baseline year "
                f"({r.get('baseline_year')})."
            ),
            frame_check=_target_after_baseline,
        ),
        _fits_unit("baseline_value"),
        _fits_unit("target_value"),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    return {rule.id: rule for rule in rules}


PartnershipModel = contract_model(
    "PartnershipModel",
    "One row per partnership.",
    columns=PARTNERSHIP_COLUMN_SPECS,
    rules=partnership_rules().values(),
)
GoalModel = contract_model(
    "GoalModel",
    "One row per goal: a partnership's target for one series of one indicator.",
    columns=GOAL_COLUMN_SPECS,
    rules=goal_rules().values(),
)


def _validate(
    raw: pd.DataFrame,
    specs: tuple[ColumnSpec, ...],
    schema: pa.DataFrameSchema,
    rules: Mapping[str, Rule],
    what: str,
    row_numbers: Mapping[object, int] | None,
) -> ValidationResult:
    raw = raw.reset_index(drop=True) if row_numbers is None else raw
    prepared = prepare_frame(raw, specs, what=what, row_numbers=row_numbers)
    columns = [spec.name for spec in specs]
    if not prepared.readable:
        return ValidationResult(frame=pd.DataFrame(columns=columns), findings=sort_findings(prepared.findings))
    frame = prepared.frame
    if "dimension" in frame:
        frame = blank_pair_means_total(frame)
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
    rules = goal_rules()
    schema = schema_in_context(GoalModel, rules.values(), RuleContext(partnership_ids=partnership_ids))
    result = _validate(raw, GOAL_COLUMN_SPECS, schema, rules, "goals file", row_numbers)
    if result.ok:
        result.frame = result.frame.astype(number_dtypes(GOAL_COLUMN_SPECS))
    return result


# ---- milestones ------------------------------------------------------------------------------------------------------

MILESTONE_STATES: dict[str, str] = {"planned": "Planned", "in_progress": "In progress", "done": "Done"}
"""The states a milestone is stored with, and their labels. "Late" is computed, never stored."""
MILESTONE_VISIBILITY: dict[str, str] = {
    "public": "shown on the portal when the partnership is public",
    "internal": "staff only",
}
MILESTONE_TITLE_MAX = 120
"""Most characters of a milestone's title: one line on a timeline."""
MILESTONE_NOTE_MAX = 1_000
"""Most characters of a milestone's note."""
MILESTONE_LINKED_MAX = 500
"""Most characters of a milestone's list of linked goals and indicators."""
MILESTONE_QUARTER_YEARS = (MIN_YEAR, 2100)
"""The first and last year a milestone may be due in."""
QUARTER_TEXT = re.compile(r"^[0-9]{4}Q[1-4]$")
"""A due quarter as stored: ``2027Q1``."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters, zero-width characters and direction overrides: never part of a note meant to be read."""
_LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")

MILESTONE_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "milestone_id",
        "text",
        title="Milestone id",
        description="Short id: lower-case letters, digits and hyphens.",
        max_length=SLUG_MAX,
    ),
    ColumnSpec("partnership_id", "text", title="Partnership id", description="Partnership the milestone belongs to."),
    ColumnSpec(
        "title",
        "text",
        title="Title",
        description=f"What will be delivered, one line of at most {MILESTONE_TITLE_MAX} characters.",
        max_length=MILESTONE_TITLE_MAX,
    ),
    ColumnSpec("due_quarter", "text", title="Due quarter", description="Quarter it is due in, written like 2027Q1."),
    ColumnSpec(
        "state",
        "text",
        title="State",
        description="planned, in_progress or done (late is worked out from the due quarter, never entered).",
    ),
    ColumnSpec(
        "linked",
        "text",
        required_column=False,
        required_value=False,
        title="Linked goals or indicators",
        description="Goal ids of the partnership or indicator ids of the catalog, separated by semicolons.",
        max_length=MILESTONE_LINKED_MAX,
    ),
    ColumnSpec(
        "note",
        "text",
        required_column=False,
        required_value=False,
        title="Note",
        description=f"Optional comment, at most {MILESTONE_NOTE_MAX:,} characters.",
        max_length=MILESTONE_NOTE_MAX,
    ),
    ColumnSpec(
        "visibility",
        "text",
        title="Visibility",
        description="public (on the portal, when the partnership is public) or internal (staff only).",
    ),
)
MILESTONE_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in MILESTONE_COLUMN_SPECS)


def normalise_quarter_text(text: object) -> object:
    """A due quarter written ``2027Q1``, ``2027 Q1``, ``2027-Q1`` or ``2027q1`` as ``2027Q1``; anything else as it
    is (the contract then names it)."""
    if not isinstance(text, str):
        return text
    quarter = Quarter.from_code(text)
    return text if quarter is None else f"{quarter.year}Q{quarter.quarter}"


def _quarter_ok(due: pd.Series) -> pd.Series:
    first, last = MILESTONE_QUARTER_YEARS

    def ok(cell: object) -> bool:
        if cell is pd.NA or cell is None:
            return True
        text = str(cell)
        return bool(QUARTER_TEXT.fullmatch(text)) and first <= int(text[:4]) <= last

    return due.map(ok).astype(bool)


def _no_control(column: pd.Series, *, one_line: bool) -> pd.Series:
    def ok(cell: object) -> bool:
        if cell is pd.NA or cell is None:
            return True
        text = str(cell)
        return not _CONTROL.search(text) and not (one_line and _LINE_BREAK.search(text))

    return column.map(ok).astype(bool)


def _too_long(column: str, limit: int) -> Rule:
    return Rule(
        f"{column}_too_long",
        column,
        lambda r: (
            f"{column} may hold at most {limit:,} characters; this one has {len(str(r.get(column) or '')):,}. "
            "Shorten it."
        ),
        column_check=lambda values: (values.isna() | (values.astype("string").str.len() <= limit)).astype(bool),
    )


def linked_unknown(row: Mapping[str, object], goal_partnerships: Mapping[str, str]) -> list[str]:
    """The items of a milestone's ``linked`` cell that are neither an indicator of the catalog nor a goal of the
    milestone's own partnership."""
    partnership = row.get("partnership_id")
    return [
        item
        for item in split_list(row.get("linked"))
        if item not in INDICATORS and goal_partnerships.get(item) != partnership
    ]


def _linked_known(context: RuleContext) -> FrameCheck | None:
    if context.goal_partnerships is None:
        return None
    goals = dict(context.goal_partnerships)

    def check(frame: pd.DataFrame) -> pd.Series:
        rows = frame[["partnership_id", "linked"]].to_dict("records")
        return pd.Series([not linked_unknown(row, goals) for row in rows], index=frame.index, dtype=bool)

    return check


def milestone_rules() -> dict[str, Rule]:
    """Every named rule of the milestones table, keyed by its id."""
    states = ", ".join(MILESTONE_STATES)
    first, last = MILESTONE_QUARTER_YEARS
    rules = [
        Rule(
            "id_is_slug",
            "milestone_id",
            lambda r: (
                f"{r.get('milestone_id')!r} is not a valid id: use lower-case letters, digits and single hyphens "
                f"(at most {SLUG_MAX} characters), e.g. att-imago-curriculum-launch."
            ),
            column_check=_slug_ok,
        ),
        Rule(
            "id_unique",
            "milestone_id",
            lambda r: f"The milestone id {r.get('milestone_id')!r} is used by a row above.",
            frame_check=_first_of_each("milestone_id"),
        ),
        Rule(
            "partnership_known",
            "partnership_id",
            lambda r: f"{r.get('partnership_id')!r} is not a partnership in the partnerships table.",
            context_check=partnership_known,
        ),
        _too_long("title", MILESTONE_TITLE_MAX),
        Rule(
            "title_one_line",
            "title",
            lambda r: "The title must be one line of plain text: no line breaks, tabs or control characters.",
            column_check=lambda titles: _no_control(titles, one_line=True),
        ),
        Rule(
            "due_quarter_format",
            "due_quarter",
            lambda r: (
                f"{r.get('due_quarter')!r} is not a quarter: write the year and quarter like 2027Q1 "
                f"(a year from {first} to {last})."
            ),
            column_check=_quarter_ok,
        ),
        Rule(
            "state_in_vocabulary",
            "state",
            lambda r: (
                "late is worked out from the due quarter and today's date, never entered: give the milestone's "
                f"state as one of {states}."
                if str(r.get("state")).strip().lower() == "late"
                else f"{r.get('state')!r} is not a milestone state. Use one of: {states}."
            ),
            column_check=lambda state: state.isna() | state.isin(list(MILESTONE_STATES)),
        ),
        _too_long("linked", MILESTONE_LINKED_MAX),
        Rule(
            "linked_known",
            "linked",
            lambda r: (
                f"{r.get('linked')!r}: each linked item must be a goal id of partnership {r.get('partnership_id')!r} "
                "or an indicator id of the catalog, separated by semicolons."
            ),
            context_check=_linked_known,
        ),
        _too_long("note", MILESTONE_NOTE_MAX),
        Rule(
            "note_plain_text",
            "note",
            lambda r: "The note must be plain text: no control characters, zero-width or direction-changing ones.",
            column_check=lambda notes: _no_control(notes, one_line=False),
        ),
        Rule(
            "visibility_in_vocabulary",
            "visibility",
            lambda r: f"{r.get('visibility')!r} is not a milestone visibility. Use public or internal.",
            column_check=lambda visibility: visibility.isna() | visibility.isin(list(MILESTONE_VISIBILITY)),
        ),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    return {rule.id: rule for rule in rules}


MilestoneModel = contract_model(
    "MilestoneModel",
    "One row per milestone: what a partnership plans to deliver, and by which quarter.",
    columns=MILESTONE_COLUMN_SPECS,
    rules=milestone_rules().values(),
)


def validate_milestones(
    raw: pd.DataFrame,
    *,
    partnership_ids: Collection[str],
    goal_partnerships: Mapping[str, str],
    row_numbers: Mapping[object, int] | None = None,
) -> ValidationResult:
    """Check a milestones table against the known partnerships, their goals and the catalog. Due quarters written
    ``2027 Q1`` or ``2027-Q1`` are accepted and stored as ``2027Q1``; states and visibility are read in lower case."""
    raw = raw.copy()
    for position, original in enumerate(raw.columns):
        name = normalise_header(original)
        if name in ("due_quarter", "state", "visibility"):
            cells = raw.iloc[:, position].map(lambda cell: cell.strip() if isinstance(cell, str) else cell)
            if name == "due_quarter":
                raw.isetitem(position, cells.map(normalise_quarter_text))
            else:
                raw.isetitem(position, cells.map(lambda cell: cell.lower() if isinstance(cell, str) else cell))
    rules = milestone_rules()
    context = RuleContext(partnership_ids=partnership_ids, goal_partnerships=goal_partnerships)
    schema = schema_in_context(MilestoneModel, rules.values(), context)
    return _validate(raw, MILESTONE_COLUMN_SPECS, schema, rules, "milestones file", row_numbers)
