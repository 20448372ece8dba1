"""The file-format layer of quarterly uploads: bytes of a CSV, Excel (.xlsx) or Parquet file -> a raw table.

:func:`read_table_file` recognises the format by content first (magic bytes) and by file name second, decodes text
(UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252), finds the delimiter (comma, semicolon or tab), and reads
every cell of a CSV or Excel sheet as text, exactly as the user typed it. It never guesses a number silently: a
decimal comma is read as a decimal only in a semicolon-separated file, and a cell whose separators or unit make its
number ambiguous is reported as a finding and left unchanged, for the user to fix.

Problems with the whole file (too large, empty, not a table, no data rows, too many rows) raise
:class:`FileRejected`; problems in one cell or row are returned as findings with the table. Rows are numbered as the
user sees them: the header is row 1 in a CSV; Excel rows keep their Excel numbers. Nothing here imports streamlit
or knows about a dataset; the data contracts check the table afterwards.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Literal

import numpy as np
import pandas as pd

from data_contracts.columns import blank_text, normalise_header
from data_contracts.findings import Finding, RowNumbers

FileFormat = Literal["csv", "xlsx", "parquet"]
NumberStyle = Literal["decimal_comma", "decimal_point"]

ACCEPTED_FORMATS = "CSV (separated by commas, semicolons or tabs), Excel workbook (.xlsx) or Parquet"
"""How the accepted formats are named in messages."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

_DELIMITERS: Mapping[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}
_SEPARATOR_HINT = re.compile(rb"sep=([,;\t])[ ]*(?:\r\n|\r|\n)", re.IGNORECASE)
_NOT_WHITESPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")
"""A byte that ``bytes.strip()`` keeps: searching for the first one does not copy the file as stripping does."""
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.1
"""A text file in which more than this share of characters are control characters is binary, not a table."""

# ---- numbers -------------------------------------------------------------------------------------------------------

_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
"""A number every reader agrees on: digits, an optional sign, decimal point and exponent."""
_DECIMAL_COMMA_NUMBER = r"[+-]?\d*,\d+"
"""A number with one decimal comma and nothing else, read as a decimal in a semicolon-separated file."""
_GROUPED_BY_POINTS = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+"
"""Digits grouped by points (1.234, 12.345.678): thousands in a decimal-comma file, so never read as a decimal."""
_NUMBER_CORE = re.compile(r"[+-]?\.?\d(?:[\d.,'\u00a0\u202f\u2009 ]*\d)?")
_GROUP_SPACES = re.compile(r"['\u00a0\u202f\u2009 ]")
_MULTIPLIERS: Mapping[str, int] = {
    "k": 1_000,
    "K": 1_000,
    "m": 1_000_000,
    "M": 1_000_000,
    "mn": 1_000_000,
    "mio": 1_000_000,
    "bn": 1_000_000_000,
}


@dataclass(frozen=True)
class ReadLimits:
    """Limits of one upload: file size in bytes and number of data rows."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000


@dataclass
class RawTable:
    """A table as read from a file, before any contract check.

    ``frame`` has the header names exactly as in the file (not normalised, duplicates kept). CSV and Excel cells are
    ``str`` (``''`` for a blank cell); Parquet keeps its column types (text columns as pandas ``string``). Blank rows
    are dropped; ``row_numbers`` maps every index label of ``frame`` to the row as the user sees it.
    """

    frame: pd.DataFrame
    row_numbers: Mapping[object, int]
    """A :class:`~data_contracts.findings.RowNumbers` (reads like ``{0: 2, 1: 3, ...}``)."""
    format: FileFormat
    details: str
    """Human summary, e.g. "CSV, semicolon-separated, decimal comma, Windows-1252, CRLF" or "Excel, sheet 'x'"."""
    sheet: str | None = None
    findings: list[Finding] = field(default_factory=list)
    """Cell- and row-level problems found while reading (severity error); the cells are left as they were."""


class FileRejected(Exception):
    """The file as a whole cannot be read as a table; ``findings`` say why (``str(exc)`` is the first message)."""

    def __init__(self, findings: list[Finding]) -> None:
        if not findings:
            raise ValueError("FileRejected needs at least one finding")
        super().__init__(findings[0].message)
        self.findings: list[Finding] = list(findings)

    @property
    def rule(self) -> str:
        """Rule of the first finding, e.g. ``not_a_table``."""
        return self.findings[0].rule


def _rejected(rule: str, message: str) -> FileRejected:
    return FileRejected([Finding(None, None, None, rule, message)])


def _not_a_table(what: str, *, name_formats: bool = True) -> FileRejected:
    message = f"This file is {what}."
    if name_formats:
        message += f" Upload a table as {ACCEPTED_FORMATS}."
    return _rejected("not_a_table", message)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


# ---- entry point ---------------------------------------------------------------------------------------------------


def read_table_file(
    data: bytes,
    file_name: str,
    *,
    numeric_columns: Collection[str],
    preferred_sheet: str | None = None,
    expected_columns: Collection[str] = (),
    limits: ReadLimits = ReadLimits(),
) -> RawTable:
    """Read an uploaded file (CSV, Excel .xlsx or Parquet) into a :class:`RawTable`.

    ``numeric_columns`` and ``expected_columns`` are normalised (lower-case) header names: cells of numeric columns
    are checked for ambiguous separators, units and formulas; expected columns help to choose the CSV delimiter.
    ``preferred_sheet`` names the Excel sheet to read (case-insensitive; the first sheet when absent).
    Raises :class:`FileRejected` when the file as a whole cannot be read.
    """
    if len(data) > limits.max_bytes:
        raise _rejected(
            "file_too_large",
            f"The file is {_megabytes(len(data))}; the limit is {_megabytes(limits.max_bytes)}. "
            "Split it into smaller files, for example one per quarter.",
        )
    if _is_empty(data):
        raise _rejected("empty_file", "The file is empty: it holds no header and no rows.")
    numeric = frozenset(normalise_header(name) for name in numeric_columns)
    expected = frozenset(normalise_header(name) for name in expected_columns)
    kind = _detect_format(data, file_name)
    if kind == "parquet":
        return _read_parquet(data, limits)
    if kind == "xlsx":
        return _read_xlsx(data, numeric=numeric, preferred_sheet=preferred_sheet, limits=limits)
    return _read_csv(data, numeric=numeric, expected=expected, limits=limits)


def _is_empty(data: bytes) -> bool:
    if data[:2] in _UTF16_BOMS:
        try:
            return not data.decode("utf-16").replace("\ufeff", "").strip()
        except UnicodeDecodeError:
            return False
    return _NOT_WHITESPACE.search(data, len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0) is None


def _detect_format(data: bytes, file_name: str) -> FileFormat:
    """Format from the magic bytes; the extension only decides how to explain a file that is none of them."""
    extension = PurePath(file_name).suffix.lower()
    if data.startswith(_PARQUET_MAGIC):
        return "parquet"
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            if extension in (".xlsx", ".xlsm"):
                raise _not_a_table("a damaged Excel workbook that cannot be opened; save it again") from None
            raise _not_a_table("a damaged ZIP archive, not an Excel workbook") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            raise _not_a_table(
                "an Excel binary workbook (.xlsb), which is not supported; save as .xlsx or CSV", name_formats=False
            )
        if "content.xml" in names and "mimetype" in names:
            raise _not_a_table(
                "an OpenDocument spreadsheet (.ods), which is not supported; save as .xlsx or CSV", name_formats=False
            )
        raise _not_a_table("a ZIP archive, not an Excel workbook")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise _not_a_table(
                "a password-protected Excel workbook; remove the password and save as .xlsx", name_formats=False
            )
        raise _not_a_table(
            "an Excel 97-2003 workbook: Excel 97-2003 .xls is not supported; save as .xlsx or CSV", name_formats=False
        )
    if extension in (".xlsx", ".xlsm"):
        raise _not_a_table("named like an Excel workbook but is not one (it may be damaged, or be a renamed file)")
    if extension in (".parquet", ".pq"):
        raise _not_a_table("named like a Parquet file but is not one (it may be damaged, or be a renamed file)")
    return "csv"


def _count_rows_message(count: int, limits: ReadLimits) -> str:
    return (
        f"The file has {count:,} data rows; the limit is {limits.max_rows:,}. "
        "Split it into smaller files, for example one per quarter."
    )


def _check_row_count(count: int, limits: ReadLimits) -> None:
    if count == 0:
        raise _rejected(
            "header_only", "The file has a header but no data rows: add one row per figure below the header."
        )
    if count > limits.max_rows:
        raise _rejected("too_many_rows", _count_rows_message(count, limits))


def _row_numbers(numbers: np.ndarray) -> RowNumbers:
    return RowNumbers(numbers)


# ---- CSV -----------------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[bytes, str]:
    """The text of a CSV file as UTF-8 bytes (no BOM), and the name of its encoding."""
    if data[:2] in _UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_a_table("not readable as text (it starts like UTF-16 but is not)") from None
        body = text.encode("utf-8")
        label = "UTF-16"
    else:
        if b"\x00" in data:
            raise _not_a_table("binary data, not a text table")
        if data.startswith(_UTF8_BOM):
            body, label = data[len(_UTF8_BOM) :], "UTF-8 with BOM"
        else:
            body, label = data, "UTF-8"
        try:
            if not body.isascii():  # ASCII is UTF-8; checking that is 10x faster than decoding
                body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                body = body.decode("cp1252").encode("utf-8")
            except UnicodeDecodeError:
                raise _not_a_table(
                    "binary data, not a text table (it is neither UTF-8 nor Windows-1252 text)"
                ) from None
            label = "Windows-1252"
    controls = len(body.translate(None, _NON_CONTROL_BYTES))
    if b"\x00" in body or controls > _MAX_CONTROL_SHARE * len(body):
        raise _not_a_table("binary data, not a text table")
    return body, label


def _line_ending(body: bytes) -> str:
    match = re.search(rb"\r\n|\r|\n", body[: 1 << 20])
    if match is None:
        return "no line breaks"
    return {b"\r\n": "CRLF", b"\r": "CR", b"\n": "LF"}[match.group()]


def _choose_delimiter(header_line: str, expected: frozenset[str]) -> str:
    """The delimiter giving the most expected header names (ties: the most fields)."""
    best: tuple[int, int] = (-1, -1)
    chosen = ","
    for delimiter in _DELIMITERS:
        fields = next(csv.reader([header_line], delimiter=delimiter), [])
        score = (sum(normalise_header(f) in expected for f in fields), len(fields))
        if score > best:
            best, chosen = score, delimiter
    if best[1] <= 1:
        raise _rejected(
            "not_a_table",
            "Could not find the columns: the header must be separated by commas, semicolons or tabs. "
            f"Upload a table as {ACCEPTED_FORMATS}.",
        )
    return chosen


_PYARROW_BLOCK_BYTES = 16 << 20
_SENTINEL = "\x01\x02"
"""A cell no upload holds (control characters; no quote, separator or line break): see :func:`_parse_with_pyarrow`."""


def _header_width(body: bytes, delimiter: str) -> int:
    """Cells in the first line (0 when the csv module cannot tell; pyarrow checks the count again)."""
    try:
        first_line = re.match(rb"[^\r\n]*", body).group().decode("utf-8")
        return len(next(csv.reader([first_line], delimiter=delimiter), []))
    except (csv.Error, UnicodeDecodeError):
        return 0


def _parse_with_pyarrow(body: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """The table :func:`_parse_with_pandas` reads, read by pyarrow's multithreaded reader; None to let pandas decide.

    pyarrow refuses every row whose number of cells differs from the header's (pandas pads short rows, and reports
    long ones), so any refusal goes back to pandas. A file with quotes is read as one block: where pyarrow splits a
    file into blocks inside a quoted cell it can lose the line feed of a quoted CR LF. And the one file pyarrow
    accepts but pandas does not is one that ends inside a quoted cell: so a file with quotes gets a sentinel row
    appended, which comes back as a row of its own only when every quoted cell was closed.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if width < 2:
        return None
    quoted = b'"' in body
    if quoted:
        end = b"" if body.endswith((b"\n", b"\r")) else b"\n"
        body = body + end + delimiter.join([_SENTINEL] * width).encode()
    names = [str(position) for position in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            # a few large blocks (still read in parallel) give a few chunks per column, which later steps prefer
            read_options=pacsv.ReadOptions(
                column_names=names, block_size=len(body) + 1 if quoted else _PYARROW_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=quoted,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),  # what pandas' str dtype holds
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError, MemoryError):
        return None
    if quoted:
        if table.num_rows == 0 or any(column[-1].as_py() != _SENTINEL for column in table.columns):
            return None
        table = table.slice(0, table.num_rows - 1)
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _parse_with_pandas(body: bytes, delimiter: str) -> pd.DataFrame:
    frame = pd.read_csv(
        io.BytesIO(body),
        sep=delimiter,
        header=None,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        quotechar='"',
        doublequote=True,
        encoding="utf-8",
        on_bad_lines="error",
    )
    return frame.fillna("")


def _parse_with_csv_module(
    body: bytes, delimiter: str, first_row: int, unclosed_quote: bool
) -> tuple[pd.DataFrame, list[Finding]]:
    """Slow path for files pandas refuses (ragged rows, an unclosed quote): every record, with findings."""
    # A cell may be as long as the file (an unclosed quote); the limit only ever goes up, so threads do not race.
    csv.field_size_limit(max(csv.field_size_limit(), len(body) + 1))
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=delimiter, strict=False)
    records = list(reader)
    header = records[0] if records else []
    width = len(header)
    findings: list[Finding] = []
    rows: list[list[str]] = [header]
    for position, record in enumerate(records[1:], start=1):
        if len(record) > width:
            # Even blank extra cells matter: an unquoted 12,5 shifts the 5 into the next column.
            findings.append(
                Finding(
                    first_row + position,
                    None,
                    delimiter.join(record[width:]),
                    "too_many_cells",
                    f"Row {first_row + position} has {len(record)} cells but the header has {width} columns. "
                    "Put quotes around a cell that contains the separator, or remove the extra cells.",
                )
            )
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
    if unclosed_quote and len(records) > 1:
        last = first_row + len(records) - 1
        findings.append(
            Finding(
                last,
                None,
                None,
                "unclosed_quote",
                f'A quotation mark (") in row {last} opens a cell that is never closed, so the rest of the file was '
                "read as one cell. Close the quote or remove it.",
            )
        )
    return pd.DataFrame(rows, dtype=object), findings


def _read_csv(data: bytes, *, numeric: frozenset[str], expected: frozenset[str], limits: ReadLimits) -> RawTable:
    body, encoding = _decode(data)
    leading = re.match(rb"(?:[ \t]*(?:\r\n|\r|\n))*", body)
    skipped_lines = len(re.findall(rb"\r\n|\r|\n", leading.group())) if leading else 0
    if leading:
        body = body[leading.end() :]
    hint = _SEPARATOR_HINT.match(body)
    if hint:  # Excel's "sep=;" first line names the delimiter; Excel does not show it as a row
        delimiter = hint.group(1).decode("ascii")
        body = body[hint.end() :]
    else:
        header_line = re.match(rb"[^\r\n]*", body).group().decode("utf-8")
        delimiter = _choose_delimiter(header_line, expected)
    header_row = skipped_lines + 1
    findings: list[Finding] = []
    table = _parse_with_pyarrow(body, delimiter, _header_width(body, delimiter))
    if table is None:
        try:
            table = _parse_with_pandas(body, delimiter)
        except pd.errors.ParserError as error:
            table, findings = _parse_with_csv_module(body, delimiter, header_row, "EOF inside string" in str(error))
        except (ValueError, UnicodeDecodeError, MemoryError):
            raise _not_a_table("not readable as a table") from None

    header = [str(name) for name in table.iloc[0].tolist()] if len(table) else []
    frame = table.iloc[1:]
    frame, header, _ = _drop_unnamed_empty_columns(frame, header)
    frame.columns = header
    numbers = np.arange(len(frame)) + header_row + 1
    frame, numbers = _drop_blank_rows(frame, numbers)
    _check_row_count(len(frame), limits)
    frame = frame.reset_index(drop=True)
    row_numbers = _row_numbers(numbers)

    style: NumberStyle = "decimal_comma" if delimiter == ";" else "decimal_point"
    findings += _check_numbers(frame, numeric, style, row_numbers)
    parts = ["CSV", f"{_DELIMITERS[delimiter]}-separated"]
    if style == "decimal_comma":
        parts.append("decimal comma")
    parts += [encoding, _line_ending(body)]
    findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        format="csv",
        details=", ".join(parts),
        sheet=None,
        findings=findings,
    )


def _blank_mask(column: pd.Series) -> np.ndarray:
    """Cells that are missing or nothing but whitespace (``str.strip()`` leaves nothing)."""
    if pd.api.types.is_string_dtype(column) or column.dtype == object:
        return blank_text(column)
    return column.isna().to_numpy(dtype=bool)


def _drop_blank_rows(frame: pd.DataFrame, numbers: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows whose every cell is blank go; the row numbers of the others stay as they were."""
    if frame.shape[1] == 0 or len(frame) == 0:
        return frame.iloc[0:0], numbers[:0]
    blank = _blank_mask(frame.iloc[:, 0])
    for position in range(1, frame.shape[1]):
        candidates = np.flatnonzero(blank)
        if len(candidates) == 0:
            break
        blank[candidates] = _blank_mask(frame.iloc[candidates, position])
    if not blank.any():
        return frame, numbers
    return frame.iloc[~blank], numbers[~blank]


def _drop_unnamed_empty_columns(frame: pd.DataFrame, header: list[str]) -> tuple[pd.DataFrame, list[str], list[int]]:
    """Columns with a blank header and no data (Excel's trailing ",,," or a table starting in column B) go.

    Returns the frame, its header and the original positions of the kept columns.
    """
    kept = [
        position
        for position, name in enumerate(header)
        if name.strip() or not _blank_mask(frame.iloc[:, position]).all()
    ]
    if len(kept) == len(header):
        return frame, header, kept
    return frame.iloc[:, kept], [header[p] for p in kept], kept


# ---- numbers in text cells -----------------------------------------------------------------------------------------


def _check_numbers(
    frame: pd.DataFrame,
    numeric: frozenset[str],
    style: NumberStyle,
    row_numbers: Mapping[object, int],
    *,
    skip: Mapping[int, np.ndarray] | None = None,
) -> list[Finding]:
    """Findings for numeric cells that need a human decision; in a decimal-comma file, decimal commas become points.

    Only cells that are not plain numbers are looked at one by one, so a clean million-row file costs a few
    vectorised string operations. ``skip`` holds, per column position, a mask of cells not to check (formulas).
    """
    findings: list[Finding] = []
    for position, name in enumerate(frame.columns):
        column_name = normalise_header(name)
        if column_name not in numeric:
            continue
        column = frame.iloc[:, position].astype("string")
        text = column.str.strip().fillna("")
        # A cell of ASCII digits only is a plain number in either style (most cells of a clean file): the patterns
        # below only need to look at the others.
        rest = np.flatnonzero(~_ascii_digits(text))
        if len(rest) == 0:
            continue
        others = text.iloc[rest]
        if style == "decimal_comma":
            decimal_comma = others.str.fullmatch(_DECIMAL_COMMA_NUMBER).fillna(False).to_numpy(dtype=bool)
            if decimal_comma.any():
                converted = np.zeros(len(text), dtype=bool)
                converted[rest[decimal_comma]] = True
                frame.isetitem(position, _with_decimal_points(frame.iloc[:, position], text, converted))
            suspicious = others.ne("") & ~others.str.fullmatch(_PLAIN_NUMBER).fillna(False)
            suspicious = (suspicious | others.str.fullmatch(_GROUPED_BY_POINTS).fillna(False)).to_numpy(dtype=bool)
            suspicious &= ~decimal_comma
        else:
            suspicious = (others.ne("") & ~others.str.fullmatch(_PLAIN_NUMBER).fillna(False)).to_numpy(dtype=bool)
        if skip is not None and position in skip:
            suspicious &= ~skip[position][rest]
        for index in rest[suspicious]:
            value = str(column.iloc[index])
            found = classify_number_text(value, style)
            if found is None:
                continue
            rule, advice = found
            what = "has a unit or sign in the cell" if rule == "unit_in_number" else "is ambiguous"
            findings.append(
                Finding(
                    row_numbers.get(frame.index[index]),
                    column_name,
                    value,
                    rule,
                    f"{column_name} {value!r} {what}: {advice}",
                )
            )
    return findings


def _ascii_digits(text: pd.Series) -> np.ndarray:
    """True where a text cell is one or more ASCII digits and nothing else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.ascii_is_decimal(pa.array(text)).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _with_decimal_points(original: pd.Series, text: pd.Series, converted: np.ndarray) -> pd.Series:
    """``original`` with the (stripped) ``text`` of the cells in ``converted``, their decimal comma made a point."""
    if isinstance(original.dtype, pd.StringDtype) and original.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        points = pc.replace_substring(pa.array(text), ",", ".")
        merged = pc.if_else(pa.array(converted), points, pa.array(original))
        return pd.Series(pd.array(merged, dtype=original.dtype), index=original.index, name=original.name)
    replaced = text.str.replace(",", ".", regex=False).astype(object)
    return original.astype(object).where(~converted, replaced).astype(original.dtype)


def _is_unit_text(affix: str) -> bool:
    """Whether text beside a number is a unit, currency or percent sign ("USD", "$", "%", "h", "k", "hours")."""
    if not affix or len(affix) > 15:
        return False
    signs = [ch for ch in affix if ch not in "./ "]
    return bool(signs) and all(ch.isalpha() or ch in "%‰" or unicodedata.category(ch) == "Sc" for ch in signs)


def _plain(text: str) -> str:
    """A reading written plainly: no trailing zeros after the decimal point."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-") else "0"


def _readings(core: str, style: NumberStyle) -> list[str]:
    """The plain numbers a written number may mean: one when the separators are clear, else thousands first."""
    sign = "-" if core.startswith("-") else ""
    spaced = bool(_GROUP_SPACES.search(core))
    digits = _GROUP_SPACES.sub("", core.lstrip("+-"))
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, fraction = digits.replace("." if decimal == "," else ",", "").rpartition(decimal)
        return [_plain(f"{sign}{whole or '0'}.{fraction}")]
    for separator in (",", "."):
        pieces = digits.split(separator)
        if len(pieces) == 1:
            continue
        if len(pieces) > 2:
            return [_plain(sign + "".join(pieces))]
        whole, fraction = pieces
        as_decimal = _plain(f"{sign}{whole or '0'}.{fraction}")
        clear_decimal = spaced or (separator == "," and style == "decimal_comma")
        if not clear_decimal and len(fraction) == 3 and whole.strip("0"):
            return [_plain(sign + whole + fraction), as_decimal]
        return [as_decimal]
    return [_plain(sign + digits)]


def _needs_decision(core: str, style: NumberStyle) -> bool:
    """Whether the separators of a number leave its value to a guess in this file."""
    if _GROUP_SPACES.search(core):
        return True
    if re.fullmatch(_GROUPED_BY_POINTS, core) and (style == "decimal_comma" or core.count(".") > 1):
        return True
    if style == "decimal_comma":
        return ("," in core and "." in core) or core.count(",") > 1
    return "," in core


def classify_number_text(value: str, style: NumberStyle) -> tuple[str, str] | None:
    """Whether a numeric cell's text needs a human decision: ``(rule, advice)``, or ``None``.

    ``ambiguous_number`` when separators could mean thousands or decimals (any comma in a comma- or tab-separated
    file or an Excel text cell; points grouping thousands in a semicolon-separated file; spaces between digits).
    ``unit_in_number`` when a unit, currency or percent sign is written in the cell. Text that is not a number at
    all (``n/a``, ``twelve``, a date) gives ``None``: the contract reports it as not a number.
    """
    text = value.strip()
    match = _NUMBER_CORE.search(text)
    if match is None:
        return None
    prefix, core, suffix = text[: match.start()].strip(), match.group(), text[match.end() :].strip()
    if any(ch.isdigit() for ch in prefix + suffix):
        return None
    readings = _readings(core, style)
    if prefix or suffix:
        if not all(_is_unit_text(affix) for affix in (prefix, suffix) if affix):
            return None
        multiplier = None if prefix else _MULTIPLIERS.get(suffix)
        if multiplier is not None and len(readings) == 1:
            full = _plain(format(Decimal(readings[0]) * multiplier, "f"))
            return "unit_in_number", f"write {full} in full, without {suffix!r}: the unit comes from the indicator."
        if len(readings) == 1:
            return "unit_in_number", f"write {readings[0]}: the unit comes from the indicator."
        return (
            "unit_in_number",
            f"write {readings[0]} or {readings[1]} (whichever you mean), without the unit or thousands separators: "
            "the unit comes from the indicator.",
        )
    if not _needs_decision(core, style):
        return None
    if len(readings) == 2:
        return (
            "ambiguous_number",
            f"write {readings[0]} (if the separator groups thousands) or {readings[1]} (if it is a decimal "
            "separator), without thousands separators.",
        )
    if style == "decimal_point" and core.count(",") == 1 and "." not in core and not _GROUP_SPACES.search(core):
        return "ambiguous_number", f"write {readings[0]} with a decimal point, not a comma."
    return "ambiguous_number", f"write {readings[0]} without thousands separators."


# ---- Excel ---------------------------------------------------------------------------------------------------------


def _excel_text(value: object) -> str:
    """An Excel cell value as the text a user would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    formula = getattr(value, "text", None)  # array and data-table formulas
    if isinstance(formula, str):
        return formula if formula.startswith("=") else "=" + formula
    return str(value)


def _column_letter(position: int) -> str:
    """Excel's letter of a zero-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _read_xlsx(data: bytes, *, numeric: frozenset[str], preferred_sheet: str | None, limits: ReadLimits) -> RawTable:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise _not_a_table("a damaged Excel workbook that cannot be opened; save it again as .xlsx") from None
    try:
        return _read_sheet(workbook, numeric=numeric, preferred_sheet=preferred_sheet, limits=limits)
    except FileRejected:
        raise
    except Exception:
        raise _not_a_table("a damaged Excel workbook whose sheet cannot be read; save it again as .xlsx") from None
    finally:
        workbook.close()


@dataclass
class _SheetRows:
    """What one pass over a worksheet collects."""

    header: list[str]
    header_row: int
    rows: list[list[str]]
    numbers: list[int]
    formulas: list[tuple[int, int]]
    """(index in rows, column position) of every formula cell."""
    percents: list[tuple[int, int, float]]
    """(index in rows, column position, value) of every number shown with a percent format."""
    findings: list[Finding]
    count: int


def _scan_sheet(sheet: object, limits: ReadLimits) -> _SheetRows | None:
    """Header (first non-empty row) and data rows of a read-only worksheet, with their Excel row numbers."""
    scan = _SheetRows([], 0, [], [], [], [], [], 0)
    width = 0
    for row_number, cells in enumerate(sheet.iter_rows(), start=1):  # type: ignore[attr-defined]
        texts = [_excel_text(cell.value) for cell in cells]
        while texts and not texts[-1].strip():
            texts.pop()
        if not any(t.strip() for t in texts):
            continue
        if not scan.header_row:
            scan.header, scan.header_row, width = texts, row_number, len(texts)
            continue
        scan.count += 1
        if scan.count > limits.max_rows:
            continue
        if len(texts) > width:
            scan.findings.append(
                Finding(
                    row_number,
                    None,
                    "; ".join(t for t in texts[width:] if t.strip()),
                    "too_many_cells",
                    f"Row {row_number} has values right of the last header column ({_column_letter(width - 1)}). "
                    "Remove them, or give their column a header.",
                )
            )
            texts = texts[:width]
        texts += [""] * (width - len(texts))
        for position, cell in enumerate(cells[:width]):
            if cell.data_type == "f":
                scan.formulas.append((len(scan.rows), position))
            elif (
                isinstance(cell.value, int | float)
                and not isinstance(cell.value, bool)
                and "%" in str(getattr(cell, "number_format", "") or "")
            ):
                scan.percents.append((len(scan.rows), position, float(cell.value)))
        scan.rows.append(texts)
        scan.numbers.append(row_number)
    return scan if scan.header_row else None


def _read_sheet(
    workbook: object, *, numeric: frozenset[str], preferred_sheet: str | None, limits: ReadLimits
) -> RawTable:
    sheets = list(workbook.worksheets)  # type: ignore[attr-defined]
    if not sheets:
        raise _not_a_table("an Excel workbook without a worksheet")
    sheet = sheets[0]
    if preferred_sheet is not None:
        wanted = preferred_sheet.strip().lower()
        sheet = next((s for s in sheets if s.title.strip().lower() == wanted), sheet)
    sheet.reset_dimensions()  # trust the cells, not a possibly wrong <dimension> tag
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scan = _scan_sheet(sheet, limits)
    if scan is None:
        raise _rejected("empty_file", f"The sheet {sheet.title!r} is empty: it holds no header and no rows.")
    _check_row_count(scan.count, limits)

    width = len(scan.header)
    frame = pd.DataFrame(scan.rows, columns=range(width), dtype=object)
    frame, header, kept = _drop_unnamed_empty_columns(frame, scan.header)
    frame.columns = header
    row_numbers = _row_numbers(np.asarray(scan.numbers, dtype=np.int64))
    position_of = {old: new for new, old in enumerate(kept)}
    findings = list(scan.findings)
    skip: dict[int, np.ndarray] = {}
    for index, old_position in scan.formulas:
        position = position_of.get(old_position)
        if position is None or normalise_header(header[position]) not in numeric:
            continue
        skip.setdefault(position, np.zeros(len(frame), dtype=bool))[index] = True
        column_name = normalise_header(header[position])
        formula = scan.rows[index][old_position]
        findings.append(
            Finding(
                scan.numbers[index],
                column_name,
                formula,
                "formula_in_cell",
                f"{column_name} holds a formula: paste the value instead of the formula {formula}.",
            )
        )
    for index, old_position, value in scan.percents:
        position = position_of.get(old_position)
        if position is None or normalise_header(header[position]) not in numeric:
            continue
        column_name = normalise_header(header[position])
        shown = _plain(format(Decimal(repr(value)) * 100, "f"))
        findings.append(
            Finding(
                scan.numbers[index],
                column_name,
                scan.rows[index][old_position],
                "unit_in_number",
                f"{column_name} shows {shown}% but the cell holds {scan.rows[index][old_position]} (Excel's percent "
                f"format): write {shown} in a cell formatted as a plain number: the unit comes from the indicator.",
            )
        )
    findings += _check_numbers(frame, numeric, "decimal_point", row_numbers, skip=skip)
    findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    details = f"Excel, sheet {sheet.title!r}"
    if scan.header_row != 1:
        details += f", header on row {scan.header_row}"
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        format="xlsx",
        details=details,
        sheet=sheet.title,
        findings=findings,
    )


# ---- Parquet -------------------------------------------------------------------------------------------------------


def _read_parquet(data: bytes, limits: ReadLimits) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        count = parquet.metadata.num_rows
    except Exception:  # pyarrow raises several kinds of errors for damaged files
        raise _not_a_table("a damaged Parquet file that cannot be opened; export it again") from None
    if count > limits.max_rows:
        raise _rejected("too_many_rows", _count_rows_message(count, limits))

    def strings(arrow_type: pa.DataType) -> object:
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            return pd.StringDtype()
        if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(arrow_type):
            return pd.StringDtype()
        return None

    try:
        frame = parquet.read().to_pandas(types_mapper=strings)
    except Exception:
        raise _not_a_table("a damaged Parquet file whose rows cannot be read; export it again") from None
    if not isinstance(frame.index, pd.RangeIndex) and any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    frame = frame.reset_index(drop=True)
    frame.columns = [str(name) for name in frame.columns]
    numbers = np.arange(len(frame)) + 2
    frame, numbers = _drop_blank_rows(frame, numbers)
    _check_row_count(len(frame), limits)
    return RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=_row_numbers(numbers),
        format="parquet",
        details="Parquet",
        sheet=None,
        findings=[],
    )
