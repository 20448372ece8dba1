"""The long row of the four indicator datasets, declared once.

Every indicator table has the columns ``partnership_id, year, quarter, indicator_id, dimension, category, value,
note``. :data:`INDICATOR_ROW` declares each one (its :class:`~data_contracts.column_specs.ColumnSpec`, from which
its types follow) and the groups of columns it belongs to; the tuples of names below, the column specs, the Arrow
schema (:func:`~data_contracts.column_specs.arrow_schema`), the pandera columns and the empty typed frame are all
made from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_contracts.column_specs import ID_MAX_LENGTH, ColumnSpec, breakdown_specs


@dataclass(frozen=True)
class RowColumn:
    """One column of the indicator row and the groups of columns it belongs to."""

    spec: ColumnSpec
    key: bool = False
    """Part of the key: one row per partnership, quarter, indicator and breakdown category."""
    slice: bool = False
    """Part of a slice: a partnership's quarter, the unit an upload replaces and a review publishes."""
    series: bool = False
    """Part of a series: one partnership's figures of one indicator total or category, quarter after quarter."""
    figure: bool = True
    """Part of a figure: the key and the value, without the free-text note."""


NOTE_MAX_LENGTH = 2_000
"""Most characters of a note: a comment on a figure, not a document."""

_DIMENSION, _CATEGORY = breakdown_specs("the figure")

INDICATOR_ROW: tuple[RowColumn, ...] = (
    RowColumn(
        ColumnSpec(
            "partnership_id",
            "text",
            title="Partnership id",
            description="Partnership id from the partnerships table, e.g. att-imago.",
            max_length=ID_MAX_LENGTH,
        ),
        key=True,
        slice=True,
        series=True,
    ),
    RowColumn(
        ColumnSpec("year", "integer", title="Year", description="Calendar year of the quarter, 2000 or later."),
        key=True,
        slice=True,
    ),
    RowColumn(
        ColumnSpec("quarter", "integer", title="Quarter", description="Quarter of the year, 1 to 4."),
        key=True,
        slice=True,
    ),
    RowColumn(
        ColumnSpec(
            "indicator_id",
            "text",
            title="Indicator id",
            description="Indicator id from the catalog, e.g. new_hires.",
            max_length=ID_MAX_LENGTH,
        ),
        key=True,
        series=True,
    ),
    RowColumn(_DIMENSION, key=True, series=True),
    RowColumn(_CATEGORY, key=True, series=True),
    RowColumn(ColumnSpec("value", "number", title="Value", description="The figure, in the indicator's unit.")),
    RowColumn(
        ColumnSpec(
            "note",
            "text",
            required_column=False,
            required_value=False,
            title="Note",
            description=f"Optional comment, at most {NOTE_MAX_LENGTH:,} characters.",
            max_length=NOTE_MAX_LENGTH,
        ),
        figure=False,
    ),
)

INDICATOR_COLUMN_SPECS: tuple[ColumnSpec, ...] = tuple(column.spec for column in INDICATOR_ROW)
INDICATOR_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in INDICATOR_COLUMN_SPECS)
"""Every column of the row, in order."""
KEY_COLUMNS: tuple[str, ...] = tuple(column.spec.name for column in INDICATOR_ROW if column.key)
"""The columns that identify a row (one row per key)."""
SLICE_COLUMNS: tuple[str, ...] = tuple(column.spec.name for column in INDICATOR_ROW if column.slice)
"""The columns that name a slice (a partnership's quarter)."""
SERIES_COLUMNS: tuple[str, ...] = tuple(column.spec.name for column in INDICATOR_ROW if column.series)
"""The columns that name a series (a partnership's indicator total or category over time)."""
FIGURE_COLUMNS: tuple[str, ...] = tuple(column.spec.name for column in INDICATOR_ROW if column.figure)
"""The columns of a figure: the key and the value (the note is never needed across partnerships)."""

TEMPLATE_CONTEXT_COLUMNS: tuple[str, ...] = ("indicator_name", "unit", "last_quarter_value", "year_ago_value")
"""Columns a pre-filled template carries beside each row to help whoever fills it in: the indicator's name and unit,
its value last quarter and the same quarter a year ago (from the submitted layer). They are not part of the row: an
upload ignores them (without a finding), so a filled template is uploaded as it is. Any other unknown column is still
refused."""
