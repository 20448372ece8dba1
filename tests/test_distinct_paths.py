"""The upload check's shortcuts give what the plain pandas definitions give: cells read once per distinct text,
repeated ids found by a table, slices listed from codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dashboard.intake.row_keys import _first_seen_numbers, all_distinct
from dashboard.storage.slices import Slice, slices_of
from data_contracts.columns import (
    _read_column,
    _trimmed_by_distinct,
    first_positions,
    numbers_of_distinct_text,
    repeated_ids,
    text_to_numbers,
)
from data_contracts.indicator_row import INDICATOR_COLUMN_SPECS

SPECS = {spec.name: spec for spec in INDICATOR_COLUMN_SPECS}


def _text(cells: list[object]) -> pd.Series:
    return pd.Series(cells, dtype="str")


def _both_readings(series: pd.Series, shortcut: Callable[[pd.Series], Any]) -> tuple[Any, pd.Series, np.ndarray]:
    """A shortcut's values, and each cell trimmed and which cells are blank as the cell-by-cell reading has them;
    the shortcut's blanks are checked against the latter's."""
    found = shortcut(series)
    assert found is not None
    blank, values = found
    stripped = series.astype("string").str.strip()
    expected_blank = (series.isna() | stripped.eq("").fillna(True)).to_numpy()
    assert blank.tolist() == expected_blank.tolist()
    return values, stripped, expected_blank


@pytest.mark.parametrize(
    "cells",
    [
        ["2024", " 2023 ", "2024", "", "  ", None, "2024"],
        ["12.5", "-3", "0.000001", "7.", ".5", "-0.0", "123456789012345", "", None],
    ],
)
def test_numbers_read_once_per_distinct_text_equal_the_cell_by_cell_reading(cells: list[object]) -> None:
    numbers, stripped, _ = _both_readings(_text(cells), numbers_of_distinct_text)
    expected = text_to_numbers(stripped).to_numpy()
    np.testing.assert_array_equal(numbers, expected)
    assert np.signbit(numbers[~np.isnan(numbers)]).tolist() == np.signbit(expected[~np.isnan(expected)]).tolist()


@pytest.mark.parametrize("odd", ["1e5", "+3", "1,5", "twelve", "-0", "-00", "1234567890123456", "."])
def test_a_column_with_any_text_not_written_plainly_is_left_to_the_cell_by_cell_reading(odd: str) -> None:
    assert numbers_of_distinct_text(_text(["1", "2.5", odd, "1"])) is None


def test_typed_numbers_are_not_read_as_text() -> None:
    assert numbers_of_distinct_text(pd.Series([1.0, 2.0])) is None


@pytest.mark.parametrize(
    "cells",
    [
        ["a", "b", "a", "c"],
        [" a", "b ", "", "   ", None, "a", "\u00a0x\u2003"],
        ["", "", ""],
    ],
)
def test_text_trimmed_once_per_distinct_text_equals_trimming_every_cell(cells: list[object]) -> None:
    values, stripped, expected_blank = _both_readings(_text(cells), _trimmed_by_distinct)
    expected = stripped.mask(pd.Series(expected_blank), pd.NA).astype("string")
    pd.testing.assert_series_equal(pd.Series(values), expected, check_names=False)


def test_a_text_column_gives_the_same_cells_and_findings_either_way() -> None:
    series = _text([" att-imago", "", None, "x" * 70, "att-imago "])
    typed, findings = _read_column(series, SPECS["partnership_id"], None)
    assert typed.tolist() == ["att-imago", pd.NA, pd.NA, "x" * 70, "att-imago"]
    assert [(f.row, f.rule) for f in findings] == [(3, "missing_value"), (4, "missing_value")]


def test_a_whole_number_column_read_once_per_distinct_text_reports_fractions_and_blanks() -> None:
    series = _text(["2024", "2024.5", "", "2023", "2024"])
    typed, findings = _read_column(series, SPECS["year"], None)
    assert str(typed.dtype) == "Int64"
    assert typed.tolist() == [2024, pd.NA, pd.NA, 2023, 2024]
    assert [(f.row, f.rule) for f in findings] == [(3, "not_a_whole_number"), (4, "missing_value")]


@pytest.mark.parametrize("bound", [1, 7, 1_000, 100_000, 10_000_000, 10**12])
def test_repeated_ids_are_pandas_duplicated(bound: int) -> None:
    ids = np.random.default_rng(bound % 1000).integers(0, bound, 20_000)
    expected = pd.Series(ids).duplicated(keep="first").to_numpy()
    assert (repeated_ids(ids, bound) == expected).all()
    assert (repeated_ids(ids) == expected).all()
    assert all_distinct(ids) == (not expected.any())
    assert (first_positions(ids) == pd.Series(ids).drop_duplicates().index.to_numpy()).all()
    assert (_first_seen_numbers(ids) == pd.factorize(ids)[0]).all()


def test_slices_from_codes_are_the_sorted_distinct_slices() -> None:
    rng = np.random.default_rng(3)
    ids = ["b-2", "a-1", "Zed", "é-x", "a b"]
    frame = pd.DataFrame(
        {
            "partnership_id": pd.array(rng.choice(ids, 5_000), dtype="string"),
            "year": rng.integers(2020, 2025, 5_000),
            "quarter": rng.integers(1, 5, 5_000),
        }
    )
    keys = frame.drop_duplicates().sort_values(["partnership_id", "year", "quarter"])
    expected = tuple(Slice(p, int(y), int(q)) for p, y, q in keys.itertuples(index=False))
    assert slices_of(frame) == expected
    assert slices_of(frame.astype({"year": "Int64", "quarter": "Int64"})) == expected
