"""Annual points from quarterly data, by each indicator's year rule.

- ``sum`` (flows): the four quarters added up.
- ``last`` (stocks): the value at the end of the fourth quarter.
- ``recompute`` (rates, shares, ratios, averages): from annual components, never an average of quarterly rates:
  ``ratio`` annual(numerator) / annual(denominator) × scale; ``weighted_mean`` quarterly values weighted by the
  denominator indicator; ``per_last`` quarterly values × the denominator, summed, over the denominator at year end;
  ``share_of_implied_total`` numerator summed over the total it implies (numerator × scale / share) summed.

Only complete years count: a year enters when all four quarters of the series (and of its components) are
reported, so an incomplete latest year is never compared as if it were complete (:data:`INCOMPLETE_YEAR_RULE`).

Every series is computed the same way, one or many at a time: :func:`annual_table` pivots the quarters of all the
series asked for (and of their components) once and applies each year rule to all partnerships and series at once;
:func:`annual_series` is one series of it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from data_contracts import INDICATORS, SERIES_COLUMNS, TOTAL

INCOMPLETE_YEAR_RULE = (
    "Annual figures and goal progress use complete years only: a year counts once all four of its quarters are "
    "reported. The latest year, while incomplete, is shown quarter by quarter but left out of annual figures."
)

ANNUAL_COLUMNS = ["partnership_id", "year", "value"]
SERIES_KEYS = list(SERIES_COLUMNS)
"""A series of one partnership: an indicator's total, or one category of one of its breakdowns."""
ANNUAL_TABLE_COLUMNS = [*SERIES_KEYS, "year", "value"]

Series = tuple[str, str, str]
"""(indicator_id, dimension, category)."""


def components(indicator_id: str) -> tuple[str, ...]:
    """The indicators whose quarterly rows the annual value of ``indicator_id`` is made from (itself included when
    its own quarters enter), following recomputed components down."""
    spec = INDICATORS[indicator_id].recompute
    if spec is None:
        return (indicator_id,)
    if spec.method == "ratio":
        found = [*components(spec.numerator), *components(spec.denominator)]
    elif spec.method == "share_of_implied_total":
        found = [spec.numerator, indicator_id]
    else:
        found = [indicator_id, spec.denominator]
    return tuple(dict.fromkeys(found))


# ---- codes ----------------------------------------------------------------------------------------------------------


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values of a column; categoricals give theirs for free."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype=np.int64), column.cat.categories
    codes, uniques = pd.factorize(column)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _combine(parts: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One int64 key from several code arrays (mixed radix); -1 where any part is -1."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    missing = np.zeros(len(parts[0]), dtype=bool)
    for codes, size in zip(parts, sizes, strict=True):
        key *= max(size, 1)
        key += codes
        if codes.size and codes.min() < 0:
            missing |= codes < 0
    key[missing] = -1
    return key


DENSE_LIMIT = 50_000_000
"""Largest number of possible key combinations :func:`select_series` looks up in a table of flags (one byte each)
rather than by sorting."""


def select_series(frame: pd.DataFrame, wanted: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` belong to a series in ``wanted`` (a frame with some of the columns partnership_id,
    indicator_id, dimension, category): a boolean mask, computed on integer codes (a semi join)."""
    columns = [c for c in SERIES_KEYS if c in wanted.columns]
    if frame.empty or wanted.empty:
        return np.zeros(len(frame), dtype=bool)
    row_parts, want_parts, sizes = [], [], []
    for column in columns:
        codes, uniques = _codes(frame[column])
        row_parts.append(codes)
        want_parts.append(uniques.get_indexer(pd.Index(wanted[column].astype(object))).astype(np.int64))
        sizes.append(len(uniques))
    known = np.logical_and.reduce([w >= 0 for w in want_parts])
    if not known.any():
        return np.zeros(len(frame), dtype=bool)
    want_parts = [w[known] for w in want_parts]
    if int(np.prod([max(n, 1) for n in sizes], dtype=np.float64)) <= DENSE_LIMIT:
        flags = np.zeros([max(n, 1) for n in sizes], dtype=bool)
        flags[tuple(want_parts)] = True
        present = np.logical_and.reduce([codes >= 0 for codes in row_parts])
        mask = flags[tuple(np.where(present, codes, 0) if not present.all() else codes for codes in row_parts)]
        return mask & present
    rows = _combine(row_parts, sizes)
    want = np.unique(_combine(want_parts, sizes))
    return (rows >= 0) & np.isin(rows, want)


# ---- the quarters of many series ------------------------------------------------------------------------------------


class _Quarters:
    """Quarterly values of many series: one group per (partnership, indicator, dimension, category, year), with the
    four quarters side by side (NaN where a quarter is missing; the first row of a quarter counts)."""

    def __init__(self, rows: pd.DataFrame) -> None:
        quarter = pd.to_numeric(rows["quarter"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        parts, sizes = [], []
        for column in (*SERIES_KEYS, "year"):
            codes, uniques = _codes(rows[column])
            parts.append(codes)
            sizes.append(len(uniques))
        usable = ~np.isnan(value) & np.isin(quarter, (1.0, 2.0, 3.0, 4.0))
        key = _combine(parts, sizes)
        usable &= key >= 0
        at = np.flatnonzero(usable)
        group, _ = pd.factorize(key[at])
        n = int(group.max()) + 1 if group.size else 0
        first = np.empty(n, dtype=np.int64)
        first[group[::-1]] = at[::-1]  # the first row of each group, in frame order
        self.q = np.full((n, 4), np.nan)
        self.q[group[::-1], quarter[at][::-1].astype(np.int64) - 1] = value[at][::-1]  # the first row wins
        keys = rows.iloc[first]
        self.indicator = keys["indicator_id"].astype(object).to_numpy()
        self.keys = keys[[*SERIES_KEYS, "year"]].reset_index(drop=True)
        # (partnership, dimension, category, year) of each group: where the components of one annual value meet
        self.cell = _combine([parts[0][first], parts[2][first], parts[3][first], parts[4][first]],
                             [sizes[0], sizes[2], sizes[3], sizes[4]])  # fmt: skip

    def of(self, indicator_id: str) -> np.ndarray:
        return np.flatnonzero(self.indicator == indicator_id)


class _Annual:
    """Annual values of one indicator: positions of its groups in :class:`_Quarters` (whose keys name the
    partnership, dimension, category and year) and their values."""

    def __init__(self, at: np.ndarray, value: np.ndarray) -> None:
        self.at, self.value = at, value


def _meet(quarters: _Quarters, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``left`` and in ``right`` (group positions of two indicators) of the pairs with the same
    partnership, dimension, category and year (an inner join)."""
    found = pd.Index(quarters.cell[right]).get_indexer(quarters.cell[left])
    at_left = np.flatnonzero(found >= 0)
    return at_left, found[at_left]


def _simple(quarters: _Quarters, indicator_id: str) -> _Annual:
    at = quarters.of(indicator_id)
    q = quarters.q[at]
    complete = ~np.isnan(q).any(axis=1)
    at, q = at[complete], q[complete]
    values = q.sum(axis=1) if INDICATORS[indicator_id].year_rule == "sum" else q[:, 3]
    return _Annual(at, values)


def _recompute(quarters: _Quarters, indicator_id: str, memo: dict[str, _Annual]) -> _Annual:
    spec = INDICATORS[indicator_id].recompute
    assert spec is not None
    if spec.method == "ratio":
        numerator = _dropna(_annual(quarters, spec.numerator, memo))
        denominator = _dropna(_annual(quarters, spec.denominator, memo))
        i, j = _meet(quarters, numerator.at, denominator.at)
        d_value = denominator.value[j]
        d_value = np.where(d_value == 0, np.nan, d_value)
        return _Annual(numerator.at[i], numerator.value[i] / d_value * spec.scale)
    values_id = indicator_id if spec.method != "share_of_implied_total" else spec.numerator
    weights_id = spec.denominator if spec.method != "share_of_implied_total" else indicator_id
    left, right = quarters.of(values_id), quarters.of(weights_id)
    i, j = _meet(quarters, left, right)
    left, right = left[i], right[j]
    v, w = quarters.q[left], quarters.q[right]
    complete = ~(np.isnan(v).any(axis=1) | np.isnan(w).any(axis=1))
    left, right, v, w = left[complete], right[complete], v[complete], w[complete]
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.method == "weighted_mean":
            value = (v * w).sum(axis=1) / w.sum(axis=1)
        elif spec.method == "per_last":
            value = (v * w).sum(axis=1) / w[:, 3]
        else:  # share_of_implied_total: v = spend, w = share (%)
            implied_total = np.where(w > 0, v * spec.scale / w, np.nan)
            value = v.sum(axis=1) / implied_total.sum(axis=1) * spec.scale
    value = np.where(np.isfinite(value), value, np.nan)
    return _Annual(left if values_id == indicator_id else right, value)  # keyed by the indicator's own groups


def _dropna(annual: _Annual) -> _Annual:
    keep = ~np.isnan(annual.value)
    return _Annual(annual.at[keep], annual.value[keep])


def _annual(quarters: _Quarters, indicator_id: str, memo: dict[str, _Annual]) -> _Annual:
    if indicator_id not in memo:
        if INDICATORS[indicator_id].year_rule == "recompute":
            memo[indicator_id] = _recompute(quarters, indicator_id, memo)
        else:
            memo[indicator_id] = _simple(quarters, indicator_id)
    return memo[indicator_id]


def _asked(series: Iterable[Series] | pd.DataFrame) -> pd.DataFrame:
    """The series asked for as a frame of series keys (with partnership_id when the request names partnerships)."""
    if isinstance(series, pd.DataFrame):
        columns = [c for c in SERIES_KEYS if c in series.columns]
        return series[columns].astype(object).drop_duplicates(ignore_index=True)
    return pd.DataFrame(list(series), columns=SERIES_KEYS[1:], dtype=object).drop_duplicates(ignore_index=True)


def _with_components(asked: pd.DataFrame) -> pd.DataFrame:
    """The series asked for and the component series their annual values need (same partnership, dimension and
    category)."""
    parts = [asked]
    for indicator_id in asked["indicator_id"].unique():
        if indicator_id not in INDICATORS:
            continue
        for component in components(str(indicator_id)):
            if component != indicator_id:
                parts.append(asked[asked["indicator_id"] == indicator_id].assign(indicator_id=component))
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def annual_table(frame: pd.DataFrame, series: Iterable[Series] | pd.DataFrame) -> pd.DataFrame:
    """Annual values of many series at once, complete years only: partnership_id, indicator_id, dimension,
    category, year, value (missing values dropped), in no particular order.

    ``series`` is (indicator_id, dimension, category) triples, computed for every partnership in ``frame``, or a
    frame of :data:`SERIES_KEYS` naming each partnership's series (a semi join: rows of other series are not even
    pivoted). ``frame`` holds indicator rows of every dataset the rules may need. The key columns keep the dtypes
    of ``frame``.
    """
    asked = _asked(series)
    empty = pd.DataFrame({c: pd.Series(dtype=frame[c].dtype if c in frame else object) for c in SERIES_KEYS})
    empty = empty.assign(year=pd.Series(dtype="int64"), value=pd.Series(dtype="float64"))
    if asked.empty or frame.empty:
        return empty
    rows = frame[select_series(frame, _with_components(asked))]
    if rows.empty:
        return empty
    quarters = _Quarters(rows)
    memo: dict[str, _Annual] = {}
    parts = []
    for indicator_id in asked["indicator_id"].unique():
        if indicator_id not in INDICATORS:
            continue
        result = _annual(quarters, str(indicator_id), memo)
        keep = ~np.isnan(result.value)
        part = quarters.keys.iloc[result.at[keep]].reset_index(drop=True)
        parts.append(part.assign(indicator_id=np.full(len(part), indicator_id, dtype=object), value=result.value[keep]))
    if not parts:
        return empty
    table = pd.concat(parts, ignore_index=True)
    kind = frame["indicator_id"].dtype  # a ratio's groups are its numerator's: the id is the indicator's own
    table["indicator_id"] = table["indicator_id"].astype("category" if isinstance(kind, pd.CategoricalDtype) else kind)
    table = table[select_series(table, asked)]  # components were computed for the series asked, not for show
    return table.astype({"year": "int64", "value": "float64"}).reset_index(drop=True)


def annual_series(
    frame: pd.DataFrame, indicator_id: str, *, dimension: str = TOTAL, category: str = TOTAL
) -> pd.DataFrame:
    """Annual values of one series for every partnership with complete years: partnership_id, year, value.

    ``frame`` holds indicator rows of every dataset the rule may need (recomputed indicators use components that
    can sit in another dataset, e.g. training hours per worker uses the workforce headcount).
    """
    INDICATORS[indicator_id]  # an unknown indicator is an error, as it always was
    needed = list(components(indicator_id))
    if frame.empty:
        rows = frame
    else:
        rows = frame[frame["indicator_id"].isin(needed)]  # one pass over the frame, then the few rows left
        rows = rows[(rows["dimension"] == dimension) & (rows["category"] == category)]
    result = annual_table(rows, [(indicator_id, dimension, category)])
    if result.empty:
        return pd.DataFrame(
            {
                "partnership_id": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
                "value": pd.Series(dtype="float64"),
            }
        )
    return result[ANNUAL_COLUMNS].sort_values(["partnership_id", "year"], ignore_index=True)
