"""Slices: one partnership's quarter of one dataset, the unit an upload replaces and a reviewer publishes."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from data_contracts import KEY_COLUMNS, SLICE_COLUMNS
from data_contracts.columns import column_codes, combine_codes_bounded, compact_ids


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
    columns = [frame[c] for c in SLICE_COLUMNS]
    text = isinstance(columns[0].dtype, pd.StringDtype)
    if len(frame) and text and all(c.dtype.kind == "i" for c in columns[1:]) and not columns[0].isna().any():
        # by integer codes that sort as the columns do: the first row of each slice, in slice order
        ids, bound = combine_codes_bounded([column_codes(c) for c in columns], len(frame))
        ids, bound = compact_ids(ids, bound)
        first = np.full(bound, len(frame), dtype=np.int64)
        first[ids[::-1]] = np.arange(len(frame) - 1, -1, -1)  # the last write, the smallest position, wins
        keys = frame[list(SLICE_COLUMNS)].iloc[first]
        return tuple(Slice(str(p), int(y), int(q)) for p, y, q in keys.itertuples(index=False))
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


FINGERPRINT_LENGTH_SHOWN = 10
"""How many hex characters of a fingerprint people are shown (the whole one is compared)."""


def _cell(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def slice_fingerprints(rows: pd.DataFrame) -> dict[Slice, str]:
    """The fingerprint of each slice in an indicator frame: the SHA-256 (hex) of the slice's canonical rows.

    Canonical: the slice (``"id:2024Q1"``) on the first line, then one JSON line per row with its key columns, value
    (as ``repr`` of a float, or null) and note (or null), the lines sorted. So the same rows give the same
    fingerprint in any order and from any reader, and any change of a row, a value, a note, or a row added or
    removed gives another. Reviewers are shown it (:data:`FINGERPRINT_LENGTH_SHOWN` characters) and publishing
    refuses rows whose fingerprint is not the one reviewed (:meth:`Store.publish`)."""
    if rows.empty:
        return {}
    others = [c for c in KEY_COLUMNS if c not in SLICE_COLUMNS]
    lines: dict[Slice, list[str]] = {}
    columns = [*SLICE_COLUMNS, *others, "value", "note"]
    for record in rows[columns].itertuples(index=False, name=None):
        target = Slice(str(record[0]), int(record[1]), int(record[2]))
        cells = [_cell(v) for v in record[len(SLICE_COLUMNS) :]]
        lines.setdefault(target, []).append(json.dumps(cells, ensure_ascii=False))
    found = {}
    for target, texts in lines.items():
        digest = hashlib.sha256(str(target).encode())
        for text in sorted(texts):
            digest.update(b"\n" + text.encode())
        found[target] = digest.hexdigest()
    return found


def changed_since_review(rows: pd.DataFrame, slices: Sequence[Slice], reviewed: Mapping[Slice, str]) -> list[Slice]:
    """The slices whose rows (in ``rows``) do not have the fingerprint they had when reviewed (a slice with no
    reviewed fingerprint counts as changed)."""
    now = slice_fingerprints(rows)
    return [s for s in slices if s not in reviewed or now.get(s) != reviewed[s]]
