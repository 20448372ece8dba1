"""Downloads: frames as CSV and Excel that spreadsheets open safely.

Every CSV or Excel file the dashboard offers is made here (:func:`csv_bytes`, :func:`xlsx_bytes`,
:func:`frame_bytes`): text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM(…)``) gets an
apostrophe in front, in cells and in column headers, so it opens as text. A plain signed number (``-1.5``, ``+3``) in
a text column is left as it is, and numbers, dates and missing values are never touched.
"""

from __future__ import annotations

import io

import pandas as pd

from data_contracts.spreadsheet_text import (  # noqa: F401 - named here too, where every download is made
    FORMULA_START,
    PLAIN_NUMBER,
    neutral_text,
    neutralise_formulas,
)


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
