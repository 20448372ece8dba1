"""The fast paths of a large upload give exactly what the plain pandas ways give.

Reading, checking and previewing a file take vectorised shortcuts (pyarrow's CSV reader, pyarrow string kernels,
integer codes of the key columns instead of merges on text). Each is compared here with the straightforward
computation it replaces, on random and awkward inputs: the same frames, the same numbers bit for bit, the same
findings.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pytest

from dashboard.intake import csv_reading, ingest, row_keys, upload_checks, upload_preview
from dashboard.storage.slices import slices_of
from dashboard.storage.store import Store
from data_contracts import DIMENSIONS, INDICATORS, KEY_COLUMNS, TOTAL, validate_indicators
from data_contracts import indicator_models as models
from data_contracts import indicator_rules as checks
from data_contracts.column_specs import blank_pair_means_total
from data_contracts.columns import (
    blank_text,
    extend_codes,
    group_ids,
    joint_codes,
    text_dictionary,
    text_to_numbers,
)
from data_contracts.findings import RowNumbers, display_value
from data_contracts.units import UNITS
from tests.conftest import TODAY

# ---- reading CSV -------------------------------------------------------------------------------------------------


def _cell(rng: random.Random, delimiter: str) -> str:
    return rng.choice(
        [
            "",
            "abc",
            f'"a{delimiter}b"',
            '"a""b"',
            'a"b',
            '"x"y',
            ' "q"',
            '"multi\nline"',
            '"multi\r\nline"',
            '"',
            '""',
            '"unclosed',
            "1",
            " ",
            '""""',
            'x""',
            '"\r"',
            "é",
            '"\n"',
        ]
    )


def _random_csv(rng: random.Random) -> tuple[bytes, str]:
    delimiter = rng.choice([",", ";", "\t"])
    width = rng.randint(2, 4)
    eol = rng.choice(["\n", "\r\n", "\r"])
    lines = [delimiter.join(f"h{i}" for i in range(width))]
    for _ in range(rng.randint(0, 6)):
        cells = width if rng.random() < 0.9 else rng.randint(0, width + 1)
        lines.append(delimiter.join(_cell(rng, delimiter) for _ in range(cells)))
    return (eol.join(lines) + rng.choice(["", eol, eol + eol, " "])).encode(), delimiter


def test_pyarrow_reads_every_csv_it_accepts_as_pandas_does() -> None:
    rng = random.Random(20261127)
    fast_reads = 0
    for _ in range(3000):
        body, delimiter = _random_csv(rng)
        fast = csv_reading._parse_with_pyarrow(body, delimiter, csv_reading._header_width(body, delimiter))
        if fast is None:
            continue  # pandas decides, as before
        fast_reads += 1
        pd.testing.assert_frame_equal(fast, csv_reading._parse_with_pandas(body, delimiter), check_exact=True)
    assert fast_reads > 500


def test_a_file_ending_inside_a_quoted_cell_is_left_to_pandas() -> None:
    body = b'a,b\nx,"abc\n'  # pyarrow alone would accept this; pandas reports the unclosed quote
    assert csv_reading._parse_with_pyarrow(body, ",", 2) is None


@pytest.mark.parametrize("block", [1 << 12, 1 << 14])
def test_quoted_line_breaks_survive_block_boundaries(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(csv_reading, "_PYARROW_BLOCK_BYTES", block)
    rng = random.Random(block)
    notes = ["", "plain", '"has, comma"', '"line\nbreak"', '"quote ""x"""', '"crlf\r\nin"', 'a"b']
    header = "partnership_id,year,quarter,indicator_id,dimension,category,value,note"
    quoted = [f"p{i % 50},2024,{1 + i % 4},new_hires,total,total,{i},{rng.choice(notes)}" for i in range(20_000)]
    plain = [f"p{i % 50},2024,{1 + i % 4},new_hires,{rng.choice(['total', ''])},total,{i}," for i in range(20_000)]
    for rows, eol in [(quoted, "\r\n"), (plain, "\r\n"), (plain, "\r")]:
        body = (eol.join([header, *rows]) + eol).encode()
        fast = csv_reading._parse_with_pyarrow(body, ",", 8)
        pd.testing.assert_frame_equal(fast, csv_reading._parse_with_pandas(body, ","), check_exact=True)


def test_blank_cells_are_what_strip_leaves_empty() -> None:
    cells = ["", " ", "\u00a0", "\u2009x", "x\u3000", " a b ", "\t\n", "\x1c", "\x85", "é ", None, "x", "\u200b"]
    for dtype in ("string", "str", object):
        series = pd.Series(cells, dtype=dtype)
        expected = (series.isna() | series.astype("string").str.strip().eq("")).fillna(True)
        assert blank_text(series).tolist() == expected.tolist()


# ---- numbers -----------------------------------------------------------------------------------------------------


def _number_text(rng: random.Random) -> str | None:
    atoms = ["0", "1", "5", "9", "00", ".", "-", "+", "e", "E", " ", "inf", "nan", "x", ",", "\u0663", "_", "1234567"]
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(0, 10 ** rng.randint(1, 20)))
    if kind < 0.5:
        number = rng.uniform(-1e6, 1e6)
        return repr(number) if rng.random() < 0.5 else f"{number:.{rng.randint(0, 14)}f}"
    if kind < 0.6:
        return rng.choice(["", None, "-0", "-0.0", "+0", "-00", "0000000000000000001", "18446744073709551616", "-1"])
    return "".join(rng.choice(atoms) for _ in range(rng.randint(1, 5)))


def test_text_to_numbers_is_pandas_to_numeric_bit_for_bit() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        text = pd.Series([_number_text(rng) for _ in range(rng.randint(1, 12))], dtype="string").str.strip()
        fast = text_to_numbers(text).to_numpy()
        slow = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
        assert np.array_equal(np.isnan(fast), np.isnan(slow)), list(text)
        assert np.array_equal(fast[~np.isnan(fast)].view(np.int64), slow[~np.isnan(slow)].view(np.int64)), list(text)


def test_codes_extended_from_a_dictionary_equal_codes_of_both_columns() -> None:
    rng = random.Random(9)
    words = ["a", "b", "é", "B", "", " a", "zz", None]
    for _ in range(200):
        first = pd.Series([rng.choice(words) for _ in range(rng.randint(0, 8))], dtype=rng.choice(["str", "string"]))
        second = pd.Series([rng.choice([*words, "new", "x"]) for _ in range(rng.randint(0, 8))], dtype="str")
        codes, bound, values = extend_codes(text_dictionary(first), second)
        expected_codes, expected_bound, expected_values = joint_codes([first, second])
        assert codes.tolist() == expected_codes.tolist() and bound == expected_bound
        assert values.to_pylist() == expected_values.to_pylist()


def test_display_value_shortcuts_give_the_general_answer() -> None:
    for value in [1.0, -0.0, 2.5, float("nan"), float("inf"), 1e20, 1e-7, "x", "", " 1 "]:
        general = (
            ""
            if pd.isna(value)
            else str(int(value))
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e16
            else str(value)
        )
        assert display_value(value) == general


def test_row_numbers_read_like_the_dict_they_replace() -> None:
    numbers = RowNumbers([2, 3, 5])
    plain = {0: 2, 1: 3, 2: 5}
    assert numbers == plain and plain == numbers and dict(numbers) == plain and len(numbers) == 3
    for label in [0, 2, np.int64(1), 1.0, True, 3, -1, "1", None, 2.5]:
        assert numbers.get(label) == plain.get(label)
        assert (label in numbers) == (label in plain)
    assert numbers.rows_of(np.array([2, 0])).tolist() == [5, 2]


# ---- the contract's checks -----------------------------------------------------------------------------------------

# The checks as they were written before they worked on integer codes: the reference they must equal.


def _reference_checks(dataset: str) -> dict[str, Callable[[pd.DataFrame], pd.Series]]:
    lookup = checks._lookup

    def pairs(frame: pd.DataFrame, left: str, right: str, table: Mapping) -> pd.Series:
        allowed = {f"{a}\x1f{b}" for a, b in table}
        keys = frame[left].astype("string").fillna("\x00") + "\x1f" + frame[right].astype("string").fillna("\x00")
        return keys.isin(allowed).astype(bool)

    def whole(frame: pd.DataFrame) -> pd.Series:
        is_whole = lookup(frame["indicator_id"], checks._WHOLE).eq(True)
        values = frame["value"]
        return ~is_whole | ~np.isfinite(values) | values.isna() | (values % 1 == 0)

    def negative(frame: pd.DataFrame) -> pd.Series:
        signed = lookup(frame["indicator_id"], checks._SIGNED)
        values = frame["value"]
        return signed.isna() | signed.astype(bool) | values.isna() | ~(values < 0)

    def percent(frame: pd.DataFrame) -> pd.Series:
        is_percent = lookup(frame["indicator_id"], checks._UNIT).eq("percent").fillna(False)
        return ~is_percent | frame["value"].isna() | ~(frame["value"] > 100)

    def unit_range(frame: pd.DataFrame) -> pd.Series:
        unit = lookup(frame["indicator_id"], checks._UNIT)
        largest = unit.map(lambda code: UNITS[code].largest if isinstance(code, str) else float("inf"))
        in_size = frame["value"].abs().le(largest) | ~np.isfinite(frame["value"]) | frame["value"].isna()
        return (unit.eq("percent").fillna(False) | in_size).astype(bool)

    def within(frame: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=frame.index)
        sums = checks.breakdown_sums(frame)
        valid_total = sums["total"].notna() & (sums["total"] >= 0)
        over = sums[valid_total & (sums["categories_sum"] > sums["total"] + 1e-9 * sums["total"].abs().clip(1))]
        if over.empty:
            return ok
        group = [*KEY_COLUMNS[:4], "dimension"]
        keyed = frame.reset_index().merge(over[group], on=group, how="inner")
        first_rows = keyed.groupby(group, observed=True)[keyed.columns[0]].first()
        ok.loc[first_rows.to_numpy()] = False
        return ok

    def needs_total(frame: pd.DataFrame) -> pd.Series:
        breakdown = checks._breakdown_rows(frame)
        if not breakdown.any():
            return pd.Series(True, index=frame.index)
        keys = pd.MultiIndex.from_frame(frame[list(KEY_COLUMNS[:4])])
        return ~breakdown | pd.Series(keys.isin(checks._totals(frame).index), index=frame.index)

    def in_dataset(frame: pd.DataFrame) -> pd.Series:
        owner = lookup(frame["indicator_id"], checks._DATASET_OF)
        return owner.isna() | (owner == dataset)

    return {
        "indicator_in_other_dataset": in_dataset,
        "value_whole_number": whole,
        "value_not_negative": negative,
        "percent_0_to_100": percent,
        "value_within_unit_range": unit_range,
        "dimension_allowed": lambda f: (
            ~f["indicator_id"].isin(INDICATORS) | pairs(f, "indicator_id", "dimension", checks._ALLOWED_PAIRS)
        ),
        "category_in_vocabulary": lambda f: (
            ~f["dimension"].isin(DIMENSIONS) | pairs(f, "dimension", "category", checks._VALID_CATEGORY)
        ),
        "unique_key": lambda f: ~f.duplicated(subset=list(KEY_COLUMNS), keep="first"),
        "breakdown_within_total": within,
        "breakdown_needs_total": needs_total,
    }


def _random_checked_frame(rng: random.Random) -> pd.DataFrame:
    """A frame as the checks see it: groups of a total and its breakdown, with missing, unknown and odd cells."""
    ids = [*rng.sample(list(INDICATORS), 6), "happiness"]
    rows = []
    for _ in range(rng.randint(1, 12)):
        partnership = rng.choice(["att-imago", "pge-green-for-all", None])
        year, quarter = rng.choice([2024, 2025, None]), rng.choice([1, 2, 3, 4, 5, None])
        indicator = rng.choice([*ids, None])
        total = rng.choice([10.0, 0.3, 100.0, -4.0, 1e-12, float("nan"), 7.25])
        if rng.random() < 0.85:
            rows.append((partnership, year, quarter, indicator, TOTAL, TOTAL, total))
        dimension = rng.choice(["gender", "age_band", "employment_type", "colour", TOTAL, None])
        categories = [*DIMENSIONS[dimension].categories] if dimension in DIMENSIONS else ["blue", None]
        if rng.random() < 0.2:
            categories.append(rng.choice(["female", None, TOTAL]))
        shares = [rng.choice([0.1, 0.2, 0.3, 1 / 3, 0.5, 2.0, 0.0, float("nan")]) for _ in categories]
        for category, share in zip(categories, shares, strict=True):
            value = total * share if rng.random() < 0.8 else rng.choice([0.1, 0.2, 1e9, -1.0, float("inf")])
            rows.append((partnership, year, quarter, indicator, dimension, category, value))
        if rng.random() < 0.2 and rows:
            rows.append(rng.choice(rows))  # a repeated key
    rng.shuffle(rows)
    frame = pd.DataFrame(rows, columns=list(KEY_COLUMNS) + ["value"])
    for column in ("partnership_id", "indicator_id", "dimension", "category"):
        frame[column] = frame[column].astype("str")  # the types pandera hands the checks
    frame["year"] = frame["year"].astype("Int64")
    frame["quarter"] = frame["quarter"].astype("Int64")
    frame["note"] = pd.Series(pd.NA, index=frame.index, dtype="str")
    if rng.random() < 0.3:
        frame.index = rng.sample(range(100, 100 + 3 * len(frame)), len(frame))
    return frame


def test_vectorised_checks_equal_the_plain_pandas_checks() -> None:
    rng = random.Random(11)
    schema = models.indicator_schema("workforce", partnership_ids=None, today=TODAY)
    fast = {check.name: check for check in schema.checks}
    reference = _reference_checks("workforce")
    failures = dict.fromkeys(reference, 0)
    for _ in range(150):
        frame = _random_checked_frame(rng)
        for name, check in reference.items():
            expected = check(frame)
            got = fast[name]._check_fn(frame)
            pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False, obj=name)
            failures[name] += int((~expected).sum())
    assert all(failures.values()), failures  # every rule failed somewhere, so every path was taken


def test_group_sums_add_as_a_groupby_over_the_key_columns_does() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        frame = pd.DataFrame(
            {
                "a": pd.Series(rng.choice(["x", "y", "z", None], n), dtype="str"),
                "b": pd.Series(rng.choice([1, 2, 3], n), dtype="Int64"),
                "v": rng.choice([0.1, 0.2, 0.3, 67.0, 185.2, 3.3, 6.1, np.nan, 1e16, 1.0], n),
            }
        )
        if rng.random() < 0.5:
            frame = frame.sort_values(["a", "b"], kind="stable")
        expected = frame.groupby(["a", "b"], dropna=True)["v"].sum(min_count=1)
        keep = frame["a"].notna().to_numpy()
        got = checks.group_sums(frame["v"].to_numpy(), group_ids(frame, ["a", "b"]), keep, min_count=1)
        assert np.array_equal(got.to_numpy(), expected.to_numpy(), equal_nan=True)


@pytest.mark.parametrize("seed", range(3))
def test_validation_findings_on_random_bad_rows(seed: int) -> None:
    """End to end through pandera: the findings of random bad rows, against the reference checks' verdicts."""
    rng = random.Random(seed)
    base = pd.read_csv("sample_data/workforce.csv", dtype=str, keep_default_na=False).head(300)
    bad = {
        "value": ["", "-3", "1.5", "abc", "inf", "1e400", "100000", " 7 ", "-0"],
        "quarter": ["0", "5", "", "2.5", "x"],
        "indicator_id": ["happiness", "students_reached", "", " new_hires "],
        "dimension": ["colour", "", "gender", "total"],
        "category": ["female", "", "woman", "total"],
        "partnership_id": ["nobody", "", "att-imago"],
    }
    raw = base.copy()
    for i in range(len(raw)):
        if rng.random() < 0.08:
            column = rng.choice(list(bad))
            raw.iat[i, raw.columns.get_loc(column)] = rng.choice(bad[column])
    result = validate_indicators(raw, "workforce", partnership_ids={"att-imago"}, today=TODAY)
    rules = {f.rule for f in result.findings}
    assert {"partnership_known", "missing_value"} <= rules
    # each rule's findings sit exactly on the rows the reference check rejects (but for a cell that already has a
    # finding of reading: its column is reported once)
    prepared = models.prepare_frame(raw, models.INDICATOR_COLUMN_SPECS, what="x")
    frame = blank_pair_means_total(prepared.frame).astype(
        {c: "str" for c in ("partnership_id", "indicator_id", "dimension", "category", "note")}
    )
    rules = checks.indicator_rules("workforce")
    for name, check in _reference_checks("workforce").items():
        read = {f.row for f in prepared.findings if f.column == rules[name].column}
        rejected = {int(label) + 2 for label in frame.index[~check(frame).to_numpy(dtype=bool)]} - read
        found = {f.row for f in result.findings if f.rule == name}
        assert found == rejected, name


# ---- the preview and the warnings ---------------------------------------------------------------------------------


def _perturbed(store: Store, rng: random.Random) -> tuple[pd.DataFrame, pd.DataFrame]:
    dataset = rng.choice(["workforce", "diversity", "education"])
    ids = rng.sample(["att-imago", "pge-green-for-all", "solar-skills-kenya", "women-in-energy-india"], 2)
    history = store.read_indicators(dataset, "submitted", partnership_ids=ids, years=[2024, 2025])
    incoming = history.sample(frac=rng.uniform(0.1, 0.9), random_state=rng.randint(0, 999)).copy()
    factors = np.where(np.random.default_rng(rng.randint(0, 99)).random(len(incoming)) < 0.2, rng.choice([0.1, 4.0]), 1)
    incoming["value"] = incoming["value"] * factors
    incoming.loc[incoming.index[::7], "note"] = rng.choice(["restated", pd.NA, ""])
    if rng.random() < 0.5:
        incoming = pd.concat([incoming, incoming.assign(quarter=incoming["quarter"] % 4 + 1)]).drop_duplicates(
            subset=list(KEY_COLUMNS)
        )
    if rng.random() < 0.5:
        incoming = incoming.reset_index(drop=True)
    return incoming, history


@pytest.mark.parametrize("seed", range(6))
def test_the_coded_preview_equals_the_merged_one(sample_store: Store, seed: int) -> None:
    rng = random.Random(seed)
    incoming, history = _perturbed(sample_store, rng)
    row_of = {label: i + 2 for i, label in enumerate(incoming.index)}
    compared = upload_preview.compare_rows(incoming, history)
    published = set(slices_of(incoming.head(20)))
    changes = upload_preview.preview_changes(incoming, history, published, compared=compared)
    largest = upload_preview.largest_changes(incoming, history, compared=compared)
    assert upload_preview.preview_changes(incoming, history, published) == changes
    pd.testing.assert_frame_equal(upload_preview.largest_changes(incoming, history), largest)
    for factor in (3.0, 1.5):
        assert upload_checks.value_jumps(incoming, history, factor, row_of) == upload_checks._value_jumps_merged(
            incoming, history, factor, row_of
        )
    assert upload_checks.missing_indicators(incoming, history, row_of) == upload_checks._missing_indicators_merged(
        incoming, history, row_of
    )
    assert upload_checks.unassigned_people(incoming, row_of) == upload_checks._unassigned_people_merged(
        incoming, row_of
    )
    warnings = upload_checks.upload_warnings(incoming, history, published, change_factor=3.0, row_of=row_of)
    for coded in (None, row_keys.code_history(history)):
        preview = upload_preview.preview_upload(
            incoming, history, published, change_factor=3.0, row_of=row_of, coded=coded
        )
        assert preview.changes == changes
        pd.testing.assert_frame_equal(preview.largest, largest)
        assert preview.warnings == warnings
    assert row_keys.slice_set(incoming) == set(slices_of(incoming))


def test_frames_the_codes_cannot_stand_for_take_the_merged_path(sample_store: Store) -> None:
    incoming, history = _perturbed(sample_store, random.Random(3))
    history = pd.concat([history, history.head(5)])  # a stored key twice
    incoming = incoming.assign(partnership_id=incoming["partnership_id"].mask(incoming.index == incoming.index[0]))
    row_of = {label: i + 2 for i, label in enumerate(incoming.index)}
    compared = upload_preview.compare_rows(incoming, history)
    assert upload_preview.preview_changes(incoming, history) == upload_preview.preview_changes(
        incoming, history, compared=compared
    )
    assert upload_checks.value_jumps(incoming, history, 3.0, row_of) == upload_checks._value_jumps_merged(
        incoming, history, 3.0, row_of
    )


def test_reading_the_stored_rows_early_changes_nothing(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows.assign(value=rows["value"] * np.where(rows.index % 5 == 0, 4, 1))
    data = rows.to_csv(index=False).encode()
    reports = []
    for threshold in (10**9, 0):  # never, always read ahead
        monkeypatch.setattr(ingest, "PREFETCH_ROWS", threshold)
        reports.append(ingest.check_upload(sample_store, data, "f.csv", dataset="workforce", today=TODAY))
    plain, early = reports
    assert early.findings == plain.findings and early.changes == plain.changes and early.sha256 == plain.sha256
    pd.testing.assert_frame_equal(early.largest, plain.largest)
    assert early.base_version == plain.base_version and early.slices == plain.slices
