"""Pre-filled templates: the rows expected of each partnership, the Excel workbook (drop-downs, protection, number
formats, instructions) read back with openpyxl, and the round trip through the real upload path."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.intake.file_reading import read_table_file
from dashboard.intake.ingest import NUMERIC_COLUMNS, ingest_file
from dashboard.intake.prefilled_templates import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    SPARE_ROWS,
    TEMPLATE_COLUMNS,
    VOCABULARY_COLUMNS,
    expected_rows,
    focus_datasets,
    latest_ended_quarter,
    number_format,
    template_csv_bytes,
    template_file,
    template_rows,
    template_xlsx_bytes,
)
from dashboard.storage.store import Store
from dashboard.web.template_download import TEMPLATE_BLOCK_LABEL
from data_contracts.catalog import INDICATORS, indicators_of
from data_contracts.indicator_models import validate_indicators
from data_contracts.indicator_row import INDICATOR_COLUMNS, KEY_COLUMNS, TEMPLATE_CONTEXT_COLUMNS
from data_contracts.quarters import Quarter
from data_contracts.vocabularies import DIMENSIONS, TOTAL
from tests.conftest import TODAY, app_as, indicator_rows

Q3 = Quarter(2026, 3)
Q4 = Quarter(2026, 4)  # the current quarter of the fixed clock: no figures yet, and uploads accept it


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, _seeded_template: Path) -> Store:
    """A seeded store the read-only tests share."""
    root = tmp_path_factory.mktemp("templates") / "store"
    shutil.copytree(_seeded_template, root)
    return Store(root)


@pytest.fixture(scope="module")
def workbook_rows(shared_store: Store) -> pd.DataFrame:
    return template_rows(shared_store, ["att-imago", "pge-green-for-all"], "workforce", Q3)


@pytest.fixture(scope="module")
def workbook(workbook_rows: pd.DataFrame) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_xlsx_bytes(workbook_rows, "workforce", Q3)))


# ---- the rows expected --------------------------------------------------------------------------------------------


def _partnerships() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": ["p-one", "p-two", "p-late"],
            "name": ["One", "Two", "Late"],
            "focus_datasets": ["workforce;diversity", "diversity", "workforce"],
            "start_date": [date(2024, 2, 1), date(2020, 1, 1), date(2026, 10, 1)],
        }
    )


def _history(*rows: tuple) -> pd.DataFrame:
    columns = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value"]
    return pd.DataFrame(list(rows), columns=columns).astype({"year": "int64", "quarter": "int64"})


def test_expected_rows_are_every_indicator_total_and_only_the_breakdowns_reported_before() -> None:
    history = _history(
        ("p-one", 2026, 2, "new_hires", TOTAL, TOTAL, 12.0),
        ("p-one", 2026, 2, "new_hires", "gender", "woman", 7.0),
        ("p-one", 2025, 3, "new_hires", TOTAL, TOTAL, 9.0),
        ("p-one", 2025, 1, "departures", "age_band", "under_30", 2.0),
        ("p-one", 2025, 1, "workforce_fte", "ethnicity", "marginalised", 1.0),  # a breakdown the catalog refuses
        ("p-one", 2026, 4, "new_hires", "gender", "man", 5.0),  # after the quarter: not "before"
        ("p-two", 2026, 2, "new_hires", TOTAL, TOTAL, 3.0),  # p-two does not focus on workforce
    )
    rows = expected_rows(_partnerships(), history, ["p-one", "p-two", "p-late"], "workforce", Q3)
    assert tuple(rows.columns) == TEMPLATE_COLUMNS
    assert set(rows["partnership_id"]) == {"p-one"}  # p-two: not a focus dataset; p-late: starts in 2026 Q4
    totals = rows[rows["dimension"] == TOTAL]
    assert totals["indicator_id"].tolist() == [i.id for i in indicators_of("workforce")]
    breakdowns = rows[rows["dimension"] != TOTAL]
    assert set(zip(breakdowns["indicator_id"], breakdowns["dimension"], breakdowns["category"], strict=True)) == {
        ("new_hires", "gender", "woman"),
        ("departures", "age_band", "under_30"),
    }
    # each indicator's total comes first, its breakdowns right after it
    assert rows["indicator_id"].tolist().index("new_hires") + 1 == rows.index[rows["category"] == "woman"][0]
    assert (rows["year"] == 2026).all() and (rows["quarter"] == 3).all()
    assert rows["value"].isna().all() and (rows["note"] == "").all()
    new_hires = rows[(rows["indicator_id"] == "new_hires") & (rows["dimension"] == TOTAL)].iloc[0]
    assert (new_hires["last_quarter_value"], new_hires["year_ago_value"]) == (12.0, 9.0)
    woman = rows[rows["category"] == "woman"].iloc[0]
    assert woman["last_quarter_value"] == 7.0 and np.isnan(woman["year_ago_value"])
    assert new_hires["indicator_name"] == INDICATORS["new_hires"].name and new_hires["unit"] == "number"


def test_no_rows_for_a_dataset_no_partnership_focuses_on() -> None:
    rows = expected_rows(_partnerships(), _history(), ["p-two"], "workforce", Q3)
    assert rows.empty and tuple(rows.columns) == TEMPLATE_COLUMNS


def test_focus_datasets_and_the_latest_ended_quarter() -> None:
    assert focus_datasets(_partnerships(), ["p-one", "p-two"]) == ["workforce", "diversity"]
    assert latest_ended_quarter(TODAY) == Q3
    assert latest_ended_quarter(date(2026, 1, 1)) == Quarter(2025, 4)


def test_template_rows_refuse_an_unknown_partnership(shared_store: Store) -> None:
    with pytest.raises(ValueError, match="nobody"):
        template_rows(shared_store, ["nobody"], "workforce", Q3)


# ---- the upload ignores the context columns and skips blank values ------------------------------------------------


def test_the_context_columns_are_ignored_and_any_other_unknown_column_refused() -> None:
    raw = indicator_rows({"value": "10"}).assign(
        indicator_name="New hires", unit="number", last_quarter_value="9", year_ago_value=""
    )
    result = validate_indicators(raw, "workforce", partnership_ids={"att-imago"}, today=TODAY)
    assert result.ok and result.findings == []
    assert tuple(result.frame.columns) == INDICATOR_COLUMNS
    refused = validate_indicators(raw.assign(remarks="x"), "workforce", partnership_ids={"att-imago"}, today=TODAY)
    assert [f.rule for f in refused.errors] == ["unknown_column"]


def _fill(rows: pd.DataFrame, indicators: set[str]) -> pd.DataFrame:
    """The template filled in as an officer would: last quarter's figures for these indicators, the rest blank."""
    filled = rows.copy()
    chosen = filled["indicator_id"].isin(indicators)
    filled.loc[chosen, "value"] = filled.loc[chosen, "last_quarter_value"]
    return filled


def _committed(store: Store, partnership_id: str, quarter: Quarter) -> pd.DataFrame:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=[partnership_id], years=[quarter.year])
    return rows[rows["quarter"] == quarter.quarter]


def _same_rows(left: pd.DataFrame, right: pd.DataFrame) -> None:
    columns = [*KEY_COLUMNS, "value"]
    ordered = [frame[columns].sort_values(list(KEY_COLUMNS)).reset_index(drop=True) for frame in (left, right)]
    pd.testing.assert_frame_equal(*ordered, check_dtype=False)


FILLED = {"workforce_headcount", "workforce_fte", "new_hires", "new_hire_rate", "recordable_injuries"}
"""Whole counts, a count with decimals and a percentage: each number format goes through the upload."""


def test_a_partly_filled_csv_template_round_trips_through_the_upload(sample_store: Store) -> None:
    rows = template_rows(sample_store, ["att-imago"], "workforce", Q4)
    filled = _fill(rows, FILLED)
    blank = int(filled["value"].isna().sum())
    assert 0 < blank < len(filled)
    report, commit = ingest_file(
        sample_store, template_csv_bytes(filled), "t.csv", dataset=None, user="ana", today=TODAY
    )
    assert report.accepted and commit is not None, report.errors
    assert report.dataset == "workforce" and report.rows == len(filled) - blank
    skipped = [f for f in report.warnings if f.rule == "blank_value_skipped"]
    assert len(skipped) == 1 and f"{blank:,} rows with a blank value were skipped" in skipped[0].message
    _same_rows(_committed(sample_store, "att-imago", Q4), filled.dropna(subset=["value"]))


def test_a_partly_filled_excel_template_round_trips_through_the_upload(sample_store: Store) -> None:
    made = template_file(sample_store, ["att-imago", "pge-green-for-all"], "workforce", Q4, "xlsx")
    assert made.name == "2-partnerships_workforce_2026Q4.xlsx"
    rows = template_rows(sample_store, ["att-imago", "pge-green-for-all"], "workforce", Q4)
    filled = _fill(rows, FILLED)
    filled.loc[filled.index[0], "note"] = "counted on 30 September"
    book = openpyxl.load_workbook(io.BytesIO(made.data))
    sheet = book["workforce"]
    header = [c.value for c in sheet[1]]
    value_col, note_col = header.index("value") + 1, header.index("note") + 1
    for offset, (value, note) in enumerate(zip(filled["value"], filled["note"], strict=True)):
        if not np.isnan(value):
            sheet.cell(row=offset + 2, column=value_col, value=value)
        if note:
            sheet.cell(row=offset + 2, column=note_col, value=note)
    buffer = io.BytesIO()
    book.save(buffer)
    for dataset in (None, "workforce"):  # detected from the first sheet, or the sheet named after the dataset
        report, _ = ingest_file(
            sample_store, buffer.getvalue(), "t.xlsx", dataset=dataset, user="ana", today=TODAY, dry_run=True
        )
        assert report.accepted, report.errors
        assert "blank_value_skipped" in {f.rule for f in report.warnings}
    report, commit = ingest_file(sample_store, buffer.getvalue(), "t.xlsx", dataset=None, user="ana", today=TODAY)
    assert commit is not None
    for partnership_id in ("att-imago", "pge-green-for-all"):
        mine = filled[filled["partnership_id"] == partnership_id].dropna(subset=["value"])
        _same_rows(_committed(sample_store, partnership_id, Q4), mine)
    noted = _committed(sample_store, "att-imago", Q4)
    assert "counted on 30 September" in set(noted["note"].dropna())


def test_a_template_with_every_value_blank_is_refused_and_nothing_is_written(sample_store: Store) -> None:
    before = sample_store.versions()
    rows = template_rows(sample_store, ["att-imago"], "workforce", Q4)
    for data, name in ((template_csv_bytes(rows), "t.csv"), (template_xlsx_bytes(rows, "workforce", Q4), "t.xlsx")):
        report, commit = ingest_file(sample_store, data, name, dataset=None, user="ana", today=TODAY)
        assert commit is None and not report.accepted
        assert [f.rule for f in report.errors] == ["all_values_blank"]
        assert "nothing to commit" in report.errors[0].message
    assert sample_store.versions() == before


def test_one_skipped_row_is_named_by_its_row_number(sample_store: Store) -> None:
    raw = indicator_rows({"value": "10"}, {"quarter": "2", "value": " "}, {"quarter": "3", "value": "4"})
    report, _ = ingest_file(
        sample_store, raw.to_csv(index=False).encode(), "f.csv", dataset="workforce", user="x", dry_run=True
    )
    assert report.accepted and report.rows == 2
    (warning,) = [f for f in report.warnings if f.rule == "blank_value_skipped"]
    assert "1 row with a blank value was skipped (row 3)" in warning.message


def test_blank_values_of_a_parquet_file_are_skipped_too(sample_store: Store) -> None:
    frame = pd.DataFrame(
        {
            "partnership_id": ["att-imago"] * 3,
            "year": [2024] * 3,
            "quarter": [1, 2, 3],
            "indicator_id": ["new_hires"] * 3,
            "dimension": ["total"] * 3,
            "category": ["total"] * 3,
            "value": [10.0, np.nan, None],
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    report, _ = ingest_file(sample_store, buffer.getvalue(), "f.parquet", dataset=None, user="x", dry_run=True)
    assert report.accepted and report.rows == 1
    (warning,) = [f for f in report.warnings if f.rule == "blank_value_skipped"]
    assert "2 rows with a blank value were skipped (rows 3, 4)" in warning.message


# ---- the Excel workbook -------------------------------------------------------------------------------------------


def _list_values(book: openpyxl.Workbook, formula: str) -> list[str]:
    sheet_name, cells = formula.split("!")
    assert sheet_name.strip("'") == LISTS_SHEET
    first, last = cells.replace("$", "").split(":")
    return [str(cell.value) for (cell,) in book[LISTS_SHEET][f"{first}:{last}"]]


def test_every_vocabulary_column_has_a_drop_down_of_its_valid_values(
    workbook: openpyxl.Workbook, workbook_rows: pd.DataFrame
) -> None:
    sheet = workbook["workforce"]
    header = [c.value for c in sheet[1]]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    last = len(workbook_rows) + 1 + SPARE_ROWS
    found = {}
    for column in VOCABULARY_COLUMNS:
        letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
        validation = validations[f"{letter}2:{letter}{last}"]
        assert validation.type == "list" and validation.showErrorMessage
        found[column] = _list_values(workbook, validation.formula1)
    workforce = indicators_of("workforce")
    assert found["partnership_id"] == ["att-imago", "pge-green-for-all"]
    assert found["year"] == ["2026"] and found["quarter"] == ["3"]
    assert found["indicator_id"] == [i.id for i in workforce]
    assert found["dimension"][0] == TOTAL
    assert set(found["dimension"]) == {TOTAL, *(d for i in workforce for d in i.breakdowns)}
    assert set(found["category"]) == {c for d in found["dimension"] for c in DIMENSIONS[d].categories}
    # every value the template holds is one the drop-downs offer
    for column in VOCABULARY_COLUMNS:
        assert set(workbook_rows[column].astype(str)) <= set(found[column])


def test_the_key_area_is_protected_and_only_values_and_notes_are_open(
    workbook: openpyxl.Workbook, workbook_rows: pd.DataFrame
) -> None:
    sheet = workbook["workforce"]
    assert sheet.protection.sheet
    header = [c.value for c in sheet[1]]
    assert header == list(TEMPLATE_COLUMNS)
    for row in (2, len(workbook_rows) + 1):
        for position, column in enumerate(header, start=1):
            locked = sheet.cell(row=row, column=position).protection.locked
            assert locked == (column not in ("value", "note")), (row, column)
    spare = len(workbook_rows) + 2  # the spare rows below are open for a figure the template does not list
    assert not sheet.cell(row=spare, column=header.index("indicator_id") + 1).protection.locked
    assert sheet.freeze_panes == "A2"
    assert [s.title for s in workbook.worksheets] == ["workforce", INSTRUCTIONS_SHEET, LISTS_SHEET]
    assert all(s.sheet_state == "visible" for s in workbook.worksheets)  # nothing hidden


def test_number_formats_follow_the_unit_and_never_show_a_percent_sign(
    workbook: openpyxl.Workbook, workbook_rows: pd.DataFrame
) -> None:
    sheet = workbook["workforce"]
    header = [c.value for c in sheet[1]]
    value_col = header.index("value") + 1
    formats = {}
    for offset, indicator_id in enumerate(workbook_rows["indicator_id"]):
        formats.setdefault(indicator_id, sheet.cell(row=offset + 2, column=value_col).number_format)
    assert formats["new_hires"] == "#,##0"  # a whole count
    assert formats["workforce_fte"] == "#,##0.0#"
    assert formats["new_hire_rate"] == "0.0#"  # a percentage, written 0 to 100
    assert formats["entry_wage_to_min_wage"] == "0.00#"
    assert formats == {i: number_format(i) for i in formats}
    assert not any("%" in f for f in formats.values())  # the upload refuses numbers shown as percentages


def test_the_instructions_say_what_is_ignored_and_that_blank_rows_are_skipped(workbook: openpyxl.Workbook) -> None:
    text = " ".join(str(c.value) for (c,) in workbook[INSTRUCTIONS_SHEET].iter_rows(max_col=1) if c.value)
    assert "2026 Q3" in text and "att-imago" in text
    assert all(column in text for column in TEMPLATE_CONTEXT_COLUMNS)
    assert "blank rows are skipped" in text and "Unprotect" in text


def test_the_upload_reads_the_workbook_as_it_is(workbook_rows: pd.DataFrame) -> None:
    raw = read_table_file(
        template_xlsx_bytes(workbook_rows, "workforce", Q3), "t.xlsx", numeric_columns=NUMERIC_COLUMNS
    )
    assert raw.sheet == "workforce" and raw.findings == []
    assert list(raw.frame.columns) == list(TEMPLATE_COLUMNS)
    assert len(raw.frame) == len(workbook_rows)  # the spare rows, empty, are not rows
    assert raw.frame["indicator_id"].tolist() == workbook_rows["indicator_id"].tolist()


def test_the_csv_template_has_the_same_columns_and_whole_numbers_plainly(workbook_rows: pd.DataFrame) -> None:
    text = template_csv_bytes(workbook_rows).decode("utf-8")
    read = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert tuple(read.columns) == TEMPLATE_COLUMNS and len(read) == len(workbook_rows)
    assert (read["value"] == "").all()
    assert not read["last_quarter_value"].str.endswith(".0").any()


# ---- the Upload page's block --------------------------------------------------------------------------------------


def _open_upload(monkeypatch: pytest.MonkeyPatch, store: Store, role: str, **kwargs: object) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    monkeypatch.setenv("IMPACT_TODAY", TODAY.isoformat())
    app = app_as(role, **kwargs).run()
    app.switch_page("web/views/upload.py").run()
    assert not app.exception
    return app


def _block(app: AppTest):
    return next(e for e in app.expander if e.label.startswith(TEMPLATE_BLOCK_LABEL))


def test_an_officer_downloads_a_template_of_their_own_partnerships(
    monkeypatch: pytest.MonkeyPatch, shared_store: Store
) -> None:
    app = _open_upload(monkeypatch, shared_store, "officer", partnerships=("att-imago",), email="tpl@example.org")
    block = _block(app)
    partnerships = block.multiselect(key="tpl_partnerships")
    assert partnerships.options == ["AT&T × Imago Foundation"] and partnerships.value == ["att-imago"]
    assert block.selectbox(key="tpl_quarter").value == Q3  # the latest ended quarter of the clock
    assert block.selectbox(key="tpl_dataset").options == ["Workforce", "Diversity", "Education"]
    expected = len(template_rows(shared_store, ["att-imago"], "workforce", Q3))
    assert any(f"{expected:,} rows for 1 partnership" in c.value for c in block.caption)
    buttons = block.get("download_button")
    assert len(buttons) == 1 and "Excel" in buttons[0].proto.label
    block.radio(key="tpl_format").set_value("csv").run()
    assert not app.exception
    assert "CSV" in _block(app).get("download_button")[0].proto.label
    button = _block(app).get("download_button")[0].proto
    assert button.deferred_file_id and not button.url  # the file is built when the button is clicked


def test_an_admin_chooses_among_every_partnership(monkeypatch: pytest.MonkeyPatch, shared_store: Store) -> None:
    app = _open_upload(monkeypatch, shared_store, "admin")
    block = _block(app)
    every = shared_store.read_partnerships()["partnership_id"].tolist()
    assert len(block.multiselect(key="tpl_partnerships").options) == len(every)
    assert "Choose one or more partnerships." in [i.value for i in block.info]
    block.multiselect(key="tpl_partnerships").set_value(["urban-parks-commons", "att-imago"]).run()
    block = _block(app)
    assert not app.exception and block.get("download_button") != []
    # both partnerships' focus datasets are offered, in the catalog's order
    assert block.selectbox(key="tpl_dataset").options == ["Workforce", "Diversity", "Education", "Community capacity"]
    block.selectbox(key="tpl_dataset").set_value("community_capacity").run()
    expected = len(template_rows(shared_store, ["urban-parks-commons"], "community_capacity", Q3))
    assert any(f"{expected:,} rows for 1 partnership" in c.value for c in _block(app).caption)


# ---- the command line ---------------------------------------------------------------------------------------------


def test_the_command_line_writes_a_template(
    shared_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dashboard.cli import main

    monkeypatch.setenv("IMPACT_TODAY", TODAY.isoformat())
    output = tmp_path / "t.xlsx"
    store = ["--store", shared_store.root, "--partnership", "att-imago"]
    assert main(["template", *store, "--dataset", "workforce", "-o", str(output)]) == 0  # default: 2026 Q3
    expected = template_rows(shared_store, ["att-imago"], "workforce", Q3)
    assert f"({len(expected):,} rows)" in capsys.readouterr().out
    raw = read_table_file(output.read_bytes(), output.name, numeric_columns=NUMERIC_COLUMNS)
    assert raw.frame["indicator_id"].tolist() == expected["indicator_id"].tolist()
    csv = tmp_path / "t.csv"
    assert main(["template", *store, "--dataset", "workforce", "--quarter", "2025Q2", "-o", str(csv)]) == 0
    assert set(pd.read_csv(csv)["year"]) == {2025}
    assert main(["template", *store, "-o", str(csv)]) == 2  # three focus datasets: which one?
    assert "give --dataset" in capsys.readouterr().err
    assert main(["template", *store, "--dataset", "workforce", "--quarter", "Q3", "-o", str(csv)]) == 2
    assert main(["template", *store, "--dataset", "community_capacity", "-o", str(tmp_path / "none.csv")]) == 1
    assert not (tmp_path / "none.csv").exists()
