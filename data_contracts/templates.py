"""Upload templates: a header and one example row per dataset, as CSV or as an Excel workbook with the valid values.

Everything comes from the catalog and the vocabularies, so a new indicator or category appears in the templates
without touching this module. Every template passes its own contract once read back (the tests check it), so a
program officer who only replaces the example row uploads a valid file.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

import pandas as pd

from data_contracts.catalog import DATASET_INFO, Indicator, indicators_of
from data_contracts.catalog import indicator as catalog_indicator
from data_contracts.column_specs import number_dtypes
from data_contracts.indicator_row import INDICATOR_COLUMN_SPECS, INDICATOR_COLUMNS
from data_contracts.reference_models import GOAL_COLUMNS, MILESTONE_COLUMNS, PARTNERSHIP_COLUMNS
from data_contracts.units import UNITS
from data_contracts.vocabularies import DATASETS, DIMENSIONS, SECTORS, TOTAL, VISIBILITY

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

EXAMPLE_PARTNERSHIP = "att-imago"
"""Partnership of the example row of the indicator templates (one of the sample partnerships)."""
EXAMPLE_YEAR, EXAMPLE_QUARTER = 2026, 3
"""Quarter of the example row: fixed, so templates are the same on every download and in every test."""
EXAMPLE_NOTE = "example row - replace"
VALID_VALUES_SHEET = "Valid values"
BREAKDOWNS_SHEET = "Breakdowns"
VALID_VALUES_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "name",
    "unit",
    "whole number",
    "may be negative",
    "year rule",
    "allowed breakdowns",
)
BREAKDOWN_COLUMNS: tuple[str, ...] = ("dimension", "dimension label", "category", "category label")


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")


def example_value(indicator: Indicator) -> float:
    """A plausible value in the indicator's unit that obeys its rules (whole number, sign, percent range)."""
    value = UNITS[indicator.unit].example
    if indicator.unit == "count" and not indicator.whole_number:
        return 112.5
    return float(value)


def _cell(value: object) -> object:
    """Whole floats as ints, so files show 120 rather than 120.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def template_frame(dataset: str) -> pd.DataFrame:
    """The columns of an indicator upload with one example row: the dataset's first indicator, total/total."""
    _check_dataset(dataset)
    first = indicators_of(dataset)[0]
    row = {
        "partnership_id": EXAMPLE_PARTNERSHIP,
        "year": EXAMPLE_YEAR,
        "quarter": EXAMPLE_QUARTER,
        "indicator_id": first.id,
        "dimension": TOTAL,
        "category": TOTAL,
        "value": example_value(first),
        "note": EXAMPLE_NOTE,
    }
    frame = pd.DataFrame([row], columns=list(INDICATOR_COLUMNS))
    return frame.astype(number_dtypes(INDICATOR_COLUMN_SPECS))


def _csv(frame: pd.DataFrame) -> bytes:
    rows = frame.astype(object).map(_cell)
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def template_csv(dataset: str) -> bytes:
    """The template of a dataset as UTF-8, comma-separated CSV."""
    return _csv(template_frame(dataset))


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _unit_text(indicator: Indicator) -> str:
    """The unit code, with its symbol when that says more (percent (%), currency_usd (USD))."""
    if indicator.unit_label in (indicator.unit, "number"):
        return indicator.unit
    return f"{indicator.unit} ({indicator.unit_label})"


def _breakdowns_text(indicator: Indicator) -> str:
    parts = []
    for code in (TOTAL, *indicator.breakdowns):
        parts.append(f"{code}: {', '.join(DIMENSIONS[code].categories)}")
    return "; ".join(parts)


def valid_values_frame(dataset: str) -> pd.DataFrame:
    """One row per indicator of the dataset: id, name, unit and the rules a value must obey."""
    _check_dataset(dataset)
    rows = [
        {
            "indicator_id": indicator.id,
            "name": indicator.name,
            "unit": _unit_text(indicator),
            "whole number": _yes_no(indicator.whole_number),
            "may be negative": _yes_no(indicator.signed),
            "year rule": f"{indicator.year_rule}: {indicator.year_rule_text}".strip(),
            "allowed breakdowns": _breakdowns_text(indicator),
        }
        for indicator in indicators_of(dataset)
    ]
    return pd.DataFrame(rows, columns=list(VALID_VALUES_COLUMNS))


def breakdowns_frame() -> pd.DataFrame:
    """Every breakdown dimension with its category codes and labels (total first)."""
    rows = [
        {"dimension": dim.code, "dimension label": dim.label, "category": code, "category label": label}
        for dim in DIMENSIONS.values()
        for code, label in dim.categories.items()
    ]
    return pd.DataFrame(rows, columns=list(BREAKDOWN_COLUMNS))


def _write_sheet(sheet: Worksheet, frame: pd.DataFrame, *, max_width: int = 60) -> None:
    from openpyxl.styles import Font

    sheet.append(list(frame.columns))
    for values in frame.astype(object).itertuples(index=False):
        sheet.append([_cell(v) for v in values])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for position, column in enumerate(frame.columns):
        longest = max([len(str(column)), *(len(str(_cell(v))) for v in frame[column])])
        letter = sheet.cell(row=1, column=position + 1).column_letter
        sheet.column_dimensions[letter].width = min(longest + 2, max_width)


def template_xlsx(dataset: str) -> bytes:
    """The template as an Excel workbook.

    Sheet 1 (named after the dataset): header and example row. Sheet "Valid values": the dataset's indicators with
    unit, whole-number and sign rules, year rule and allowed breakdowns. Sheet "Breakdowns": dimensions and their
    category codes with labels.
    """
    from openpyxl import Workbook

    _check_dataset(dataset)
    workbook = Workbook()
    data_sheet = workbook.active
    data_sheet.title = dataset[:31]
    _write_sheet(data_sheet, template_frame(dataset))
    _write_sheet(workbook.create_sheet(VALID_VALUES_SHEET), valid_values_frame(dataset))
    _write_sheet(workbook.create_sheet(BREAKDOWNS_SHEET), breakdowns_frame())
    workbook.properties.title = f"{DATASET_INFO[dataset].name} upload template"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXAMPLE_REFERENCE_PARTNERSHIP = "example-partnership"


def reference_template_frame(table: Literal["partnerships", "goals", "milestones"]) -> pd.DataFrame:
    """Header and one example row of a reference table; the example goal and milestone belong to the example
    partnership."""
    if table == "partnerships":
        row: dict[str, object] = {
            "partnership_id": EXAMPLE_REFERENCE_PARTNERSHIP,
            "name": "Example Company × Example Foundation",
            "partner_organisations": "Example Company; Example Foundation",
            "lead_sector": next(iter(SECTORS)),
            "focus_datasets": ";".join(DATASETS[:2]),
            "country": "US",
            "region": "Europe and Northern America",
            "start_date": "2025-01-15",
            "committed_funding_usd": 1000000,
            "visibility": "private" if "private" in VISIBILITY else next(iter(VISIBILITY)),
            "description": EXAMPLE_NOTE,
            "due_days": None,  # blank: the IMPACT_DUE_DAYS setting
        }
        return pd.DataFrame([row], columns=list(PARTNERSHIP_COLUMNS))
    if table == "goals":
        indicator = catalog_indicator(DATASET_INFO[DATASETS[0]].headline_indicator)
        baseline = example_value(indicator)
        target = baseline * 1.25 if indicator.higher_is_better else baseline * 0.75
        if indicator.unit == "percent":
            target = min(target, 100.0)
        if indicator.whole_number:
            target = float(round(target))
        row = {
            "goal_id": f"{EXAMPLE_REFERENCE_PARTNERSHIP}-{indicator.id.replace('_', '-')}-2030",
            "partnership_id": EXAMPLE_REFERENCE_PARTNERSHIP,
            "indicator_id": indicator.id,
            "dimension": TOTAL,
            "category": TOTAL,
            "baseline_year": 2025,
            "baseline_value": baseline,
            "target_year": 2030,
            "target_value": target,
        }
        return pd.DataFrame([row], columns=list(GOAL_COLUMNS))
    if table == "milestones":
        indicator = catalog_indicator(DATASET_INFO[DATASETS[0]].headline_indicator)
        row = {
            "milestone_id": f"{EXAMPLE_REFERENCE_PARTNERSHIP}-first-cohort",
            "partnership_id": EXAMPLE_REFERENCE_PARTNERSHIP,
            "title": "First cohort starts",
            "due_quarter": f"{EXAMPLE_YEAR + 1}Q1",
            "state": "planned",
            "linked": indicator.id,
            "note": EXAMPLE_NOTE,
            "visibility": "internal",
        }
        return pd.DataFrame([row], columns=list(MILESTONE_COLUMNS))
    raise KeyError(f"unknown reference table {table!r}; expected partnerships, goals or milestones")


def reference_template_csv(table: Literal["partnerships", "goals", "milestones"]) -> bytes:
    """Header and one example row of the partnerships, goals or milestones table, as UTF-8 CSV."""
    return _csv(reference_template_frame(table))
