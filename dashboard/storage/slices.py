"""Slices: one partnership's quarter of one dataset, the unit an upload replaces and a reviewer publishes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow.compute as pc

from data_contracts import SLICE_COLUMNS


@dataclass(frozen=True)
class Slice:
    """One partnership's quarter of one dataset: the unit an upload replaces."""

    partnership_id: str
    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.partnership_id}:{self.year}Q{self.quarter}"

    @classmethod
    def parse(cls, text: str) -> Slice:
        partnership_id, period = text.rsplit(":", 1)
        year, quarter = period.upper().split("Q")
        return cls(partnership_id, int(year), int(quarter))


def slices_of(frame: pd.DataFrame) -> tuple[Slice, ...]:
    """The (partnership, year, quarter) slices present in an indicator frame, sorted."""
    keys = frame[list(SLICE_COLUMNS)].drop_duplicates().sort_values(list(SLICE_COLUMNS))
    return tuple(Slice(str(p), int(y), int(q)) for p, y, q in keys.itertuples(index=False))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def slice_predicate(slices: Iterable[Slice]) -> str:
    """A Delta predicate matching exactly the rows of the given slices."""
    by_period: dict[tuple[int, int], list[str]] = {}
    for s in slices:
        by_period.setdefault((s.year, s.quarter), []).append(s.partnership_id)
    if not by_period:
        raise ValueError("no slices given")
    parts = []
    for (year, quarter), ids in sorted(by_period.items()):
        id_list = ", ".join(_quoted(i) for i in sorted(set(ids)))
        parts.append(f"(year = {year} AND quarter = {quarter} AND partnership_id IN ({id_list}))")
    return " OR ".join(parts)


def slice_filter(slices: Sequence[Slice]) -> pc.Expression:
    """A pyarrow filter matching exactly the rows of the given slices (at least one)."""
    expression = None
    for s in slices:
        term = (
            (pc.field("partnership_id") == s.partnership_id)
            & (pc.field("year") == s.year)
            & (pc.field("quarter") == s.quarter)
        )
        expression = term if expression is None else expression | term
    assert expression is not None
    return expression
