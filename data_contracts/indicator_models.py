"""Pandera contracts of the four quarterly indicator datasets, in the long layout.

Every dataset has the columns ``partnership_id, year, quarter, indicator_id, dimension, category, value, note``.
``note`` is optional; a blank ``dimension``/``category`` pair means the total row. :func:`validate_indicators` is the
one entry point: it reads the raw table, applies the dataset's model and returns the typed frame with every finding.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts.catalog import INDICATORS
from data_contracts.columns import ColumnSpec, breakdown_specs, group_ids, positions_in, prepare_frame
from data_contracts.findings import Finding, Rule, display_value, findings_from_schema_errors, sort_findings
from data_contracts.vocabularies import DATASETS, DIMENSIONS, TOTAL

KEY_COLUMNS: tuple[str, ...] = ("partnership_id", "year", "quarter", "indicator_id", "dimension", "category")
SLICE_COLUMNS: tuple[str, ...] = ("partnership_id", "year", "quarter")
INDICATOR_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "value", "note")
MIN_YEAR = 2000

INDICATOR_COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("partnership_id", "text", description="Partnership id from the partnerships table, e.g. att-imago."),
    ColumnSpec("year", "integer", description="Calendar year of the quarter, 2000 or later."),
    ColumnSpec("quarter", "integer", description="Quarter of the year, 1 to 4."),
    ColumnSpec("indicator_id", "text", description="Indicator id from the catalog, e.g. new_hires."),
    *breakdown_specs("the figure"),
    ColumnSpec("value", "number", description="The figure, in the indicator's unit."),
    ColumnSpec("note", "text", required_column=False, required_value=False, description="Optional comment."),
)

_UNIT = {i.id: i.unit for i in INDICATORS.values()}
_DATASET_OF = {i.id: i.dataset for i in INDICATORS.values()}
_WHOLE = {i.id: i.whole_number for i in INDICATORS.values()}
_SIGNED = {i.id: i.signed for i in INDICATORS.values()}
_ADDITIVE = {i.id: i.additive for i in INDICATORS.values()}
_ALLOWED_PAIRS = {(i.id, dim): True for i in INDICATORS.values() for dim in (TOTAL, *i.breakdowns)}
_VALID_CATEGORY = {(dim.code, cat): True for dim in DIMENSIONS.values() for cat in dim.categories}
_UNIT_WORDS = {
    "count": "count",
    "percent": "percentage",
    "hours": "number of hours",
    "currency_usd": "amount in USD",
    "ratio": "ratio",
}


def current_quarter(today: date) -> tuple[int, int]:
    """(year, quarter) that ``today`` falls in."""
    return today.year, (today.month - 1) // 3 + 1


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


def _dimension_allowed(frame: pd.DataFrame) -> pd.Series:
    indicator = positions_in(frame["indicator_id"], _INDICATOR_IDS)
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    return _passes(frame, (indicator == len(_INDICATOR_IDS)) | _ALLOWED_DIMENSIONS[indicator, dimension])


def _category_valid(frame: pd.DataFrame) -> pd.Series:
    dimension = positions_in(frame["dimension"], _DIMENSION_CODES)
    category = positions_in(frame["category"], _CATEGORY_CODES)
    return _passes(frame, (dimension == len(_DIMENSION_CODES)) | _VALID_CATEGORIES[dimension, category])


def _unique_key(frame: pd.DataFrame) -> pd.Series:
    ids = group_ids(frame, KEY_COLUMNS)
    return _passes(frame, ~pd.Series(ids).duplicated(keep="first").to_numpy())


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
    firsts = _first_positions(ordered[keep])
    first_row = pd.Series(kept[firsts], index=ordered[keep][firsts]).reindex(sums.index).to_numpy()
    slice_ids = group_ids(frame, KEY_COLUMNS[:4])
    total_rows = np.flatnonzero(_total_rows(frame))
    total_of = pd.Series(values[total_rows], index=slice_ids[total_rows])
    totals = total_of[~total_of.index.duplicated(keep="first")].reindex(slice_ids[first_row]).to_numpy()
    sums = sums.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        over = (totals >= 0) & (sums > totals + 1e-9 * np.clip(np.abs(totals), 1, None))
    ok[first_row[over]] = False
    return _passes(frame, ok)


def _first_positions(ids: np.ndarray) -> np.ndarray:
    """Position of the first occurrence of each distinct id."""
    return pd.Series(ids).drop_duplicates().index.to_numpy()


def _needs_total(frame: pd.DataFrame) -> pd.Series:
    breakdown = _breakdown_mask(frame)
    if not breakdown.any():
        return pd.Series(True, index=frame.index)
    slice_ids, _ = pd.factorize(group_ids(frame, KEY_COLUMNS[:4]))
    has_total = np.zeros(slice_ids.max() + 1, dtype=bool)
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
    unit = _UNIT_WORDS.get(_UNIT.get(row.get("indicator_id"), ""), "value")
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


def indicator_rules(dataset: str, frame_holder: dict | None = None) -> dict[str, Rule]:
    """Every named rule of an indicator dataset, keyed by the check name used in the model."""
    holder = frame_holder if frame_holder is not None else {}
    rules = [
        Rule("unknown_indicator", "indicator_id", _msg_unknown_indicator),
        Rule("indicator_in_other_dataset", "indicator_id", _msg_in_dataset(dataset)),
        Rule(
            "year_from_2000",
            "year",
            lambda r: f"The year must be {MIN_YEAR} or later; found {r.get('year')}.",
        ),
        Rule("quarter_1_to_4", "quarter", lambda r: f"The quarter must be 1, 2, 3 or 4; found {r.get('quarter')}."),
        Rule(
            "value_finite",
            "value",
            lambda r: f"The value must be a finite number; found {r.get('value')}.",
        ),
        Rule("value_whole_number", "value", _msg_whole),
        Rule("value_not_negative", "value", _msg_negative),
        Rule(
            "percent_0_to_100",
            "value",
            lambda r: (
                f"{r.get('indicator_id')} is a percentage and must lie between 0 and 100; found {_num(r.get('value'))}."
            ),
        ),
        Rule("dimension_allowed", "dimension", _msg_dimension),
        Rule("category_in_vocabulary", "category", _msg_category),
        Rule(
            "unique_key",
            "indicator_id",
            lambda r: (
                f"Another row above already gives {_label(r)} ({r.get('dimension')}/{r.get('category')}) for "
                f"{r.get('partnership_id')}; each figure may appear once."
            ),
        ),
        Rule("breakdown_within_total", "value", _msg_within_total(holder)),
        Rule(
            "breakdown_needs_total",
            "dimension",
            lambda r: (
                f"{_label(r)} has a {r.get('dimension')} breakdown but no total row. Add a row with dimension and "
                "category 'total' (or both blank)."
            ),
        ),
        Rule(
            "partnership_known",
            "partnership_id",
            lambda r: (
                f"{r.get('partnership_id')!r} is not a partnership in the partnerships table. Check the id or ask an "
                "admin to add the partnership first."
            ),
        ),
        Rule(
            "quarter_not_future",
            "quarter",
            lambda r: f"{r.get('year')} Q{r.get('quarter')} has not started yet; future quarters cannot be reported.",
        ),
        Rule("missing_value", None, lambda r: "A required cell is empty."),
    ]
    by_id = {rule.id: rule for rule in rules}
    by_id["not_nullable"] = by_id["missing_value"]
    return by_id


class IndicatorModel(pa.DataFrameModel):
    """Columns and types of the long layout shared by the four indicator datasets.

    The rules live on the four dataset models below (built by :func:`_dataset_model`, each with its own copy of the
    checks: pandera loses the names of checks inherited by more than one subclass).
    """

    partnership_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Partnership id")
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, title="Year")
    quarter: Series[pd.Int64Dtype] = pa.Field(nullable=True, title="Quarter")
    indicator_id: Series[pd.StringDtype] = pa.Field(nullable=True, title="Indicator id")
    dimension: Series[pd.StringDtype] = pa.Field(nullable=True, title="Breakdown dimension")
    category: Series[pd.StringDtype] = pa.Field(nullable=True, title="Breakdown category")
    value: Series[float] = pa.Field(nullable=True, title="Value")
    note: Series[pd.StringDtype] = pa.Field(nullable=True, title="Note")

    class Config:
        strict = True
        coerce = True


def _dataset_model(dataset: str, class_name: str, doc: str) -> type[IndicatorModel]:
    """The contract of one dataset: the shared columns plus every rule, the dataset's own membership rule included."""

    class Model(IndicatorModel):
        @pa.check("year", name="year_from_2000")
        def _year(cls, year: Series[int]) -> Series[bool]:
            return year.isna() | (year >= MIN_YEAR)

        @pa.check("quarter", name="quarter_1_to_4")
        def _quarter(cls, quarter: Series[int]) -> Series[bool]:
            return quarter.isna() | quarter.between(1, 4)

        @pa.dataframe_check(name="unknown_indicator")
        def _known(cls, frame: pd.DataFrame) -> Series[bool]:
            return _known_indicator(frame)

        @pa.dataframe_check(name="indicator_in_other_dataset")
        def _in_dataset(cls, frame: pd.DataFrame) -> Series[bool]:
            return _in_dataset(dataset)(frame)

        @pa.dataframe_check(name="value_finite")
        def _finite(cls, frame: pd.DataFrame) -> Series[bool]:
            return _finite(frame)

        @pa.dataframe_check(name="value_whole_number")
        def _whole(cls, frame: pd.DataFrame) -> Series[bool]:
            return _whole_number(frame)

        @pa.dataframe_check(name="value_not_negative")
        def _negative(cls, frame: pd.DataFrame) -> Series[bool]:
            return _not_negative(frame)

        @pa.dataframe_check(name="percent_0_to_100")
        def _percent(cls, frame: pd.DataFrame) -> Series[bool]:
            return _percent_range(frame)

        @pa.dataframe_check(name="dimension_allowed")
        def _dimension(cls, frame: pd.DataFrame) -> Series[bool]:
            return _dimension_allowed(frame)

        @pa.dataframe_check(name="category_in_vocabulary")
        def _category(cls, frame: pd.DataFrame) -> Series[bool]:
            return _category_valid(frame)

        @pa.dataframe_check(name="unique_key")
        def _unique(cls, frame: pd.DataFrame) -> Series[bool]:
            return _unique_key(frame)

        @pa.dataframe_check(name="breakdown_within_total")
        def _within(cls, frame: pd.DataFrame) -> Series[bool]:
            return _within_total(frame)

        @pa.dataframe_check(name="breakdown_needs_total")
        def _total_row(cls, frame: pd.DataFrame) -> Series[bool]:
            return _needs_total(frame)

    Model.__name__ = Model.__qualname__ = class_name
    Model.__doc__ = doc
    return Model


WorkforceModel = _dataset_model(
    "workforce", "WorkforceModel", "Workforce indicators: headcount, hiring, turnover, wages, safety."
)
DiversityModel = _dataset_model(
    "diversity",
    "DiversityModel",
    "Diversity indicators: shares of women, marginalised, disadvantaged, disabled and young people; pay equity.",
)
EducationModel = _dataset_model(
    "education",
    "EducationModel",
    "Education indicators: teachers, students, trainees, learning hours, credentials, placements.",
)
CommunityCapacityModel = _dataset_model(
    "community_capacity",
    "CommunityCapacityModel",
    "Community capacity indicators: local and diverse supplier spend, enterprises, volunteers, residents.",
)


DATASET_MODELS: Mapping[str, type[IndicatorModel]] = {
    "workforce": WorkforceModel,
    "diversity": DiversityModel,
    "education": EducationModel,
    "community_capacity": CommunityCapacityModel,
}
assert tuple(DATASET_MODELS) == DATASETS


def indicator_schema(dataset: str, *, partnership_ids: Collection[str] | None, today: date) -> pa.DataFrameSchema:
    """The dataset's pandera schema with the checks that depend on context: known partnerships and the clock.

    ``partnership_ids=None`` skips the partnership check (only for callers that check it elsewhere).
    """
    if dataset not in DATASET_MODELS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    schema = copy.copy(DATASET_MODELS[dataset].to_schema())
    this_year, this_quarter = current_quarter(today)
    extra = [
        pa.Check(
            lambda f: (
                f["year"].isna()
                | f["quarter"].isna()
                | (f["year"] * 10 + f["quarter"] <= this_year * 10 + this_quarter)
            ),
            name="quarter_not_future",
        )
    ]
    if partnership_ids is not None:
        known = frozenset(partnership_ids)
        extra.append(
            pa.Check(lambda f: f["partnership_id"].isna() | f["partnership_id"].isin(known), name="partnership_known")
        )
    schema.checks = [*schema.checks, *extra]
    return schema


@dataclass
class ValidationResult:
    """The typed frame (columns of :data:`INDICATOR_COLUMNS`) and every finding; ``ok`` when there is no error."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def empty_indicator_frame() -> pd.DataFrame:
    """A frame with the indicator columns and their types, and no rows."""
    return pd.DataFrame(
        {
            "partnership_id": pd.Series(dtype="string"),
            "year": pd.Series(dtype="int64"),
            "quarter": pd.Series(dtype="int64"),
            "indicator_id": pd.Series(dtype="string"),
            "dimension": pd.Series(dtype="string"),
            "category": pd.Series(dtype="string"),
            "value": pd.Series(dtype="float64"),
            "note": pd.Series(dtype="string"),
        }
    )


def _blank_pair_means_total(frame: pd.DataFrame) -> pd.DataFrame:
    both_blank = frame["dimension"].isna() & frame["category"].isna()
    if both_blank.any():  # setting no cell is a no-op, but not a cheap one on a million rows
        frame.loc[both_blank, ["dimension", "category"]] = TOTAL
    return frame


def validate_indicators(
    raw: pd.DataFrame,
    dataset: str,
    *,
    partnership_ids: Collection[str] | None,
    today: date | None = None,
    row_numbers: Mapping[object, int] | None = None,
) -> ValidationResult:
    """Check a raw indicator table against the dataset's contract and return the typed frame and every finding.

    ``raw`` may hold text cells (as read from CSV) or typed ones (Parquet). ``today`` is the clock used for the
    future-quarter rule (default: the real date). ``row_numbers`` maps index labels to file rows when they are not
    position + 2. The returned frame is typed as :func:`empty_indicator_frame` when ``ok`` and keeps the raw table's
    index, so its rows can be traced back to the file.
    """
    what = f"{dataset} file" if dataset in DATASETS else "indicator file"
    schema = indicator_schema(dataset, partnership_ids=partnership_ids, today=today or date.today())
    raw = raw.reset_index(drop=True) if row_numbers is None else raw
    prepared = prepare_frame(raw, INDICATOR_COLUMN_SPECS, what=what, row_numbers=row_numbers)
    if not prepared.readable:
        return ValidationResult(frame=empty_indicator_frame(), findings=sort_findings(prepared.findings))
    frame = _blank_pair_means_total(prepared.frame)
    findings = list(prepared.findings)
    holder = {"frame": frame}
    rules = indicator_rules(dataset, holder)
    try:
        validated = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        flagged = {(f.row, f.column) for f in findings}
        for finding in findings_from_schema_errors(errors, frame, rules, row_numbers=row_numbers):
            if (finding.row, finding.column) not in flagged:
                findings.append(finding)
        validated = frame
    if any(f.severity == "error" for f in findings):
        return ValidationResult(frame=validated, findings=sort_findings(findings))
    typed = validated.astype({"year": "int64", "quarter": "int64", "value": "float64"})
    return ValidationResult(frame=typed[list(INDICATOR_COLUMNS)], findings=sort_findings(findings))
