"""Plain findings: what is wrong, where in the file, and what to do — the raw material of every error report.

A :class:`Finding` names the row as the user sees it in the file (the header is row 1, the first data row is row 2),
the column, the offending value, the rule and a message a program officer understands. Every caller (contracts,
uploads, command line, app) reports problems as findings, so reports look the same everywhere.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

Severity = Literal["error", "warning"]

HEADER_ROW = 1
FINDING_COLUMNS = ("row", "column", "value", "rule", "message", "severity")


@dataclass(frozen=True)
class Finding:
    """One problem in one place of a file."""

    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row per finding), ready to show or to download as CSV."""
    rows = [f.as_dict() for f in findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def summarise_findings(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings counted by severity and rule, most frequent first."""
    frame = findings_frame(findings)
    if frame.empty:
        return pd.DataFrame({"severity": [], "rule": [], "findings": []})
    counts = frame.groupby(["severity", "rule"], sort=False).size().rename("findings").reset_index()
    return counts.sort_values(["severity", "findings"], ascending=[True, False], ignore_index=True)


SHOWN_CHARACTERS = 200
"""A value longer than this is shown by its start and its length: a report names a cell, it does not copy it."""


_WHOLE_SHOWN = 1e16
"""Whole floats below this are shown without a decimal point (12 for 12.0); larger ones as Python writes them
(1.5e+308, not three hundred digits)."""


def shortened(text: str) -> str:
    """``text``, or its first :data:`SHOWN_CHARACTERS` characters and its length when it is longer."""
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}… ({len(text):,} characters)"


def display_value(value: object) -> str | None:
    """A cell value as the user would recognise it in the file (a long text by its start and its length)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return shortened(value)
    if kind is float:  # the general path below gives the same, more slowly (a report may hold many thousands)
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < _WHOLE_SHOWN else str(value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer() and abs(value) < _WHOLE_SHOWN:
        return str(int(value))
    return shortened(str(value))


class RowNumbers(Mapping[object, int]):
    """The file row of each frame row, for frames labelled 0, 1, 2, ...: a read-only mapping backed by one array.

    It answers like the dict ``{0: numbers[0], 1: numbers[1], ...}`` (``get``, ``in``, ``==``, iteration), but a
    million-row file costs one 8 MB array instead of a dict of a million entries. :meth:`rows_of` looks up many
    labels at once.
    """

    __slots__ = ("_numbers",)

    def __init__(self, numbers: Sequence[int] | np.ndarray) -> None:
        self._numbers = np.asarray(numbers, dtype=np.int64)
        self._numbers.flags.writeable = False

    def _position(self, label: object) -> int | None:
        try:
            position = operator.index(label)  # int, bool, numpy integers: the labels a dict would match
        except TypeError:
            if isinstance(label, float | np.floating) and float(label).is_integer():
                position = int(label)  # 3.0 == 3 finds the same dict entry
            else:
                return None
        return position if 0 <= position < len(self._numbers) else None

    def __getitem__(self, label: object) -> int:
        position = self._position(label)
        if position is None:
            raise KeyError(label)
        return int(self._numbers[position])

    def get(self, label: object, default: int | None = None) -> int | None:
        position = self._position(label)
        return default if position is None else int(self._numbers[position])

    def __contains__(self, label: object) -> bool:
        return self._position(label) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._numbers)))

    def __len__(self) -> int:
        return len(self._numbers)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowNumbers):
            return np.array_equal(self._numbers, other._numbers)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # like a dict

    def __repr__(self) -> str:
        shown = ", ".join(f"{i}: {n}" for i, n in enumerate(self._numbers[:5].tolist()))
        return f"RowNumbers({{{shown}{', ...' if len(self) > 5 else ''}}}, {len(self)} rows)"

    @property
    def numbers(self) -> np.ndarray:
        """The file rows in label order (read-only)."""
        return self._numbers

    def rows_of(self, positions: np.ndarray) -> np.ndarray:
        """File rows of the frame rows at ``positions`` (labels equal positions here)."""
        return self._numbers[positions]


def row_number(index_label: object, row_numbers: Mapping[object, int] | None) -> int | None:
    """The file row of a frame row: from ``row_numbers`` when given, else position + 2 (header is row 1)."""
    if index_label is None:
        return None
    if row_numbers is not None:
        return row_numbers.get(index_label)
    return int(index_label) + HEADER_ROW + 1


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in file order: by row (header first), then column."""
    return sorted(findings, key=lambda f: (f.row if f.row is not None else 0, f.column or "", f.rule))
