"""Text a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM(…)``), made to open as text.

Every file the product writes for a spreadsheet goes through :func:`neutralise_formulas`: the downloads of
``dashboard/present/exports.py`` and the pre-filled upload templates of ``dashboard/intake/prefilled_templates.py``.
A plain signed number (``-1.5``, ``+3``) in a text column is left as it is; numbers, dates and missing values are
never touched.
"""

from __future__ import annotations

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
