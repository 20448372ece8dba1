"""The rows of an upload and the stored rows around it, as integer codes of their key columns.

A file may hold a million rows, so the preview and the warnings compare integer codes of the key columns
(:class:`RowKeys`) and numpy arrays of the values rather than merging frames on text; only the rows that end up in a
finding or a preview line become Python objects. Here are the codes, the lookups by code, the file's slices and the
match of the file's rows with the stored rows of its slices. Frames the codes cannot stand for exactly (keys that
repeat or are missing, which a validated file and the store never hold) raise :class:`Unsupported`, and the caller
takes its general path by pandas merges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.storage.slices import Slice, slices_of
from data_contracts import KEY_COLUMNS, SLICE_COLUMNS
from data_contracts.columns import (
    IncomparableColumns,
    combine_codes_bounded,
    extend_codes,
    first_positions,
    joint_codes,
    positions_of,
    repeated_ids,
    text_dictionary,
)
from data_contracts.findings import RowNumbers
from data_contracts.indicator_row import SERIES_COLUMNS
from data_contracts.quarters import quarter_numbers

_STATUSES = ("new", "changed", "removed", "unchanged")


class Unsupported(Exception):
    """The frames hold something the codes cannot stand for exactly: the general (merge) path decides."""


_CODED_COLUMNS = (*SERIES_COLUMNS, "note")


@dataclass(frozen=True)
class CodedHistory:
    """The text columns of stored rows, dictionary-encoded ahead of a preview (:func:`code_history`)."""

    history: pd.DataFrame
    columns: Mapping[str, tuple[np.ndarray, pa.Array]]


def code_history(history: pd.DataFrame) -> CodedHistory:
    """Encode the text columns the preview compares, so that the file's cells are only looked up in them (this can
    run while the file is still being checked)."""
    return CodedHistory(
        history,
        {c: text_dictionary(history[c]) for c in _CODED_COLUMNS if c in history and _is_text(history[c])},
    )


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) or series.dtype == object


class RowKeys:
    """The rows of ``history`` followed by the rows of ``incoming``, as integer codes of their columns.

    Both frames are coded together, so a key has one code in either frame; equal values are equal codes exactly as a
    pandas merge matches them. Codes are computed once per column and shared by every check of one upload;
    ``coded`` (:func:`code_history` of the same ``history``) saves encoding the stored rows again.
    """

    def __init__(self, incoming: pd.DataFrame, history: pd.DataFrame, coded: CodedHistory | None = None) -> None:
        self.incoming = incoming
        self.history = history
        self.split = len(history)
        self.coded = coded.columns if coded is not None and coded.history is history else {}
        self._codes: dict[str, tuple[np.ndarray, int, pa.Array | None]] = {}
        self._ids: dict[tuple[str, ...], tuple[np.ndarray, int]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, int]:
        """Codes of one column over history then incoming rows (see :func:`~data_contracts.columns.column_codes`)."""
        if column not in self._codes:
            if column in self.coded and _is_text(self.incoming[column]):
                self._codes[column] = extend_codes(self.coded[column], self.incoming[column])
            else:
                try:
                    self._codes[column] = joint_codes([self.history[column], self.incoming[column]])
                except IncomparableColumns as error:
                    raise Unsupported(str(error)) from None
        return self._codes[column][:2]

    def text(self, column: str, rows: np.ndarray) -> pa.Array:
        """The text of a column at some rows (history then incoming), from its codes."""
        codes, _ = self.codes(column)
        values = self._codes[column][2]
        if values is None:
            raise Unsupported(f"{column} is not text")
        return values.take(pa.array(codes[rows]))

    def ids(self, columns: Sequence[str]) -> np.ndarray:
        """One id per row (history then incoming), equal exactly when every column is; in the rows' sort order."""
        return self.bounded_ids(columns)[0]

    def bounded_ids(self, columns: Sequence[str]) -> tuple[np.ndarray, int]:
        """:meth:`ids` and a bound of them."""
        key = tuple(columns)
        if key not in self._ids:
            parts = [self.codes(c) for c in columns]
            self._ids[key] = combine_codes_bounded(parts, self.split + len(self.incoming))
        return self._ids[key]

    def old(self, array: np.ndarray) -> np.ndarray:
        return array[: self.split]

    def new(self, array: np.ndarray) -> np.ndarray:
        return array[self.split :]

    def missing(self, columns: Sequence[str]) -> bool:
        """Whether any of these columns has a missing cell in either frame."""
        return any(bool(frame[c].isna().any()) for c in columns for frame in (self.history, self.incoming))

    @cached_property
    def periods(self) -> np.ndarray:
        """The quarter number (:func:`~data_contracts.quarters.quarter_numbers`) of every row, history then incoming."""
        if self.missing(("year", "quarter")):
            raise Unsupported("a missing year or quarter")
        years = np.concatenate([int_values(self.history["year"]), int_values(self.incoming["year"])])
        quarters = np.concatenate([int_values(self.history["quarter"]), int_values(self.incoming["quarter"])])
        if len(quarters) and (quarters.min() < 1 or quarters.max() > 4):
            raise Unsupported("a quarter outside 1 to 4: two quarters would share a period number")
        return quarter_numbers(years, quarters)

    @cached_property
    def comparison(self) -> Comparison:
        """The file's rows matched with the stored rows of its slices (raises :class:`Unsupported`)."""
        return _compare(self)

    @cached_property
    def files(self) -> _SliceRows:
        """The file's slices, the slice of each file row and the first row of each slice."""
        return _SliceRows.of(self)


def int_values(series: pd.Series) -> np.ndarray:
    """A column's values as int64."""
    return series.astype("int64").to_numpy()


def float_values(series: pd.Series) -> np.ndarray:
    """A column's values as float64, a missing value as NaN."""
    return series.to_numpy(dtype="float64", na_value=np.nan)


def all_distinct(ids: np.ndarray) -> bool:
    """Whether no id repeats."""
    return not repeated_ids(ids).any()


def _dense(ids: np.ndarray, bound: int) -> tuple[np.ndarray, int]:
    """Ids below a bound that an array of that length can index (as they are, or renumbered 0, 1, 2, ...)."""
    if bound <= 4 * len(ids) + 1024:
        return ids, bound
    dense, uniques = pd.factorize(ids)
    return dense.astype(np.int64), len(uniques)


_MAX_TABLE = 1 << 24
"""Ids below this many are looked up in a table indexed by id (int32, 64 MB at most) instead of a hash table."""


def find_positions(ids: np.ndarray, wanted: np.ndarray, bound: int, *, both_unique: bool = False) -> np.ndarray:
    """Position of each ``wanted`` id in ``ids`` (ids below ``bound``), -1 when absent. Raises :class:`Unsupported`
    when an id repeats in ``ids`` (or, with ``both_unique``, in ``wanted``). Small bounds use a table indexed by id,
    others a hash table."""
    if bound <= min(_MAX_TABLE, 8 * (len(ids) + len(wanted)) + 1024) and len(ids) + len(wanted) < 2**31:
        table = np.full(bound, -1, dtype=np.int32)
        if both_unique:
            if not _fill(table, wanted):
                raise Unsupported("a key that repeats")
            table[wanted] = -1
        if not _fill(table, ids):
            raise Unsupported("a key that repeats")
        return table[wanted].astype(np.int64)
    if both_unique and not all_distinct(wanted):
        raise Unsupported("a key that repeats")
    index = pd.Index(ids)
    if not index.is_unique:
        raise Unsupported("a key that repeats")
    return index.get_indexer(wanted)


def _fill(table: np.ndarray, ids: np.ndarray) -> bool:
    """Write each id's position into ``table``; False when an id repeats (a later position took its place)."""
    positions = np.arange(len(ids), dtype=np.int32)
    table[ids] = positions
    return bool((table[ids] == positions).all())


def lookup_positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in ``ids`` (unique), -1 when absent."""
    return pd.Index(ids).get_indexer(wanted)


def _first_seen_numbers(ids: np.ndarray) -> np.ndarray:
    """``pd.factorize(ids)[0]``: the ids renumbered 0, 1, 2, ... in order of first appearance."""
    if not len(ids) or ids.min() < 0 or int(ids.max()) >= 4 * len(ids) + 1024:
        return pd.factorize(ids)[0]
    first = ~repeated_ids(ids)
    number = np.zeros(int(ids.max()) + 1, dtype=np.int64)
    number[ids[first]] = np.arange(int(first.sum()))
    return number[ids]


@dataclass
class Comparison:
    """The file's rows matched with the stored rows of its slices by key."""

    keys: RowKeys
    stored: np.ndarray
    """Positions (in history) of the stored rows of the file's slices."""
    match: np.ndarray
    """For each incoming row, the position in ``stored`` of the row with its key, -1 when it is new."""
    status: np.ndarray
    """For each incoming row: 0 new, 1 changed, 3 unchanged (indices of :data:`_STATUSES`)."""
    removed: np.ndarray
    """For each row of ``stored``: whether the file no longer holds its key."""


def _compare(keys: RowKeys) -> Comparison:
    incoming, history = keys.incoming, keys.history
    if keys.missing(KEY_COLUMNS):
        raise Unsupported("a missing key")
    slice_ids, bound = _dense(*keys.bounded_ids(SLICE_COLUMNS))
    in_file = np.zeros(bound, dtype=bool)
    in_file[keys.new(slice_ids)] = True
    stored = np.flatnonzero(in_file[keys.old(slice_ids)])
    key_ids, key_bound = keys.bounded_ids(KEY_COLUMNS)
    match = find_positions(keys.old(key_ids)[stored], keys.new(key_ids), key_bound, both_unique=True)
    matched = np.flatnonzero(match >= 0)
    partner = stored[match[matched]]
    same_value = np.isclose(
        float_values(incoming["value"])[matched],
        float_values(history["value"])[partner],
        rtol=0,
        atol=1e-9,
        equal_nan=True,
    )
    same_note = _same_notes(keys, matched, partner)
    status = np.zeros(len(incoming), dtype=np.int8)
    status[matched] = np.where(same_value & same_note, 3, 1)
    removed = np.ones(len(stored), dtype=bool)
    removed[match[matched]] = False
    return Comparison(keys, stored, match, status, removed)


def _same_notes(keys: RowKeys, matched: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Whether the notes of incoming rows ``matched`` and stored rows ``partner`` are the same text, a missing note
    counting as an empty one (``fillna("")``, as :func:`compare_rows` compares them)."""
    if "note" in keys.coded and _is_text(keys.incoming["note"]):
        old, dictionary = keys.coded["note"]  # -1: missing; -2 (the file's note is not among the stored ones)
        new = positions_of(keys.incoming["note"], dictionary)
    else:
        try:
            codes, _, _ = joint_codes([keys.history["note"], keys.incoming["note"]], ordered=False)
        except IncomparableColumns as error:
            raise Unsupported(str(error)) from None
        old, new = keys.old(codes), keys.new(codes)

    def blank(series: pd.Series) -> np.ndarray:
        return (series.isna() | series.eq("")).to_numpy(dtype=bool, na_value=True)

    blank_new, blank_old = blank(keys.incoming["note"])[matched], blank(keys.history["note"])[partner]
    return (new[matched] == old[partner]) | (blank_new & blank_old)


@dataclass
class _SliceRows:
    """The file's slices as ``slices_of`` lists them, the slice of every file row and the first row of each."""

    slices: tuple[Slice, ...]
    position: np.ndarray
    """For each incoming row, the position of its slice in ``slices``."""
    first: np.ndarray
    """For each slice, the position of its first incoming row."""

    @classmethod
    def of(cls, keys: RowKeys) -> _SliceRows:
        if keys.missing(SLICE_COLUMNS):
            raise Unsupported("a missing slice column")
        dense = _first_seen_numbers(keys.new(keys.ids(SLICE_COLUMNS)))
        firsts = first_positions(dense)
        unique = keys.incoming[list(SLICE_COLUMNS)].iloc[firsts].reset_index(drop=True)
        order = unique.sort_values(list(SLICE_COLUMNS)).index.to_numpy()  # as slices_of sorts
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        slices = tuple(Slice(str(p), int(y), int(q)) for p, y, q in unique.iloc[order].itertuples(index=False))
        return cls(slices, rank[dense], firsts[order])

    def first_rows(self, incoming: pd.DataFrame, row_of: Mapping[object, int]) -> list[int | None]:
        """The file row of each slice's first row."""
        return file_rows_of(row_of, incoming.index[self.first])


def file_rows_of(row_of: Mapping[object, int], labels: Sequence[object]) -> list[int | None]:
    """``[row_of.get(label) for label in labels]``, at once when ``row_of`` is a :class:`RowNumbers`."""
    if isinstance(row_of, RowNumbers) and len(labels):
        positions = np.asarray(labels)
        if positions.dtype.kind in "iu" and positions.min() >= 0 and positions.max() < len(row_of):
            return row_of.rows_of(positions).tolist()
    return [row_of.get(label) for label in labels]


def slice_set(frame: pd.DataFrame) -> set[Slice]:
    """``set(slices_of(frame))``, looking at each slice's first row only."""
    try:
        return set(RowKeys(frame, frame.iloc[:0]).files.slices)
    except Unsupported:
        return set(slices_of(frame))
