"""What every reader of an uploaded file gives back or raises, and the clean-ups every reader applies.

A file read as a table is a :class:`RawTable` (cells as typed, rows numbered as the user sees them); a file that
cannot be read as a table at all raises :class:`FileRejected` with the reasons. :class:`ReadLimits` bound the file
size and the number of data rows. Every reader drops blank rows and columns without a header or data the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from data_contracts.columns import blank_text
from data_contracts.findings import Finding

FileFormat = Literal["csv", "xlsx", "parquet"]

ACCEPTED_FORMATS = "CSV (separated by commas, semicolons or tabs), Excel workbook (.xlsx) or Parquet"
"""How the accepted formats are named in messages."""


@dataclass(frozen=True)
class ReadLimits:
    """Limits of one upload, each checked before the file is expanded: file size in bytes, data rows, columns,
    cells (rows × columns), and the size once unpacked (a Parquet file's decoded columns, an Excel workbook's
    unzipped parts)."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 64
    max_cells: int = 10_000_000
    max_decoded_bytes: int = 256 * 1024 * 1024


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


def file_rejected(rule: str, message: str) -> FileRejected:
    """The rejection of a whole file for one reason (a finding of no row or column)."""
    return FileRejected([Finding(None, None, None, rule, message)])


def not_a_table(what: str, *, name_formats: bool = True) -> FileRejected:
    """The rejection of a file that is ``what`` rather than a table, naming the accepted formats unless told not to."""
    message = f"This file is {what}."
    if name_formats:
        message += f" Upload a table as {ACCEPTED_FORMATS}."
    return file_rejected("not_a_table", message)


def count_rows_message(count: int, limits: ReadLimits) -> str:
    """What a file of ``count`` data rows, more than the limit allows, is told."""
    return (
        f"The file has {count:,} data rows; the limit is {limits.max_rows:,}. "
        "Split it into smaller files, for example one per quarter."
    )


def check_row_count(count: int, limits: ReadLimits) -> None:
    """Reject a file of no data rows, or of more than the limit."""
    if count == 0:
        raise file_rejected(
            "header_only", "The file has a header but no data rows: add one row per figure below the header."
        )
    if count > limits.max_rows:
        raise file_rejected("too_many_rows", count_rows_message(count, limits))


def _blank_mask(column: pd.Series) -> np.ndarray:
    """Cells that are missing or nothing but whitespace (``str.strip()`` leaves nothing)."""
    if pd.api.types.is_string_dtype(column) or column.dtype == object:
        return blank_text(column)
    return column.isna().to_numpy(dtype=bool)


def drop_blank_rows(frame: pd.DataFrame, numbers: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
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


def drop_unnamed_empty_columns(frame: pd.DataFrame, header: list[str]) -> tuple[pd.DataFrame, list[str], list[int]]:
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
