"""The units and quarters every layer shares: one quarter number, its labels and dates; each unit's words."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data_contracts import INDICATORS
from data_contracts.quarters import Quarter, quarter_numbers, quarters_of_numbers
from data_contracts.units import UNITS, compact_number, format_value


def test_consecutive_quarters_have_consecutive_numbers() -> None:
    quarters = [Quarter(2023, 3), Quarter(2023, 4), Quarter(2024, 1), Quarter(2024, 2)]
    numbers = [q.number for q in quarters]
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    assert [Quarter.from_number(n) for n in numbers] == quarters
    assert sorted(quarters, key=lambda q: q.number) == sorted(quarters)  # the same order as the tuples


def test_quarter_numbers_of_columns_are_the_quarters_numbers() -> None:
    years, quarters = pd.Series([2022, 2024, 2024, 2030]), pd.Series([4, 1, 3, 2])
    numbers = quarter_numbers(years, quarters)
    assert numbers.dtype == np.int64
    assert numbers.tolist() == [Quarter(y, q).number for y, q in zip(years, quarters, strict=True)]
    back_years, back_quarters = quarters_of_numbers(numbers)
    assert back_years.tolist() == years.tolist() and back_quarters.tolist() == quarters.tolist()


def test_a_quarter_is_its_tuple() -> None:
    assert Quarter(2024, 1) == (2024, 1) and hash(Quarter(2024, 1)) == hash((2024, 1))
    assert {(2024, 1): "x"}[Quarter(2024, 1)] == "x"


def test_labels_codes_and_dates() -> None:
    quarter = Quarter(2026, 3)
    assert quarter.label == "2026 Q3" and Quarter.parse("2026 Q3") == quarter and Quarter.parse(" 2026 q3 ") == quarter
    assert quarter.code == "2026-Q3"
    assert Quarter.from_code("2026-Q3") == Quarter.from_code("2026Q3") == Quarter.from_code("2026 q3") == quarter
    assert Quarter.from_code("2026-Q5") is None and Quarter.from_code("Q3 2026") is None
    assert quarter.start == pd.Timestamp("2026-07-01") and Quarter(2026, 1).start == pd.Timestamp("2026-01-01")
    assert quarter.year_earlier() == (2025, 3)
    assert Quarter.of(date(2026, 12, 2)) == (2026, 4) and Quarter.of(date(2026, 3, 31)) == (2026, 1)


@pytest.mark.parametrize("text", ["2026 Q5", "2026 Q0", "2026", "Q3", "2026-Q3"])
def test_a_label_that_is_no_quarter_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_every_catalog_unit_has_its_words() -> None:
    assert {indicator.unit for indicator in INDICATORS.values()} <= set(UNITS)
    assert all(code == unit.code for code, unit in UNITS.items())
    assert {code for code, unit in UNITS.items() if unit.adds_up} == {"count", "hours", "currency_usd"}
    assert [code for code, unit in UNITS.items() if unit.money] == ["currency_usd"]
    assert all(indicator.unit_label == UNITS[indicator.unit].label for indicator in INDICATORS.values())


def test_values_are_written_in_their_unit() -> None:
    assert format_value(1234567, "currency_usd") == "USD 1,234,567"
    assert format_value(1234567, "currency_usd", compact=True) == "USD 1.2M"
    assert format_value(42.25, "percent") == "42.2%" and format_value(1.054, "ratio") == "1.05"
    assert format_value(1500, "hours", compact=True) == "1.5k h" and format_value(12.5, "count") == "12.5"
    assert format_value(None, "count") == "–" and format_value(float("nan"), "percent") == "–"
    assert compact_number(999) == "999" and compact_number(2_000_000_000) == "2bn"
