"""Small-cell suppression: the public version of indicator rows, so that no small group of people can be seen.

The practice (../shared/reference/indicator-frameworks.md section 4) is a threshold rule with complementary
suppression; each indicator's ``disclosure`` block in the catalog says how it concerns people. With k the smallest
count shown (``IMPACT_MIN_CELL_COUNT``, default 10, never below 5):

1. **Primary**: a breakdown value of an indicator that counts people (``people: true``) below k, in absolute value
   and zero included, is hidden (:data:`SMALL_COUNT`). Totals are never hidden.
2. **Complementary within a dimension**: the categories of a dimension add up to the total (which is shown, or can be
   read from another dimension), so when exactly one category of a (partnership, quarter, indicator, dimension) is
   hidden, the smallest other category is hidden too (:data:`COMPLEMENTARY`; ties go to the first category code).
3. **Complementary across quarters**: for flows (year rule ``sum``) the four quarters add up to an annual value that
   may be shown, so when exactly one quarter of a (partnership, year, indicator, dimension, category) is hidden, the
   smallest other quarter of that year is hidden too.
4. Steps 2 and 3 are repeated until nothing changes; each round looks only at the groups the last one touched.
5. **Derived values** (percentages, ratios and averages over people) are hidden when the group they are computed
   over is small, hidden or not reported (:data:`SMALL_GROUP`, :data:`GROUP_NOT_REPORTED`); see :func:`suppress`.

Everything here is plain pandas and numpy, usable by the pages, downloads and embeds alike; callers cache results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from data_contracts import INDICATORS, KEY_COLUMNS, TOTAL
from data_contracts.units import format_value

SMALL_COUNT = "small_count"
"""A breakdown count of people below k."""
COMPLEMENTARY = "complementary"
"""Hidden so that a small count cannot be recovered by subtraction."""
SMALL_GROUP = "small_group"
"""A percentage or ratio computed over, or revealing, fewer than k people or a hidden cell."""
GROUP_NOT_REPORTED = "group_not_reported"
"""A percentage or ratio of a group whose size is not reported."""

REASONS: tuple[str, ...] = (SMALL_COUNT, COMPLEMENTARY, SMALL_GROUP, GROUP_NOT_REPORTED)
"""Every suppression code, in order of the rules."""

_TEXTS: Mapping[str, str] = {
    COMPLEMENTARY: "suppressed",
    SMALL_GROUP: "suppressed (small group)",
    GROUP_NOT_REPORTED: "suppressed (group size not reported)",
}

_IDS: tuple[str, ...] = tuple(INDICATORS)
_INDEX: Mapping[str, int] = {indicator_id: i for i, indicator_id in enumerate(_IDS)}
# Per catalog position, with one extra slot at the end for ids not in the catalog (code -1 indexes it).
_PEOPLE = np.array([bool(i.disclosure and i.disclosure.people) for i in INDICATORS.values()] + [False])
_SUMMED = np.array([i.year_rule == "sum" for i in INDICATORS.values()] + [False])
_DERIVED = np.array([bool(i.disclosure and not i.disclosure.people) for i in INDICATORS.values()] + [False])
_NO_CODE = -2  # a code no row has (factorize gives -1 to missing values)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | float | np.integer | np.floating) or not k >= 1:
        raise ValueError(f"k must be a number of people of at least 1; found {k!r}")
    return int(math.ceil(k))


def suppression_text(reason: str, k: int) -> str:
    """What the public reads instead of a hidden value: "" for a shown one, "fewer than 10" for a small count,
    "suppressed" for a complementary cell, "suppressed (small group)", "suppressed (group size not reported)"."""
    reason = "" if reason is None or (isinstance(reason, float) and math.isnan(reason)) else str(reason)
    if reason == "":
        return ""
    if reason == SMALL_COUNT:
        return f"fewer than {_check_k(k)}"
    try:
        return _TEXTS[reason]
    except KeyError:
        raise ValueError(f"unknown suppression reason {reason!r}; expected one of {', '.join(REASONS)}") from None


# --- encoding ---------------------------------------------------------------------------------------------------


class _Encoded:
    """Integer codes of the key columns of indicator rows, positionally (index and dtypes do not matter)."""

    def __init__(self, rows: pd.DataFrame) -> None:
        missing = [c for c in (*KEY_COLUMNS, "value") if c not in rows.columns]
        if missing:
            raise KeyError(f"indicator rows need the columns {', '.join(missing)}")
        self.n = len(rows)
        self.pid = pd.factorize(rows["partnership_id"])[0]
        self.year = _integers(rows["year"])
        self.quarter = _integers(rows["quarter"])
        codes, uniques = pd.factorize(rows["indicator_id"])
        lookup = np.array([_INDEX.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
        self.ind = lookup[codes]
        self.dim, dims = pd.factorize(rows["dimension"])
        self.cat, cats = pd.factorize(rows["category"], sort=True)  # codes in the order of the category codes
        self.dim_code = {str(d): i for i, d in enumerate(dims)}
        self.cat_code = {str(c): i for i, c in enumerate(cats)}
        self.total = self.dim_code.get(TOTAL, _NO_CODE)
        self.value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        self.finite = np.isfinite(self.value)

    def dimension(self, code: str) -> int:
        return self.dim_code.get(code, _NO_CODE)

    def category(self, code: str) -> int:
        return self.cat_code.get(code, _NO_CODE)


def _integers(column: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isfinite(numbers), numbers, -1).astype(np.int64)


# --- people counts: primary and complementary suppression --------------------------------------------------------


class _Groups:
    """Rows partitioned into groups, each group's rows sorted by the order complements are picked in."""

    def __init__(self, group: np.ndarray, *sort_keys: np.ndarray) -> None:
        self.group = group
        used = group >= 0
        order = np.lexsort((*reversed(sort_keys), group))  # group first, then the sort keys in the order given
        self.order = order[used[order]]
        sorted_groups = group[self.order]
        count = int(group.max()) + 1 if used.any() else 0
        self.starts = np.searchsorted(sorted_groups, np.arange(count), side="left")
        self.ends = np.searchsorted(sorted_groups, np.arange(count), side="right")

    def complements(self, groups: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Among ``groups``, those with exactly one hidden row: their first shown row (none if all are hidden)."""
        groups = groups[groups >= 0]
        if groups.size == 0:
            return np.empty(0, dtype=np.int64)
        lengths = self.ends[groups] - self.starts[groups]
        offsets = np.cumsum(lengths) - lengths
        flat = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths) + np.repeat(self.starts[groups], lengths)
        rows = self.order[flat]
        is_hidden = hidden[rows]
        counts = np.add.reduceat(is_hidden.astype(np.int64), offsets)
        shown = np.flatnonzero(~is_hidden)
        if shown.size == 0:
            return np.empty(0, dtype=np.int64)
        first = np.searchsorted(shown, offsets)
        found = first < shown.size
        first_shown = shown[np.minimum(first, shown.size - 1)]
        pick = (counts == 1) & found & (first_shown < offsets + lengths)
        return rows[first_shown[pick]]


def _suppress_people(codes: _Encoded, k: int, reason: np.ndarray) -> None:
    """Rules 1–4 on the breakdown rows of people counts (rows with a missing value take no part)."""
    rows = np.flatnonzero(_PEOPLE[codes.ind] & (codes.dim != codes.total) & codes.finite)
    if rows.size == 0:
        return
    size = np.abs(codes.value[rows])
    keys = pd.DataFrame(
        {
            "pid": codes.pid[rows],
            "year": codes.year[rows],
            "quarter": codes.quarter[rows],
            "ind": codes.ind[rows],
            "dim": codes.dim[rows],
            "cat": codes.cat[rows],
        }
    )
    in_dimension = keys.groupby(["pid", "year", "quarter", "ind", "dim"], sort=False).ngroup().to_numpy()
    in_year = keys.groupby(["pid", "year", "ind", "dim", "cat"], sort=False).ngroup().to_numpy()
    in_year = np.where(_SUMMED[codes.ind[rows]], in_year, -1)
    categories = _Groups(in_dimension, size, keys["cat"].to_numpy())
    quarters = _Groups(in_year, size, keys["quarter"].to_numpy())

    hidden = size < k
    complementary = np.zeros(rows.size, dtype=bool)
    dirty_dimensions = np.unique(in_dimension[hidden])
    dirty_years = np.unique(in_year[hidden])
    while dirty_dimensions.size or dirty_years.size:
        picked = categories.complements(dirty_dimensions, hidden)
        hidden[picked] = complementary[picked] = True
        dirty_years = np.unique(np.concatenate([dirty_years, in_year[picked]]))
        picked = quarters.complements(dirty_years, hidden)
        hidden[picked] = complementary[picked] = True
        dirty_dimensions = np.unique(in_dimension[picked])
        dirty_years = np.empty(0, dtype=np.int64)
    reason[rows[hidden & ~complementary]] = SMALL_COUNT
    reason[rows[complementary]] = COMPLEMENTARY


# --- derived values: percentages, ratios and averages over people ------------------------------------------------


class _Cells:
    """Looks up people-count cells by (partnership, year, quarter, indicator, dimension, category)."""

    def __init__(self, codes: _Encoded, reason: np.ndarray) -> None:
        rows = np.flatnonzero(_PEOPLE[codes.ind] & codes.finite)
        index = pd.MultiIndex.from_arrays(
            [codes.pid[rows], codes.year[rows], codes.quarter[rows], codes.ind[rows], codes.dim[rows], codes.cat[rows]]
        )
        first = ~index.duplicated()
        self.index = index[first]
        self.value = codes.value[rows][first]
        self.hidden = (reason[rows] != "")[first]

    def find(self, pid, year, quarter, ind, dim, cat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whether each cell exists, its value (NaN if not) and whether it is hidden."""
        n = len(pid)
        if n == 0 or len(self.index) == 0:
            return np.zeros(n, dtype=bool), np.full(n, np.nan), np.zeros(n, dtype=bool)
        dim = np.broadcast_to(dim, (n,))
        cat = np.broadcast_to(cat, (n,))
        at = self.index.get_indexer(pd.MultiIndex.from_arrays([pid, year, quarter, ind, dim, cat]))
        found = (at >= 0) & (ind >= 0)
        safe = np.where(found, at, 0)
        return found, np.where(found, self.value[safe], np.nan), found & self.hidden[safe]


def _suppress_derived(codes: _Encoded, k: int, reason: np.ndarray) -> None:
    """Rule 5 on the rows of indicators whose disclosure block is not ``people``."""
    rows = np.flatnonzero(_DERIVED[codes.ind] & codes.finite)
    if rows.size == 0:
        return
    cells = _Cells(codes, reason)
    for ind in np.unique(codes.ind[rows]):
        item = INDICATORS[_IDS[ind]]
        disclosure = item.disclosure
        assert disclosure is not None
        mine = rows[codes.ind[rows] == ind]
        keys = (codes.pid[mine], codes.year[mine], codes.quarter[mine])
        dim, cat = codes.dim[mine], codes.cat[mine]
        is_total = dim == codes.total
        out = np.full(mine.size, "", dtype=object)
        if disclosure.population is None:
            out[~is_total] = GROUP_NOT_REPORTED
            reason[mine] = out
            continue
        population = np.full(mine.size, _INDEX[disclosure.population])
        found, size, hidden = cells.find(*keys, population, dim, cat)
        small = found & ((size < k) | hidden)
        if disclosure.numerator is not None:
            numerator = np.full(mine.size, _INDEX[disclosure.numerator])
            small |= cells.find(*keys, numerator, dim, cat)[2]
        if disclosure.share:
            fraction = codes.value[mine] / 100 if item.unit == "percent" else codes.value[mine]
            with np.errstate(invalid="ignore"):
                implied = np.round(fraction * size)
                small |= found & ((implied < k) | (size - implied < k))
        if disclosure.share_of is not None:
            group = disclosure.share_of
            group_hidden = cells.find(
                *keys, population, codes.dimension(group.dimension), codes.category(group.category)
            )[2]
            # On the total row the share times the population is the group's count. On breakdown rows too: the
            # group's counts within the categories of a dimension (share x population cell) add up to it.
            small |= group_hidden
        not_reported = ~found
        if disclosure.groups is not None:
            groups = disclosure.groups
            for category in groups.categories:
                there, count, hidden_group = cells.find(
                    *keys, population, codes.dimension(groups.dimension), codes.category(category)
                )
                small |= is_total & there & ((count < k) | hidden_group)
                not_reported |= is_total & ~there
            not_reported |= ~is_total
        out[not_reported] = GROUP_NOT_REPORTED
        out[small & found] = SMALL_GROUP
        reason[mine] = out


# --- public API ----------------------------------------------------------------------------------------------------


def _reasons(rows: pd.DataFrame, k: int) -> np.ndarray:
    codes = _Encoded(rows)
    reason = np.full(codes.n, "", dtype=object)
    _suppress_people(codes, k, reason)
    _suppress_derived(codes, k, reason)
    reason[~codes.finite] = ""
    return reason


def suppress(rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """Public version of indicator rows: same rows, same index and order, every input column kept, plus a string
    column ``suppression`` ("" when shown, else one of :data:`REASONS`); ``value`` is NaN and ``note`` (if present)
    is blank where suppressed. Works on rows of several datasets and partnerships at once (populations cross
    datasets: a share of the workforce in the diversity dataset needs the workforce headcount rows). Never mutates
    the input.

    Rows of people counts follow the primary and complementary rules of the module. A derived row (its indicator has
    a ``disclosure`` block that is not ``people``) of (partnership, year, quarter, dimension d, category c):

    - ``population: null``: hidden on breakdowns (:data:`GROUP_NOT_REPORTED`), shown on the total;
    - the population cell P (population indicator, same keys) missing: :data:`GROUP_NOT_REPORTED`; P below k or
      hidden: :data:`SMALL_GROUP`; the numerator cell hidden: :data:`SMALL_GROUP`;
    - a share implying fewer than k people in the group or outside it (round(value/100 × P), or value × P for a
      ratio): :data:`SMALL_GROUP`; the ``share_of`` group's cell (population indicator, same partnership and
      quarter) hidden: :data:`SMALL_GROUP`, on the total row (share × P is the group's count) and, beyond the
      catalog's literal rule, on breakdown rows too (the shares times the population cells of a dimension add up
      to the group's count);
    - ``groups``: on the total row each group's cell below k or hidden: :data:`SMALL_GROUP`, missing:
      :data:`GROUP_NOT_REPORTED`; on breakdown rows (no cross-tabulation exists): :data:`GROUP_NOT_REPORTED`.

    Rows of indicators without a disclosure block or not in the catalog, and rows with a missing value, are shown.
    """
    k = _check_k(k)
    out = rows.copy()
    if out.empty and not set(KEY_COLUMNS) <= set(out.columns):
        out["suppression"] = pd.Series(dtype=str)
        return out
    reason = _reasons(rows, k)
    hidden = reason != ""
    if "value" in out:
        values = pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
        values[hidden] = np.nan
        out["value"] = values
    if "note" in out and hidden.any():
        note = out["note"]
        if isinstance(note.dtype, pd.CategoricalDtype):
            note = note.astype(object)
        out["note"] = note.where(~hidden, "")
    out["suppression"] = pd.Series(reason.tolist(), index=out.index, dtype=str)
    return out


def shown_values(rows_after_suppress: pd.DataFrame, k: int) -> pd.Series:
    """What the public reads for each row: the number as people read it
    (:func:`~dashboard.analytics.metrics.format_value` in the indicator's unit) or the suppression text. Rows without a
    ``suppression`` column are suppressed first."""
    rows = rows_after_suppress
    if "suppression" not in rows:
        rows = suppress(rows, k)
    units = {indicator_id: item.unit for indicator_id, item in INDICATORS.items()}
    texts = [
        format_value(float(value), units.get(str(indicator_id), "count"))
        if reason == ""
        else suppression_text(reason, k)
        for indicator_id, value, reason in zip(
            rows["indicator_id"],
            pd.to_numeric(rows["value"], errors="coerce"),
            rows["suppression"].fillna("").astype(str),
            strict=True,
        )
    ]
    return pd.Series(texts, index=rows.index, dtype=str)


def public_marker(rows: pd.DataFrame, k: int) -> pd.Series:
    """For staff views of true values: "" where the public sees the value, else what the public reads instead
    (computed by :func:`suppress` on the same rows, so pass every row the public version is made from)."""
    reasons = suppress(rows, k)["suppression"]
    return pd.Series([suppression_text(r, k) for r in reasons], index=rows.index, dtype=str)


def suppress_annual(
    points: pd.DataFrame,
    indicator_id: str,
    dimension: str,
    k: int,
    quarterly: pd.DataFrame | None = None,
    *,
    partnership_id: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Annual points (columns year, value; optionally partnership_id and category) of one series made safe: a copy
    with a ``suppression`` column, and NaN values where hidden.

    ``quarterly`` is that partnership's true rows of every dataset (a population may sit in another dataset);
    ``partnership_id`` and ``category`` name the series when ``points`` has no such columns (when neither does,
    every partnership's or category's rows of the year count, which hides more, never less).

    - Indicators without a disclosure block, and totals of people counts, are returned unchanged.
    - People counts: a breakdown year with |value| < k is hidden (:data:`SMALL_COUNT`). The annual value of a stock
      (year rule ``last``) is its last quarter's value, so with ``quarterly`` given a year whose last quarterly row
      is hidden in ``suppress(quarterly, k)`` is hidden too (:data:`COMPLEMENTARY`): showing it would reveal a
      complementary cell. Annual sums of flows may be shown: complementary suppression across quarters protects
      the quarters behind them.
    - Derived indicators (a disclosure block that is not ``people``): breakdowns of ``population: null`` are hidden
      (:data:`GROUP_NOT_REPORTED`). Otherwise a year is hidden (:data:`SMALL_GROUP`) when any of that year's
      quarterly rows of the same partnership, indicator, dimension and category is hidden in ``suppress(quarterly,
      k)`` (totals too, as in the quarterly view). Without ``quarterly``, or when it has no row of the series for the
      year, breakdown years are hidden (:data:`GROUP_NOT_REPORTED`) and totals shown.
    """
    k = _check_k(k)
    out = points.copy()
    n = len(out)
    reason = np.full(n, "", dtype=object)
    item = INDICATORS.get(indicator_id)
    disclosure = item.disclosure if item is not None else None
    is_total = dimension == TOTAL
    values = pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
    if n and item is not None and disclosure is not None:
        if disclosure.people:
            if not is_total:
                with np.errstate(invalid="ignore"):
                    reason[np.abs(values) < k] = SMALL_COUNT
                if quarterly is not None and item.year_rule == "last":
                    state = _quarterly_state(out, quarterly, item.id, dimension, k, partnership_id, category)
                    reason[(reason == "") & state["last_hidden"]] = COMPLEMENTARY
        elif disclosure.population is None or quarterly is None:
            if not is_total:
                reason[:] = GROUP_NOT_REPORTED
        else:
            state = _quarterly_state(out, quarterly, item.id, dimension, k, partnership_id, category)
            reason[state["any_hidden"]] = SMALL_GROUP
            if not is_total:
                reason[~state["reported"]] = GROUP_NOT_REPORTED
    reason[~np.isfinite(values)] = ""
    values[reason != ""] = np.nan
    out["value"] = values
    out["suppression"] = pd.Series(reason.tolist(), index=out.index, dtype=str)
    return out


def _quarterly_state(
    points: pd.DataFrame,
    quarterly: pd.DataFrame,
    indicator_id: str,
    dimension: str,
    k: int,
    partnership_id: str | None,
    category: str | None,
) -> dict[str, np.ndarray]:
    """Per annual point, from ``suppress(quarterly, k)``: whether its year has quarterly rows of the series
    (``reported``), whether any of them is hidden (``any_hidden``) and whether the year's last one is."""
    disclosure = INDICATORS[indicator_id].disclosure
    assert disclosure is not None
    needed = {indicator_id, disclosure.population, disclosure.numerator} - {None}
    rows = quarterly[quarterly["indicator_id"].isin(needed)]
    if partnership_id is not None:
        rows = rows[rows["partnership_id"] == partnership_id]
    safe = suppress(rows, k)
    safe = safe[(safe["indicator_id"] == indicator_id) & (safe["dimension"] == dimension)]
    series = pd.DataFrame(
        {
            "year": _integers(safe["year"]),
            "quarter": _integers(safe["quarter"]),
            "hidden": (safe["suppression"] != "").to_numpy(dtype=bool),
        }
    )
    wanted = pd.DataFrame({"_point": np.arange(len(points)), "year": _integers(points["year"])})
    keys = ["year"]
    for column, given in (("partnership_id", partnership_id), ("category", category)):
        if given is not None:
            wanted[column] = str(given)
        elif column in points:
            wanted[column] = points[column].astype(str).to_numpy()
        elif column == "category" and dimension == TOTAL:
            wanted[column] = TOTAL
        else:
            continue
        series[column] = safe[column].astype(str).to_numpy()
        keys.append(column)
    series = series.sort_values([*keys, "quarter"])
    per_year = series.groupby(keys, sort=False).agg(any_hidden=("hidden", "any"), last_hidden=("hidden", "last"))
    matched = wanted.merge(per_year.reset_index(), on=keys, how="left").sort_values("_point")
    return {
        "reported": matched["any_hidden"].notna().to_numpy(dtype=bool),
        "any_hidden": matched["any_hidden"].fillna(False).to_numpy(dtype=bool),
        "last_hidden": matched["last_hidden"].fillna(False).to_numpy(dtype=bool),
    }
