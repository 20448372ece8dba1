"""Make the corpus of bad upload files and its manifest: ``python tests/corpus/make_corpus.py``.

Each file is a small quarterly upload (workforce dataset; partnerships att-imago and pge-green-for-all; 2024-2026
Q1-Q3) with exactly one kind of problem: a file-format problem found while reading, or one rule of the data
contract. ``manifest.csv`` lists, per file, the dataset and the one finding the file is about: rule, row as the user
sees it (header = row 1; Excel row numbers in workbooks) and column; row and column are blank for whole-file rules.

The output is deterministic: text files are written byte for byte, zip timestamps and workbook dates are fixed, and
random bytes come from a seeded generator. Only pandas, pyarrow and openpyxl are needed.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
HEADER = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category", "value", "note"]
MANIFEST_COLUMNS = ["file", "dataset", "rule", "row", "column"]
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
SEED = 20261127


@dataclass(frozen=True)
class Entry:
    file: str
    rule: str
    row: int | None
    column: str | None
    make: Callable[[], bytes]
    dataset: str = "workforce"


def r(
    value: object = 10,
    *,
    partnership: str = "att-imago",
    year: object = 2024,
    quarter: object = 1,
    indicator: str = "new_hires",
    dimension: str = "total",
    category: str = "total",
    note: str = "",
) -> list[object]:
    """One data row of the long layout."""
    return [partnership, year, quarter, indicator, dimension, category, value, note]


def text(rows: list[list[object]], *, header: list[str] = HEADER, sep: str = ",", eol: str = "\n") -> str:
    """Delimited text; cells are written as given (a test that needs quotes writes them into the cell)."""
    lines = [sep.join(header), *(sep.join(str(cell) for cell in row) for row in rows)]
    return eol.join(lines) + eol


def csv_file(rows: list[list[object]], **options: object) -> Callable[[], bytes]:
    return lambda: text(rows, **options).encode("utf-8")  # type: ignore[arg-type]


def stable_zip(data: bytes) -> bytes:
    """The same ZIP with fixed entry timestamps and fixed workbook dates, so a rebuild gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, content)
    return buffer.getvalue()


def workbook(rows_by_cell: Callable[[openpyxl.worksheet.worksheet.Worksheet], None], title: str = "workforce") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    rows_by_cell(sheet)
    book.properties.created = datetime(2026, 1, 1)
    book.properties.modified = datetime(2026, 1, 1)
    book.properties.creator = "make_corpus.py"
    buffer = io.BytesIO()
    book.save(buffer)
    return stable_zip(buffer.getvalue())


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="snappy")
    return buffer.getvalue()


# ---- format problems ------------------------------------------------------------------------------------------------


def _cp1252_semicolon_thousands() -> bytes:
    rows = [r("8", note="Zürich"), r("1.250", quarter=2, note="São Paulo"), r("9", quarter=3)]
    return text(rows, sep=";", eol="\r\n").encode("cp1252")


def _utf8_bom_comma_decimal_comma() -> bytes:
    rows = [r("7.5", indicator="workforce_fte"), r('"12,5"', quarter=2, indicator="workforce_fte", note="São Paulo")]
    return b"\xef\xbb\xbf" + text(rows).encode("utf-8")


def _utf16_tab_unit() -> bytes:
    rows = [
        r("40", indicator="living_wage_share"),
        r("41.5", quarter=2, indicator="living_wage_share", note="Zürich"),
        r("45%", quarter=3, indicator="living_wage_share"),
    ]
    return b"\xff\xfe" + text(rows, sep="\t", eol="\r\n").encode("utf-16-le")


def _formula_in_value() -> bytes:
    def fill(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet.append(HEADER)
        sheet.append(r(4))
        sheet.append(r("=G2*3", quarter=2, note="tripled"))

    return workbook(fill)


def _zip_renamed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("workforce.csv", date_time=FIXED_TIME)
        archive.writestr(info, text([r(1)]))
    return buffer.getvalue()


def _garbage() -> bytes:
    return random.Random(SEED).randbytes(2048)


def _old_excel() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return header + bytes(512 - len(header)) + random.Random(SEED + 1).randbytes(512)


def _corrupt_parquet() -> bytes:
    good = parquet(pd.DataFrame([r(1), r(2, quarter=2)], columns=HEADER).astype(str))
    return good[: len(good) // 2]


def _corrupt_xlsx() -> bytes:
    def fill(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet.append(HEADER)
        sheet.append(r(1))

    good = workbook(fill)
    return good[: len(good) // 2]


FORMAT_ENTRIES: list[Entry] = [
    Entry("format_cp1252_semicolon_thousands.csv", "ambiguous_number", 3, "value", _cp1252_semicolon_thousands),
    Entry("format_utf8_bom_comma_decimal_comma.csv", "ambiguous_number", 3, "value", _utf8_bom_comma_decimal_comma),
    Entry("format_utf16_tab_unit_in_number.csv", "unit_in_number", 4, "value", _utf16_tab_unit),
    Entry(
        "format_unit_in_number.csv",
        "unit_in_number",
        2,
        "value",
        csv_file([r("3k"), r(12, quarter=2)]),
    ),
    Entry("format_formula_in_value.xlsx", "formula_in_cell", 3, "value", _formula_in_value),
    Entry(
        "format_too_many_cells.csv",
        "too_many_cells",
        3,
        None,
        csv_file([r(4), r("12,5", quarter=2, indicator="workforce_fte"), r(5, quarter=3)]),
    ),
    Entry("format_zip_renamed.xlsx", "not_a_table", None, None, _zip_renamed),
    Entry("format_garbage.csv", "not_a_table", None, None, _garbage),
    Entry("format_old_excel.xls", "not_a_table", None, None, _old_excel),
    Entry("format_corrupt.parquet", "not_a_table", None, None, _corrupt_parquet),
    Entry("format_corrupt.xlsx", "not_a_table", None, None, _corrupt_xlsx),
    Entry("format_empty.csv", "empty_file", None, None, lambda: b""),
    Entry("format_header_only.csv", "header_only", None, None, lambda: (",".join(HEADER) + "\r\n\r\n").encode()),
]

# ---- contract rules -------------------------------------------------------------------------------------------------


def _unique_key_xlsx() -> bytes:
    """Header on Excel row 3 (two empty rows above), a blank row 5; the duplicate is on Excel row 7."""

    def fill(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        for position, name in enumerate(HEADER, start=1):
            sheet.cell(row=3, column=position, value=name)
        for excel_row, values in (
            (4, r(10)),
            (6, r(12, quarter=2)),
            (7, r(11, note="entered twice")),
        ):
            for position, value in enumerate(values, start=1):
                sheet.cell(row=excel_row, column=position, value=value if value != "" else None)

    return workbook(fill)


def _value_not_negative_parquet() -> bytes:
    frame = pd.DataFrame(
        [r(10, partnership="pge-green-for-all"), r(-3, partnership="pge-green-for-all", indicator="departures")],
        columns=HEADER,
    )
    frame = frame.astype({"year": "int64", "quarter": "int64", "value": "float64"})
    return parquet(frame)


def _percent_utf16() -> bytes:
    rows = [r("55", indicator="living_wage_share"), r("120", quarter=2, indicator="living_wage_share", note="Zürich")]
    return b"\xff\xfe" + text(rows, sep="\t", eol="\r\n").encode("utf-16-le")


def _category_cp1252() -> bytes:
    rows = [
        r(10, note="São Paulo"),
        r(6, dimension="gender", category="woman"),
        r(3, dimension="gender", category="female", note="Zürich"),
    ]
    return text(rows, sep=";", eol="\r\n").encode("cp1252")


def _quarter_not_future() -> bytes:
    lines = [",".join(HEADER), ",".join(map(str, r(10, year=2026, quarter=3))), "", ",".join(map(str, r(9, year=2027)))]
    return ("\n".join(lines) + "\n").encode("utf-8")


CONTRACT_ENTRIES: list[Entry] = [
    Entry(
        "contract_partnership_known.csv",
        "partnership_known",
        3,
        "partnership_id",
        csv_file([r(10), r(4, partnership="acme-unknown")]),
    ),
    Entry(
        "contract_unknown_indicator.csv",
        "unknown_indicator",
        3,
        "indicator_id",
        csv_file([r(10), r(4, indicator="happiness_index")]),
    ),
    Entry(
        "contract_indicator_in_other_dataset.csv",
        "indicator_in_other_dataset",
        3,
        "indicator_id",
        csv_file([r(10), r(250, indicator="students_reached")]),
    ),
    Entry("contract_quarter_1_to_4.csv", "quarter_1_to_4", 3, "quarter", csv_file([r(10), r(4, quarter=5)])),
    Entry("contract_year_from_2000.csv", "year_from_2000", 3, "year", csv_file([r(10), r(4, year=1999)])),
    Entry("contract_quarter_not_future.csv", "quarter_not_future", 4, "quarter", _quarter_not_future),
    Entry(
        "contract_missing_value.csv",
        "missing_value",
        3,
        "indicator_id",
        csv_file([r(10), r(4, quarter=2, indicator="")]),
    ),
    Entry("contract_value_finite.csv", "value_finite", 3, "value", csv_file([r(10), r("inf", quarter=2)])),
    Entry("contract_not_a_number.csv", "not_a_number", 3, "value", csv_file([r(10), r("twelve", quarter=2)])),
    Entry(
        "contract_not_a_whole_number.csv",
        "not_a_whole_number",
        3,
        "year",
        csv_file([r(10), r(4, year="2024.5", quarter=2)]),
    ),
    Entry("contract_value_whole_number.csv", "value_whole_number", 3, "value", csv_file([r(10), r("10.5", quarter=2)])),
    Entry("contract_value_not_negative.parquet", "value_not_negative", 3, "value", _value_not_negative_parquet),
    Entry("contract_percent_0_to_100.csv", "percent_0_to_100", 3, "value", _percent_utf16),
    Entry(
        "contract_dimension_allowed.csv",
        "dimension_allowed",
        3,
        "dimension",
        csv_file(
            [
                r("20.5", indicator="workforce_fte"),
                r("8", indicator="workforce_fte", dimension="age_band", category="under_30"),
            ]
        ),
    ),
    Entry("contract_category_in_vocabulary.csv", "category_in_vocabulary", 4, "category", _category_cp1252),
    Entry("contract_unique_key.xlsx", "unique_key", 7, "indicator_id", _unique_key_xlsx),
    Entry(
        "contract_breakdown_within_total.csv",
        "breakdown_within_total",
        3,
        "value",
        csv_file([r(10), r(6, dimension="gender", category="woman"), r(7, dimension="gender", category="man")]),
    ),
    Entry(
        "contract_breakdown_needs_total.csv",
        "breakdown_needs_total",
        3,
        "dimension",
        csv_file(
            [r(10, quarter=2), r(6, dimension="gender", category="woman"), r(4, dimension="gender", category="man")]
        ),
    ),
    Entry(
        "contract_unknown_column.csv",
        "unknown_column",
        1,
        "comment",
        csv_file([[*r(10), "looks fine"]], header=[*HEADER, "comment"]),
    ),
    Entry(
        "contract_missing_column.csv",
        "missing_column",
        1,
        "value",
        csv_file([[c for i, c in enumerate(r(10)) if i != 6]], header=[c for c in HEADER if c != "value"]),
    ),
    Entry(
        "contract_duplicate_column.csv",
        "duplicate_column",
        1,
        "value",
        csv_file([[*r(10), "11"]], header=[*HEADER, "Value"]),
    ),
]

ENTRIES: list[Entry] = [*FORMAT_ENTRIES, *CONTRACT_ENTRIES]


def build(folder: Path = HERE) -> list[dict[str, str]]:
    """Write every corpus file and ``manifest.csv`` into ``folder``; return the manifest rows."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for entry in ENTRIES:
        (folder / entry.file).write_bytes(entry.make())
        manifest.append(
            {
                "file": entry.file,
                "dataset": entry.dataset,
                "rule": entry.rule,
                "row": "" if entry.row is None else str(entry.row),
                "column": entry.column or "",
            }
        )
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(manifest)
    return manifest


if __name__ == "__main__":
    rows = build()
    print(f"wrote {len(rows)} files and manifest.csv to {HERE}")
