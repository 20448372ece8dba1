"""From a raw table (every cell as read from a file) to a typed frame, with findings for what cannot be read.

Header names are matched case-insensitively with surrounding spaces trimmed. Unknown columns and missing columns
are findings against the header row; cells that cannot be read as their column's type are findings against their
row. Cells that fail are left empty so the contract's row rules can still check everything else at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.column_specs import ColumnSpec
from data_contracts.findings import HEADER_ROW, Finding, display_value, row_number, shortened


@dataclass(frozen=True)
class PreparedFrame:
    frame: pd.DataFrame
    findings: list[Finding]
    readable: bool
    """False when a required column is missing, so rows cannot be checked."""


def normalise_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def prepare_frame(
    raw: pd.DataFrame,
    specs: Sequence[ColumnSpec],
    *,
    what: str,
    row_numbers: Mapping[object, int] | None = None,
    ignored: Collection[str] = (),
) -> PreparedFrame:
    """Match headers, report unknown and missing columns, and read every cell as its column's type.

    ``what`` names the file kind in messages ("workforce file"). The result has exactly the columns of ``specs``.
    Columns named in ``ignored`` (known helper columns, such as a pre-filled template's context columns) are dropped
    without a finding.
    """
    findings: list[Finding] = []
    by_name = {spec.name: spec for spec in specs}
    keep: list[int] = []
    names: list[str] = []
    seen: dict[str, object] = {}
    for position, original in enumerate(raw.columns):
        name = normalise_header(original)
        if name in seen:
            findings.append(
                Finding(
                    HEADER_ROW,
                    name,
                    str(original),
                    "duplicate_column",
                    f"The column {name!r} appears twice in the header; keep one.",
                )
            )
            continue
        seen[name] = original
        if name in ignored and name not in by_name:
            continue
        if name not in by_name:
            expected = ", ".join(spec.name for spec in specs)
            shown = shortened(str(original))
            findings.append(
                Finding(
                    HEADER_ROW,
                    shown,
                    shown,
                    "unknown_column",
                    f"The column {shown!r} is not part of a {what}. Remove it, or rename it to one of: {expected}.",
                )
            )
            continue
        keep.append(position)
        names.append(name)
    frame = raw.iloc[:, keep]  # by position: two headers may read the same ("value" and "Value"); copied on write
    frame.columns = names
    readable = True
    for spec in specs:
        if spec.name not in frame.columns:
            if spec.required_column:
                readable = False
                findings.append(
                    Finding(
                        HEADER_ROW,
                        spec.name,
                        None,
                        "missing_column",
                        f"The {what} has no {spec.name!r} column. Add it to the header (row 1).",
                    )
                )
            else:
                frame[spec.name] = spec.default if spec.default is not None else pd.NA
    if not readable:
        return PreparedFrame(frame=pd.DataFrame(columns=[s.name for s in specs]), findings=findings, readable=False)

    typed: dict[str, pd.Series] = {}
    for spec in specs:
        column, cell_findings = _read_column(frame[spec.name], spec, row_numbers)
        typed[spec.name] = column
        findings.extend(cell_findings)
    result = pd.DataFrame(typed, index=frame.index)
    return PreparedFrame(frame=result, findings=findings, readable=True)


def _read_column(
    series: pd.Series, spec: ColumnSpec, row_numbers: Mapping[object, int] | None
) -> tuple[pd.Series, list[Finding]]:
    findings: list[Finding] = []
    typed_numbers = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    distinct = None
    text = _trimmed_by_distinct(series) if spec.kind == "text" else None
    if text is not None:
        stripped = None  # each distinct text trimmed once
        blank = pd.Series(text[0], index=series.index)
    elif spec.kind in ("integer", "number") and typed_numbers:
        stripped = None
        blank = series.isna()  # the text of a number is never blank
    elif spec.kind in ("integer", "number") and (distinct := numbers_of_distinct_text(series)) is not None:
        stripped = None  # every cell is a plain number or blank: read once per distinct text
        blank = pd.Series(distinct[0], index=series.index)
    else:
        stripped = series.astype("string").str.strip()  # once per column: the cells as text, trimmed
        blank = series.isna() | stripped.eq("").fillna(True)
    if text is not None:
        parsed = pd.Series(text[1], index=series.index, name=series.name)
        bad = pd.Series(False, index=series.index)
    elif spec.kind == "text":
        values = stripped.mask(blank, pd.NA) if blank.any() else stripped  # masking nothing still copies
        parsed = values.astype("string")
        bad = pd.Series(False, index=series.index)
    elif spec.kind in ("integer", "number"):
        if distinct is not None:
            numbers = pd.Series(distinct[1], index=series.index, name=series.name)
        elif stripped is None:
            numbers = pd.to_numeric(series, errors="coerce").astype("float64")
        else:
            numbers = text_to_numbers(stripped)
        bad = ~blank & numbers.isna()
        if spec.kind == "integer":
            values = numbers.to_numpy(dtype="float64", na_value=np.nan)
            finite = np.isfinite(values)
            # x % 1 != 0 for finite x, without the division: a finite float is whole exactly when trunc leaves it be
            fractional = pd.Series(finite & (np.trunc(values) != values), index=series.index)
            for index in series.index[fractional.fillna(False)]:
                findings.append(
                    Finding(
                        row_number(index, row_numbers),
                        spec.name,
                        display_value(series[index]),
                        "not_a_whole_number",
                        f"{spec.name} must be a whole number, such as 2024; found {display_value(series[index])!r}.",
                    )
                )
            with np.errstate(invalid="ignore"):
                inexact = pd.Series(finite & (np.abs(values) > EXACT_INTEGER), index=series.index)
            for index in series.index[inexact]:
                findings.append(
                    Finding(
                        row_number(index, row_numbers),
                        spec.name,
                        display_value(series[index]),
                        "number_not_exact",
                        f"{spec.name} must be a whole number of at most 16 digits; found "
                        f"{display_value(series[index])!r}, too large to be kept exactly.",
                    )
                )
            infinite = pd.Series(~finite, index=series.index) & numbers.notna()
            bad = bad | infinite
            numbers = numbers.mask(fractional.fillna(False) | infinite | inexact)
            # what numbers.round().astype("Int64") gives, without converting cell by cell: what is left is whole
            kept = numbers.to_numpy(dtype="float64", na_value=np.nan)
            missing = np.isnan(kept)
            parsed = pd.Series(
                pd.arrays.IntegerArray(np.where(missing, 0.0, kept).astype(np.int64), missing),
                index=series.index,
                name=series.name,
            )
        else:
            parsed = numbers
    else:  # date
        dates = pd.to_datetime(stripped, format="ISO8601", errors="coerce")
        bad = ~blank & dates.isna()
        parsed = dates.dt.date.astype(object).where(dates.notna(), None)
    kind_text = {
        "integer": "a whole number",
        "number": "a plain number (digits, an optional minus sign and a decimal point, no units or separators)",
        "date": "a date written YYYY-MM-DD",
        "text": "text",
    }[spec.kind]
    for index in series.index[bad.fillna(False)]:
        findings.append(
            Finding(
                row_number(index, row_numbers),
                spec.name,
                display_value(series[index]),
                "not_a_number" if spec.kind in ("integer", "number") else "not_a_date",
                f"{spec.name} must be {kind_text}; found {display_value(series[index])!r}.",
            )
        )
    if spec.required_value:
        for index in series.index[blank]:
            findings.append(
                Finding(
                    row_number(index, row_numbers),
                    spec.name,
                    "",
                    "missing_value",
                    f"{spec.name} is empty; every row needs a {spec.name}.",
                )
            )
    return parsed, findings


EXACT_INTEGER = 2**53
"""Whole numbers up to this size are kept exactly by a float64, as numbers are read and checked."""

_MAX_EXACT_DIGITS = 15
"""Up to this many digits, every reader of decimal text gets the same float: the digits make an integer below
2**53 and the decimal point divides it by an exact power of ten, rounded once."""


def text_to_numbers(text: pd.Series) -> pd.Series:
    """``pd.to_numeric(text, errors="coerce").astype("float64")`` of stripped text cells, bit for bit, fast.

    Cells written plainly (an optional minus, digits, an optional decimal point, at most
    :data:`_MAX_EXACT_DIGITS` digits: nearly every cell of an upload) are converted by pyarrow at once; pandas
    converts the others one by one, as before. pandas reads a whole number written with 16 or more digits, or a
    minus zero, differently depending on the other cells of the column (as an integer, or as a float), so a column
    with one of those is left to pandas as a whole.
    """
    cells = arrow_text(text)
    length = pc.binary_length(cells)
    plain = _as_bool(pc.and_(pc.ascii_is_decimal(cells), pc.less_equal(length, _MAX_EXACT_DIGITS)))
    if plain.all():  # a column of years or quarters
        return pd.Series(pc.cast(cells, pa.float64()).to_numpy(), index=text.index, name=text.name)
    blank = _as_bool(pc.or_kleene(pc.is_null(cells), pc.equal(length, 0)))
    rest = np.flatnonzero(~plain & ~blank)
    if len(rest):
        others = pc.take(cells, pa.array(rest))
        # an optional minus, digits and at most one decimal point, 1 to 15 digits, and not a whole minus zero
        digits = pc.subtract(
            pc.binary_length(others), pc.add(pc.count_substring(others, "-"), pc.count_substring(others, "."))
        )
        decimal = _as_bool(
            pc.and_(
                pc.match_substring_regex(others, r"^-?[0-9]*\.?[0-9]*$"),
                pc.and_(pc.greater(digits, 0), pc.less_equal(digits, _MAX_EXACT_DIGITS)),
            )
        )
        negative = np.flatnonzero(decimal & _as_bool(pc.starts_with(others, "-")))
        if len(negative) and _as_bool(pc.match_substring_regex(pc.take(others, negative), r"^-0+$")).any():
            return pd.to_numeric(text, errors="coerce").astype("float64")  # minus zero: 0.0 or -0.0, by column
        undecided = pc.filter(others, pa.array(~decimal))
        if len(undecided) and _as_bool(pc.match_substring_regex(undecided, r"^[+-]?[0-9]{16,}$")).any():
            return pd.to_numeric(text, errors="coerce").astype("float64")  # a long whole number: int or float
        plain[rest[decimal]] = True
        rest = rest[~decimal]
    numbers = np.full(len(cells), np.nan)
    if plain.any():
        numbers[plain] = pc.cast(pc.filter(cells, pa.array(plain)), pa.float64()).to_numpy()
    if len(rest):
        numbers[rest] = pd.to_numeric(text.iloc[rest], errors="coerce").astype("float64").to_numpy()
    return pd.Series(numbers, index=text.index, name=text.name)


def _trimmed_by_distinct(series: pd.Series) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray] | None:
    """Which cells of a pyarrow-backed text column are blank (missing, empty or only whitespace), and the column
    trimmed as ``string`` with its blank cells missing, trimming each distinct text once; a column that trimming
    leaves as it is keeps its text (no copy). None for other columns."""
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        return None
    codes, dictionary = text_dictionary(series)
    trimmed = pc.utf8_trim_whitespace(dictionary)
    blank_entry = _as_bool(pc.equal(pc.binary_length(trimmed), 0))
    missing = codes < 0
    blank = np.append(blank_entry, True)[codes]
    if not blank.any() and pc.all(pc.equal(trimmed, dictionary)).as_py() is not False:
        return blank, series.astype("string").array  # already trimmed, nothing blank
    entries = pc.if_else(pa.array(blank_entry), pa.nulls(len(trimmed), trimmed.type), trimmed)
    taken = entries.take(pa.array(np.where(missing, 0, codes), mask=missing))
    return blank, pd.array(taken, dtype="string")


_PLAIN_DECIMAL = r"^-?[0-9]*\.?[0-9]*$"


def numbers_of_distinct_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Which cells of a text column are blank, and the numbers of the others, as :func:`text_to_numbers` reads the
    stripped cells, working on each distinct text once (a column of years or of values repeats its few thousand
    texts); None unless every cell is blank or written plainly (an optional minus, digits, at most one decimal point,
    1 to :data:`_MAX_EXACT_DIGITS` digits, not a whole minus zero), the cells the two read alike one by one."""
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        return None
    codes, dictionary = text_dictionary(series)
    stripped = pc.utf8_trim_whitespace(dictionary)
    length = pc.binary_length(stripped)
    blank_entry = _as_bool(pc.equal(length, 0))
    digits = pc.subtract(length, pc.add(pc.count_substring(stripped, "-"), pc.count_substring(stripped, ".")))
    plain = _as_bool(
        pc.and_(
            pc.match_substring_regex(stripped, _PLAIN_DECIMAL),
            pc.and_(pc.greater(digits, 0), pc.less_equal(digits, _MAX_EXACT_DIGITS)),
        )
    )
    if not (plain | blank_entry).all() or _as_bool(pc.match_substring_regex(stripped, r"^-0+$")).any():
        return None
    values = np.full(len(dictionary) + 1, np.nan)  # the last entry stands for a missing cell
    if plain.any():
        values[:-1][plain] = pc.cast(pc.filter(stripped, pa.array(plain)), pa.float64()).to_numpy()
    blank = np.append(blank_entry, True)
    return blank[codes], values[codes]


def _as_bool(values: object) -> np.ndarray:
    """A pyarrow boolean array (nulls as False) as a numpy one."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool, copy=True)


# ---- columns as integer codes: the vectorised form of "rows with equal keys" -----------------------------------------

_CODES_CACHE: dict[int, tuple[weakref.ref, tuple[np.ndarray, int, pa.Array | None]]] = {}
"""Codes of recently coded column arrays, by ``id``, while the array lives: the contract's checks code the same key
columns of the same frame one after the other (the weak reference both verifies the ``id`` and drops the entry)."""


def arrow_text(series: pd.Series) -> pa.ChunkedArray:
    """A text column as pyarrow strings, chunked as it is (no copy of the text for pyarrow-backed strings)."""
    try:
        cells = pa.array(series) if isinstance(series.dtype, pd.StringDtype) else pa.array(series.astype("string"))
    except (pa.ArrowException, TypeError, ValueError):
        cells = pa.array(series.astype("string"))
    return cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells])


def blank_text(series: pd.Series) -> np.ndarray:
    """Which cells are missing, empty or only whitespace: ``astype("string").str.strip() == ""`` or missing, without
    making the trimmed copy (pyarrow's ``utf8_is_space`` and its trimming agree on every code point)."""
    cells = arrow_text(series)
    empty = pc.or_(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells))
    return _as_bool(empty) | _as_bool(pc.is_null(cells))


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) or series.dtype == object


def _text_codes(cells: pa.ChunkedArray, *, ordered: bool = True) -> tuple[np.ndarray, int, pa.Array]:
    """Codes, their bound and the distinct values (code ``i`` stands for ``values[i]``)."""
    encoded = pc.dictionary_encode(cells).unify_dictionaries()  # the chunks share one dictionary
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], type=cells.type)
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], type=pa.int32())
    count = len(dictionary)
    if not ordered:
        codes = pc.fill_null(indices, count).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        return codes, count + 1, dictionary
    order = pc.array_sort_indices(dictionary)  # the values in sort order (by code point, as Python compares)
    rank = np.empty(count + 1, dtype=np.int32)
    rank[order.to_numpy()] = np.arange(count)
    rank[count] = count
    return rank[pc.fill_null(indices, count).to_numpy(zero_copy_only=False)], count + 1, pc.take(dictionary, order)


_MAX_SPAN = 1 << 20
"""Whole numbers spanning fewer values than this are coded by arithmetic (value - smallest), not by hashing."""


def _number_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    if series.dtype.kind == "i" and len(series):  # signed whole numbers, numpy or nullable
        missing = series.isna().to_numpy(dtype=bool)
        values = series.to_numpy(dtype="int64", na_value=0)
        if not missing.all():
            low, high = int(values[~missing].min()), int(values[~missing].max())
            if high - low < _MAX_SPAN:  # a year, a quarter: no hashing
                codes = (values - low).astype(np.int32)
                codes[missing] = high - low + 1
                return codes, high - low + 2
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    count = len(uniques)
    return np.where(codes < 0, count, codes).astype(np.int32 if count < 2**31 - 1 else np.int64), count + 1


def _coded(series: pd.Series) -> tuple[np.ndarray, int, pa.Array | None]:
    """Codes, their bound and (for text) the distinct values of a column, remembered while its array lives."""
    array = series.array
    hit = _CODES_CACHE.get(id(array))
    if hit is not None and hit[0]() is array:
        return hit[1]
    coded = _text_codes(arrow_text(series)) if _is_text(series) else (*_number_codes(series), None)
    coded[0].flags.writeable = False
    try:
        key = id(array)
        reference = weakref.ref(array, lambda _, key=key: _CODES_CACHE.pop(key, None))
    except TypeError:  # not weakly referenceable: no memo
        return coded
    _CODES_CACHE[key] = (reference, coded)
    return coded


def column_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    """One integer code per cell and a bound of the codes: equal cells share a code, codes follow the sort order of the
    values (text by code point, as Python compares strings) and missing cells share the last code.

    Text is coded by pyarrow's dictionary encoding, whole numbers of a small range by arithmetic, other columns by
    :func:`pandas.factorize`.
    """
    codes, bound, _ = _coded(series)
    return codes, bound


class IncomparableColumns(TypeError):
    """Columns of two frames that hold different kinds of values (text and numbers): they never match."""


def joint_codes(columns: Sequence[pd.Series], *, ordered: bool = True) -> tuple[np.ndarray, int, pa.Array | None]:
    """:func:`column_codes` of several columns at once, one after the other (one column of several frames, say):
    equal values share a code across them (in no particular order unless ``ordered``); for text also the distinct
    values (code ``i`` stands for ``values[i]``). Raises :class:`IncomparableColumns` when some columns hold text and
    others numbers."""
    text = [_is_text(column) for column in columns]
    if any(text) and not all(text):
        raise IncomparableColumns("text and numbers")
    if all(text):
        chunks = [chunk for column in columns for chunk in arrow_text(column).cast(pa.large_string()).chunks]
        return _text_codes(pa.chunked_array(chunks, type=pa.large_string()), ordered=ordered)
    codes, bound = _number_codes(pd.concat([c.reset_index(drop=True) for c in columns], ignore_index=True))
    return codes, bound, None


def text_dictionary(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """A text column dictionary-encoded: an int32 code per cell (-1 when missing) and the distinct values."""
    encoded = pc.dictionary_encode(arrow_text(series).cast(pa.large_string())).unify_dictionaries()
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], type=pa.large_string())
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], type=pa.int32())
    return pc.fill_null(indices, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False), dictionary


def positions_of(series: pd.Series, values: pa.Array) -> np.ndarray:
    """Each text cell's position in ``values`` (distinct values): -1 when missing, -2 when not among them."""
    cells = arrow_text(series)
    index = pc.fill_null(pc.index_in(cells, value_set=values.cast(cells.type)), -2)
    positions = index.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return np.where(_as_bool(pc.is_null(cells)), np.int32(-1), positions)


def extend_codes(coded: tuple[np.ndarray, pa.Array], other: pd.Series) -> tuple[np.ndarray, int, pa.Array]:
    """:func:`joint_codes` of a column already encoded by :func:`text_dictionary` followed by another text column:
    the same codes, bound and sorted values, looking the other column's cells up instead of encoding them again."""
    codes, dictionary = coded
    positions = positions_of(other, dictionary)
    unseen = positions == -2
    if unseen.any():  # values only the other column holds: after the dictionary's
        extra = pc.unique(pc.filter(arrow_text(other).cast(pa.large_string()), pa.array(unseen)))
        positions[unseen] = len(dictionary) + pc.index_in(
            pc.filter(arrow_text(other).cast(pa.large_string()), pa.array(unseen)), value_set=extra
        ).to_numpy(zero_copy_only=False)
        dictionary = pa.concat_arrays([dictionary, extra])
    count = len(dictionary)
    order = pc.array_sort_indices(dictionary)  # the values in sort order, as _text_codes numbers them
    rank = np.empty(count + 1, dtype=np.int32)
    rank[order.to_numpy()] = np.arange(count, dtype=np.int32)
    rank[count] = count  # missing: rank[-1]
    joint = np.concatenate([rank[codes], rank[positions]])
    return joint, count + 1, pc.take(dictionary, order)


def combine_codes(parts: Sequence[tuple[np.ndarray, int]], length: int) -> np.ndarray:
    """Codes of several columns (``(codes, bound)`` each) as one int64 id per row: equal exactly when every code is
    equal, and ordered as sorting by the columns in turn orders the rows."""
    return combine_codes_bounded(parts, length)[0]


_COMPACT_ABOVE = 1 << 20
"""Combined ids are renumbered densely once their bound passes this and the row count (so the numbers, and any
table indexed by them, stay about as large as the data)."""


def combine_codes_bounded(parts: Sequence[tuple[np.ndarray, int]], length: int) -> tuple[np.ndarray, int]:
    """:func:`combine_codes` and a bound of the ids."""
    ids = np.zeros(length, dtype=np.int64)
    size = 1
    for codes, count in parts:
        if size * count > max(_COMPACT_ABOVE, 4 * length):
            ids, size = compact_ids(ids, size)
        ids *= count
        ids += codes
        size *= count
    return ids, size


def compact_ids(ids: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Ids below ``size`` renumbered 0, 1, 2, ... in their order, and their count."""
    if size <= 4 * len(ids) + _COMPACT_ABOVE:  # a table of the ids below the bound: no hashing
        present = np.zeros(size, dtype=bool)
        present[ids] = True
        rank = np.cumsum(present, dtype=np.int64) - 1
        return rank[ids], int(rank[-1]) + 1 if size else 0
    dense, uniques = pd.factorize(ids, sort=True)
    return dense.astype(np.int64), len(uniques)


def group_ids(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One int64 id per row, equal exactly for rows equal in every column (missing values equal each other), ordered
    as the rows sorted by these columns (missing values last)."""
    return combine_codes([column_codes(frame[c]) for c in columns], len(frame))


def group_ids_bounded(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, int]:
    """:func:`group_ids` and a bound of the ids."""
    return combine_codes_bounded([column_codes(frame[c]) for c in columns], len(frame))


def first_positions(ids: np.ndarray) -> np.ndarray:
    """Position of the first row of each distinct id, in order of first appearance."""
    return np.flatnonzero(~repeated_ids(ids))


def repeated_ids(ids: np.ndarray, bound: int | None = None) -> np.ndarray:
    """``pd.Series(ids).duplicated(keep="first")`` of whole numbers (below ``bound`` when given): True for every id
    seen before. Ids from 0 up to a few times their count are found in a table indexed by id, others by hashing."""
    if bound is None and len(ids) and ids.dtype.kind in "iu" and ids.min() >= 0:
        bound = int(ids.max()) + 1
    if bound is None or bound > 32 * len(ids) + _COMPACT_ABOVE or len(ids) >= 2**31 - 1:
        return pd.Series(ids).duplicated(keep="first").to_numpy()
    if bound > 4 * len(ids) + _COMPACT_ABOVE:  # renumber densely first, by a table of the ids present
        present = np.zeros(bound, dtype=bool)
        present[ids] = True
        ids = (np.cumsum(present, dtype=np.int32) - 1)[ids]
        bound = int(ids.max()) + 1 if len(ids) else 0
    first = np.empty(bound, dtype=np.int32)
    positions = np.arange(len(ids), dtype=np.int32)
    first[ids[::-1]] = positions[::-1]  # the last write, the first position, wins
    return first[ids] != positions


def positions_in(series: pd.Series, vocabulary: Sequence[str]) -> np.ndarray:
    """Each text cell's position in ``vocabulary`` (exact match), ``len(vocabulary)`` for any other or missing cell."""
    if not _is_text(series):
        cells = arrow_text(series)
        index = pc.index_in(cells, value_set=pa.array(list(vocabulary), type=cells.type))
        return pc.fill_null(index, len(vocabulary)).to_numpy(zero_copy_only=False).astype(np.intp)
    key = (id(series.array), tuple(vocabulary))
    hit = _POSITIONS_CACHE.get(key)
    if hit is not None and hit[0]() is series.array:
        return hit[1]
    codes, _, values = _coded(series)  # look the distinct values up, then every cell by its code
    index = pc.index_in(values, value_set=pa.array(list(vocabulary), type=values.type))
    lookup = pc.fill_null(index, len(vocabulary)).to_numpy(zero_copy_only=False).astype(np.intp)
    small = np.int8 if len(vocabulary) < 127 else np.int16 if len(vocabulary) < 32_767 else np.intp
    positions = np.append(lookup, len(vocabulary)).astype(small)[codes]
    positions.flags.writeable = False
    try:
        reference = weakref.ref(series.array, lambda _, key=key: _POSITIONS_CACHE.pop(key, None))
    except TypeError:  # not weakly referenceable: no memo
        return positions
    _POSITIONS_CACHE[key] = (reference, positions)
    return positions


_POSITIONS_CACHE: dict[tuple[int, tuple[str, ...]], tuple[weakref.ref, np.ndarray]] = {}
""":func:`positions_in` of recently looked-up text columns, by the ``id`` of their array and the vocabulary, while
the array lives: the contract's checks look the same columns up in the same vocabularies one after the other."""
