"""The file-format layer of uploads: real bytes of CSV, Excel and Parquet files in, raw tables or rejections out."""

from __future__ import annotations

import io
import random
import time
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from dashboard.intake.file_reading import read_table_file
from dashboard.intake.raw_table import FileRejected, RawTable, ReadLimits
from data_contracts import INDICATOR_COLUMNS, Finding

NUMERIC = ("year", "quarter", "value")
HEADER = list(INDICATOR_COLUMNS)


def row(value: str = "10", note: str = "", *, quarter: str = "1", indicator: str = "new_hires") -> list[str]:
    return ["att-imago", "2024", quarter, indicator, "total", "total", value, note]


def text_file(rows: list[list[str]], *, sep: str = ",", eol: str = "\n", header: list[str] | None = None) -> str:
    """Rows joined as a delimited text; cells are written as given (quote them in the test when needed)."""
    lines = [sep.join(header or HEADER), *(sep.join(r) for r in rows)]
    return eol.join(lines) + eol


def read(data: bytes, name: str = "upload.csv", **options: object) -> RawTable:
    options.setdefault("numeric_columns", NUMERIC)
    options.setdefault("expected_columns", INDICATOR_COLUMNS)
    return read_table_file(data, name, **options)  # type: ignore[arg-type]


def rejected(data: bytes, name: str = "upload.csv", **options: object) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read(data, name, **options)
    return caught.value


def rules_at(findings: list[Finding]) -> list[tuple[str, int | None, str | None]]:
    return [(f.rule, f.row, f.column) for f in findings]


def workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def simple_workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    return workbook_bytes(workbook)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


# ---- encodings and line endings -------------------------------------------------------------------------------------


def test_utf8_comma_lf() -> None:
    raw = read(text_file([row("10"), row("12.5", quarter="2")]).encode("utf-8"))
    assert raw.format == "csv" and raw.sheet is None
    assert raw.details == "CSV, comma-separated, UTF-8, LF"
    assert list(raw.frame.columns) == HEADER
    assert raw.frame["value"].tolist() == ["10", "12.5"]
    assert raw.frame["note"].tolist() == ["", ""]
    assert raw.row_numbers == {0: 2, 1: 3}
    assert raw.findings == []


def test_utf8_with_bom_strips_the_bom_from_the_first_header() -> None:
    raw = read(b"\xef\xbb\xbf" + text_file([row(note="Zürich office")]).encode("utf-8"))
    assert raw.details == "CSV, comma-separated, UTF-8 with BOM, LF"
    assert raw.frame.columns[0] == "partnership_id"
    assert raw.frame["note"].tolist() == ["Zürich office"]


def test_windows_1252_semicolon_crlf_with_accents_and_decimal_comma() -> None:
    text = text_file([row("12,5", "São Paulo"), row("7", "Zürich", quarter="2")], sep=";", eol="\r\n")
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    raw = read(data)
    assert raw.details == "CSV, semicolon-separated, decimal comma, Windows-1252, CRLF"
    assert raw.frame["note"].tolist() == ["São Paulo", "Zürich"]
    assert raw.frame["value"].tolist() == ["12.5", "7"]
    assert raw.findings == []


@pytest.mark.parametrize(("codec", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_with_bom_tab_separated_as_excel_unicode_text(codec: str, bom: bytes) -> None:
    data = bom + text_file([row("8", "Zürich"), row("9", quarter="2")], sep="\t", eol="\r\n").encode(codec)
    raw = read(data, "unicode.txt")
    assert raw.details == "CSV, tab-separated, UTF-16, CRLF"
    assert list(raw.frame.columns) == HEADER
    assert raw.frame["note"].tolist() == ["Zürich", ""]
    assert raw.frame["value"].tolist() == ["8", "9"]
    assert raw.row_numbers == {0: 2, 1: 3}


@pytest.mark.parametrize(("eol", "name"), [("\r\n", "CRLF"), ("\n", "LF"), ("\r", "CR")])
def test_line_endings(eol: str, name: str) -> None:
    raw = read(text_file([row("1"), row("2", quarter="2"), row("3", quarter="3")], eol=eol).encode())
    assert raw.details.endswith(f", {name}")
    assert raw.frame["value"].tolist() == ["1", "2", "3"]
    assert raw.row_numbers == {0: 2, 1: 3, 2: 4}


# ---- delimiters ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "word"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_each_delimiter_is_found_from_the_header(sep: str, word: str) -> None:
    raw = read(text_file([row("5", "a note")], sep=sep).encode())
    assert raw.details.startswith(f"CSV, {word}-separated")
    assert list(raw.frame.columns) == HEADER
    assert raw.frame.iloc[0].tolist() == row("5", "a note")


def test_delimiter_with_most_expected_columns_wins_over_most_fields() -> None:
    header = "partnership_id;year;quarter;indicator_id;dimension;category;value;note (a, b, c, d, e, f, g, h, i)"
    data = (header + "\natt-imago;2024;1;new_hires;total;total;3;x\n").encode()
    raw = read(data)
    assert raw.details.startswith("CSV, semicolon-separated")
    assert len(raw.frame.columns) == 8
    # Without expected columns the delimiter giving the most fields wins.
    assert read(data, expected_columns=()).details.startswith("CSV, comma-separated")


def test_excel_separator_hint_line_names_the_delimiter_and_is_not_a_row() -> None:
    data = ("sep=;\r\n" + text_file([row("12,5", "a, b")], sep=";", eol="\r\n")).encode()
    raw = read(data, expected_columns=())
    assert raw.details.startswith("CSV, semicolon-separated")
    assert list(raw.frame.columns) == HEADER
    assert raw.frame["value"].tolist() == ["12.5"]
    assert raw.row_numbers == {0: 2}


def test_header_without_delimiter_is_not_a_table() -> None:
    error = rejected(b"just one column\nvalue\nanother\n")
    assert error.rule == "not_a_table"
    assert "could not find the columns" in str(error).lower()
    assert "commas, semicolons or tabs" in str(error)


def test_header_names_are_kept_exactly_including_duplicates() -> None:
    data = b"Partnership_ID , year,quarter,indicator_id,dimension,category,value,value\natt-imago,2024,1,x,,,1,2\n"
    raw = read(data)
    assert list(raw.frame.columns) == [
        "Partnership_ID ",
        " year",
        "quarter",
        "indicator_id",
        "dimension",
        "category",
        "value",
        "value",
    ]


def test_trailing_empty_columns_of_a_spreadsheet_export_are_dropped() -> None:
    data = text_file([[*row("4"), "", ""]], header=[*HEADER, "", ""]).encode()
    raw = read(data)
    assert list(raw.frame.columns) == HEADER


# ---- numbers --------------------------------------------------------------------------------------------------------


def test_semicolon_file_reads_decimal_commas_and_flags_thousands() -> None:
    rows = [
        row("12,5"),
        row("-0,75", quarter="2"),
        row("1.234", quarter="3"),
        row("1.234,5", quarter="4"),
        row("1 234", indicator="departures"),
        row("12.5", indicator="workforce_fte", note="1,5 is fine in a note"),
    ]
    raw = read(text_file(rows, sep=";").encode())
    assert raw.frame["value"].tolist() == ["12.5", "-0.75", "1.234", "1.234,5", "1 234", "12.5"]
    assert raw.frame["note"].iloc[5] == "1,5 is fine in a note"
    assert rules_at(raw.findings) == [
        ("ambiguous_number", 4, "value"),
        ("ambiguous_number", 5, "value"),
        ("ambiguous_number", 6, "value"),
    ]
    assert [f.value for f in raw.findings] == ["1.234", "1.234,5", "1 234"]
    assert "write 1234.5 without thousands separators" in raw.findings[1].message
    assert "1234" in raw.findings[0].message and "1.234" in raw.findings[0].message


@pytest.mark.parametrize("sep", [",", "\t"])
def test_comma_or_tab_file_flags_every_comma_and_space_in_a_number(sep: str) -> None:
    quote = '"' if sep == "," else ""
    rows = [
        row(f"{quote}1,234{quote}"),
        row(f"{quote}12,5{quote}", quarter="2"),
        row(f"{quote}1.234,5{quote}", quarter="3"),
        row("1 234", quarter="4"),
        row("1.234", indicator="workforce_fte"),
    ]
    raw = read(text_file(rows, sep=sep).encode())
    assert rules_at(raw.findings) == [
        ("ambiguous_number", 2, "value"),
        ("ambiguous_number", 3, "value"),
        ("ambiguous_number", 4, "value"),
        ("ambiguous_number", 5, "value"),
    ]
    assert raw.frame["value"].tolist() == ["1,234", "12,5", "1.234,5", "1 234", "1.234"]
    assert "write 12.5 with a decimal point" in raw.findings[1].message


@pytest.mark.parametrize(
    ("cell", "advice"),
    [
        ("45%", "write 45:"),
        ("$1200", "write 1200:"),
        ("USD 300", "write 300:"),
        ("12 h", "write 12:"),
        ("3k", "write 3000 in full"),
        ("€5", "write 5:"),
    ],
)
def test_unit_or_sign_in_a_number(cell: str, advice: str) -> None:
    raw = read(text_file([row("1"), row(cell, quarter="2")], sep=";").encode("utf-8"))
    assert rules_at(raw.findings) == [("unit_in_number", 3, "value")]
    finding = raw.findings[0]
    assert finding.value == cell
    assert advice in finding.message and "the unit comes from the indicator" in finding.message
    assert raw.frame["value"].tolist() == ["1", cell]


def test_year_and_quarter_are_checked_too_but_other_columns_are_not() -> None:
    raw = read(text_file([["att-imago", "2.024", "1", "new_hires", "total", "total", "3", "45%"]], sep=";").encode())
    assert rules_at(raw.findings) == [("ambiguous_number", 2, "year")]


def test_words_and_dates_are_left_to_the_contract() -> None:
    rows = [row("n/a"), row("twelve", quarter="2"), row("2024-03-31", quarter="3"), row("1e3", quarter="4")]
    raw = read(text_file(rows).encode())
    assert raw.findings == []
    assert raw.frame["value"].tolist() == ["n/a", "twelve", "2024-03-31", "1e3"]


# ---- rows -----------------------------------------------------------------------------------------------------------


def test_blank_lines_are_dropped_but_keep_their_row_numbers() -> None:
    data = (
        "\n".join(
            [
                ",".join(HEADER),
                ",".join(row("1")),
                "",
                ",".join(row("2", quarter="2")),
                "  ,  ,,,,,,",
                ",".join(row("3", quarter="3")),
                "",
                "",
            ]
        )
        + "\n"
    ).encode()
    raw = read(data)
    assert raw.frame["value"].tolist() == ["1", "2", "3"]
    assert raw.row_numbers == {0: 2, 1: 4, 2: 6}
    assert list(raw.frame.index) == [0, 1, 2]


def test_blank_lines_above_the_header_count_as_rows() -> None:
    raw = read(("\n\n" + text_file([row("1")])).encode())
    assert list(raw.frame.columns) == HEADER
    assert raw.row_numbers == {0: 4}


def test_quoted_cells_with_newline_and_delimiter_are_one_cell() -> None:
    data = (
        ",".join(HEADER) + "\r\n"
        'att-imago,2024,1,new_hires,total,total,1,"line one\r\nline two, with a comma; and ""quotes"""\r\n'
        "att-imago,2024,2,new_hires,total,total,2,\r\n"
    ).encode()
    raw = read(data)
    assert raw.frame["note"].tolist() == ['line one\r\nline two, with a comma; and "quotes"', ""]
    assert raw.row_numbers == {0: 2, 1: 3}


def test_a_row_with_too_many_cells_is_a_finding_not_a_crash() -> None:
    rows = [row("1"), [*row("12", quarter="2")[:6], "12", "5", ""], row("3", quarter="3")]
    raw = read(text_file(rows).encode())
    assert rules_at(raw.findings) == [("too_many_cells", 3, None)]
    assert "9 cells" in raw.findings[0].message and "8 columns" in raw.findings[0].message
    assert list(raw.frame.columns) == HEADER
    assert raw.frame["value"].tolist() == ["1", "12", "3"]
    assert raw.row_numbers == {0: 2, 1: 3, 2: 4}


def test_an_unclosed_quote_is_a_finding() -> None:
    data = (
        ",".join(HEADER) + "\n" + ",".join(row("1")) + '\natt-imago,2024,2,new_hires,total,total,2,"oops\n'
    ).encode()
    raw = read(data)
    assert ("unclosed_quote", 3, None) in rules_at(raw.findings)


def test_an_unclosed_quote_before_a_long_tail_does_not_crash() -> None:
    tail = "".join(f"att-imago,2024,{1 + i % 4},new_hires,total,total,{i},\n" for i in range(4000))
    data = ",".join(HEADER) + "\n" + ",".join(row("1")) + '\natt-imago,2024,2,new_hires,total,total,2,"oops\n' + tail
    assert len(tail) > 131072  # longer than the csv module's default field limit
    raw = read(data.encode())
    assert ("unclosed_quote", 3, None) in rules_at(raw.findings)
    assert len(raw.frame) == 2


# ---- Excel ----------------------------------------------------------------------------------------------------------


def test_excel_preferred_sheet_case_insensitive_else_first() -> None:
    data = simple_workbook(
        ("Notes", [["partnership_id", "value"], ["att-imago", 1]]),
        ("WorkForce", [HEADER, ["att-imago", 2024, 1, "new_hires", "total", "total", 7, None]]),
    )
    raw = read(data, "upload.xlsx", preferred_sheet="workforce")
    assert raw.format == "xlsx" and raw.sheet == "WorkForce"
    assert raw.details == "Excel, sheet 'WorkForce'"
    assert raw.frame.iloc[0].tolist() == ["att-imago", "2024", "1", "new_hires", "total", "total", "7", ""]
    first = read(data, "upload.xlsx", preferred_sheet="education")
    assert first.sheet == "Notes"
    assert list(first.frame.columns) == ["partnership_id", "value"]
    assert read(data, "upload.xlsx").sheet == "Notes"


def test_excel_rows_keep_excel_numbers_when_the_header_is_not_on_row_1() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for position, name in enumerate(HEADER):
        sheet.cell(row=3, column=2 + position, value=name)  # table starts at B3
    for excel_row, value in ((4, 10), (7, 11), (8, 12)):
        for position, cell in enumerate(["att-imago", 2024, excel_row - 3, "new_hires", "total", "total", value]):
            sheet.cell(row=excel_row, column=2 + position, value=cell)
    raw = read(workbook_bytes(workbook), "upload.xlsx")
    assert list(raw.frame.columns) == HEADER
    assert raw.frame["value"].tolist() == ["10", "11", "12"]
    assert raw.row_numbers == {0: 4, 1: 7, 2: 8}
    assert raw.details == "Excel, sheet 'Sheet', header on row 3"


def test_excel_formulas_in_numbers_are_findings_and_in_text_are_kept() -> None:
    data = simple_workbook(
        (
            "workforce",
            [
                HEADER,
                ["att-imago", 2024, 1, "new_hires", "total", "total", 4, '=CONCAT("a","b")'],
                ["att-imago", 2024, 2, "new_hires", "total", "total", "=G2*3", "tripled"],
            ],
        )
    )
    raw = read(data, "upload.xlsx")
    assert rules_at(raw.findings) == [("formula_in_cell", 3, "value")]
    assert raw.findings[0].value == "=G2*3"
    assert "paste the value instead of the formula =G2*3" in raw.findings[0].message
    assert raw.frame["value"].tolist() == ["4", "=G2*3"]
    assert raw.frame["note"].tolist() == ['=CONCAT("a","b")', "tripled"]


def test_excel_cell_types_become_the_text_a_user_types() -> None:
    header = ["int", "whole float", "float", "tenth", "true", "false", "midnight", "afternoon", "date", "blank", "text"]
    values = [12, 12.0, 12.5, 0.1, True, False, datetime(2024, 3, 31), datetime(2024, 3, 31, 14, 30), date(2024, 1, 2)]
    data = simple_workbook(("s", [header, [*values, None, " x "]]))
    raw = read(data, "types.xlsx", numeric_columns=())
    assert raw.frame.iloc[0].tolist() == [
        "12",
        "12",
        "12.5",
        "0.1",
        "TRUE",
        "FALSE",
        "2024-03-31",
        "2024-03-31 14:30:00",
        "2024-01-02",
        "",
        " x ",
    ]


def test_excel_text_cells_in_numbers_are_checked_like_a_comma_file() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["att-imago", 2024, 1, "new_hires", "total", "total", "12,5", None])
    sheet.append(["att-imago", 2024, 2, "living_wage_share", "total", "total", "45%", None])
    sheet.append(["att-imago", 2024, 3, "living_wage_share", "total", "total", 0.45, None])
    sheet["G4"].number_format = "0%"
    sheet.append(["att-imago", 2024, 4, "new_hires", "total", "total", 3, None, "stray"])
    raw = read(workbook_bytes(workbook), "upload.xlsx")
    assert rules_at(raw.findings) == [
        ("ambiguous_number", 2, "value"),
        ("unit_in_number", 3, "value"),
        ("unit_in_number", 4, "value"),
        ("too_many_cells", 5, None),
    ]
    assert "shows 45% but the cell holds 0.45" in raw.findings[2].message
    assert raw.frame["value"].tolist() == ["12,5", "45%", "0.45", "3"]
    assert raw.findings[3].value == "stray"


def test_excel_sheet_without_rows() -> None:
    assert rejected(simple_workbook(("s", [])), "e.xlsx").rule == "empty_file"
    assert rejected(simple_workbook(("s", [HEADER, [None] * 8])), "e.xlsx").rule == "header_only"


# ---- Parquet --------------------------------------------------------------------------------------------------------


def test_parquet_keeps_its_types() -> None:
    frame = pd.DataFrame(
        {
            "partnership_id": ["att-imago", "pge-green-for-all"],
            "year": [2024, 2025],
            "quarter": [1, 2],
            "indicator_id": ["new_hires", "departures"],
            "dimension": ["total", "total"],
            "category": ["total", "total"],
            "value": [10.5, 3.0],
            "note": [None, "x"],
        }
    )
    raw = read(parquet_bytes(frame), "upload.parquet")
    assert raw.format == "parquet" and raw.details == "Parquet"
    assert raw.frame["year"].dtype == "int64" and raw.frame["value"].dtype == "float64"
    assert isinstance(raw.frame["partnership_id"].dtype, pd.StringDtype)
    assert raw.frame["value"].tolist() == [10.5, 3.0]
    assert raw.frame["partnership_id"].tolist() == ["att-imago", "pge-green-for-all"]
    assert raw.row_numbers == {0: 2, 1: 3}


def test_parquet_without_rows_is_header_only() -> None:
    frame = pd.DataFrame({"year": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64")})
    assert rejected(parquet_bytes(frame), "empty.parquet").rule == "header_only"


def test_parquet_named_index_becomes_a_column_and_null_rows_are_dropped() -> None:
    frame = pd.DataFrame({"partnership_id": ["att-imago", None, "att-imago"], "value": [1.0, None, 2.0]})
    buffer = io.BytesIO()
    frame.set_index("partnership_id").to_parquet(buffer)
    raw = read(buffer.getvalue(), "indexed.parquet")
    assert list(raw.frame.columns) == ["partnership_id", "value"]
    assert raw.frame["value"].tolist() == [1.0, 2.0]
    assert raw.row_numbers == {0: 2, 1: 4}


def test_parquet_format_comes_from_content_not_name() -> None:
    frame = pd.DataFrame({"a": [1], "b": ["x"]})
    assert read(parquet_bytes(frame), "upload.csv").format == "parquet"


def test_parquet_row_limit_comes_from_the_metadata() -> None:
    data = parquet_bytes(pd.DataFrame({"a": range(5), "b": ["x"] * 5}))
    error = rejected(data, "big.parquet", limits=ReadLimits(max_rows=4))
    assert error.rule == "too_many_rows"
    assert "5 data rows" in str(error) and "limit is 4" in str(error)


# ---- whole-file rejections ------------------------------------------------------------------------------------------


def test_file_too_large() -> None:
    data = text_file([row(str(i)) for i in range(100)]).encode()
    error = rejected(data, limits=ReadLimits(max_bytes=512))
    assert error.rule == "file_too_large"
    assert len(error.findings) == 1 and error.findings[0].row is None
    big = rejected(b"x" * (3 * 1024 * 1024), limits=ReadLimits(max_bytes=2 * 1024 * 1024))
    assert "3.0 MB" in str(big) and "2.0 MB" in str(big)


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"  \r\n\n\t", b"\xff\xfe" + "\r\n".encode("utf-16-le")], ids=str
)
def test_empty_file(data: bytes) -> None:
    error = rejected(data)
    assert error.rule == "empty_file"
    assert str(error) == error.findings[0].message


@pytest.mark.parametrize("tail", ["", "\n", "\n\n , ,\n"])
def test_header_only(tail: str) -> None:
    error = rejected((",".join(HEADER) + tail).encode())
    assert error.rule == "header_only"
    assert "no data rows" in str(error)


def test_too_many_rows() -> None:
    data = text_file([row(str(i)) for i in range(3)]).encode()
    assert len(read(data, limits=ReadLimits(max_rows=3)).frame) == 3
    error = rejected(data, limits=ReadLimits(max_rows=2))
    assert error.rule == "too_many_rows"
    assert "3 data rows" in str(error) and "limit is 2" in str(error)


def test_zip_renamed_to_xlsx_is_not_a_table() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.csv", text_file([row("1")]))
    error = rejected(buffer.getvalue(), "report.xlsx")
    assert error.rule == "not_a_table"
    assert "a ZIP archive, not an Excel workbook" in str(error)


def test_excel_97_2003_is_not_supported() -> None:
    error = rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.xls")
    assert error.rule == "not_a_table"
    assert "Excel 97-2003 .xls is not supported; save as .xlsx or CSV" in str(error)


def test_random_binary_bytes_are_not_a_table() -> None:
    data = random.Random(7).randbytes(4096)
    error = rejected(data, "data.csv")
    assert error.rule == "not_a_table"
    for word in ("CSV", "Excel", ".xlsx", "Parquet"):
        assert word in str(error)


@pytest.mark.parametrize(
    "data",
    [
        b"\x81\x8d\x8f\x90\x9d,a\nb,c\n",  # neither UTF-8 nor Windows-1252
        bytes(range(1, 9)) * 20 + b"a,b\n",  # mostly control characters
        b"a,b\n1,\x002\n",  # a NUL byte in a non-UTF-16 file
    ],
    ids=["undecodable", "control-characters", "nul-byte"],
)
def test_text_that_is_not_text_is_not_a_table(data: bytes) -> None:
    assert rejected(data).rule == "not_a_table"


def test_corrupt_parquet_is_not_a_table() -> None:
    good = parquet_bytes(pd.DataFrame({"a": [1, 2, 3]}))
    for data in (b"PAR1" + b"\x00garbage" * 10, good[: len(good) // 2]):
        error = rejected(data, "upload.parquet")
        assert error.rule == "not_a_table"
        assert "Parquet" in str(error)


def test_corrupt_xlsx_is_not_a_table() -> None:
    good = simple_workbook(("s", [HEADER, row("1")]))
    for data in (good[: len(good) // 2], b"PK\x03\x04" + b"\x01junk" * 20, b"a,b\n1,2\n"):
        error = rejected(data, "upload.xlsx")
        assert error.rule == "not_a_table"
        assert "Excel" in str(error)


def test_exception_message_is_the_first_finding() -> None:
    error = rejected(b"")
    assert isinstance(error, Exception)
    assert str(error) == error.findings[0].message
    assert error.findings[0].severity == "error"


# ---- size ---------------------------------------------------------------------------------------------------------


def test_a_200_000_row_csv_reads_quickly_with_right_row_numbers() -> None:
    lines = [",".join(HEADER)]
    for i in range(200_000):
        lines.append(f"att-imago,{2022 + i % 5},{1 + i % 4},new_hires,total,total,{i % 997}.{i % 10},")
        if i == 99_999:
            lines.append("")  # a blank line in the middle shifts the rows below it
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    raw = read(data)
    elapsed = time.perf_counter() - started
    assert len(raw.frame) == 200_000
    assert raw.row_numbers[0] == 2
    assert raw.row_numbers[99_999] == 100_001
    assert raw.row_numbers[100_000] == 100_003
    assert raw.row_numbers[199_999] == 200_002
    assert raw.frame["value"].iloc[199_999] == f"{199_999 % 997}.{199_999 % 10}"
    assert raw.findings == []
    assert elapsed < 5, f"reading 200,000 rows took {elapsed:.1f} s"
