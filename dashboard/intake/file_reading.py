"""The entry point of quarterly uploads: bytes of a CSV, Excel (.xlsx) or Parquet file -> a raw table.

:func:`read_table_file` recognises the format by content first (magic bytes) and by file name second, rejects a file
that is too large or empty, and hands it to its reader: :mod:`~dashboard.intake.csv_reading`,
:mod:`~dashboard.intake.excel_reading`, or the Parquet reader here. CSV and Excel cells are read as text, exactly as
the user typed them (:mod:`~dashboard.intake.number_text` checks the numeric ones).

Problems with the whole file (too large, empty, not a table, no data rows, too many rows) raise
:class:`~dashboard.intake.raw_table.FileRejected`; problems in one cell or row are returned as findings with the
table. Rows are numbered as the user sees them: the header is row 1 in a CSV; Excel rows keep their Excel numbers.
Nothing here imports streamlit or knows about a dataset; the data contracts check the table afterwards.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection
from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.intake.csv_reading import UTF8_BOM, UTF16_BOMS, read_csv_table
from dashboard.intake.excel_reading import read_xlsx_table
from dashboard.intake.raw_table import (
    FileFormat,
    FileRejected,
    RawTable,
    ReadLimits,
    check_row_count,
    count_rows_message,
    drop_blank_rows,
    file_rejected,
    not_a_table,
)
from data_contracts.columns import EXACT_INTEGER, normalise_header
from data_contracts.findings import Finding, RowNumbers

_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_NOT_WHITESPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")
"""A byte that ``bytes.strip()`` keeps: searching for the first one does not copy the file as stripping does."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def size_rejection(size: int, limits: ReadLimits) -> FileRejected | None:
    """The rejection of a file of ``size`` bytes, larger than the limit (None when it is not): checked before a
    file is read, from its size alone."""
    if size <= limits.max_bytes:
        return None
    return file_rejected(
        "file_too_large",
        f"The file is {_megabytes(size)}; the limit is {_megabytes(limits.max_bytes)}. "
        "Split it into smaller files, for example one per quarter.",
    )


def read_table_file(
    data: bytes,
    file_name: str,
    *,
    numeric_columns: Collection[str],
    preferred_sheet: str | None = None,
    expected_columns: Collection[str] = (),
    limits: ReadLimits = ReadLimits(),
) -> RawTable:
    """Read an uploaded file (CSV, Excel .xlsx or Parquet) into a :class:`~dashboard.intake.raw_table.RawTable`.

    ``numeric_columns`` and ``expected_columns`` are normalised (lower-case) header names: cells of numeric columns
    are checked for ambiguous separators, units and formulas; expected columns help to choose the CSV delimiter.
    ``preferred_sheet`` names the Excel sheet to read (case-insensitive; the first sheet when absent).
    Raises :class:`~dashboard.intake.raw_table.FileRejected` when the file as a whole cannot be read.
    """
    too_large = size_rejection(len(data), limits)
    if too_large is not None:
        raise too_large
    if _is_empty(data):
        raise file_rejected("empty_file", "The file is empty: it holds no header and no rows.")
    numeric = frozenset(normalise_header(name) for name in numeric_columns)
    expected = frozenset(normalise_header(name) for name in expected_columns)
    kind = _detect_format(data, file_name)
    if kind == "parquet":
        return _read_parquet(data, limits)
    if kind == "xlsx":
        return read_xlsx_table(data, numeric=numeric, preferred_sheet=preferred_sheet, limits=limits)
    return read_csv_table(data, numeric=numeric, expected=expected, limits=limits)


def _is_empty(data: bytes) -> bool:
    if data[:2] in UTF16_BOMS:
        try:
            return not data.decode("utf-16").replace("\ufeff", "").strip()
        except UnicodeDecodeError:
            return False
    return _NOT_WHITESPACE.search(data, len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0) is None


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
                raise not_a_table("a damaged Excel workbook that cannot be opened; save it again") from None
            raise not_a_table("a damaged ZIP archive, not an Excel workbook") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            raise not_a_table(
                "an Excel binary workbook (.xlsb), which is not supported; save as .xlsx or CSV", name_formats=False
            )
        if "content.xml" in names and "mimetype" in names:
            raise not_a_table(
                "an OpenDocument spreadsheet (.ods), which is not supported; save as .xlsx or CSV", name_formats=False
            )
        raise not_a_table("a ZIP archive, not an Excel workbook")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise not_a_table(
                "a password-protected Excel workbook; remove the password and save as .xlsx", name_formats=False
            )
        raise not_a_table(
            "an Excel 97-2003 workbook: Excel 97-2003 .xls is not supported; save as .xlsx or CSV", name_formats=False
        )
    if extension in (".xlsx", ".xlsm"):
        raise not_a_table("named like an Excel workbook but is not one (it may be damaged, or be a renamed file)")
    if extension in (".parquet", ".pq"):
        raise not_a_table("named like a Parquet file but is not one (it may be damaged, or be a renamed file)")
    return "csv"


# ---- Parquet -------------------------------------------------------------------------------------------------------


def _too_much(what: str, found: int, limit: int, advice: str) -> str:
    return f"The file has {found:,} {what}; the limit is {limit:,}. {advice}"


def _parquet_metadata(data: bytes) -> tuple[object, object]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        return parquet.metadata, parquet.schema_arrow
    except Exception:  # pyarrow raises several kinds of errors for damaged files
        raise not_a_table("a damaged Parquet file that cannot be opened; export it again") from None


def _is_text(arrow_type: object) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return bool(
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_binary(arrow_type)
        or pa.types.is_large_binary(arrow_type)
        or (hasattr(pa.types, "is_string_view") and pa.types.is_string_view(arrow_type))
        or (hasattr(pa.types, "is_binary_view") and pa.types.is_binary_view(arrow_type))
    )


def _decoded_bytes(column: object) -> int:
    """What a column read as dictionaries takes once every cell holds its own text (no copy is made to tell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            lengths = pc.take(pc.binary_length(chunk.dictionary), chunk.indices)
            total += int(pc.sum(lengths).as_py() or 0) + chunk.indices.nbytes
        else:
            total += chunk.nbytes
    return total


_BATCH_ROWS = 65_536


def _dictionary_text_bytes(data: bytes, names: list[str], limit: int) -> int:
    """The size of these text columns once every cell holds its own text, measured one column of one row group at a
    time, read as dictionaries (nothing is expanded); it stops counting once past ``limit``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    total = 0
    for name in names:
        parquet = pq.ParquetFile(pa.BufferReader(data), read_dictionary=[name])
        for group in range(parquet.num_row_groups):
            total += _decoded_bytes(parquet.read_row_group(group, columns=[name], use_pandas_metadata=False)[0])
            if total > limit:
                return total
    return total


def _first_row_not_utf8(column: object) -> tuple[int, bytes] | None:
    """Position and bytes of the first cell of a binary column (read as dictionaries) that is not UTF-8 text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offset = 0
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            values, indices = chunk.dictionary, chunk.indices
        else:
            values, indices = chunk, pa.array(range(len(chunk)), pa.int64())
        bad = []
        for position, value in enumerate(values.to_pylist()):
            try:
                value is None or value.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(position)
        if bad:
            hit = pc.index(pc.is_in(indices, value_set=pa.array(bad, indices.type)), True).as_py()
            if hit >= 0:
                return offset + hit, values[indices[hit].as_py()].as_py()
        offset += len(chunk)
    return None


def _as_plain_text(column: object) -> object:
    """A text column read as dictionaries, decoded (binary cells as UTF-8 text)."""
    import pyarrow as pa

    value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_binary(value_type) or pa.types.is_large_binary(value_type):
        return column.cast(pa.large_string())
    return column.cast(value_type) if pa.types.is_dictionary(column.type) else column


def _inexact_integers(name: str, column: object) -> list[Finding]:
    """A finding for every whole number of an integer column beyond what a float64 keeps exactly."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_integer(column.type) or column.type.bit_width < 54:
        return []
    large = pc.greater(
        pc.abs_checked(column.cast(pa.decimal128(20, 0))), pa.scalar(EXACT_INTEGER, pa.decimal128(20, 0))
    )
    positions = np.flatnonzero(pc.fill_null(large, False).to_numpy(zero_copy_only=False))
    label = normalise_header(name)
    return [
        Finding(
            int(position) + 2,
            label,
            str(column[int(position)].as_py()),
            "number_not_exact",
            f"{label} holds {column[int(position)].as_py():,}, a whole number too large to be kept exactly (beyond "
            f"{EXACT_INTEGER:,}); check the cell.",
        )
        for position in positions
    ]


def _read_parquet(data: bytes, limits: ReadLimits) -> RawTable:
    """A Parquet file's rows, its size checked from the metadata before anything is decoded.

    Rows, columns, cells and the unpacked size of the pages are checked from the metadata; text columns are read as
    dictionaries, and their size once decoded is measured before any cell is copied, so a small file of one long
    text repeated on a million rows is refused, not expanded.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    metadata, schema = _parquet_metadata(data)
    count = metadata.num_rows
    if count > limits.max_rows:
        raise file_rejected("too_many_rows", count_rows_message(count, limits))
    names = list(schema.names)
    if len(names) > limits.max_columns:
        raise file_rejected(
            "too_many_columns",
            _too_much("columns", len(names), limits.max_columns, "Keep only the columns of the template."),
        )
    if count * len(names) > limits.max_cells:
        raise file_rejected(
            "too_many_cells",
            _too_much("cells", count * len(names), limits.max_cells, "Split it into smaller files."),
        )
    unpacked = sum(
        metadata.row_group(group).column(position).total_uncompressed_size
        for group in range(metadata.num_row_groups)
        for position in range(metadata.num_columns)
    )
    _check_unpacked(unpacked, len(data), limits)
    sizes: dict[str, int] = {}
    dictionary_encoded: set[str] = set()
    for group in range(metadata.num_row_groups):
        for position in range(metadata.num_columns):
            chunk = metadata.row_group(group).column(position)
            name = chunk.path_in_schema.split(".")[0]
            sizes[name] = sizes.get(name, 0) + chunk.total_uncompressed_size
            if chunk.has_dictionary_page:
                dictionary_encoded.add(name)
    # text written as a dictionary may decode to far more than its pages: it is measured as dictionaries first
    text = [n for n in names if _is_text(schema.field(n).type) and n in dictionary_encoded]
    try:
        decoded = _dictionary_text_bytes(data, text, limits.max_decoded_bytes)
        _check_unpacked(decoded + sum(size for name, size in sizes.items() if name not in text), len(data), limits)
        parquet = pq.ParquetFile(pa.BufferReader(data))
        # batch by batch: reading a column whole takes about twice its size on the way
        table = pa.Table.from_batches(list(parquet.iter_batches(batch_size=_BATCH_ROWS)), schema=parquet.schema_arrow)
    except FileRejected:
        raise
    except Exception:
        raise not_a_table("a damaged Parquet file whose rows cannot be read; export it again") from None
    findings: list[Finding] = []
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if _is_text(column.type) or pa.types.is_dictionary(column.type):
            value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
            if pa.types.is_binary(value_type) or pa.types.is_large_binary(value_type):
                bad = _first_row_not_utf8(column)
                if bad is not None:
                    label = normalise_header(name)
                    raise FileRejected(
                        [
                            Finding(
                                bad[0] + 2,
                                label,
                                bad[1][:40].decode("utf-8", "replace"),
                                "text_not_utf8",
                                f"The column {label!r} holds bytes that are not text (not UTF-8), first in row "
                                f"{bad[0] + 2}. Export the column as text (a UTF-8 string column).",
                            )
                        ]
                    )
            column = _as_plain_text(column)
        findings += _inexact_integers(name, column)
        columns.append(column)
    table = pa.table(dict(zip(table.column_names, columns, strict=True)), metadata=table.schema.metadata)

    def strings(arrow_type: pa.DataType) -> object:
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            return pd.StringDtype()
        if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(arrow_type):
            return pd.StringDtype()
        return None

    try:
        frame = table.to_pandas(types_mapper=strings)
    except Exception:
        raise not_a_table("a damaged Parquet file whose rows cannot be read; export it again") from None
    del table, columns
    if not isinstance(frame.index, pd.RangeIndex) and any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    frame = frame.reset_index(drop=True)
    frame.columns = [str(name) for name in frame.columns]
    numbers = np.arange(len(frame)) + 2
    frame, numbers = drop_blank_rows(frame, numbers)
    check_row_count(len(frame), limits)
    return RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=RowNumbers(numbers),
        format="parquet",
        details="Parquet",
        sheet=None,
        findings=findings,
    )


def _check_unpacked(size: int, file_size: int, limits: ReadLimits) -> None:
    if size > limits.max_decoded_bytes:
        raise file_rejected(
            "file_too_large_unpacked",
            f"The file is {_megabytes(file_size)} but holds {_megabytes(size)} once unpacked; the limit is "
            f"{_megabytes(limits.max_decoded_bytes)}. Long texts repeated on many rows (a note) make a small file "
            "large: shorten them, or split the file.",
        )
