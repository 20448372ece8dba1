"""Downloads: frames as CSV that spreadsheets open safely."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"
"""Cells starting like this would run as a formula in a spreadsheet."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells that a spreadsheet would run as a formula start with an apostrophe instead."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            text = safe[column].astype("string")
            risky = text.str.contains(FORMULA_START, regex=True).fillna(False)
            safe[column] = text.mask(risky, "'" + text)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV with a header and no index, formulas neutralised."""
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")
