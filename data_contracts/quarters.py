"""Quarters: the reporting period of every figure, with one number per quarter, its labels and its start date.

A quarter is ``(year, quarter)``, quarter 1 to 4. Wherever quarters are compared, counted or stored as one integer
they use :attr:`Quarter.number` (``year * 4 + quarter - 1``: consecutive quarters are consecutive numbers), vectorised
by :func:`quarter_numbers`. People read ``"2026 Q3"`` (:attr:`Quarter.label`); URLs carry ``"2026-Q3"``
(:attr:`Quarter.code`); charts place a quarter at its first day (:attr:`Quarter.start`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

_CODE = re.compile(r"^\s*(\d{4})\s*[- ]?\s*[Qq]([1-4])\s*$")


class Quarter(NamedTuple):
    """One quarter of a year: equal to (and usable as) the plain tuple ``(year, quarter)``."""

    year: int
    quarter: int

    @property
    def number(self) -> int:
        """The quarter as one integer, ``year * 4 + quarter - 1``: the next quarter is the next number."""
        return self.year * 4 + self.quarter - 1

    @classmethod
    def from_number(cls, number: int) -> Quarter:
        year, index = divmod(int(number), 4)
        return cls(year, index + 1)

    @property
    def label(self) -> str:
        """``"2026 Q3"``: the quarter as people read it."""
        return f"{self.year} Q{self.quarter}"

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """``"2024 Q1"`` -> ``Quarter(2024, 1)``; ``ValueError`` for anything else."""
        year_text, _, quarter_text = label.strip().upper().partition(" Q")
        year, quarter = int(year_text), int(quarter_text)
        if not 1 <= quarter <= 4:
            raise ValueError(f"not a quarter: {label!r}")
        return cls(year, quarter)

    @property
    def code(self) -> str:
        """``"2026-Q3"``: the quarter in a URL."""
        return f"{self.year}-Q{self.quarter}"

    @classmethod
    def from_code(cls, text: str) -> Quarter | None:
        """``2026-Q3``, ``2026Q3`` or ``2026 Q3`` as a quarter; None when it is not one."""
        match = _CODE.match(text)
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    @property
    def start(self) -> pd.Timestamp:
        """The quarter's first day, where charts place it."""
        return pd.Timestamp(year=self.year, month=3 * (self.quarter - 1) + 1, day=1)

    def year_earlier(self) -> Quarter:
        """The same quarter a year before."""
        return Quarter(self.year - 1, self.quarter)

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)


def quarter_numbers(years: object, quarters: object) -> np.ndarray:
    """:attr:`Quarter.number` of many quarters at once (arrays or columns of years and quarters), as int64."""
    return np.asarray(years, dtype=np.int64) * 4 + np.asarray(quarters, dtype=np.int64) - 1


def quarters_of_numbers(numbers: object) -> tuple[np.ndarray, np.ndarray]:
    """The years and quarters (1 to 4) of many :attr:`Quarter.number` values at once."""
    year, index = np.divmod(np.asarray(numbers, dtype=np.int64), 4)
    return year, index + 1
