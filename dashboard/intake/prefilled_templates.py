"""Pre-filled templates: every row a partnership is expected to report for a quarter, ready to fill in.

For one or several partnerships, one dataset and one quarter, :func:`expected_rows` lists the rows each partnership
is expected to report: every catalog indicator of the dataset with its headline total, and each breakdown dimension
and category that the catalog allows for it and that the partnership has reported before (in the submitted layer).
The value cells are empty. Beside each row stand context columns that uploading ignores
(:data:`~data_contracts.indicator_row.TEMPLATE_CONTEXT_COLUMNS`): the indicator's name and unit, its value last
quarter and the same quarter a year ago.

A partnership is expected to report a dataset when it is one of its focus datasets and the quarter is not before
the quarter of its start date. One file holds one dataset (the upload reads one sheet and checks it against one
dataset's contract), so a filled template is uploaded as it is: blank value rows are skipped with a warning
(:func:`~dashboard.intake.ingest.skip_blank_values`), the context columns are ignored.

:func:`template_csv_bytes` writes the rows as plain CSV; :func:`template_xlsx_bytes` as an Excel workbook whose data
sheet (named after the dataset, first, so the upload reads it) has drop-down lists for the vocabulary columns, number
formats by unit, a frozen header and a protected key area (only value and note cells, and the spare rows below, can
be edited), followed by an "Instructions" sheet and a "Lists" sheet with the valid values. No sheet is hidden.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from dashboard.storage.store import Store
from data_contracts import clock
from data_contracts.catalog import DATASET_INFO, INDICATORS, indicators_of
from data_contracts.indicator_row import FIGURE_COLUMNS, SERIES_COLUMNS, TEMPLATE_CONTEXT_COLUMNS
from data_contracts.quarters import Quarter
from data_contracts.spreadsheet_text import neutralise_formulas
from data_contracts.units import UNITS
from data_contracts.vocabularies import DATASETS, DIMENSIONS, TOTAL

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

TemplateFormat = Literal["xlsx", "csv"]

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "partnership_id",
    "year",
    "quarter",
    "indicator_id",
    "indicator_name",
    "dimension",
    "category",
    "unit",
    "last_quarter_value",
    "year_ago_value",
    "value",
    "note",
)
"""The columns of a pre-filled template, in order: the indicator row's columns with the context columns beside."""
assert set(TEMPLATE_CONTEXT_COLUMNS) <= set(TEMPLATE_COLUMNS)

KEY_COLUMNS: tuple[str, ...] = ("partnership_id", "year", "quarter", "indicator_id", "dimension", "category")
"""Columns that say which figure a row is: locked in the Excel template."""
EDITABLE_COLUMNS: tuple[str, ...] = ("value", "note")
"""Columns a program officer fills in: unlocked in the Excel template."""
VOCABULARY_COLUMNS: tuple[str, ...] = KEY_COLUMNS
"""Columns with a drop-down list of their valid values in the Excel template."""

INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
SPARE_ROWS = 50
"""Empty rows below the template's rows, unlocked and with the drop-downs, for a figure the template does not list."""

NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0.0#",
    "percent": "0.0#",
    "hours": "#,##0.0#",
    "currency_usd": '"USD "#,##0.00',
    "ratio": "0.00#",
}
"""Excel number format of each unit (whole-number indicators use :data:`WHOLE_NUMBER_FORMAT`). No format holds a
percent sign: the upload refuses a number shown with Excel's percent format (it would be a share, 0.425, not 42.5)."""
WHOLE_NUMBER_FORMAT = "#,##0"


def latest_ended_quarter(today: date | None = None) -> Quarter:
    """The last quarter that has ended by ``today`` (default: the clock): the quarter being reported."""
    return Quarter.from_number(Quarter.of(today or clock.today()).number - 1)


def focus_datasets(partnerships: pd.DataFrame, partnership_ids: Sequence[str]) -> list[str]:
    """The datasets any of these partnerships focuses on, in the catalog's order."""
    chosen = partnerships[partnerships["partnership_id"].isin(list(partnership_ids))]
    found = {d.strip() for text in chosen["focus_datasets"].dropna() for d in str(text).split(";")}
    return [d for d in DATASETS if d in found]


def _start_quarter(value: object) -> Quarter | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return Quarter.of(pd.Timestamp(value).date())


def reporting_partnerships(
    partnerships: pd.DataFrame, partnership_ids: Sequence[str], dataset: str, quarter: Quarter
) -> list[str]:
    """Those of ``partnership_ids`` expected to report ``dataset`` in ``quarter`` (a focus dataset, started by then),
    in the order given."""
    by_id = partnerships.set_index("partnership_id")
    expected = []
    for partnership_id in dict.fromkeys(partnership_ids):
        if partnership_id not in by_id.index:
            continue
        row = by_id.loc[partnership_id]
        focus = {d.strip() for d in str(row.get("focus_datasets") or "").split(";")}
        start = _start_quarter(row.get("start_date"))
        if dataset in focus and (start is None or start <= quarter):
            expected.append(partnership_id)
    return expected


def _number_cell(value: float) -> object:
    if value is None or pd.isna(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


_FILLED_LATER = ("last_quarter_value", "year_ago_value", "value", "note")


def expected_rows(
    partnerships: pd.DataFrame,
    history: pd.DataFrame,
    partnership_ids: Sequence[str],
    dataset: str,
    quarter: Quarter,
) -> pd.DataFrame:
    """The rows of a pre-filled template (columns :data:`TEMPLATE_COLUMNS`), value and note empty.

    ``partnerships``: the partnerships table; ``history``: submitted rows of ``dataset`` (at least the figure
    columns) of these partnerships, any quarter. For each partnership expected to report the dataset in the quarter
    (see :func:`reporting_partnerships`), each indicator of the dataset in catalog order: its total, then each
    category of each breakdown the catalog allows that the partnership reported in any quarter up to this one, in
    the vocabulary's order. ``last_quarter_value`` and ``year_ago_value`` are the submitted values of the same row in
    the quarter before and the same quarter a year earlier (empty when there is none).
    """
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    ids = reporting_partnerships(partnerships, partnership_ids, dataset, quarter)
    numbers = history["year"].astype("int64") * 4 + history["quarter"].astype("int64") - 1
    past = history[numbers <= quarter.number]
    reported = set(zip(past["partnership_id"], past["indicator_id"], past["dimension"], past["category"], strict=True))
    rows: list[dict[str, object]] = []
    for partnership_id in ids:
        for item in indicators_of(dataset):
            pairs = [(TOTAL, TOTAL)]
            for dimension in item.breakdowns:
                pairs += [
                    (dimension, category)
                    for category in DIMENSIONS[dimension].categories
                    if (partnership_id, item.id, dimension, category) in reported
                ]
            for dimension, category in pairs:
                rows.append(
                    {
                        "partnership_id": partnership_id,
                        "year": quarter.year,
                        "quarter": quarter.quarter,
                        "indicator_id": item.id,
                        "indicator_name": item.name,
                        "dimension": dimension,
                        "category": category,
                        "unit": UNITS[item.unit].label,
                    }
                )
    frame = pd.DataFrame(rows, columns=[c for c in TEMPLATE_COLUMNS if c not in _FILLED_LATER])
    for column, earlier in (
        ("last_quarter_value", Quarter.from_number(quarter.number - 1)),
        ("year_ago_value", quarter.year_earlier()),
    ):
        then = history[(history["year"] == earlier.year) & (history["quarter"] == earlier.quarter)]
        values = then.drop_duplicates(list(SERIES_COLUMNS)).set_index(list(SERIES_COLUMNS))["value"]
        keys = pd.MultiIndex.from_frame(frame[list(SERIES_COLUMNS)]) if len(frame) else None
        frame[column] = values.reindex(keys).to_numpy(dtype="float64") if keys is not None else np.array([], float)
    frame["value"] = np.nan
    frame["note"] = ""
    frame = frame[list(TEMPLATE_COLUMNS)].astype({"year": "int64", "quarter": "int64"})
    return frame.reset_index(drop=True)


def template_rows(store: Store, partnership_ids: Sequence[str], dataset: str, quarter: Quarter) -> pd.DataFrame:
    """:func:`expected_rows` from the store: the partnerships table and the submitted layer of ``dataset``.

    ``ValueError`` names a partnership id the store does not hold.
    """
    partnerships = store.read_partnerships()
    unknown = [p for p in partnership_ids if p not in set(partnerships["partnership_id"])]
    if unknown:
        raise ValueError(f"unknown partnership {', '.join(repr(p) for p in unknown)}")
    history = store.read_indicators(
        dataset,
        "submitted",
        partnership_ids=list(partnership_ids),
        columns=list(FIGURE_COLUMNS),
    )
    return expected_rows(partnerships, history, partnership_ids, dataset, quarter)


# ---- files ---------------------------------------------------------------------------------------------------------


def template_file_name(partnership_ids: Sequence[str], dataset: str, quarter: Quarter, fmt: TemplateFormat) -> str:
    """``att-imago_workforce_2026Q3.xlsx``; several partnerships: ``3-partnerships_workforce_2026Q3.xlsx``."""
    who = partnership_ids[0] if len(partnership_ids) == 1 else f"{len(partnership_ids)}-partnerships"
    return f"{who}_{dataset}_{quarter.year}Q{quarter.quarter}.{fmt}"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as they are written: whole numbers without a decimal point, missing numbers empty."""
    shown = neutralise_formulas(frame).astype(object)  # ids and names are checked, yet a spreadsheet never runs them
    for column in ("last_quarter_value", "year_ago_value", "value"):
        shown[column] = pd.Series([_number_cell(v) for v in frame[column]], index=frame.index, dtype=object)
    return shown


def template_csv_bytes(rows: pd.DataFrame) -> bytes:
    """The template as plain UTF-8, comma-separated CSV with the columns of :data:`TEMPLATE_COLUMNS`."""
    return _plain(rows[list(TEMPLATE_COLUMNS)]).to_csv(index=False, lineterminator="\n").encode("utf-8")


def number_format(indicator_id: str) -> str:
    """The Excel number format of an indicator's values, by its unit (whole-number indicators without decimals)."""
    item = INDICATORS[indicator_id]
    if item.whole_number and item.unit != "currency_usd":
        return WHOLE_NUMBER_FORMAT
    return NUMBER_FORMATS[item.unit]


def vocabulary_lists(rows: pd.DataFrame, dataset: str, quarter: Quarter) -> dict[str, list[object]]:
    """The valid values of each vocabulary column, as the Excel template's drop-downs offer them: the template's
    partnerships, its year and quarter, the dataset's indicators, the dimensions its indicators allow and their
    categories."""
    items = indicators_of(dataset)
    dimensions = [TOTAL, *[d for d in DIMENSIONS if d != TOTAL and any(d in i.breakdowns for i in items)]]
    categories = list(dict.fromkeys(c for d in dimensions for c in DIMENSIONS[d].categories))
    return {
        "partnership_id": list(dict.fromkeys(rows["partnership_id"])),
        "year": [quarter.year],
        "quarter": [quarter.quarter],
        "indicator_id": [i.id for i in items],
        "dimension": dimensions,
        "category": categories,
    }


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def _instructions(
    sheet: Worksheet, rows: pd.DataFrame, dataset: str, quarter: Quarter, partnership_ids: Sequence[str]
) -> None:
    from openpyxl.styles import Alignment, Font

    data_sheet = dataset[:31]
    lines: list[tuple[str, str]] = [
        ("title", f"Pre-filled template: {DATASET_INFO[dataset].name}, {quarter.label}"),
        ("", f"Partnerships: {', '.join(partnership_ids) or 'none'}. Rows: {len(rows):,}."),
        ("", ""),
        ("head", "How to fill it in"),
        ("", f"1. On the sheet '{data_sheet}', type each figure in the 'value' column, in the unit of its row."),
        (
            "",
            "2. Leave 'value' blank for a figure you do not report this quarter: blank rows are skipped when the "
            "file is uploaded, and the upload tells you how many.",
        ),
        ("", "3. 'note' is optional: a short comment on the figure (at most 2,000 characters)."),
        ("", "4. Save the file as it is (.xlsx) and upload it on the Upload page, or save the sheet as CSV."),
        ("", ""),
        ("head", "What uploading reads and ignores"),
        ("", "Read: partnership_id, year, quarter, indicator_id, dimension, category, value, note."),
        (
            "",
            "Ignored (there to help you): " + ", ".join(TEMPLATE_CONTEXT_COLUMNS) + ". 'last_quarter_value' and "
            "'year_ago_value' are the figures submitted for the quarter before and the same quarter a year earlier.",
        ),
        ("", "Only the first sheet is read. The sheets 'Instructions' and 'Lists' are ignored."),
        ("", ""),
        ("head", "The rows"),
        (
            "",
            "Each indicator of the dataset has its total row (dimension and category 'total'), followed by the "
            "breakdown categories the partnership has reported before. A breakdown's categories must not add up to "
            "more than its total.",
        ),
        (
            "",
            "The key columns (partnership_id to category) are locked so that they cannot be changed by accident. "
            f"The {SPARE_ROWS} empty rows below the template are open, with drop-down lists, for a figure it does not "
            "list. To change a locked cell, use Review > Unprotect Sheet (there is no password).",
        ),
        ("", "Numbers: type plain numbers (42.5, not 42.5% or 1.2k); percentages as 0 to 100."),
        ("", "Uploading replaces the partnership's whole quarter of this dataset with the rows of the file."),
    ]
    bold, title = Font(bold=True), Font(bold=True, size=14)
    for kind, text in lines:
        sheet.append([text])
        cell = sheet.cell(row=sheet.max_row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = title
        elif kind == "head":
            cell.font = bold
    sheet.column_dimensions["A"].width = 110


def _lists_sheet(sheet: Worksheet, lists: dict[str, list[object]]) -> dict[str, str]:
    """Write each list as a column; return each list's range as a data-validation formula."""
    from openpyxl.styles import Font

    formulas = {}
    for position, (column, values) in enumerate(lists.items()):
        letter = _letter(position)
        sheet.cell(row=1, column=position + 1, value=column).font = Font(bold=True)
        for offset, value in enumerate(values):
            sheet.cell(row=offset + 2, column=position + 1, value=value)
        sheet.column_dimensions[letter].width = max(12, *(len(str(v)) + 2 for v in [column, *values]))
        formulas[column] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
    return formulas


def template_xlsx_bytes(rows: pd.DataFrame, dataset: str, quarter: Quarter) -> bytes:
    """The template as an Excel workbook: the data sheet (named after the dataset), "Instructions" and "Lists"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = rows[list(TEMPLATE_COLUMNS)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = dataset[:31]
    sheet.append(list(TEMPLATE_COLUMNS))
    for values in _plain(rows).itertuples(index=False):
        sheet.append([None if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else v for v in values])
    header_font = Font(bold=True)
    context_fill = PatternFill("solid", start_color="F2F2F2")
    editable_fill = PatternFill("solid", start_color="FFF8DC")
    position = {name: TEMPLATE_COLUMNS.index(name) for name in TEMPLATE_COLUMNS}
    last_row = len(rows) + 1 + SPARE_ROWS
    for cell in sheet[1]:
        cell.font = header_font
    open_cell = Protection(locked=False)
    for row_number in range(2, last_row + 1):
        spare = row_number > len(rows) + 1
        indicator_id = rows["indicator_id"].iat[row_number - 2] if not spare else None
        for name in TEMPLATE_COLUMNS:
            cell = sheet.cell(row=row_number, column=position[name] + 1)
            if name in EDITABLE_COLUMNS or (spare and name in KEY_COLUMNS):
                cell.protection = open_cell
                if not spare:
                    cell.fill = editable_fill
            elif name in TEMPLATE_CONTEXT_COLUMNS and not spare:
                cell.fill = context_fill
            if indicator_id is not None and name in ("last_quarter_value", "year_ago_value", "value"):
                cell.number_format = number_format(indicator_id)
    widths = {"indicator_name": 48, "note": 30, "partnership_id": 24, "indicator_id": 30}
    for name in TEMPLATE_COLUMNS:
        sheet.column_dimensions[_letter(position[name])].width = widths.get(name, max(len(name) + 2, 12))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{_letter(len(TEMPLATE_COLUMNS) - 1)}{max(len(rows) + 1, 2)}"
    protection = sheet.protection
    protection.sheet = True
    protection.autoFilter = False  # filtering and resizing columns stay allowed on the protected sheet
    protection.formatColumns = False

    partnership_ids = list(dict.fromkeys(rows["partnership_id"]))
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), rows, dataset, quarter, partnership_ids)
    workbook[INSTRUCTIONS_SHEET].protection.sheet = True
    lists = vocabulary_lists(rows, dataset, quarter)
    formulas = _lists_sheet(workbook.create_sheet(LISTS_SHEET), lists)
    for name in VOCABULARY_COLUMNS:
        validation = DataValidation(
            type="list",
            formula1=formulas[name],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a valid {name}",
            error=f"Choose a {name} from the list (sheet '{LISTS_SHEET}').",
        )
        letter = _letter(position[name])
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    value_letter = _letter(position["value"])
    numbers_only = DataValidation(
        type="decimal",
        operator="between",
        formula1="-1000000000000",
        formula2="1000000000000",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a number",
        error="Type a plain number in the unit of the row (42.5, not 42.5% or 1.2k).",
    )
    numbers_only.add(f"{value_letter}2:{value_letter}{last_row}")
    sheet.add_data_validation(numbers_only)
    workbook.active = 0
    workbook.properties.title = f"{DATASET_INFO[dataset].name} {quarter.label} pre-filled template"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class TemplateFile:
    """A pre-filled template ready to download: its name, bytes, media type and rows."""

    name: str
    data: bytes
    mime: str
    rows: int


MIME_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def template_file(
    store: Store, partnership_ids: Sequence[str], dataset: str, quarter: Quarter, fmt: TemplateFormat
) -> TemplateFile:
    """The pre-filled template of these partnerships, dataset and quarter as an Excel or CSV file."""
    if fmt not in MIME_TYPES:
        raise ValueError(f"unknown format {fmt!r}; expected xlsx or csv")
    rows = template_rows(store, partnership_ids, dataset, quarter)
    data = template_xlsx_bytes(rows, dataset, quarter) if fmt == "xlsx" else template_csv_bytes(rows)
    return TemplateFile(template_file_name(partnership_ids, dataset, quarter, fmt), data, MIME_TYPES[fmt], len(rows))
