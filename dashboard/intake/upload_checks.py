"""What an accepted upload would change, and what looks suspicious in it: pure functions over frames.

- :func:`preview_changes` compares the file's slices with what the submitted layer holds for them: rows new,
  changed, removed and unchanged per slice, and the largest changes.
- :func:`upload_warnings` finds what does not block a commit but deserves a second look: a value that moved more than
  a factor against the previous quarter of the same series, an indicator reported last quarter but missing now, a
  breakdown that leaves people unassigned, a slice that replaces already-published data.

A file may hold a million rows, so the comparisons work on integer codes of the key columns (:class:`RowKeys`) and
numpy arrays of the values; only the rows that end up in a finding or a preview line become Python objects. Each
check has a general path as well, by pandas merges, for frames the codes cannot stand for exactly (keys that repeat
or are missing, which a validated file and the store never hold); it gives the same answers and the tests compare
the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.storage.slices import Slice, slices_of
from data_contracts import INDICATORS, KEY_COLUMNS, SLICE_COLUMNS, TOTAL, Finding
from data_contracts.columns import (
    IncomparableColumns,
    combine_codes_bounded,
    compact_ids,
    extend_codes,
    joint_codes,
    positions_in,
    positions_of,
    text_dictionary,
)
from data_contracts.findings import RowNumbers, display_value
from data_contracts.indicator_rules import group_sums

SERIES_COLUMNS = ("partnership_id", "indicator_id", "dimension", "category")
_IS_COUNT = {i.id: i.unit == "count" for i in INDICATORS.values()}
_BOUNDED_ADDITIVE = {i.id: i.additive and not i.signed for i in INDICATORS.values()}
SMALL_COUNT = 10
"""Counts below this on both sides of a quarter-to-quarter move are not flagged (1 -> 4 people is not news)."""
_STATUSES = ("new", "changed", "removed", "unchanged")


@dataclass(frozen=True)
class SliceChange:
    """How one (partnership, year, quarter) slice would change."""

    slice: Slice
    new: int
    changed: int
    removed: int
    unchanged: int
    published: bool

    @property
    def is_noop(self) -> bool:
        return self.new == 0 and self.changed == 0 and self.removed == 0


def _period_number(year: pd.Series, quarter: pd.Series) -> pd.Series:
    return year.astype("int64") * 4 + quarter.astype("int64") - 1


# ---- integer codes of the key columns ---------------------------------------------------------------------------


class _Unsupported(Exception):
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
                    raise _Unsupported(str(error)) from None
        return self._codes[column][:2]

    def text(self, column: str, rows: np.ndarray) -> pa.Array:
        """The text of a column at some rows (history then incoming), from its codes."""
        codes, _ = self.codes(column)
        values = self._codes[column][2]
        if values is None:
            raise _Unsupported(f"{column} is not text")
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
        """Period number (year * 4 + quarter - 1) of every row, history then incoming."""
        if self.missing(("year", "quarter")):
            raise _Unsupported("a missing year or quarter")
        years = np.concatenate([_integers(self.history["year"]), _integers(self.incoming["year"])])
        quarters = np.concatenate([_integers(self.history["quarter"]), _integers(self.incoming["quarter"])])
        if len(quarters) and (quarters.min() < 1 or quarters.max() > 4):
            raise _Unsupported("a quarter outside 1 to 4: two quarters would share a period number")
        return years * 4 + quarters - 1

    @cached_property
    def comparison(self) -> _Comparison:
        """The file's rows matched with the stored rows of its slices (raises :class:`_Unsupported`)."""
        return _compare(self)

    @cached_property
    def files(self) -> _SliceRows:
        """The file's slices, the slice of each file row and the first row of each slice."""
        return _SliceRows.of(self)


def _integers(series: pd.Series) -> np.ndarray:
    return series.astype("int64").to_numpy()


def _numbers(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _unique(ids: np.ndarray) -> bool:
    return not pd.Series(ids).duplicated().any()


def _dense(ids: np.ndarray, bound: int) -> tuple[np.ndarray, int]:
    """Ids below a bound that an array of that length can index (as they are, or renumbered 0, 1, 2, ...)."""
    if bound <= 4 * len(ids) + 1024:
        return ids, bound
    dense, uniques = pd.factorize(ids)
    return dense.astype(np.int64), len(uniques)


_MAX_TABLE = 1 << 24
"""Ids below this many are looked up in a table indexed by id (int32, 64 MB at most) instead of a hash table."""


def _find(ids: np.ndarray, wanted: np.ndarray, bound: int, *, both_unique: bool = False) -> np.ndarray:
    """Position of each ``wanted`` id in ``ids`` (ids below ``bound``), -1 when absent. Raises :class:`_Unsupported`
    when an id repeats in ``ids`` (or, with ``both_unique``, in ``wanted``). Small bounds use a table indexed by id,
    others a hash table."""
    if bound <= min(_MAX_TABLE, 4 * (len(ids) + len(wanted)) + 1024) and len(ids) + len(wanted) < 2**31:
        table = np.full(bound, -1, dtype=np.int32)
        if both_unique:
            if not _fill(table, wanted):
                raise _Unsupported("a key that repeats")
            table[wanted] = -1
        if not _fill(table, ids):
            raise _Unsupported("a key that repeats")
        return table[wanted].astype(np.int64)
    if both_unique and not _unique(wanted):
        raise _Unsupported("a key that repeats")
    index = pd.Index(ids)
    if not index.is_unique:
        raise _Unsupported("a key that repeats")
    return index.get_indexer(wanted)


def _fill(table: np.ndarray, ids: np.ndarray) -> bool:
    """Write each id's position into ``table``; False when an id repeats (a later position took its place)."""
    positions = np.arange(len(ids), dtype=np.int32)
    table[ids] = positions
    return bool((table[ids] == positions).all())


def _earlier_rows(keys: RowKeys) -> np.ndarray:
    """The rows (history then incoming) a quarter-to-quarter comparison looks back at: history and file together,
    the file winning where both hold a key (``drop_duplicates(keep="last")`` of the two)."""
    try:
        comparison = keys.comparison
    except _Unsupported:
        return np.flatnonzero(~pd.Series(keys.ids(KEY_COLUMNS)).duplicated(keep="last").to_numpy())
    # a key is at most once in the file and once in the stored slices: the stored rows the file matches go. (Stored
    # rows outside the file's slices that repeat a key stay twice here, but then they repeat a series and period
    # too, which the lookup refuses.)
    overridden = np.zeros(keys.split, dtype=bool)
    overridden[comparison.stored[comparison.match[comparison.match >= 0]]] = True
    return np.concatenate([np.flatnonzero(~overridden), keys.split + np.arange(len(keys.incoming))])


def _lookup(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in ``ids`` (unique), -1 when absent."""
    return pd.Index(ids).get_indexer(wanted)


_INDICATOR_IDS = tuple(INDICATORS)


def _per_indicator(ids: pd.Series, table: Mapping[str, bool]) -> np.ndarray:
    """``table[indicator_id]`` of every row (False for a missing or unknown indicator), as ``map`` then ``fillna``."""
    flags = np.array([bool(table[i]) for i in _INDICATOR_IDS] + [False])
    return flags[positions_in(ids, _INDICATOR_IDS)]


def _firsts(ids: np.ndarray) -> np.ndarray:
    """Position of the first row of each distinct id, in order of first appearance."""
    return pd.Series(ids).drop_duplicates().index.to_numpy()


# ---- comparing the file with what is stored ---------------------------------------------------------------------


@dataclass
class _Comparison:
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


def _compare(keys: RowKeys) -> _Comparison:
    incoming, history = keys.incoming, keys.history
    if keys.missing(KEY_COLUMNS):
        raise _Unsupported("a missing key")
    slice_ids, bound = _dense(*keys.bounded_ids(SLICE_COLUMNS))
    in_file = np.zeros(bound, dtype=bool)
    in_file[keys.new(slice_ids)] = True
    stored = np.flatnonzero(in_file[keys.old(slice_ids)])
    key_ids, key_bound = keys.bounded_ids(KEY_COLUMNS)
    match = _find(keys.old(key_ids)[stored], keys.new(key_ids), key_bound, both_unique=True)
    matched = np.flatnonzero(match >= 0)
    partner = stored[match[matched]]
    same_value = np.isclose(
        _numbers(incoming["value"])[matched], _numbers(history["value"])[partner], rtol=0, atol=1e-9, equal_nan=True
    )
    same_note = _same_notes(keys, matched, partner)
    status = np.zeros(len(incoming), dtype=np.int8)
    status[matched] = np.where(same_value & same_note, 3, 1)
    removed = np.ones(len(stored), dtype=bool)
    removed[match[matched]] = False
    return _Comparison(keys, stored, match, status, removed)


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
            raise _Unsupported(str(error)) from None
        old, new = keys.old(codes), keys.new(codes)

    def blank(series: pd.Series) -> np.ndarray:
        return (series.isna() | series.eq("")).to_numpy(dtype=bool, na_value=True)

    blank_new, blank_old = blank(keys.incoming["note"])[matched], blank(keys.history["note"])[partner]
    return (new[matched] == old[partner]) | (blank_new & blank_old)


def _compare_rows_merged(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    keys = list(KEY_COLUMNS)
    slice_keys = existing[list(SLICE_COLUMNS)].merge(
        incoming[list(SLICE_COLUMNS)].drop_duplicates(), on=list(SLICE_COLUMNS), how="inner"
    )
    existing = existing.merge(slice_keys.drop_duplicates(), on=list(SLICE_COLUMNS), how="inner")
    merged = incoming[[*keys, "value", "note"]].merge(
        existing[[*keys, "value", "note"]], on=keys, how="outer", suffixes=("_new", "_old"), indicator=True
    )
    same_value = np.isclose(merged["value_new"], merged["value_old"], rtol=0, atol=1e-9, equal_nan=True)
    same_note = merged["note_new"].fillna("").astype(str) == merged["note_old"].fillna("").astype(str)
    status = np.select(
        [merged["_merge"] == "left_only", merged["_merge"] == "right_only", same_value & same_note],
        ["new", "removed", "unchanged"],
        default="changed",
    )
    return merged.drop(columns=["_merge"]).assign(status=status)


def compare_rows(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Outer join of the file's rows and the stored rows of the same slices, with a ``status`` per key:
    new, changed, removed or unchanged; columns ``value_old``/``value_new``, ``note_old``/``note_new``."""
    return _compare_rows_merged(incoming, existing)


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
            raise _Unsupported("a missing slice column")
        dense, _ = pd.factorize(keys.new(keys.ids(SLICE_COLUMNS)))
        firsts = _firsts(dense)
        unique = keys.incoming[list(SLICE_COLUMNS)].iloc[firsts].reset_index(drop=True)
        order = unique.sort_values(list(SLICE_COLUMNS)).index.to_numpy()  # as slices_of sorts
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        slices = tuple(Slice(str(p), int(y), int(q)) for p, y, q in unique.iloc[order].itertuples(index=False))
        return cls(slices, rank[dense], firsts[order])

    def first_rows(self, incoming: pd.DataFrame, row_of: Mapping[object, int]) -> list[int | None]:
        """The file row of each slice's first row."""
        return _file_rows(row_of, incoming.index[self.first])


def _changes(comparison: _Comparison, published: set[Slice]) -> list[SliceChange]:
    keys = comparison.keys
    files = keys.files
    k = len(files.slices)
    counts = np.bincount(files.position * 4 + comparison.status, minlength=4 * k).reshape(k, 4)
    if comparison.removed.any():  # a removed row belongs to one of the file's slices
        slice_ids = keys.ids(SLICE_COLUMNS)
        removed_slices = keys.old(slice_ids)[comparison.stored[comparison.removed]]
        where = _lookup(keys.new(slice_ids)[files.first], removed_slices)
        counts[:, 2] += np.bincount(where, minlength=k)
    return [
        SliceChange(slice=s, new=int(n), changed=int(c), removed=int(r), unchanged=int(u), published=s in published)
        for s, (n, c, r, u) in zip(files.slices, counts.tolist(), strict=True)
    ]


def preview_changes(
    incoming: pd.DataFrame,
    existing: pd.DataFrame,
    published_slices: Iterable[Slice] = (),
    *,
    compared: pd.DataFrame | None = None,
) -> list[SliceChange]:
    """Per slice of the file: how many rows are new, changed, removed and unchanged against ``existing``.

    ``compared`` is :func:`compare_rows` of the same frames when the caller has it already."""
    published = set(published_slices)
    if compared is None:
        try:
            return _changes(_compare(RowKeys(incoming, existing)), published)
        except _Unsupported:
            compared = _compare_rows_merged(incoming, existing)
    counts = compared.groupby([*SLICE_COLUMNS, "status"]).size().unstack("status", fill_value=0)
    changes = []
    for current in slices_of(incoming):
        key = (current.partnership_id, current.year, current.quarter)
        row = counts.loc[key] if key in counts.index else pd.Series(dtype="int64")
        changes.append(
            SliceChange(
                slice=current,
                new=int(row.get("new", 0)),
                changed=int(row.get("changed", 0)),
                removed=int(row.get("removed", 0)),
                unchanged=int(row.get("unchanged", 0)),
                published=current in published,
            )
        )
    return changes


_LARGEST_COLUMNS = [*KEY_COLUMNS, "value_old", "value_new", "change", "change_pct"]


def _largest_of(compared: pd.DataFrame, limit: int) -> pd.DataFrame:
    changed = compared[compared["status"] == "changed"].copy()
    if changed.empty:
        return pd.DataFrame(columns=_LARGEST_COLUMNS)
    changed["change"] = changed["value_new"] - changed["value_old"]
    base = changed["value_old"].abs().replace(0, np.nan)
    changed["change_pct"] = 100 * changed["change"] / base
    order = changed["change_pct"].abs().fillna(np.inf).sort_values(ascending=False).index
    return changed.loc[order, _LARGEST_COLUMNS].head(limit).reset_index(drop=True)


def _largest(comparison: _Comparison, limit: int) -> pd.DataFrame:
    """:func:`largest_changes` from the matched rows: the changed rows in key order (the order of
    :func:`compare_rows`), sorted by their relative change as there; only the chosen rows are joined as frames."""
    keys = comparison.keys
    changed = np.flatnonzero(comparison.status == 1)
    if len(changed) == 0:
        return pd.DataFrame(columns=_LARGEST_COLUMNS)
    changed = changed[np.argsort(keys.new(keys.ids(KEY_COLUMNS))[changed], kind="stable")]
    partner = comparison.stored[comparison.match[changed]]
    new = pd.Series(_numbers(keys.incoming["value"])[changed])
    old = pd.Series(_numbers(keys.history["value"])[partner])
    change_pct = 100 * (new - old) / old.abs().replace(0, np.nan)
    chosen = change_pct.abs().fillna(np.inf).sort_values(ascending=False).index.to_numpy()[:limit]
    # the chosen rows through the merge itself (for its column types), which sorts them by key: then in chosen order
    rows = _compare_rows_merged(keys.incoming.iloc[changed[chosen]], keys.history.iloc[partner[chosen]])
    key_order = keys.new(keys.ids(KEY_COLUMNS))[changed[chosen]]
    rows = rows.iloc[np.argsort(np.argsort(key_order))].reset_index(drop=True)
    rows["change"] = rows["value_new"] - rows["value_old"]
    rows["change_pct"] = 100 * rows["change"] / rows["value_old"].abs().replace(0, np.nan)
    return rows[_LARGEST_COLUMNS]


def largest_changes(
    incoming: pd.DataFrame, existing: pd.DataFrame, limit: int = 10, *, compared: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The changed values with the largest relative change, for the preview."""
    if compared is None:
        try:
            return _largest(_compare(RowKeys(incoming, existing)), limit)
        except _Unsupported:
            compared = _compare_rows_merged(incoming, existing)
    return _largest_of(compared, limit)


# ---- warnings ---------------------------------------------------------------------------------------------------


def _previous(frame: pd.DataFrame) -> pd.DataFrame:
    """Each series' value in the quarter before, keyed by the later quarter's period number."""
    shifted = frame[[*SERIES_COLUMNS, "value"]].copy()
    shifted["period"] = _period_number(frame["year"], frame["quarter"]) + 1
    return shifted.rename(columns={"value": "previous"})


def _file_rows(row_of: Mapping[object, int], labels: Sequence[object]) -> list[int | None]:
    """``[row_of.get(label) for label in labels]``, at once when ``row_of`` is a :class:`RowNumbers`."""
    if isinstance(row_of, RowNumbers) and len(labels):
        positions = np.asarray(labels)
        if positions.dtype.kind in "iu" and positions.min() >= 0 and positions.max() < len(row_of):
            return row_of.rows_of(positions).tolist()
    return [row_of.get(label) for label in labels]


def _jump_findings(
    rows: Sequence[tuple], factor: float, row_of: Mapping[object, int], labels: Sequence[object]
) -> list[Finding]:
    """Findings of flagged value jumps; ``rows`` hold (indicator_id, dimension, category, year, quarter, value,
    previous) and ``labels`` the incoming index label of each."""
    findings = []
    file_rows = _file_rows(row_of, labels)
    shown: dict[tuple[type, object], str | None] = {}  # the same few values come back many times in a large file

    def show(number: object) -> str | None:
        key = (type(number), number)
        if key not in shown:
            shown[key] = display_value(number)
        return shown[key]

    for (indicator_id, dimension, category, year, quarter, value, previous), row in zip(rows, file_rows, strict=True):
        previous_period = (int(year), int(quarter) - 1) if quarter > 1 else (int(year) - 1, 4)
        direction = "rose" if abs(value) > abs(previous) else "fell"
        series = indicator_id if dimension == TOTAL else f"{indicator_id} ({dimension}: {category})"
        now = show(value)
        findings.append(
            Finding(
                row=row,
                column="value",
                value=now,
                rule="value_jump",
                message=(
                    f"{series} {direction} from {show(previous)} in {previous_period[0]} "
                    f"Q{previous_period[1]} to {now} in {year} Q{quarter} "
                    f"(more than {factor:g}×). Check it is right."
                ),
                severity="warning",
            )
        )
    return findings


def _jumps(value: np.ndarray, previous: np.ndarray, counts: np.ndarray, factor: float) -> np.ndarray:
    """Which (value, previous) pairs moved by more than ``factor``, either way (not small counts on both sides)."""
    new, old = np.abs(value), np.abs(previous)
    both = (new > 0) & (old > 0) & (np.sign(value) == np.sign(previous))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.maximum(new, old) / np.where(both, np.minimum(new, old), np.nan)
    small = counts & (new < SMALL_COUNT) & (old < SMALL_COUNT)
    return both & (ratio > factor) & ~small


def _value_jumps_merged(
    incoming: pd.DataFrame, history: pd.DataFrame, factor: float, row_of: Mapping[object, int]
) -> list[Finding]:
    earlier = pd.concat([history, incoming], ignore_index=True).drop_duplicates(subset=list(KEY_COLUMNS), keep="last")
    current = incoming.assign(period=_period_number(incoming["year"], incoming["quarter"]))
    current["source_index"] = incoming.index
    joined = current.merge(_previous(earlier), on=[*SERIES_COLUMNS, "period"], how="inner")
    counts = joined["indicator_id"].map(_IS_COUNT).eq(True).to_numpy()
    flagged = joined[_jumps(_numbers(joined["value"]), _numbers(joined["previous"]), counts, factor)]
    columns = ["indicator_id", "dimension", "category", "year", "quarter", "value", "previous"]
    return _jump_findings(
        list(flagged[columns].itertuples(index=False, name=None)), factor, row_of, flagged["source_index"].tolist()
    )


def _value_jumps_fast(keys: RowKeys, factor: float, row_of: Mapping[object, int]) -> list[Finding]:
    incoming = keys.incoming
    if keys.missing(SERIES_COLUMNS):
        raise _Unsupported("a missing key")
    if incoming["year"].dtype.kind != "i" or incoming["quarter"].dtype.kind != "i":
        raise _Unsupported("years or quarters that are not whole-number columns (a message shows them as they are)")
    earlier = _earlier_rows(keys)
    series_ids, bound = keys.bounded_ids(SERIES_COLUMNS)
    periods = keys.periods
    low = int(periods.min()) if len(periods) else 0
    span = (int(periods.max()) - low + 2) if len(periods) else 1
    if bound * span > 4 * len(series_ids) + 1024:  # number the series densely, for a small lookup table
        series_ids, bound = compact_ids(series_ids, bound)
    if bound * span >= 2**62:
        raise _Unsupported("too many series and periods")
    at = series_ids * span + (periods - low)  # a series in a period, as one number
    found = _find(at[earlier] + 1, keys.new(at), bound * span)  # each earlier row stands for the quarter after it
    rows = np.flatnonzero(found >= 0)
    before = earlier[found[rows]]  # the earlier row of each, history then incoming
    old_values, new_values = _numbers(keys.history["value"]), _numbers(incoming["value"])
    previous = np.empty(len(rows))
    stored = before < keys.split
    previous[stored] = old_values[before[stored]]
    previous[~stored] = new_values[before[~stored] - keys.split]
    value = new_values[rows]
    counts = _per_indicator(incoming["indicator_id"], _IS_COUNT)[rows]
    jumped = _jumps(value, previous, counts, factor)
    flagged = rows[jumped]
    if len(flagged) == 0:
        return []
    at_rows = keys.split + flagged
    columns = {
        "indicator_id": keys.text("indicator_id", at_rows),
        "dimension": keys.text("dimension", at_rows),
        "category": keys.text("category", at_rows),
        "year": _integers(incoming["year"])[flagged],
        "quarter": _integers(incoming["quarter"])[flagged],
        "value": value[jumped],
        "previous": previous[jumped],
    }
    labels = incoming.index[flagged]
    return _jump_findings_at_once(columns, factor, _file_rows(row_of, labels))


def _jump_findings_at_once(columns: Mapping[str, object], factor: float, rows: Sequence[int | None]) -> list[Finding]:
    """:func:`_jump_findings` of many rows: the messages are put together column by column."""
    value, previous = columns["value"], columns["previous"]
    year, quarter = columns["year"], columns["quarter"]
    shown = _shown(np.concatenate([value, previous]))
    value_text, previous_text = shown[: len(value)], shown[len(value) :]
    large = pa.large_string()
    indicator, dimension, category = (columns[c].cast(large) for c in ("indicator_id", "dimension", "category"))

    def strings(values: object) -> pa.Array:
        return pa.array(values, type=large)

    def word(literal: str) -> pa.Scalar:
        return pa.scalar(literal, type=large)

    breakdown = pc.binary_join_element_wise(indicator, word(" ("), dimension, word(": "), category, word(")"), word(""))
    series = pc.if_else(pc.equal(dimension, word(TOTAL)), indicator, breakdown)
    direction = np.where(np.abs(value) > np.abs(previous), "rose", "fell")
    previous_year = np.where(quarter > 1, year, year - 1)
    previous_quarter = np.where(quarter > 1, quarter - 1, 4)
    parts = [
        series,
        word(" "),
        strings(direction),
        word(" from "),
        strings(previous_text),
        word(" in "),
        strings(previous_year.astype(str)),
        word(" Q"),
        strings(previous_quarter.astype(str)),
        word(" to "),
        strings(value_text),
        word(" in "),
        strings(year.astype(str)),
        word(" Q"),
        strings(quarter.astype(str)),
        word(f" (more than {factor:g}×). Check it is right."),
    ]
    messages = pc.binary_join_element_wise(*parts, word("")).to_pylist()
    return [
        Finding(row, "value", shown, "value_jump", message, "warning")
        for row, shown, message in zip(rows, value_text, messages, strict=True)
    ]


def _shown(numbers: np.ndarray) -> list[str | None]:
    """``display_value`` of each number (as Python floats), worked out once per distinct number."""
    distinct, position = np.unique(numbers, return_inverse=True)
    texts = [display_value(number) for number in distinct.tolist()]
    return [texts[i] for i in position.tolist()]


def value_jumps(
    incoming: pd.DataFrame, history: pd.DataFrame, factor: float, row_of: Mapping[object, int]
) -> list[Finding]:
    """Rows whose value moved by more than ``factor`` (either way) against the same series a quarter earlier.

    The earlier quarter comes from the file itself when it holds it, else from ``history`` (the stored rows).
    """
    if incoming.empty or factor <= 1:
        return []
    return _value_jumps(RowKeys(incoming, history), factor, row_of)


def _value_jumps(keys: RowKeys, factor: float, row_of: Mapping[object, int]) -> list[Finding]:
    try:
        return _value_jumps_fast(keys, factor, row_of)
    except _Unsupported:
        return _value_jumps_merged(keys.incoming, keys.history, factor, row_of)


def _first_rows(incoming: pd.DataFrame, row_of: Mapping[object, int]) -> dict[tuple, int | None]:
    firsts = incoming.reset_index().groupby(list(SLICE_COLUMNS))["index"].first()
    return {key: row_of.get(index) for key, index in firsts.items()}


def _missing_findings(missing: pd.DataFrame, firsts: Mapping[tuple, int | None]) -> list[Finding]:
    """Findings of ``missing`` (partnership_id, indicator_id, year, quarter, sorted as reported)."""
    findings = []
    for partnership_id, indicator_id, year, quarter in missing.itertuples(index=False, name=None):
        year, quarter = int(year), int(quarter)
        findings.append(
            Finding(
                row=firsts.get((partnership_id, year, quarter)),
                column="indicator_id",
                value=indicator_id,
                rule="indicator_missing",
                message=(
                    f"{partnership_id} reported {indicator_id} in the quarter before {year} Q{quarter} but "
                    "not in this file. If it still applies, add it to the file."
                ),
                severity="warning",
            )
        )
    return findings


def _missing_indicators_merged(
    incoming: pd.DataFrame, history: pd.DataFrame, row_of: Mapping[object, int]
) -> list[Finding]:
    earlier = pd.concat([history, incoming], ignore_index=True)
    earlier = earlier[(earlier["dimension"] == TOTAL) & (earlier["category"] == TOTAL)]
    reported_before = _previous(earlier)[["partnership_id", "indicator_id", "period"]].drop_duplicates()
    now = incoming[(incoming["dimension"] == TOTAL)][["partnership_id", "indicator_id", "year", "quarter"]].copy()
    now["period"] = _period_number(now["year"], now["quarter"])
    slices = incoming[list(SLICE_COLUMNS)].drop_duplicates().copy()
    slices["period"] = _period_number(slices["year"], slices["quarter"])
    expected = slices.merge(reported_before, on=["partnership_id", "period"], how="inner")
    missing = expected.merge(now, on=["partnership_id", "indicator_id", "period"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    missing = missing.sort_values(["partnership_id", "period", "indicator_id"])
    return _missing_findings(
        missing[["partnership_id", "indicator_id", "year_x", "quarter_x"]], _first_rows(incoming, row_of)
    )


def _total_rows(frame: pd.DataFrame, *, category: bool = True) -> np.ndarray:
    total = frame["dimension"] == TOTAL
    if category:
        total = total & (frame["category"] == TOTAL)
    return total.to_numpy(dtype=bool, na_value=False)


def _missing_indicators_fast(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    incoming, history = keys.incoming, keys.history
    if keys.missing(("partnership_id", "indicator_id")):
        raise _Unsupported("a missing key")
    partnership, _ = keys.codes("partnership_id")
    indicator, _ = keys.codes("indicator_id")
    periods = keys.periods
    earlier = np.flatnonzero(np.concatenate([_total_rows(history), _total_rows(incoming)]))
    reported_before = pd.DataFrame(
        {"p": partnership[earlier], "i": indicator[earlier], "period": periods[earlier] + 1, "row": earlier}
    ).drop_duplicates(["p", "i", "period"])
    now_rows = keys.split + np.flatnonzero(_total_rows(incoming, category=False))
    now = pd.DataFrame({"p": partnership[now_rows], "i": indicator[now_rows], "period": periods[now_rows]})
    files = keys.files
    slices = files.slices
    own = keys.split + files.first
    expected = pd.DataFrame({"p": partnership[own], "period": periods[own], "slice": np.arange(len(slices))})
    expected = expected.merge(reported_before, on=["p", "period"], how="inner")
    missing = expected.merge(now.drop_duplicates(), on=["p", "i", "period"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if missing.empty:
        return []
    table = pd.DataFrame(
        {
            "partnership_id": [slices[k].partnership_id for k in missing["slice"]],
            "period": missing["period"].to_numpy(),
            "indicator_id": keys.text("indicator_id", missing["row"].to_numpy()).to_pylist(),
            "year": [slices[k].year for k in missing["slice"]],
            "quarter": [slices[k].quarter for k in missing["slice"]],
        }
    ).sort_values(["partnership_id", "period", "indicator_id"])
    first_rows = files.first_rows(incoming, row_of)
    firsts = {(s.partnership_id, s.year, s.quarter): row for s, row in zip(slices, first_rows, strict=True)}
    return _missing_findings(table[["partnership_id", "indicator_id", "year", "quarter"]], firsts)


def missing_indicators(incoming: pd.DataFrame, history: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    """Indicators with a total row in the quarter before a slice, but none in the slice."""
    if incoming.empty:
        return []
    return _missing_indicators(RowKeys(incoming, history), row_of)


def _missing_indicators(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    try:
        return _missing_indicators_fast(keys, row_of)
    except _Unsupported:
        return _missing_indicators_merged(keys.incoming, keys.history, row_of)


def _unassigned_findings(short: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    findings = []
    for indicator_id, year, quarter, dimension, categories, first, total in short.itertuples(index=False, name=None):
        gap = total - categories
        findings.append(
            Finding(
                row=row_of.get(first),
                column="dimension",
                value=dimension,
                rule="breakdown_unassigned",
                message=(
                    f"The {dimension} categories of {indicator_id} for {year} Q{quarter} cover "
                    f"{display_value(categories)} of {display_value(total)}; {display_value(gap)} are not "
                    "assigned to a category. Add them as 'undisclosed' where you know them to be."
                ),
                severity="warning",
            )
        )
    return findings


_UNASSIGNED_COLUMNS = ["indicator_id", "year", "quarter", "dimension", "categories", "first", "total"]


def _unassigned_people_merged(incoming: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    additive = incoming["indicator_id"].map(_BOUNDED_ADDITIVE).eq(True)
    parts = incoming[additive & (incoming["dimension"] != TOTAL)]
    if parts.empty:
        return []
    group = [*KEY_COLUMNS[:4], "dimension"]
    sums = parts.reset_index().groupby(group).agg(categories=("value", "sum"), first=("index", "first")).reset_index()
    totals = incoming[incoming["dimension"] == TOTAL][[*KEY_COLUMNS[:4], "value"]].rename(columns={"value": "total"})
    joined = sums.merge(totals, on=list(KEY_COLUMNS[:4]), how="inner")
    short = joined[joined["categories"] < joined["total"] - 1e-9]
    return _unassigned_findings(short[_UNASSIGNED_COLUMNS], row_of)


def _unassigned_people_fast(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    incoming = keys.incoming
    if incoming.index.name is not None or "index" in incoming.columns:
        raise _Unsupported("an index that reset_index would not name 'index'")
    if any(incoming[c].isna().any() for c in (*KEY_COLUMNS[:4], "dimension")):
        raise _Unsupported("a missing key")
    dimension = incoming["dimension"]
    parts = np.flatnonzero(
        _per_indicator(incoming["indicator_id"], _BOUNDED_ADDITIVE) & (dimension != TOTAL).to_numpy(dtype=bool)
    )
    if len(parts) == 0:
        return []
    slice_ids = keys.new(keys.ids(KEY_COLUMNS[:4]))
    totals = np.flatnonzero((dimension == TOTAL).to_numpy(dtype=bool))
    if not _unique(slice_ids[totals]):
        raise _Unsupported("two total rows")
    ordered = keys.new(keys.ids([*KEY_COLUMNS[:4], "dimension"]))[parts]
    sums = group_sums(_numbers(incoming["value"])[parts], ordered, np.ones(len(parts), dtype=bool))
    group_first = _firsts(ordered)
    firsts = pd.Series(parts[group_first], index=ordered[group_first]).reindex(sums.index).to_numpy()
    categories = sums.to_numpy(dtype="float64")
    total_at = _lookup(slice_ids[totals], slice_ids[firsts])
    has_total = total_at >= 0
    total = np.full(len(firsts), np.nan)
    total[has_total] = _numbers(incoming["value"])[totals[total_at[has_total]]]
    short = has_total & (categories < total - 1e-9)
    if not short.any():
        return []
    rows = firsts[short]
    table = incoming.iloc[rows][[*KEY_COLUMNS[:4], "dimension"]].reset_index(drop=True)
    table["categories"], table["first"], table["total"] = categories[short], incoming.index[rows], total[short]
    table = table.sort_values([*KEY_COLUMNS[:4], "dimension"])  # groupby's order
    return _unassigned_findings(table[_UNASSIGNED_COLUMNS], row_of)


def unassigned_people(incoming: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    """Breakdowns of additive indicators whose categories add up to less than the total."""
    return _unassigned_people(RowKeys(incoming, incoming.iloc[:0]), row_of)


def _unassigned_people(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    try:
        return _unassigned_people_fast(keys, row_of)
    except _Unsupported:
        return _unassigned_people_merged(keys.incoming, row_of)


def _published_findings(slices: Iterable[Slice], first_rows: Iterable[int | None], published: set[Slice]) -> list:
    return [
        Finding(
            row=row,
            column="quarter",
            value=str(current.quarter),
            rule="replaces_published",
            message=(
                f"{current.partnership_id} {current.year} Q{current.quarter} is already published. This upload "
                "replaces the submitted figures; the public keeps seeing the published ones until a reviewer "
                "publishes again."
            ),
            severity="warning",
        )
        for current, row in zip(slices, first_rows, strict=True)
        if current in published
    ]


def replaced_published(
    incoming: pd.DataFrame, published_slices: Iterable[Slice], row_of: Mapping[object, int]
) -> list[Finding]:
    """Slices of the file that are already published."""
    published = set(published_slices)
    try:
        files = RowKeys(incoming, incoming.iloc[:0]).files
        slices, first_rows = files.slices, files.first_rows(incoming, row_of)
    except _Unsupported:
        firsts = _first_rows(incoming, row_of)
        slices = slices_of(incoming)
        first_rows = [firsts.get((s.partnership_id, s.year, s.quarter)) for s in slices]
    return _published_findings(slices, first_rows, published)


def slice_set(frame: pd.DataFrame) -> set[Slice]:
    """``set(slices_of(frame))``, looking at each slice's first row only."""
    try:
        return set(RowKeys(frame, frame.iloc[:0]).files.slices)
    except _Unsupported:
        return set(slices_of(frame))


def _sorted_warnings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.row or 0, f.rule))


def upload_warnings(
    incoming: pd.DataFrame,
    history: pd.DataFrame,
    published_slices: Iterable[Slice],
    *,
    change_factor: float,
    row_of: Mapping[object, int],
) -> list[Finding]:
    """Every warning of an accepted file, in file order. ``history`` is the stored submitted rows of the file's
    partnerships around its quarters; ``row_of`` maps the frame's index to file rows."""
    published = list(published_slices)
    findings = [
        *value_jumps(incoming, history, change_factor, row_of),
        *missing_indicators(incoming, history, row_of),
        *unassigned_people(incoming, row_of),
        *replaced_published(incoming, published, row_of),
    ]
    return _sorted_warnings(findings)


@dataclass
class UploadPreview:
    """What :func:`preview_changes`, :func:`largest_changes` and :func:`upload_warnings` say about one file."""

    changes: list[SliceChange]
    largest: pd.DataFrame
    warnings: list[Finding]


def preview_upload(
    incoming: pd.DataFrame,
    history: pd.DataFrame,
    published_slices: Iterable[Slice],
    *,
    change_factor: float,
    row_of: Mapping[object, int],
    limit: int = 10,
    coded: CodedHistory | None = None,
) -> UploadPreview:
    """The preview and the warnings of one file at once: the same answers as the three functions, with the key
    columns of the file and the stored rows coded once for all of them (the stored rows' text maybe ahead:
    ``coded``, see :func:`code_history`)."""
    published = set(published_slices)
    keys = RowKeys(incoming, history, coded)
    try:
        comparison = keys.comparison
        changes, largest = _changes(comparison, published), _largest(comparison, limit)
    except _Unsupported:
        compared = _compare_rows_merged(incoming, history)
        changes = preview_changes(incoming, history, published, compared=compared)
        largest = largest_changes(incoming, history, limit, compared=compared)
    findings = []
    if not incoming.empty:
        if change_factor > 1:
            findings += _value_jumps(keys, change_factor, row_of)
        findings += _missing_indicators(keys, row_of)
    findings += _unassigned_people(keys, row_of)
    try:
        files = keys.files
        findings += _published_findings(files.slices, files.first_rows(incoming, row_of), published)
    except _Unsupported:
        findings += replaced_published(incoming, published, row_of)
    return UploadPreview(changes, largest, _sorted_warnings(findings))
