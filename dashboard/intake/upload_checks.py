"""What looks suspicious in an accepted upload: the warnings, which do not block a commit but deserve a second look.

:func:`upload_warnings` finds a value that moved more than a factor against the previous quarter of the same series,
an indicator reported last quarter but missing now, a breakdown that leaves people unassigned, and a slice that
replaces already-published data. Each check works on the integer codes of the key columns
(:class:`~dashboard.intake.row_keys.RowKeys`) and has a general path as well, by pandas merges, for frames the codes
cannot stand for exactly; it gives the same answers and the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.intake.row_keys import (
    RowKeys,
    Unsupported,
    all_distinct,
    file_rows_of,
    find_positions,
    float_values,
    int_values,
    lookup_positions,
)
from dashboard.storage.slices import Slice, slices_of
from data_contracts import INDICATORS, KEY_COLUMNS, SLICE_COLUMNS, TOTAL, Finding
from data_contracts.columns import compact_ids, first_positions, positions_in
from data_contracts.findings import display_value
from data_contracts.indicator_row import SERIES_COLUMNS
from data_contracts.indicator_rules import group_sums
from data_contracts.quarters import quarter_numbers

_IS_COUNT = {i.id: i.unit == "count" for i in INDICATORS.values()}
_BOUNDED_ADDITIVE = {i.id: i.additive and not i.signed for i in INDICATORS.values()}
SMALL_COUNT = 10
"""Counts below this on both sides of a quarter-to-quarter move are not flagged (1 -> 4 people is not news)."""


def _earlier_rows(keys: RowKeys) -> np.ndarray:
    """The rows (history then incoming) a quarter-to-quarter comparison looks back at: history and file together,
    the file winning where both hold a key (``drop_duplicates(keep="last")`` of the two)."""
    try:
        comparison = keys.comparison
    except Unsupported:
        return np.flatnonzero(~pd.Series(keys.ids(KEY_COLUMNS)).duplicated(keep="last").to_numpy())
    # a key is at most once in the file and once in the stored slices: the stored rows the file matches go. (Stored
    # rows outside the file's slices that repeat a key stay twice here, but then they repeat a series and period
    # too, which the lookup refuses.)
    overridden = np.zeros(keys.split, dtype=bool)
    overridden[comparison.stored[comparison.match[comparison.match >= 0]]] = True
    return np.concatenate([np.flatnonzero(~overridden), keys.split + np.arange(len(keys.incoming))])


_INDICATOR_IDS = tuple(INDICATORS)


def _per_indicator(ids: pd.Series, table: Mapping[str, bool]) -> np.ndarray:
    """``table[indicator_id]`` of every row (False for a missing or unknown indicator), as ``map`` then ``fillna``."""
    flags = np.array([bool(table[i]) for i in _INDICATOR_IDS] + [False])
    return flags[positions_in(ids, _INDICATOR_IDS)]


def _previous(frame: pd.DataFrame) -> pd.DataFrame:
    """Each series' value in the quarter before, keyed by the later quarter's number (:attr:`Quarter.number`)."""
    shifted = frame[[*SERIES_COLUMNS, "value"]].copy()
    shifted["period"] = quarter_numbers(frame["year"], frame["quarter"]) + 1
    return shifted.rename(columns={"value": "previous"})


def _jump_findings(
    rows: Sequence[tuple], factor: float, row_of: Mapping[object, int], labels: Sequence[object]
) -> list[Finding]:
    """Findings of flagged value jumps; ``rows`` hold (indicator_id, dimension, category, year, quarter, value,
    previous) and ``labels`` the incoming index label of each."""
    findings = []
    file_rows = file_rows_of(row_of, labels)
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
    current = incoming.assign(period=quarter_numbers(incoming["year"], incoming["quarter"]))
    current["source_index"] = incoming.index
    joined = current.merge(_previous(earlier), on=[*SERIES_COLUMNS, "period"], how="inner")
    counts = joined["indicator_id"].map(_IS_COUNT).eq(True).to_numpy()
    flagged = joined[_jumps(float_values(joined["value"]), float_values(joined["previous"]), counts, factor)]
    columns = ["indicator_id", "dimension", "category", "year", "quarter", "value", "previous"]
    return _jump_findings(
        list(flagged[columns].itertuples(index=False, name=None)), factor, row_of, flagged["source_index"].tolist()
    )


def _value_jumps_fast(keys: RowKeys, factor: float, row_of: Mapping[object, int]) -> list[Finding]:
    incoming = keys.incoming
    if keys.missing(SERIES_COLUMNS):
        raise Unsupported("a missing key")
    if incoming["year"].dtype.kind != "i" or incoming["quarter"].dtype.kind != "i":
        raise Unsupported("years or quarters that are not whole-number columns (a message shows them as they are)")
    earlier = _earlier_rows(keys)
    series_ids, bound = keys.bounded_ids(SERIES_COLUMNS)
    periods = keys.periods
    low = int(periods.min()) if len(periods) else 0
    span = (int(periods.max()) - low + 2) if len(periods) else 1
    if bound * span > 4 * len(series_ids) + 1024:  # number the series densely, for a small lookup table
        series_ids, bound = compact_ids(series_ids, bound)
    if bound * span >= 2**62:
        raise Unsupported("too many series and periods")
    at = series_ids * span + (periods - low)  # a series in a period, as one number
    # each earlier row stands for the quarter after it
    found = find_positions(at[earlier] + 1, keys.new(at), bound * span)
    rows = np.flatnonzero(found >= 0)
    before = earlier[found[rows]]  # the earlier row of each, history then incoming
    old_values, new_values = float_values(keys.history["value"]), float_values(incoming["value"])
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
        "year": int_values(incoming["year"])[flagged],
        "quarter": int_values(incoming["quarter"])[flagged],
        "value": value[jumped],
        "previous": previous[jumped],
    }
    labels = incoming.index[flagged]
    return _jump_findings_at_once(columns, factor, file_rows_of(row_of, labels))


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
    return value_jumps_of(RowKeys(incoming, history), factor, row_of)


def value_jumps_of(keys: RowKeys, factor: float, row_of: Mapping[object, int]) -> list[Finding]:
    """:func:`value_jumps` of rows already coded (the general path where the codes cannot stand for them)."""
    try:
        return _value_jumps_fast(keys, factor, row_of)
    except Unsupported:
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
    now["period"] = quarter_numbers(now["year"], now["quarter"])
    slices = incoming[list(SLICE_COLUMNS)].drop_duplicates().copy()
    slices["period"] = quarter_numbers(slices["year"], slices["quarter"])
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
        raise Unsupported("a missing key")
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
    return missing_indicators_of(RowKeys(incoming, history), row_of)


def missing_indicators_of(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    """:func:`missing_indicators` of rows already coded (the general path where the codes cannot stand for them)."""
    try:
        return _missing_indicators_fast(keys, row_of)
    except Unsupported:
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
        raise Unsupported("an index that reset_index would not name 'index'")
    if any(incoming[c].isna().any() for c in (*KEY_COLUMNS[:4], "dimension")):
        raise Unsupported("a missing key")
    dimension = incoming["dimension"]
    parts = np.flatnonzero(
        _per_indicator(incoming["indicator_id"], _BOUNDED_ADDITIVE) & (dimension != TOTAL).to_numpy(dtype=bool)
    )
    if len(parts) == 0:
        return []
    slice_ids = keys.new(keys.ids(KEY_COLUMNS[:4]))
    totals = np.flatnonzero((dimension == TOTAL).to_numpy(dtype=bool))
    if not all_distinct(slice_ids[totals]):
        raise Unsupported("two total rows")
    ordered = keys.new(keys.ids([*KEY_COLUMNS[:4], "dimension"]))[parts]
    sums = group_sums(float_values(incoming["value"])[parts], ordered, np.ones(len(parts), dtype=bool))
    group_first = first_positions(ordered)
    firsts = pd.Series(parts[group_first], index=ordered[group_first]).reindex(sums.index).to_numpy()
    categories = sums.to_numpy(dtype="float64")
    total_at = lookup_positions(slice_ids[totals], slice_ids[firsts])
    has_total = total_at >= 0
    total = np.full(len(firsts), np.nan)
    total[has_total] = float_values(incoming["value"])[totals[total_at[has_total]]]
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
    return unassigned_people_of(RowKeys(incoming, incoming.iloc[:0]), row_of)


def unassigned_people_of(keys: RowKeys, row_of: Mapping[object, int]) -> list[Finding]:
    """:func:`unassigned_people` of rows already coded (the general path where the codes cannot stand for them)."""
    try:
        return _unassigned_people_fast(keys, row_of)
    except Unsupported:
        return _unassigned_people_merged(keys.incoming, row_of)


def published_findings(slices: Iterable[Slice], first_rows: Iterable[int | None], published: set[Slice]) -> list:
    """A warning for each of ``slices`` that is ``published``, at its first file row."""
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
    except Unsupported:
        firsts = _first_rows(incoming, row_of)
        slices = slices_of(incoming)
        first_rows = [firsts.get((s.partnership_id, s.year, s.quarter)) for s in slices]
    return published_findings(slices, first_rows, published)


def sorted_warnings(findings: list[Finding]) -> list[Finding]:
    """Warnings in file order (rule after row)."""
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
    return sorted_warnings(findings)
