"""The rules of the four indicator datasets, each declared once: id, column, vectorised check, message and severity.

:func:`indicator_rules` lists them for one dataset. The checks work on the whole frame at once (integer codes of the
key columns, lookup tables of the catalog): they run on every row of every upload. Two rules depend on the context
of a validation: ``quarter_not_future`` (the clock) and ``partnership_known`` (the partnerships of the store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.catalog import INDICATORS
from data_contracts.columns import (
    compact_ids,
    first_positions,
    group_ids,
    group_ids_bounded,
    positions_in,
    repeated_ids,
)
from data_contracts.findings import display_value
from data_contracts.indicator_row import INDICATOR_COLUMN_SPECS, KEY_COLUMNS
from data_contracts.quarters import Quarter
from data_contracts.rules import FrameCheck, Rule, RuleContext
from data_contracts.units import UNITS
from data_contracts.vocabularies import DIMENSIONS, TOTAL

MIN_YEAR = 2000
"""The earliest year a figure (or a goal's baseline) may belong to."""

_UNIT = {i.id: i.unit for i in INDICATORS.values()}
_DATASET_OF = {i.id: i.dataset for i in INDICATORS.values()}
_WHOLE = {i.id: i.whole_number for i in INDICATORS.values()}
_SIGNED = {i.id: i.signed for i in INDICATORS.values()}
_ADDITIVE = {i.id: i.additive for i in INDICATORS.values()}
_ALLOWED_PAIRS = {(i.id, dim): True for i in INDICATORS.values() for dim in (TOTAL, *i.breakdowns)}
_VALID_CATEGORY = {(dim.code, cat): True for dim in DIMENSIONS.values() for cat in dim.categories}


def _lookup(series: pd.Series, table: Mapping) -> pd.Series:
    return series.map(table)


_INDICATOR_IDS: tuple[str, ...] = tuple(INDICATORS)
_DIMENSION_CODES: tuple[str, ...] = tuple(DIMENSIONS)
_CATEGORY_CODES: tuple[str, ...] = tuple(sorted({cat for dim in DIMENSIONS.values() for cat in dim.categories}))


def _pair_table(left: Sequence[str], right: Sequence[str], table: Mapping) -> np.ndarray:
    """``allowed[i, j]``: whether (left[i], right[j]) is a key of ``table``; the last row and column (anything
    else, or missing) are False."""
    allowed = np.zeros((len(left) + 1, len(right) + 1), dtype=bool)
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            allowed[i, j] = (a, b) in table
    return allowed


_ALLOWED_DIMENSIONS = _pair_table(_INDICATOR_IDS, _DIMENSION_CODES, _ALLOWED_PAIRS)
_VALID_CATEGORIES = _pair_table(_DIMENSION_CODES, _CATEGORY_CODES, _VALID_CATEGORY)


def _per_indicator(frame: pd.DataFrame, table: Mapping[str, object]) -> np.ndarray:
    """``bool(table[indicator_id])`` for every row: False for a missing or unknown indicator."""
    flags = np.array([bool(table[i]) for i in _INDICATOR_IDS] + [False])
    return flags[positions_in(frame["indicator_id"], _INDICATOR_IDS)]


def _numbers(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _passes(frame: pd.DataFrame, ok: np.ndarray) -> pd.Series:
    return pd.Series(ok, index=frame.index, dtype=bool)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _num(value: object) -> str:
    return display_value(value) or ""


def _label(row: Mapping[str, object]) -> str:
    return f"{row.get('indicator_id')} for {row.get('year')} Q{row.get('quarter')}"


# ---- rule checks (True = row passes). Each is vectorised over the whole frame. ------------------------------------


def from_min_year(years: pd.Series) -> pd.Series:
    """Passes missing years and years from :data:`MIN_YEAR` on."""
    return years.isna() | (years >= MIN_YEAR)


def _known_indicator(frame: pd.DataFrame) -> pd.Series:
    return frame["indicator_id"].isna() | frame["indicator_id"].isin(INDICATORS)


def _in_dataset(dataset: str) -> Callable[[pd.DataFrame], pd.Series]:
    elsewhere = {i: owner != dataset for i, owner in _DATASET_OF.items()}

    def check(frame: pd.DataFrame) -> pd.Series:
        return _passes(frame, ~_per_indicator(frame, elsewhere))

    return check


def _finite(frame: pd.DataFrame) -> pd.Series:
    values = frame["value"]
    return values.isna() | np.isfinite(values)


def _whole_number(frame: pd.DataFrame) -> pd.Series:
    values = _numbers(frame["value"])
    with np.errstate(invalid="ignore"):
        whole_value = ~np.isfinite(values) | (np.trunc(values) == values)  # x % 1 == 0 for finite x
    return _passes(frame, ~_per_indicator(frame, _WHOLE) | whole_value)


def _not_negative(frame: pd.DataFrame) -> pd.Series:
    unsigned = {i: not signed for i, signed in _SIGNED.items()}
    return _passes(frame, ~(_per_indicator(frame, unsigned) & (_numbers(frame["value"]) < 0)))


def _percent_range(frame: pd.DataFrame) -> pd.Series:
    percent = {i: unit == "percent" for i, unit in _UNIT.items()}
    return _passes(frame, ~(_per_indicator(frame, percent) & (_numbers(frame["value"]) > 100)))


_LARGEST = np.array([UNITS[_UNIT[i]].largest for i in _INDICATOR_IDS] + [np.inf])
"""The largest value of each indicator's unit, in catalog order; anything else (or missing) is not bounded here."""


def _within_unit_range(frame: pd.DataFrame) -> pd.Series:
    """|value| at most the unit's largest value; percentages are left to ``percent_0_to_100``, non-finite values
    to ``value_finite``."""
    largest = _LARGEST[positions_in(frame["indicator_id"], _INDICATOR_IDS)]
    percent = np.array([_UNIT[i] == "percent" for i in _INDICATOR_IDS] + [False])
    values = np.abs(_numbers(frame["value"]))
    with np.errstate(invalid="ignore"):
        over = np.isfinite(values) & (values > largest)
    return _passes(frame, ~(over & ~percent[positions_in(frame["indicator_id"], _INDICATOR_IDS)]))


def at_most_characters(length: int) -> Callable[[pd.Series], pd.Series]:
    """The check of a text column whose cells hold at most ``length`` characters (a missing cell passes)."""

    def check(values: pd.Series) -> pd.Series:
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow" and len(values):
            longest = pc.max(pc.binary_length(pa.array(values.array))).as_py()
            if longest is None or longest <= length:  # no more bytes than that, so no more characters
                return pd.Series(True, index=values.index)
        return (values.isna() | (values.astype("string").str.len() <= length)).astype(bool)

    return check


def _msg_too_long(column: str, length: int) -> Callable[[Mapping[str, object]], str]:
    def message(row: Mapping[str, object]) -> str:
        found = len(str(row.get(column) or ""))
        return f"{column} may hold at most {length:,} characters; this one has {found:,}. Shorten it."

    return message


def _msg_unit_range(row: Mapping[str, object]) -> str:
    indicator = str(row.get("indicator_id"))
    unit = UNITS[_UNIT[indicator]] if indicator in _UNIT else None
    if unit is None:
        return f"The value is too large; found {_num(row.get('value'))}."
    return (
        f"{indicator} is {_article(unit.noun)} {unit.noun} and cannot exceed {unit.largest:,.0f} in size; found "
        f"{_num(row.get('value'))}. Check the cell for a typing error."
    )


def _dimension_allowed(frame: pd.DataFrame) -> pd.Series:
    indicator = positions_in(frame["indicator_id"], _INDICATOR_IDS)
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    return _passes(frame, (indicator == len(_INDICATOR_IDS)) | _ALLOWED_DIMENSIONS[indicator, dimension])


def _category_valid(frame: pd.DataFrame) -> pd.Series:
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    category = positions_in(frame["category"], _CATEGORY_CODES)
    return _passes(frame, (dimension == len(_DIMENSION_CODES)) | _VALID_CATEGORIES[dimension, category])


def _unique_key(frame: pd.DataFrame) -> pd.Series:
    return _passes(frame, ~repeated_ids(*group_ids_bounded(frame, KEY_COLUMNS)))


def _totals(frame: pd.DataFrame) -> pd.Series:
    """Total value per (partnership, year, quarter, indicator)."""
    totals = frame[(frame["dimension"] == TOTAL) & (frame["category"] == TOTAL)]
    totals = totals.drop_duplicates(subset=list(KEY_COLUMNS[:4]))
    return totals.set_index(list(KEY_COLUMNS[:4]))["value"]


def _breakdown_rows(frame: pd.DataFrame) -> pd.Series:
    return frame["dimension"].isin(DIMENSIONS) & (frame["dimension"] != TOTAL)


def _breakdown_mask(frame: pd.DataFrame) -> np.ndarray:
    """:func:`_breakdown_rows` as an array."""
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    return (dimension < len(_DIMENSION_CODES)) & (dimension != _DIMENSION_CODES.index(TOTAL))


def _total_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose dimension and category are both the total."""
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    category = positions_in(frame["category"], _CATEGORY_CODES)
    return (dimension == _DIMENSION_CODES.index(TOTAL)) & (category == _CATEGORY_CODES.index(TOTAL))


def breakdown_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum of categories per (slice, indicator, dimension) of additive indicators, beside the total row's value."""
    # Net changes (signed indicators) add up too, but a partial breakdown of a negative total may sum above it,
    # so the bound only holds for quantities that cannot be negative.
    additive = _lookup(frame["indicator_id"], _ADDITIVE).eq(True)
    signed = _lookup(frame["indicator_id"], _SIGNED).eq(True)
    parts = frame[_breakdown_rows(frame) & additive & ~signed]
    group = [*KEY_COLUMNS[:4], "dimension"]
    sums = parts.groupby(group, dropna=True, observed=True)["value"].sum(min_count=1).rename("categories_sum")
    sums = sums.reset_index()
    totals = _totals(frame).rename("total").reset_index()
    return sums.merge(totals, on=list(KEY_COLUMNS[:4]), how="left")


_BOUNDED = {i: _ADDITIVE[i] and not _SIGNED[i] for i in _ADDITIVE}


def group_sums(values: np.ndarray, ordered_ids: np.ndarray, keep: np.ndarray, *, min_count: int = 0) -> pd.Series:
    """The sums that ``groupby(key columns).sum()`` gives, bit for bit, indexed by the groups' ids.

    pandas adds a group's values in one of two ways (``np.add.reduceat`` when the group numbers run in row order and
    no row is left out, a compensated sum otherwise), so the group numbers must be the ones a groupby by the key
    columns makes: ``ordered_ids`` (:func:`~data_contracts.columns.group_ids`) number the groups in the same sort
    order, and rows not in ``keep`` (a missing key) stay in as left out.
    """
    if keep.all():
        key = ordered_ids
    else:
        key = pd.array(ordered_ids, dtype="Int64")
        key[~keep] = pd.NA
    return pd.Series(values).groupby(key, sort=True, dropna=True).sum(min_count=min_count)


def _within_total(frame: pd.DataFrame) -> pd.Series:
    """False on the first row of each breakdown (of an additive, unsigned indicator) whose categories add up to more
    than its total row: the groups, sums and totals of :func:`breakdown_sums`, on integer group ids."""
    ok = np.ones(len(frame), dtype=bool)
    part_rows = np.flatnonzero(_breakdown_mask(frame) & _per_indicator(frame, _BOUNDED))
    if len(part_rows) == 0:
        return _passes(frame, ok)
    keep = np.ones(len(part_rows), dtype=bool)  # groupby(dropna=True) leaves out a group with a missing key
    for column in KEY_COLUMNS[:3]:
        keep &= frame[column].notna().to_numpy(dtype=bool)[part_rows]
    if not keep.any():
        return _passes(frame, ok)
    values = _numbers(frame["value"])
    ordered = group_ids(frame, [*KEY_COLUMNS[:4], "dimension"])[part_rows]
    sums = group_sums(values[part_rows], ordered, keep, min_count=1)
    kept = part_rows[keep]
    firsts = first_positions(ordered[keep])
    first_row = pd.Series(kept[firsts], index=ordered[keep][firsts]).reindex(sums.index).to_numpy()
    slice_ids = group_ids(frame, KEY_COLUMNS[:4])
    total_rows = np.flatnonzero(_total_rows(frame))
    total_of = pd.Series(values[total_rows], index=slice_ids[total_rows])
    totals = total_of[~repeated_ids(slice_ids[total_rows])].reindex(slice_ids[first_row]).to_numpy()
    sums = sums.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        over = (totals >= 0) & (sums > totals + 1e-9 * np.clip(np.abs(totals), 1, None))
    ok[first_row[over]] = False
    return _passes(frame, ok)


def _needs_total(frame: pd.DataFrame) -> pd.Series:
    breakdown = _breakdown_mask(frame)
    if not breakdown.any():
        return pd.Series(True, index=frame.index)
    slice_ids, bound = compact_ids(*group_ids_bounded(frame, KEY_COLUMNS[:4]))  # numbered 0, 1, 2, ...
    has_total = np.zeros(bound, dtype=bool)
    has_total[slice_ids[_total_rows(frame)]] = True
    return _passes(frame, ~breakdown | has_total[slice_ids])


# ---- messages --------------------------------------------------------------------------------------------------


def _msg_in_dataset(dataset: str) -> Callable[[pd.Series], str]:
    def message(row: Mapping[str, object]) -> str:
        owner = _DATASET_OF.get(row.get("indicator_id"))
        return (
            f"Indicator {row.get('indicator_id')!r} belongs to the {owner} dataset, not to {dataset}. "
            f"Upload it in {_article(str(owner))} {owner} file."
        )

    return message


def _msg_unknown_indicator(row: Mapping[str, object]) -> str:
    return f"{row.get('indicator_id')!r} is not an indicator of the catalog. Check the spelling against the template."


def _msg_dimension(row: Mapping[str, object]) -> str:
    indicator_id = row.get("indicator_id")
    allowed = ", ".join((TOTAL, *INDICATORS[indicator_id].breakdowns)) if indicator_id in INDICATORS else TOTAL
    if pd.isna(row.get("dimension")):
        return (
            f"The dimension is empty but the category is {row.get('category')!r}. Name the dimension, or leave "
            "both blank for the total."
        )
    if row.get("dimension") not in DIMENSIONS:
        return f"{row.get('dimension')!r} is not a breakdown dimension. {indicator_id} allows: {allowed}."
    return f"{indicator_id} cannot be broken down by {row.get('dimension')}; it allows: {allowed}."


def _msg_category(row: Mapping[str, object]) -> str:
    dimension = row.get("dimension")
    allowed = ", ".join(DIMENSIONS[dimension].categories) if dimension in DIMENSIONS else ""
    if pd.isna(row.get("category")):
        return f"The category is empty; a {dimension} row needs one of: {allowed}."
    return f"{row.get('category')!r} is not {_article(str(dimension))} {dimension} category. Use one of: {allowed}."


def _msg_whole(row: Mapping[str, object]) -> str:
    return (
        f"{row.get('indicator_id')} counts whole things (people, organisations, sites); "
        f"{_num(row.get('value'))} is not a whole number."
    )


def _msg_negative(row: Mapping[str, object]) -> str:
    code = _UNIT.get(row.get("indicator_id"), "")
    unit = UNITS[code].noun if code in UNITS else "value"
    return f"{row.get('indicator_id')} is a {unit} and cannot be negative; found {_num(row.get('value'))}."


def _msg_within_total(frame_holder: dict) -> Callable[[pd.Series], str]:
    def message(row: Mapping[str, object]) -> str:
        sums = frame_holder.get("sums")
        if sums is None:
            sums = breakdown_sums(frame_holder["frame"]).set_index([*KEY_COLUMNS[:4], "dimension"])
            frame_holder["sums"] = sums
        key = tuple(row.get(c) for c in (*KEY_COLUMNS[:4], "dimension"))
        found = sums.loc[key] if key in sums.index else None
        if found is None:
            return f"The {row.get('dimension')} categories of {_label(row)} add up to more than the total row."
        return (
            f"The {row.get('dimension')} categories of {_label(row)} add up to {found['categories_sum']:,.10g}, "
            f"more than the total of {found['total']:,.10g}. Categories may leave people out (undisclosed) "
            "but never add up to more than the total."
        )

    return message


# ---- checks made from the context of a validation -----------------------------------------------------------------


def _quarter_not_future(context: RuleContext) -> FrameCheck | None:
    """Passes the rows of quarters that have started by ``context.today``; no check without a date."""
    if context.today is None:
        return None
    now = Quarter.of(context.today)  # compared as (year, quarter), the order of quarters

    def started(f: pd.DataFrame) -> pd.Series:
        later = (f["year"] > now.year) | ((f["year"] == now.year) & (f["quarter"] > now.quarter))
        return f["year"].isna() | f["quarter"].isna() | ~later

    return started


def partnership_known(context: RuleContext) -> FrameCheck | None:
    """Passes the rows of partnerships the context knows; no check when it names none."""
    if context.partnership_ids is None:
        return None
    known = frozenset(context.partnership_ids)
    return lambda f: f["partnership_id"].isna() | f["partnership_id"].isin(known)


def indicator_rules(dataset: str, frame_holder: dict | None = None) -> dict[str, Rule]:
    """Every named rule of an indicator dataset, keyed by its id (the check name in the model).

    ``frame_holder`` hands the validated frame (``frame_holder["frame"]``) to the messages that explain a row by
    its group. ``not_nullable`` (pandera's name for an empty required cell) is explained as ``missing_value``.
    """
    holder = frame_holder if frame_holder is not None else {}
    rules = [
        Rule("unknown_indicator", "indicator_id", _msg_unknown_indicator, frame_check=_known_indicator),
        Rule("indicator_in_other_dataset", "indicator_id", _msg_in_dataset(dataset), frame_check=_in_dataset(dataset)),
        Rule(
            "year_from_2000",
            "year",
            lambda r: f"The year must be {MIN_YEAR} or later; found {r.get('year')}.",
            column_check=from_min_year,
        ),
        Rule(
            "quarter_1_to_4",
            "quarter",
            lambda r: f"The quarter must be 1, 2, 3 or 4; found {r.get('quarter')}.",
            column_check=lambda quarter: quarter.isna() | quarter.between(1, 4),
        ),
        Rule(
            "value_finite",
            "value",
            lambda r: f"The value must be a finite number; found {r.get('value')}.",
            frame_check=_finite,
        ),
        Rule("value_whole_number", "value", _msg_whole, frame_check=_whole_number),
        Rule("value_not_negative", "value", _msg_negative, frame_check=_not_negative),
        Rule(
            "percent_0_to_100",
            "value",
            lambda r: (
                f"{r.get('indicator_id')} is a percentage and must lie between 0 and 100; found {_num(r.get('value'))}."
            ),
            frame_check=_percent_range,
        ),
        Rule("value_within_unit_range", "value", _msg_unit_range, frame_check=_within_unit_range),
        *(
            Rule(
                f"{spec.name}_too_long",
                spec.name,
                _msg_too_long(spec.name, spec.max_length),
                column_check=at_most_characters(spec.max_length),
            )
            for spec in INDICATOR_COLUMN_SPECS
            if spec.max_length is not None
        ),
        Rule("dimension_allowed", "dimension", _msg_dimension, frame_check=_dimension_allowed),
        Rule("category_in_vocabulary", "category", _msg_category, frame_check=_category_valid),
        Rule(
            "unique_key",
            "indicator_id",
            lambda r: (
                f"Another row above already gives {_label(r)} ({r.get('dimension')}/{r.get('category')}) for "
                f"{r.get('partnership_id')}; each figure may appear once."
            ),
            frame_check=_unique_key,
        ),
        Rule("breakdown_within_total", "value", _msg_within_total(holder), frame_check=_within_total),
        Rule(
            "breakdown_needs_total",
            "dimension",
            lambda r: (
                f"{_label(r)} has a {r.get('dimension')} breakdown but no total row. Add a row with dimension and "
                "category 'total' (or both blank)."
            ),
            frame_check=_needs_total,
        ),
        Rule(
            "quarter_not_future",
            "quarter",
            lambda r: f"{r.get('year')} Q{r.get('quarter')} has not started yet; future quarters cannot be reported.",
            context_check=_quarter_not_future,
        ),
        Rule(
            "partnership_known",
            "partnership_id",
            lambda r: (
                f"{r.get('partnership_id')!r} is not a partnership in the partnerships table. Check the id or ask an "
                "admin to add the partnership first."
            ),
            context_check=partnership_known,
        ),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    by_id = {rule.id: rule for rule in rules}
    by_id["not_nullable"] = by_id["missing_value"]
    return by_id
