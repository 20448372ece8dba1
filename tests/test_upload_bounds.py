"""Uploads are bounded before they are expanded: a small file that would unpack into gigabytes (a Parquet note
repeated on every row, an Excel sheet of 16,000 columns) is refused within seconds and small memory, with a finding
and nothing written; and the edge cases of cells: numbers too large, texts too long, bytes that are not text."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.cli import EXIT_REJECTED, main
from dashboard.intake.file_reading import read_table_file
from dashboard.intake.ingest import check_upload
from dashboard.intake.raw_table import FileRejected, RawTable, ReadLimits
from dashboard.storage.database import read_attempts
from dashboard.storage.store import Store
from dashboard.storage.tables import AUDIT_TABLE, indicator_table
from data_contracts import INDICATOR_COLUMNS, validate_indicators
from tests.conftest import TODAY, app_as, indicator_rows

ROOT = Path(__file__).resolve().parent.parent
KILL_AT_BYTES = 2 * 1024**3
"""A child that grows past this is stopped at once: the code before the bounds grew to 22 GB on these files."""
PEAK_BOUND_BYTES = 600 * 1024**2
SECONDS = 20.0
"""Refusal takes about a second; the bound leaves room for imports on a busy machine."""

_CHILD = """
import re, sys
from dashboard.cli import main
code = main(sys.argv[1:])
# the high-water mark of this program alone: ru_maxrss would count the parent's memory at the fork
peak = re.search(r"VmHWM:\\s*(\\d+) kB", open("/proc/self/status").read())
print("MAXRSS_KB", peak.group(1) if peak else 0, file=sys.stderr)
sys.exit(code)
"""


def run_bounded(*args: str, env: dict[str, str] | None = None) -> tuple[int | None, str, str, float, int]:
    """Run ``python -m dashboard args`` watched: (exit code or None when stopped, stdout, stderr, seconds, peak RSS)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    watched = psutil.Process(child.pid)
    peak = 0
    stopped = False
    while child.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if peak > KILL_AT_BYTES or time.monotonic() - started > 120:
            child.kill()
            stopped = True
            break
        time.sleep(0.02)
    out, err = child.communicate()
    seconds = time.monotonic() - started
    for line in err.splitlines():
        if line.startswith("MAXRSS_KB "):
            peak = max(peak, int(line.split()[1]) * 1024)
    return (None if stopped else child.returncode), out, err, seconds, peak


def parquet_bomb(rows: int = 900_000, note_length: int = 20_000) -> bytes:
    """About 20-30 KB: every row shares one dictionary-encoded note of ``note_length`` characters."""
    note = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["n" * note_length]))
    table = pa.table(
        {
            "partnership_id": pa.array(["att-imago"] * rows),
            "year": pa.array([2024] * rows, pa.int64()),
            "quarter": pa.array([1] * rows, pa.int64()),
            "indicator_id": pa.array(["new_hires"] * rows),
            "dimension": pa.array(["total"] * rows),
            "category": pa.array(["total"] * rows),
            "value": pa.array([1.0] * rows),
            "note": note,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def read(data: bytes, name: str = "upload.parquet", **options: object) -> RawTable:
    return read_table_file(
        data, name, numeric_columns=("year", "quarter", "value"), expected_columns=INDICATOR_COLUMNS, **options
    )


def rejected(data: bytes, name: str = "upload.parquet", **options: object) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read(data, name, **options)
    return caught.value


def _ingest_refused(store: Store, path: Path, rule: str, report: str, env: dict[str, str] | None = None) -> None:
    version = store.version(indicator_table("workforce", "submitted"))
    code, out, err, seconds, peak = run_bounded(
        "ingest", str(path), "--dataset", "workforce", "--store", str(store.root), "--json", env=env
    )
    line = f"{path.name} ({path.stat().st_size / 1024:,.0f} KB): {seconds:.1f} s, peak RSS {peak / 1024**2:,.0f} MB"
    Path(report).write_text(line + "\n")
    print(line)
    assert code == 1, (code, out[-2000:], err[-2000:])
    assert f'"rule": "{rule}"' in out
    assert seconds < SECONDS, line
    assert peak < PEAK_BOUND_BYTES, line
    assert store.version(indicator_table("workforce", "submitted")) == version
    assert store.read_indicators("workforce", "submitted").empty


def test_the_parquet_bomb_is_refused_fast_and_small(empty_store: Store, tmp_path: Path) -> None:
    data = parquet_bomb()
    assert len(data) < 64 * 1024
    path = tmp_path / "bomb.parquet"
    path.write_bytes(data)
    _ingest_refused(empty_store, path, "file_too_large_unpacked", str(tmp_path / "measured.txt"))


def test_unpacked_parquet_size_is_measured_before_the_cells_are_copied() -> None:
    error = rejected(parquet_bomb(rows=20_000, note_length=2_000), limits=ReadLimits(max_decoded_bytes=10 * 1024**2))
    assert error.rule == "file_too_large_unpacked"
    assert "once unpacked" in str(error) and "10.0 MB" in str(error)
    assert len(read(parquet_bomb(rows=2_000, note_length=200)).frame) == 2_000


def test_parquet_columns_and_cells_are_bounded_from_the_metadata() -> None:
    wide = pd.DataFrame({f"c{i}": [1, 2] for i in range(70)})
    buffer = io.BytesIO()
    wide.to_parquet(buffer, index=False)
    assert rejected(buffer.getvalue()).rule == "too_many_columns"
    cells = rejected(parquet_bomb(rows=1_000, note_length=10), limits=ReadLimits(max_cells=7_999))
    assert cells.rule == "too_many_cells"


def test_a_binary_parquet_note_is_a_finding_naming_column_and_row() -> None:
    table = pa.table(
        {
            "partnership_id": ["att-imago"] * 3,
            "value": [1.0, 2.0, 3.0],
            "note": pa.array([b"fine", b"also fine", b"\xff\xfe broken"], pa.binary()),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    error = rejected(buffer.getvalue())
    [finding] = error.findings
    assert (finding.rule, finding.row, finding.column) == ("text_not_utf8", 4, "note")
    utf8 = pa.table({"partnership_id": ["att-imago"], "note": pa.array([b"ok"], pa.binary())})
    buffer = io.BytesIO()
    pq.write_table(utf8, buffer)
    assert read(buffer.getvalue()).frame["note"].tolist() == ["ok"]


def test_a_parquet_integer_beyond_2_to_the_53_is_not_rounded_silently() -> None:
    table = pa.table({"partnership_id": ["a", "b"], "value": pa.array([5, 2**62 + 1], pa.int64())})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    raw = read(buffer.getvalue())
    [finding] = raw.findings
    assert (finding.rule, finding.row, finding.column) == ("number_not_exact", 3, "value")
    assert finding.value == str(2**62 + 1)


# ---- Excel -----------------------------------------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def xlsx_bytes(sheets: list[tuple[str, str, list[list[str]] | tuple[int, int]]], *, dimension: bool = True) -> bytes:
    """A workbook written as XML: each sheet is (name, state, rows of inline text) or (name, state, (rows, columns))
    of the number 1, streamed so a large sheet is written in a second or two."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        listed = "".join(
            f'<sheet name="{name}" sheetId="{n}" state="{state}" r:id="rId{n}"/>'
            for n, (name, state, _) in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml", f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{listed}</sheets></workbook>'
        )
        targets = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{targets}'
            "</Relationships>",
        )
        for n, (_, _, content) in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as stream:
                if isinstance(content, tuple):
                    height, width = content
                else:
                    height, width = len(content), max(len(r) for r in content)
                stream.write(f'<worksheet xmlns="{_MAIN}">'.encode())
                if dimension:
                    stream.write(f'<dimension ref="A1:{_letters(width)}{height}"/>'.encode())
                stream.write(b"<sheetData>")
                if isinstance(content, tuple):
                    row = b"<row>" + b"<c><v>1</v></c>" * width + b"</row>"
                    for _ in range(height):
                        stream.write(row)
                else:
                    for cells in content:
                        stream.write(
                            b"<row>"
                            + "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in cells).encode()
                            + b"</row>"
                        )
                stream.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_the_excel_bomb_is_refused_fast_and_small(empty_store: Store, tmp_path: Path) -> None:
    data = xlsx_bytes([("workforce", "visible", (2_000, 16_000))])
    assert len(data) < 2 * 1024**2
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    # 480 MB of sheet XML: the sizes in the archive refuse it; allowed to unzip, the sheet's dimension refuses it
    _ingest_refused(empty_store, path, "file_too_large_unpacked", str(tmp_path / "measured.txt"))
    env = {"IMPACT_MAX_UPLOAD_DECODED_MB": "1024"}
    _ingest_refused(empty_store, path, "too_many_columns", str(tmp_path / "measured-2.txt"), env=env)


def test_excel_sheet_size_is_read_from_the_sheet_xml_before_any_cell() -> None:
    wide = xlsx_bytes([("workforce", "visible", (3, 70))])
    error = rejected(wide, "wide.xlsx")
    assert error.rule == "too_many_columns" and "'workforce'" in str(error) and "70 columns" in str(error)
    many = xlsx_bytes([("workforce", "visible", (1_000, 8))])
    assert rejected(many, "many.xlsx", limits=ReadLimits(max_cells=7_999)).rule == "too_many_cells"
    # a sheet without a <dimension> (or one that understates it) is counted as it streams, and checked as it is read
    undeclared = xlsx_bytes([("workforce", "visible", (1_000, 8))], dimension=False)
    assert rejected(undeclared, "many.xlsx", limits=ReadLimits(max_cells=7_999)).rule == "too_many_cells"
    narrow = xlsx_bytes([("workforce", "visible", (3, 70))], dimension=False)
    assert rejected(narrow, "wide.xlsx").rule == "too_many_columns"


def test_an_excel_zip_bomb_is_refused_from_the_sizes_in_the_archive() -> None:
    data = xlsx_bytes([("workforce", "visible", (3, 8)), ("padding", "visible", (20_000, 60))])
    error = rejected(data, "padded.xlsx", limits=ReadLimits(max_decoded_bytes=4 * 1024**2))
    assert error.rule == "file_too_large_unpacked" and "once unzipped" in str(error)


def test_a_hidden_sheet_named_after_the_dataset_is_not_read() -> None:
    header = ["partnership_id", "year", "quarter", "indicator_id", "value"]
    data = xlsx_bytes(
        [
            ("workforce", "hidden", [header, ["old", "2020", "1", "new_hires", "1"]]),
            ("Figures", "visible", [header, ["att-imago", "2024", "1", "new_hires", "10"]]),
            ("secret", "veryHidden", [header, ["x", "2020", "1", "new_hires", "1"]]),
        ]
    )
    raw = read(data, "upload.xlsx", preferred_sheet="workforce")
    assert raw.sheet == "Figures" and "'Figures'" in raw.details
    assert "the hidden sheet 'workforce' was not read" in raw.details
    assert raw.frame["partnership_id"].tolist() == ["att-imago"]
    only_hidden = xlsx_bytes([("workforce", "hidden", [header, ["old", "2020", "1", "new_hires", "1"]])])
    assert "visible" in str(rejected(only_hidden, "hidden.xlsx"))


# ---- the command line --------------------------------------------------------------------------------------------


def test_cli_ingest_checks_the_size_before_reading_the_file(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(3 * 1024**2)  # sparse: three megabytes of nothing
    monkeypatch.setenv("IMPACT_MAX_UPLOAD_MB", "1")

    def never(self: Path) -> bytes:
        raise AssertionError(f"{self} was read whole before its size was checked")

    monkeypatch.setattr(Path, "read_bytes", never)
    code = main(["ingest", str(path), "--dataset", "workforce", "--store", str(empty_store.root), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_REJECTED
    assert [error["rule"] for error in report["errors"]] == ["file_too_large"]
    assert "3.0 MB" in report["errors"][0]["message"] and "1.0 MB" in report["errors"][0]["message"]
    attempt = read_attempts(empty_store).iloc[0]
    assert (attempt["outcome"], attempt["via"]) == ("rejected", "command-line")
    assert empty_store.read_indicators("workforce", "submitted").empty


# ---- cells: numbers in range, texts of bounded length -----------------------------------------------------------


def _check(*rows: dict) -> list[tuple[int | None, str | None, str]]:
    result = validate_indicators(indicator_rows(*rows), "workforce", partnership_ids=["att-imago"], today=TODAY)
    return [(f.row, f.column, f.rule) for f in result.findings]


def test_a_value_beyond_its_units_range_is_refused_so_no_sum_overflows() -> None:
    assert _check({"value": "1.5e308"}) == [(2, "value", "value_within_unit_range")]
    assert _check({"value": "10000001"}) == [(2, "value", "value_within_unit_range")]
    assert _check({"value": "9999999"}) == []
    signed = {"indicator_id": "net_jobs_created_supported", "value": "-20000000"}
    assert _check(signed) == [(2, "value", "value_within_unit_range")]
    result = validate_indicators(
        indicator_rows({"value": "1.5e308"}), "workforce", partnership_ids=["att-imago"], today=TODAY
    )
    [finding] = result.findings
    assert finding.value == "1.5e+308" and "10,000,000" in finding.message


def test_texts_have_a_length_limit_with_a_finding_naming_row_and_column() -> None:
    assert _check({"note": "n" * 2_000}) == []
    assert _check({"note": "n" * 10_000_000}) == [(2, "note", "note_too_long")]
    long_id = "p" * 65
    # one finding for the cell: its length, not also "not a partnership"
    assert _check({"partnership_id": long_id}) == [(2, "partnership_id", "partnership_id_too_long")]
    assert _check({"category": "c" * 65, "dimension": "gender"})[0] == (2, "category", "category_too_long")
    result = validate_indicators(
        indicator_rows({"note": "n" * 10_000_000}), "workforce", partnership_ids=["att-imago"], today=TODAY
    )
    [finding] = result.findings
    assert len(finding.value) < 300 and "10,000,000 characters" in finding.value
    assert "at most 2,000 characters" in finding.message


def test_a_header_cell_of_any_length_is_a_finding_shown_short(empty_store: Store) -> None:
    huge = "partnership_id,year,quarter,indicator_id,value," + "h" * (200 * 1024) + "\n"
    error = rejected((huge + "att-imago,2024,1,new_hires,10,x\n").encode(), "upload.csv")
    assert error.rule == "header_too_long" and len(error.findings[0].value or "") < 300
    long = "partnership_id,year,quarter,indicator_id,value," + "h" * (20 * 1024) + "\n"
    report = check_upload(empty_store, (long + "att-imago,2024,1,new_hires,10,x\n").encode(), "u.csv", today=TODAY)
    unknown = [f for f in report.findings if f.rule == "unknown_column"]
    assert unknown and len(unknown[0].message) < 600 and len(unknown[0].column or "") < 300


# ---- CSV: RFC 4180 line breaks, encodings, NUL bytes ------------------------------------------------------------

CSV_HEADER = b"partnership_id,year,quarter,indicator_id,value,note"


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("inside", [b"\r", b"\n", b"\r\n"], ids=["CR", "LF", "CRLF"])
def test_a_line_break_inside_quotes_is_part_of_the_cell(eol: bytes, inside: bytes) -> None:
    data = eol.join(
        [
            CSV_HEADER,
            b'att-imago,2024,1,new_hires,10,"first' + inside + b'second"',
            b"att-imago,2024,1,departures,2,",
            b"",
        ]
    )
    raw = read(data, "upload.csv")
    assert raw.frame["note"].tolist() == ["first" + inside.decode() + "second", ""]
    assert raw.frame["indicator_id"].tolist() == ["new_hires", "departures"]
    assert raw.findings == []


def test_invalid_utf8_in_a_utf8_file_is_a_finding_naming_its_row() -> None:
    data = b"\n".join(
        [
            CSV_HEADER,
            "att-imago,2024,1,new_hires,10,café".encode(),
            b"att-imago,2024,1,departures,2,caf\xe9 au lait",
            b"",
        ]
    )
    error = rejected(data, "upload.csv")
    [finding] = error.findings
    assert (finding.rule, finding.row) == ("not_utf8", 3)
    assert "caf" in (finding.value or "") and "Row 3" in finding.message


def test_a_plain_windows_1252_file_is_still_read_as_windows_1252() -> None:
    data = b"\n".join([CSV_HEADER, b"att-imago,2024,1,new_hires,10,caf\xe9 \x80", b""])
    raw = read(data, "upload.csv")
    assert raw.frame["note"].tolist() == ["café €"] and "Windows-1252" in raw.details


def test_a_nul_byte_is_a_finding_naming_its_row() -> None:
    data = b"\n".join(
        [CSV_HEADER, b"att-imago,2024,1,new_hires,10,fine", b"att-imago,2024,1,departures,2,bro\x00ken", b""]
    )
    [finding] = rejected(data, "upload.csv").findings
    assert (finding.rule, finding.row) == ("nul_character", 3)
    assert "\\0" in (finding.value or "")


# ---- the Upload page -----------------------------------------------------------------------------------------------


def test_the_upload_page_refuses_both_bombs(monkeypatch: pytest.MonkeyPatch, empty_store: Store) -> None:
    """In real Streamlit (AppTest), as tests/test_upload_page.py drives it."""
    monkeypatch.setenv("IMPACT_STORE", str(empty_store.root))
    app = app_as("admin").run()
    app.switch_page("web/views/upload.py").run()
    assert not app.exception
    before = {t: v for t, v in empty_store.versions().items() if t != AUDIT_TABLE}
    bombs = [
        ("bomb.parquet", parquet_bomb(), "file_too_large_unpacked"),
        ("bomb.xlsx", xlsx_bytes([("workforce", "visible", (200, 16_000))]), "too_many_columns"),
    ]
    for name, data, rule in bombs:
        started = time.monotonic()
        app.file_uploader[0].set_value((name, data, "application/octet-stream")).run(timeout=60)
        assert time.monotonic() - started < SECONDS
        assert not app.exception
        assert "Not committed" in app.error[0].value
        rules = {r for element in app.dataframe if "Rule" in element.value.columns for r in element.value["Rule"]}
        assert rule in rules, (name, rules)
    assert {t: v for t, v in empty_store.versions().items() if t != AUDIT_TABLE} == before


def test_a_whole_number_too_large_to_be_exact_is_a_finding_not_a_rounded_year() -> None:
    assert _check({"year": str(2**62 + 1)}) == [(2, "year", "number_not_exact")]
    assert _check({"year": "2024"}) == []


def test_a_report_names_the_first_thousand_rows_of_a_rule_and_counts_the_rest() -> None:
    from data_contracts.rules import MAX_ROWS_PER_RULE

    rows = [{"year": "2025", "quarter": str(i % 4 + 1), "value": str(-(i + 1)), "note": f"n{i}"} for i in range(2_500)]
    raw = indicator_rows(*rows).assign(partnership_id=[f"p-{i // 4}" for i in range(2_500)])
    result = validate_indicators(raw, "workforce", partnership_ids=None, today=TODAY)
    negative = [f for f in result.findings if f.rule == "value_not_negative"]
    named = [f for f in negative if f.row is not None]
    counted = [f for f in negative if f.row is None]
    assert len(named) == MAX_ROWS_PER_RULE
    assert [f.row for f in named] == list(range(2, MAX_ROWS_PER_RULE + 2))  # the first rows of the file, in order
    assert len(counted) == 1 and counted[0].message.startswith("1,500 more rows break this rule")
