"""Upload templates come from the catalog and pass their own contract after a round trip through the file reader."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from dashboard.intake.file_reading import read_table_file
from data_contracts import (
    DATASETS,
    DIMENSIONS,
    GOAL_COLUMNS,
    INDICATOR_COLUMNS,
    PARTNERSHIP_COLUMNS,
    indicators_of,
    validate_goals,
    validate_indicators,
    validate_partnerships,
)
from data_contracts.templates import (
    BREAKDOWNS_SHEET,
    VALID_VALUES_COLUMNS,
    VALID_VALUES_SHEET,
    reference_template_csv,
    template_csv,
    template_frame,
    template_xlsx,
)

TODAY = date(2026, 11, 27)
NUMERIC = ("year", "quarter", "value")


def round_trip(data: bytes, name: str, dataset: str) -> tuple[list, pd.DataFrame]:
    raw = read_table_file(
        data, name, numeric_columns=NUMERIC, preferred_sheet=dataset, expected_columns=INDICATOR_COLUMNS
    )
    assert raw.findings == []
    result = validate_indicators(
        raw.frame, dataset, partnership_ids={"att-imago"}, today=TODAY, row_numbers=raw.row_numbers
    )
    return result.findings, result.frame


@pytest.mark.parametrize("dataset", DATASETS)
def test_template_frame_has_one_example_row_of_the_first_indicator(dataset: str) -> None:
    frame = template_frame(dataset)
    assert tuple(frame.columns) == INDICATOR_COLUMNS
    assert len(frame) == 1
    example = frame.iloc[0]
    assert example["partnership_id"] == "att-imago"
    assert example["indicator_id"] == indicators_of(dataset)[0].id
    assert (example["dimension"], example["category"]) == ("total", "total")
    assert (example["year"], example["quarter"]) == (2026, 3)
    assert example["note"] == "example row - replace"


@pytest.mark.parametrize("dataset", DATASETS)
def test_template_csv_round_trips_through_the_contract(dataset: str) -> None:
    data = template_csv(dataset)
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == ",".join(INDICATOR_COLUMNS)
    assert len(lines) == 2
    findings, frame = round_trip(data, f"{dataset}.csv", dataset)
    assert findings == []
    assert frame["indicator_id"].tolist() == [indicators_of(dataset)[0].id]
    assert frame["value"].tolist() == template_frame(dataset)["value"].tolist()


def test_whole_values_are_written_without_a_decimal_point() -> None:
    first = indicators_of("workforce")[0]
    assert first.whole_number
    assert template_csv("workforce").decode().splitlines()[1].split(",")[6] == "120"


@pytest.mark.parametrize("dataset", DATASETS)
def test_template_xlsx_round_trips_through_the_contract(dataset: str) -> None:
    findings, frame = round_trip(template_xlsx(dataset), f"{dataset}.xlsx", dataset)
    assert findings == []
    assert frame[["partnership_id", "year", "quarter"]].iloc[0].tolist() == ["att-imago", 2026, 3]


@pytest.mark.parametrize("dataset", DATASETS)
def test_template_xlsx_sheets_header_and_layout(dataset: str) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(dataset)))
    assert workbook.sheetnames == [dataset, VALID_VALUES_SHEET, BREAKDOWNS_SHEET]
    sheet = workbook[dataset]
    assert [c.value for c in sheet[1]] == list(INDICATOR_COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 2
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    assert all(len(name) + 2 <= width <= 60 for name, width in zip(INDICATOR_COLUMNS, widths, strict=True))
    assert isinstance(sheet["B2"].value, int) and isinstance(sheet["C2"].value, int)


@pytest.mark.parametrize("dataset", DATASETS)
def test_valid_values_sheet_lists_every_indicator_of_the_catalog(dataset: str) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(dataset)))[VALID_VALUES_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == VALID_VALUES_COLUMNS
    by_id = {row[0]: dict(zip(VALID_VALUES_COLUMNS, row, strict=True)) for row in rows[1:]}
    indicators = indicators_of(dataset)
    assert list(by_id) == [i.id for i in indicators]
    for indicator in indicators:
        entry = by_id[indicator.id]
        assert entry["name"] == indicator.name
        assert entry["unit"].startswith(indicator.unit)
        assert entry["whole number"] == ("yes" if indicator.whole_number else "no")
        assert entry["may be negative"] == ("yes" if indicator.signed else "no")
        assert entry["year rule"].startswith(f"{indicator.year_rule}: ")
        parts = entry["allowed breakdowns"].split("; ")
        assert [p.split(": ")[0] for p in parts] == ["total", *indicator.breakdowns]
        for part in parts:
            dimension, categories = part.split(": ")
            assert categories.split(", ") == list(DIMENSIONS[dimension].categories)


def test_valid_values_mark_the_signed_and_fractional_indicators() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx("workforce")))[VALID_VALUES_SHEET]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["net_jobs_created_supported"][4] == "yes"
    assert rows["workforce_fte"][3] == "no"
    assert rows["new_hires"][3] == "yes"
    assert rows["living_wage_share"][2] == "percent (%)"


def test_breakdowns_sheet_lists_every_category_with_its_label() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx("diversity")))[BREAKDOWNS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("dimension", "dimension label", "category", "category label")
    expected = [
        (dim.code, dim.label, code, label) for dim in DIMENSIONS.values() for code, label in dim.categories.items()
    ]
    assert rows[1:] == expected
    assert ("age_band", "Age band", "30_50", "30–50") in rows  # a code that looks like a number stays text


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown dataset"):
        template_csv("happiness")


def reference_rows(table: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(reference_template_csv(table)), dtype=str, keep_default_na=False)  # type: ignore[arg-type]


def test_partnership_template_passes_its_contract() -> None:
    frame = reference_rows("partnerships")
    assert tuple(frame.columns) == PARTNERSHIP_COLUMNS
    assert len(frame) == 1
    result = validate_partnerships(frame)
    assert result.ok, result.findings


def test_goal_template_refers_to_the_example_partnership_and_passes_its_contract() -> None:
    partnerships, goals = reference_rows("partnerships"), reference_rows("goals")
    assert tuple(goals.columns) == GOAL_COLUMNS
    assert len(goals) == 1
    partnership_id = partnerships["partnership_id"].iloc[0]
    assert goals["partnership_id"].iloc[0] == partnership_id
    result = validate_goals(goals, partnership_ids={partnership_id})
    assert result.ok, result.findings
    assert not validate_goals(goals, partnership_ids={"att-imago"}).ok


@pytest.mark.parametrize("table", ["partnerships", "goals"])
def test_reference_templates_are_plain_utf8_csv(table: str) -> None:
    text = reference_template_csv(table).decode("utf-8")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and len(rows[0]) == len(rows[1])
