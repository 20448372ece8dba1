"""Downloads: frames as CSV that spreadsheets open safely."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"
"""Cells starting like this would run as a formula in a spreadsheet."""
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
"""A signed number is read as a number, not a formula, so it is left as it is."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells that a spreadsheet would run as a formula start with an apostrophe instead."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            text = safe[column].astype("string")
            risky = text.str.contains(FORMULA_START, regex=True) & ~text.str.fullmatch(PLAIN_NUMBER)
            risky = risky.fillna(False).astype(bool)
            safe[column] = text.mask(risky, "'" + text)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV with a header and no index, formulas neutralised."""
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False)
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
