"""Excel (.xlsx) uploads: a workbook -> a :class:`~dashboard.intake.raw_table.RawTable` of one sheet's cells as text.

The sheet named like the dataset is read (the first sheet when there is none), from its first non-empty row as the
header; every cell becomes the text a user would type for it. Excel rows keep their Excel numbers. Formulas and
numbers shown with a percent format in numeric columns are findings, as are values right of the last header column.
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from dashboard.intake.number_text import check_numbers, plain_number
from dashboard.intake.raw_table import (
    FileRejected,
    RawTable,
    ReadLimits,
    check_row_count,
    count_rows_message,
    drop_unnamed_empty_columns,
    file_rejected,
    not_a_table,
)
from data_contracts.columns import normalise_header
from data_contracts.findings import Finding, RowNumbers

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


def _excel_text(value: object) -> str:
    """An Excel cell value as the text a user would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    formula = getattr(value, "text", None)  # array and data-table formulas
    if isinstance(formula, str):
        return formula if formula.startswith("=") else "=" + formula
    return str(value)


def _column_letter(position: int) -> str:
    """Excel's letter of a zero-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAX_WORKBOOK_PART = 16 * 1024 * 1024
"""The workbook part (sheet names) and its relationships are small; larger ones are not read."""
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})(\d+))?[\"']")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")


@dataclass(frozen=True)
class WorkbookSheet:
    """A worksheet as the workbook part lists it: its name, whether it is shown, and its part in the archive."""

    name: str
    state: str
    """``visible``, ``hidden`` or ``veryHidden``."""
    part: str | None


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _workbook_sheets(archive: zipfile.ZipFile) -> list[WorkbookSheet]:
    """The worksheets of ``xl/workbook.xml`` in order, with their parts from its relationships."""

    def part_xml(name: str) -> ElementTree.Element | None:
        try:
            info = archive.getinfo(name)
        except KeyError:
            return None
        if info.file_size > _MAX_WORKBOOK_PART:
            raise not_a_table("an Excel workbook whose list of sheets is too large to be real; save it again as .xlsx")
        return ElementTree.fromstring(archive.read(name))

    workbook = part_xml("xl/workbook.xml")
    if workbook is None:
        raise not_a_table("an Excel workbook without a worksheet")
    relationships = part_xml("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    for relationship in [] if relationships is None else relationships.iter(_PACKAGE_RELATIONSHIP):
        target = relationship.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[relationship.get("Id") or ""] = path
    return [
        WorkbookSheet(
            name=sheet.get("name") or "",
            state=sheet.get("state") or "visible",
            part=targets.get(sheet.get(_RELATIONSHIP_ID) or ""),
        )
        for sheet in workbook.iter(f"{_MAIN}sheet")
    ]


def choose_sheet(sheets: list[WorkbookSheet], preferred_sheet: str | None) -> WorkbookSheet:
    """The visible sheet named like ``preferred_sheet`` (any case), else the first visible sheet: hidden and very
    hidden sheets are never read."""
    visible = [sheet for sheet in sheets if sheet.state == "visible"]
    if not visible:
        raise not_a_table(
            "an Excel workbook without a visible worksheet" if sheets else "an Excel workbook without a worksheet"
        )
    if preferred_sheet is not None:
        wanted = preferred_sheet.strip().lower()
        return next((sheet for sheet in visible if sheet.name.strip().lower() == wanted), visible[0])
    return visible[0]


def _declared_size(head: bytes) -> tuple[int, int] | None:
    """Rows and columns of a sheet's ``<dimension ref="A1:P2000">`` (None without one)."""
    match = _DIMENSION.search(head)
    if match is None:
        return None
    first_column, first_row, last_column, last_row = match.groups()
    if last_column is None:
        return 1, 1
    columns = _column_number(last_column) - _column_number(first_column or b"A") + 1
    rows = int(last_row) - int(first_row or b"1") + 1
    return max(rows, 1), max(columns, 1)


def _refuse_size(rows: int, columns: int, cells: int, sheet: str, limits: ReadLimits) -> None:
    if columns > limits.max_columns:
        raise file_rejected(
            "too_many_columns",
            f"The sheet {sheet!r} is {columns:,} columns wide; the limit is {limits.max_columns:,}. Keep only the "
            "columns of the template, and delete the columns right of the table.",
        )
    if cells > limits.max_cells:
        raise file_rejected(
            "too_many_cells",
            f"The sheet {sheet!r} has {cells:,} cells; the limit is {limits.max_cells:,}. Delete the cells outside "
            "the table, or split it into smaller files.",
        )
    if rows - 1 > limits.max_rows:
        raise file_rejected("too_many_rows", count_rows_message(rows - 1, limits))


def check_workbook_size(
    data: bytes, preferred_sheet: str | None, limits: ReadLimits
) -> tuple[WorkbookSheet, list[str]]:
    """The sheet to read and the hidden sheets named like ``preferred_sheet`` (never read), after the workbook is
    measured without being expanded: the unzipped size of its parts,
    and the chosen sheet's declared size (``<dimension>``), its cells counted from its XML as it streams."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_a_table("a damaged Excel workbook that cannot be opened; save it again as .xlsx") from None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_decoded_bytes:
            raise file_rejected(
                "file_too_large_unpacked",
                f"The workbook is {len(data) / 1024**2:,.1f} MB but {unpacked / 1024**2:,.1f} MB once unzipped; the "
                f"limit is {limits.max_decoded_bytes / 1024**2:,.1f} MB. Delete the cells and sheets outside the "
                "table, or save it as CSV.",
            )
        try:
            sheets = _workbook_sheets(archive)
        except ElementTree.ParseError:
            raise not_a_table("a damaged Excel workbook that cannot be opened; save it again as .xlsx") from None
        sheet = choose_sheet(sheets, preferred_sheet)
        wanted = (preferred_sheet or "").strip().lower()
        hidden = [s.name for s in sheets if s.state != "visible" and wanted and s.name.strip().lower() == wanted]
        if sheet.part is None or sheet.part not in archive.namelist():
            return sheet, hidden  # openpyxl says what is wrong
        cells = 0
        declared_checked = False
        tail = b""
        try:
            with archive.open(sheet.part) as stream:
                while block := stream.read(1 << 20):
                    text = tail + block
                    cut = text.rfind(b"<")
                    cut = len(text) if cut < 0 else cut
                    if not declared_checked and (b"<sheetData" in text or b":sheetData" in text or len(text) > 1 << 16):
                        declared = _declared_size(text)
                        declared_checked = True
                        if declared is not None:
                            _refuse_size(declared[0], declared[1], declared[0] * declared[1], sheet.name, limits)
                    cells += len(_CELL_TAG.findall(text, 0, cut))
                    tail = text[cut:]
                    if cells > limits.max_cells:
                        break
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
            raise not_a_table("a damaged Excel workbook whose sheet cannot be read; save it again as .xlsx") from None
        cells += len(_CELL_TAG.findall(tail))
        _refuse_size(0, 0, cells, sheet.name, limits)
    return sheet, hidden


def read_xlsx_table(
    data: bytes, *, numeric: frozenset[str], preferred_sheet: str | None, limits: ReadLimits
) -> RawTable:
    """The table of an Excel workbook's visible ``preferred_sheet`` (else its first visible sheet); ``numeric``:
    normalised header names of the numeric columns. The workbook's size is checked before any cell is read."""
    import openpyxl

    sheet, hidden = check_workbook_size(data, preferred_sheet, limits)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise not_a_table("a damaged Excel workbook that cannot be opened; save it again as .xlsx") from None
    try:
        raw = _read_sheet(workbook, numeric=numeric, preferred_sheet=sheet.name, limits=limits)
        if hidden and raw.sheet != hidden[0]:
            raw.details += f" (the hidden sheet {hidden[0]!r} was not read)"
        return raw
    except FileRejected:
        raise
    except Exception:
        raise not_a_table("a damaged Excel workbook whose sheet cannot be read; save it again as .xlsx") from None
    finally:
        workbook.close()


@dataclass
class _SheetRows:
    """What one pass over a worksheet collects."""

    header: list[str]
    header_row: int
    rows: list[list[str]]
    numbers: list[int]
    formulas: list[tuple[int, int]]
    """(index in rows, column position) of every formula cell."""
    percents: list[tuple[int, int, float]]
    """(index in rows, column position, value) of every number shown with a percent format."""
    findings: list[Finding]
    count: int


def _scan_sheet(sheet: ReadOnlyWorksheet, limits: ReadLimits) -> _SheetRows | None:
    """Header (first non-empty row) and data rows of a read-only worksheet, with their Excel row numbers."""
    scan = _SheetRows([], 0, [], [], [], [], [], 0)
    width = 0
    for row_number, cells in enumerate(sheet.iter_rows(), start=1):
        texts = [_excel_text(cell.value) for cell in cells]
        while texts and not texts[-1].strip():
            texts.pop()
        if not any(t.strip() for t in texts):
            continue
        if not scan.header_row:
            scan.header, scan.header_row, width = texts, row_number, len(texts)
            continue
        scan.count += 1
        if len(cells) > limits.max_columns:  # the dimension was checked; a sheet may still hold more than it says
            _refuse_size(0, len(cells), 0, sheet.title, limits)
        if scan.count > limits.max_rows:
            continue
        if len(texts) > width:
            scan.findings.append(
                Finding(
                    row_number,
                    None,
                    "; ".join(t for t in texts[width:] if t.strip()),
                    "too_many_cells",
                    f"Row {row_number} has values right of the last header column ({_column_letter(width - 1)}). "
                    "Remove them, or give their column a header.",
                )
            )
            texts = texts[:width]
        texts += [""] * (width - len(texts))
        for position, cell in enumerate(cells[:width]):
            if cell.data_type == "f":
                scan.formulas.append((len(scan.rows), position))
            elif (
                isinstance(cell.value, int | float)
                and not isinstance(cell.value, bool)
                and "%" in str(getattr(cell, "number_format", "") or "")
            ):
                scan.percents.append((len(scan.rows), position, float(cell.value)))
        scan.rows.append(texts)
        scan.numbers.append(row_number)
    return scan if scan.header_row else None


def _read_sheet(
    workbook: Workbook, *, numeric: frozenset[str], preferred_sheet: str | None, limits: ReadLimits
) -> RawTable:
    sheets = [s for s in workbook.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
    if not sheets:
        raise not_a_table("an Excel workbook without a visible worksheet")
    sheet = sheets[0]
    if preferred_sheet is not None:
        wanted = preferred_sheet.strip().lower()
        sheet = next((s for s in sheets if s.title.strip().lower() == wanted), sheet)
    sheet.reset_dimensions()  # trust the cells, not a possibly wrong <dimension> tag
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scan = _scan_sheet(sheet, limits)
    if scan is None:
        raise file_rejected("empty_file", f"The sheet {sheet.title!r} is empty: it holds no header and no rows.")
    check_row_count(scan.count, limits)

    width = len(scan.header)
    frame = pd.DataFrame(scan.rows, columns=range(width), dtype=object)
    frame, header, kept = drop_unnamed_empty_columns(frame, scan.header)
    frame.columns = header
    row_numbers = RowNumbers(np.asarray(scan.numbers, dtype=np.int64))
    position_of = {old: new for new, old in enumerate(kept)}
    findings = list(scan.findings)
    skip: dict[int, np.ndarray] = {}
    for index, old_position in scan.formulas:
        position = position_of.get(old_position)
        if position is None or normalise_header(header[position]) not in numeric:
            continue
        skip.setdefault(position, np.zeros(len(frame), dtype=bool))[index] = True
        column_name = normalise_header(header[position])
        formula = scan.rows[index][old_position]
        findings.append(
            Finding(
                scan.numbers[index],
                column_name,
                formula,
                "formula_in_cell",
                f"{column_name} holds a formula: paste the value instead of the formula {formula}.",
            )
        )
    for index, old_position, value in scan.percents:
        position = position_of.get(old_position)
        if position is None or normalise_header(header[position]) not in numeric:
            continue
        column_name = normalise_header(header[position])
        shown = plain_number(format(Decimal(repr(value)) * 100, "f"))
        findings.append(
            Finding(
                scan.numbers[index],
                column_name,
                scan.rows[index][old_position],
                "unit_in_number",
                f"{column_name} shows {shown}% but the cell holds {scan.rows[index][old_position]} (Excel's percent "
                f"format): write {shown} in a cell formatted as a plain number: the unit comes from the indicator.",
            )
        )
    findings += check_numbers(frame, numeric, "decimal_point", row_numbers, skip=skip)
    findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    details = f"Excel, sheet {sheet.title!r}"
    if scan.header_row != 1:
        details += f", header on row {scan.header_row}"
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        format="xlsx",
        details=details,
        sheet=sheet.title,
        findings=findings,
    )
