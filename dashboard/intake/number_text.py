"""Numbers written as text in the numeric cells of an upload: which need a human decision, and decimal commas.

A cell is never guessed silently: a decimal comma is read as a decimal only in a semicolon-separated file, and a cell
whose separators or unit make its number ambiguous (``1,234`` in a comma-separated file, ``12 USD``, ``1.5k``) is
reported as a finding and left unchanged, for the user to fix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from data_contracts.columns import normalise_header, text_dictionary
from data_contracts.findings import Finding

NumberStyle = Literal["decimal_comma", "decimal_point"]

_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
"""A number every reader agrees on: digits, an optional sign, decimal point and exponent."""
_DECIMAL_COMMA_NUMBER = r"[+-]?\d*,\d+"
"""A number with one decimal comma and nothing else, read as a decimal in a semicolon-separated file."""
_GROUPED_BY_POINTS = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+"
"""Digits grouped by points (1.234, 12.345.678): thousands in a decimal-comma file, so never read as a decimal."""
_NUMBER_CORE = re.compile(r"[+-]?\.?\d(?:[\d.,'\u00a0\u202f\u2009 ]*\d)?")
_GROUP_SPACES = re.compile(r"['\u00a0\u202f\u2009 ]")
_MULTIPLIERS: Mapping[str, int] = {
    "k": 1_000,
    "K": 1_000,
    "m": 1_000_000,
    "M": 1_000_000,
    "mn": 1_000_000,
    "mio": 1_000_000,
    "bn": 1_000_000_000,
}


def check_numbers(
    frame: pd.DataFrame,
    numeric: frozenset[str],
    style: NumberStyle,
    row_numbers: Mapping[object, int],
    *,
    skip: Mapping[int, np.ndarray] | None = None,
) -> list[Finding]:
    """Findings for numeric cells that need a human decision; in a decimal-comma file, decimal commas become points.

    Only cells that are not plain numbers are looked at one by one, so a clean million-row file costs a few
    vectorised string operations. ``skip`` holds, per column position, a mask of cells not to check (formulas).
    """
    findings: list[Finding] = []
    for position, name in enumerate(frame.columns):
        column_name = normalise_header(name)
        if column_name not in numeric:
            continue
        if skip is None and style == "decimal_point" and _plain_everywhere(frame.iloc[:, position]):
            continue
        column = frame.iloc[:, position].astype("string")
        text = column.str.strip().fillna("")
        # A cell of ASCII digits only is a plain number in either style (most cells of a clean file): the patterns
        # below only need to look at the others.
        rest = np.flatnonzero(~_ascii_digits(text))
        if len(rest) == 0:
            continue
        others = text.iloc[rest]
        if style == "decimal_comma":
            decimal_comma = others.str.fullmatch(_DECIMAL_COMMA_NUMBER).fillna(False).to_numpy(dtype=bool)
            if decimal_comma.any():
                converted = np.zeros(len(text), dtype=bool)
                converted[rest[decimal_comma]] = True
                frame.isetitem(position, _with_decimal_points(frame.iloc[:, position], text, converted))
            suspicious = others.ne("") & ~others.str.fullmatch(_PLAIN_NUMBER).fillna(False)
            suspicious = (suspicious | others.str.fullmatch(_GROUPED_BY_POINTS).fillna(False)).to_numpy(dtype=bool)
            suspicious &= ~decimal_comma
        else:
            suspicious = (others.ne("") & ~others.str.fullmatch(_PLAIN_NUMBER).fillna(False)).to_numpy(dtype=bool)
        if skip is not None and position in skip:
            suspicious &= ~skip[position][rest]
        for index in rest[suspicious]:
            value = str(column.iloc[index])
            found = classify_number_text(value, style)
            if found is None:
                continue
            rule, advice = found
            what = "has a unit or sign in the cell" if rule == "unit_in_number" else "is ambiguous"
            findings.append(
                Finding(
                    row_numbers.get(frame.index[index]),
                    column_name,
                    value,
                    rule,
                    f"{column_name} {value!r} {what}: {advice}",
                )
            )
    return findings


def _plain_everywhere(cells: pd.Series) -> bool:
    """Whether no cell of a text column needs a look in a decimal-point file: each distinct text, stripped, is
    blank, ASCII digits or a plain number (checked once per distinct text, not per cell)."""
    if not isinstance(cells.dtype, pd.StringDtype) or cells.dtype.storage != "pyarrow":
        return False
    import pyarrow.compute as pc

    _, dictionary = text_dictionary(cells)
    text = pd.Series(pd.array(pc.utf8_trim_whitespace(dictionary), dtype="string"))
    return bool((text.eq("") | text.str.fullmatch(_PLAIN_NUMBER).fillna(False)).all())


def _ascii_digits(text: pd.Series) -> np.ndarray:
    """True where a text cell is one or more ASCII digits and nothing else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.ascii_is_decimal(pa.array(text)).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _with_decimal_points(original: pd.Series, text: pd.Series, converted: np.ndarray) -> pd.Series:
    """``original`` with the (stripped) ``text`` of the cells in ``converted``, their decimal comma made a point."""
    if isinstance(original.dtype, pd.StringDtype) and original.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        points = pc.replace_substring(pa.array(text), ",", ".")
        merged = pc.if_else(pa.array(converted), points, pa.array(original))
        return pd.Series(pd.array(merged, dtype=original.dtype), index=original.index, name=original.name)
    replaced = text.str.replace(",", ".", regex=False).astype(object)
    return original.astype(object).where(~converted, replaced).astype(original.dtype)


def _is_unit_text(affix: str) -> bool:
    """Whether text beside a number is a unit, currency or percent sign ("USD", "$", "%", "h", "k", "hours")."""
    if not affix or len(affix) > 15:
        return False
    signs = [ch for ch in affix if ch not in "./ "]
    return bool(signs) and all(ch.isalpha() or ch in "%‰" or unicodedata.category(ch) == "Sc" for ch in signs)


def plain_number(text: str) -> str:
    """A reading written plainly: no trailing zeros after the decimal point."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-") else "0"


def _readings(core: str, style: NumberStyle) -> list[str]:
    """The plain numbers a written number may mean: one when the separators are clear, else thousands first."""
    sign = "-" if core.startswith("-") else ""
    spaced = bool(_GROUP_SPACES.search(core))
    digits = _GROUP_SPACES.sub("", core.lstrip("+-"))
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, fraction = digits.replace("." if decimal == "," else ",", "").rpartition(decimal)
        return [plain_number(f"{sign}{whole or '0'}.{fraction}")]
    for separator in (",", "."):
        pieces = digits.split(separator)
        if len(pieces) == 1:
            continue
        if len(pieces) > 2:
            return [plain_number(sign + "".join(pieces))]
        whole, fraction = pieces
        as_decimal = plain_number(f"{sign}{whole or '0'}.{fraction}")
        clear_decimal = spaced or (separator == "," and style == "decimal_comma")
        if not clear_decimal and len(fraction) == 3 and whole.strip("0"):
            return [plain_number(sign + whole + fraction), as_decimal]
        return [as_decimal]
    return [plain_number(sign + digits)]


def _needs_decision(core: str, style: NumberStyle) -> bool:
    """Whether the separators of a number leave its value to a guess in this file."""
    if _GROUP_SPACES.search(core):
        return True
    if re.fullmatch(_GROUPED_BY_POINTS, core) and (style == "decimal_comma" or core.count(".") > 1):
        return True
    if style == "decimal_comma":
        return ("," in core and "." in core) or core.count(",") > 1
    return "," in core


def classify_number_text(value: str, style: NumberStyle) -> tuple[str, str] | None:
    """Whether a numeric cell's text needs a human decision: ``(rule, advice)``, or ``None``.

    ``ambiguous_number`` when separators could mean thousands or decimals (any comma in a comma- or tab-separated
    file or an Excel text cell; points grouping thousands in a semicolon-separated file; spaces between digits).
    ``unit_in_number`` when a unit, currency or percent sign is written in the cell. Text that is not a number at
    all (``n/a``, ``twelve``, a date) gives ``None``: the contract reports it as not a number.
    """
    text = value.strip()
    match = _NUMBER_CORE.search(text)
    if match is None:
        return None
    prefix, core, suffix = text[: match.start()].strip(), match.group(), text[match.end() :].strip()
    if any(ch.isdigit() for ch in prefix + suffix):
        return None
    readings = _readings(core, style)
    if prefix or suffix:
        if not all(_is_unit_text(affix) for affix in (prefix, suffix) if affix):
            return None
        multiplier = None if prefix else _MULTIPLIERS.get(suffix)
        if multiplier is not None and len(readings) == 1:
            full = plain_number(format(Decimal(readings[0]) * multiplier, "f"))
            return "unit_in_number", f"write {full} in full, without {suffix!r}: the unit comes from the indicator."
        if len(readings) == 1:
            return "unit_in_number", f"write {readings[0]}: the unit comes from the indicator."
        return (
            "unit_in_number",
            f"write {readings[0]} or {readings[1]} (whichever you mean), without the unit or thousands separators: "
            "the unit comes from the indicator.",
        )
    if not _needs_decision(core, style):
        return None
    if len(readings) == 2:
        return (
            "ambiguous_number",
            f"write {readings[0]} (if the separator groups thousands) or {readings[1]} (if it is a decimal "
            "separator), without thousands separators.",
        )
    if style == "decimal_point" and core.count(",") == 1 and "." not in core and not _GROUP_SPACES.search(core):
        return "ambiguous_number", f"write {readings[0]} with a decimal point, not a comma."
    return "ambiguous_number", f"write {readings[0]} without thousands separators."
