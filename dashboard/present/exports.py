"""Downloads: frames as CSV and Excel that spreadsheets open safely.

Every CSV or Excel file the dashboard offers is made here (:func:`csv_bytes`, :func:`xlsx_bytes`,
:func:`frame_bytes`): text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM(…)``) gets an
apostrophe in front, in cells and in column headers, so it opens as text. A plain signed number (``-1.5``, ``+3``) in
a text column is left as it is, and numbers, dates and missing values are never touched.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"
"""Cells starting like this would run as a formula in a spreadsheet."""
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
"""A signed number is read as a number, not a formula, so it is left as it is."""

_FORMULA = re.compile(FORMULA_START)
_NUMBER = re.compile(PLAIN_NUMBER)


def neutral_text(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with an apostrophe in front; anything else as it is."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells and column headers that a spreadsheet would run as a formula start with an apostrophe
    instead (:func:`neutral_text`). Text columns may be object, string or categorical; other cells stay as they are."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        elif not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        safe.isetitem(position, column.map(neutral_text, na_action="ignore"))
    safe.columns = pd.Index([neutral_text(name) for name in safe.columns], tupleize_cols=False)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV with a header and no index, formulas neutralised.

    Rows end in CRLF (RFC 4180), so a cell holding a line break of either kind (``\r`` or ``\n``) is quoted: with
    bare ``\n`` endings a lone ``\r`` stays unquoted, and a spreadsheet would start a new row there, whose first cell
    (``"x\r=HYPERLINK(…)"``) would escape the neutralising."""
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")


EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows in a stable order: partnership, period, indicator, dimension, category."""
    keys = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category"]
    return frame.sort_values(keys, ignore_index=True)


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """A frame as an Excel workbook with one sheet; text that looks like a formula stays text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def frame_bytes(frame: pd.DataFrame, fmt: str, *, sheet: str = "data") -> bytes:
    """A frame in one of :data:`EXPORT_FORMATS`."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "parquet":
        return parquet_bytes(frame)
    if fmt == "xlsx":
        return xlsx_bytes(frame, sheet)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
