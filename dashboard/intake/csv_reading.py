"""CSV uploads: the bytes of a text file -> a :class:`~dashboard.intake.raw_table.RawTable` of text cells.

The text is decoded (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252), the delimiter found (comma,
semicolon or tab, or named by Excel's ``sep=`` line), and every cell read as text exactly as the user typed it, by
pyarrow's reader where it can, else by pandas, else row by row with a finding for each ragged row. The header is
row 1 as the user sees it; a decimal comma is read as a decimal only in a semicolon-separated file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.intake.number_text import NumberStyle, check_numbers
from dashboard.intake.raw_table import (
    ACCEPTED_FORMATS,
    FileRejected,
    RawTable,
    ReadLimits,
    check_row_count,
    drop_blank_rows,
    drop_unnamed_empty_columns,
    file_rejected,
    not_a_table,
)
from data_contracts.columns import normalise_header
from data_contracts.findings import Finding, RowNumbers, shortened

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
"""The byte-order marks a text file may start with: UTF-8's, and UTF-16's in either byte order."""

_DELIMITERS: Mapping[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}
_SEPARATOR_HINT = re.compile(rb"sep=([,;\t])[ ]*(?:\r\n|\r|\n)", re.IGNORECASE)
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.1
"""A text file in which more than this share of characters are control characters is binary, not a table."""


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""A character of more than one byte written in UTF-8: a file holding one is UTF-8, never Windows-1252 text."""


def _row_at(body: bytes, offset: int) -> int:
    """The row (line) of the file at byte ``offset``, counting from 1."""
    return len(re.findall(rb"\r\n|\r|\n", body[:offset])) + 1


def _refuse_bytes(body: bytes, offset: int, rule: str, message: str) -> FileRejected:
    """The rejection of a file for the bytes at ``offset``, naming their row and showing it (shortened)."""
    row = _row_at(body, offset)
    start = max(body.rfind(b"\n", 0, offset), body.rfind(b"\r", 0, offset)) + 1
    end = re.compile(rb"\r|\n").search(body, offset)
    line = body[start : end.start() if end else len(body)][:200]
    shown = line.decode("utf-8", "replace").replace("\x00", "\\0")
    return FileRejected([Finding(row, None, shown, rule, f"Row {row}: {message}")])


def _decode(data: bytes) -> tuple[bytes, str]:
    """The text of a CSV file as UTF-8 bytes (no BOM), and the name of its encoding.

    A file that is not UTF-8 is read as Windows-1252 only when it is plainly that: it holds no character written in
    UTF-8 and every byte is a Windows-1252 character. Otherwise the first byte that is not text is a finding naming
    its row, as is a NUL byte in a file that is otherwise text (rather than mojibake, or "not a table")."""
    if data[:2] in UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise not_a_table("not readable as text (it starts like UTF-16 but is not)") from None
        body = text.encode("utf-8")
        label = "UTF-16"
    else:
        if data.startswith(UTF8_BOM):
            body, label = data[len(UTF8_BOM) :], "UTF-8 with BOM"
        else:
            body, label = data, "UTF-8"
        _check_nul(body)
        try:
            if not body.isascii():  # ASCII is UTF-8; checking that is 10x faster than decoding
                body.decode("utf-8")
        except UnicodeDecodeError as error:
            if label == "UTF-8 with BOM" or _UTF8_SEQUENCE.search(body):
                raise _refuse_bytes(
                    body,
                    error.start,
                    "not_utf8",
                    "the file is UTF-8 text, but this row holds bytes that are not (often text pasted from another "
                    "program). Retype the characters around it, or save the file again as CSV UTF-8.",
                ) from None
            try:
                body = body.decode("cp1252").encode("utf-8")
            except UnicodeDecodeError as cp1252_error:
                if _control_share(body) > _MAX_CONTROL_SHARE:
                    raise not_a_table("binary data, not a text table") from None
                raise _refuse_bytes(
                    body,
                    cp1252_error.start,
                    "not_a_table",
                    "this row holds bytes that are text in neither UTF-8 nor Windows-1252, so the file is not a "
                    "text table. Retype the characters around it, or save the file as CSV UTF-8.",
                ) from None
            label = "Windows-1252"
    _check_nul(body)
    if _control_share(body) > _MAX_CONTROL_SHARE:
        raise not_a_table("binary data, not a text table")
    return body, label


def _control_share(body: bytes) -> float:
    return len(body.translate(None, _NON_CONTROL_BYTES)) / max(len(body), 1)


def _check_nul(body: bytes) -> None:
    """A NUL byte in text: binary data when control bytes abound, else a finding naming its row."""
    position = body.find(b"\x00")
    if position < 0:
        return
    if _control_share(body) > _MAX_CONTROL_SHARE:
        raise not_a_table("binary data, not a text table")
    raise _refuse_bytes(
        body,
        position,
        "nul_character",
        "this row holds a NUL character (a zero byte), which no text holds. Delete it; if the whole file is like "
        "this, save it again as CSV UTF-8.",
    )


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
        raise file_rejected(
            "not_a_table",
            "Could not find the columns: the header must be separated by commas, semicolons or tabs. "
            f"Upload a table as {ACCEPTED_FORMATS}.",
        )
    return chosen


MAX_HEADER_LINE = 64 * 1024
"""A header line longer than this is not a header (the csv module refuses cells over 128 KB)."""
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


def read_csv_table(data: bytes, *, numeric: frozenset[str], expected: frozenset[str], limits: ReadLimits) -> RawTable:
    """The table of a CSV file; ``numeric`` and ``expected`` are normalised header names (see ``read_table_file``)."""
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
        if len(header_line) > MAX_HEADER_LINE:
            raise FileRejected(
                [
                    Finding(
                        skipped_lines + 1,
                        None,
                        shortened(header_line),
                        "header_too_long",
                        f"The header (row {skipped_lines + 1}) is {len(header_line):,} characters long; a header "
                        "names each column in a word or two, as in the template. Check that the file starts with "
                        "its header.",
                    )
                ]
            )
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
            raise not_a_table("not readable as a table") from None

    header = [str(name) for name in table.iloc[0].tolist()] if len(table) else []
    frame = table.iloc[1:]
    frame, header, _ = drop_unnamed_empty_columns(frame, header)
    frame.columns = header
    numbers = np.arange(len(frame)) + header_row + 1
    frame, numbers = drop_blank_rows(frame, numbers)
    check_row_count(len(frame), limits)
    frame = frame.reset_index(drop=True)
    row_numbers = RowNumbers(numbers)

    style: NumberStyle = "decimal_comma" if delimiter == ";" else "decimal_point"
    findings += check_numbers(frame, numeric, style, row_numbers)
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
