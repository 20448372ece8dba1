"""A contract's columns, each declared once: name, kind, title, description and whether the column and its cells are
required.

A column's kind fixes its types everywhere else: the pandera type a raw table is checked as, the pandas dtype of a
frame typed as stored, and the Arrow type of its table in the store. The frames, schemas and name tuples made from
a tuple of :class:`ColumnSpec` (:func:`arrow_schema`, :func:`empty_frame`, :func:`number_dtypes`) are derived here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import pyarrow as pa

from data_contracts.vocabularies import TOTAL

ColumnKind = Literal["text", "integer", "number", "date"]


@dataclass(frozen=True)
class KindTypes:
    """The types a column of one kind has in each place."""

    checked: type
    """dtype of the column while the contract checks it (pandera annotation): whole numbers nullable, so a missing
    cell is a finding rather than a failure to type the column."""
    stored: str
    """pandas dtype of the column in a frame typed as the store holds it."""
    arrow: pa.DataType
    """Arrow type of the column in the store's tables."""


KIND_TYPES: Mapping[ColumnKind, KindTypes] = {
    "text": KindTypes(checked=pd.StringDtype, stored="string", arrow=pa.string()),
    "integer": KindTypes(checked=pd.Int64Dtype, stored="int64", arrow=pa.int64()),
    "number": KindTypes(checked=float, stored="float64", arrow=pa.float64()),
    "date": KindTypes(checked=object, stored="object", arrow=pa.date32()),
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a contract: its name, kind, title, whether the column and its cells are required."""

    name: str
    kind: ColumnKind
    required_column: bool = True
    required_value: bool = True
    default: str | None = None
    """Value of every cell when the (optional) column is absent."""
    title: str = ""
    """Short label of the column (the pandera field's title)."""
    description: str = ""
    max_length: int | None = None
    """Most characters a text cell may hold (None: no limit of its own)."""

    @property
    def types(self) -> KindTypes:
        """The column's types while checked, as stored in pandas and in Arrow."""
        return KIND_TYPES[self.kind]


ID_MAX_LENGTH = 64
"""Most characters of an id or code: a partnership, an indicator, a breakdown dimension or category."""


def breakdown_specs(series: str) -> tuple[ColumnSpec, ColumnSpec]:
    """The optional ``dimension``/``category`` pair; a blank pair (or absent columns) means total."""
    return (
        ColumnSpec(
            "dimension",
            "text",
            required_column=False,
            required_value=False,
            default=TOTAL,
            title="Breakdown dimension",
            max_length=ID_MAX_LENGTH,
            description=f"Breakdown dimension of {series}; blank (with a blank category) means total.",
        ),
        ColumnSpec(
            "category",
            "text",
            required_column=False,
            required_value=False,
            default=TOTAL,
            title="Breakdown category",
            max_length=ID_MAX_LENGTH,
            description=f"Category within the dimension of {series}; blank (with a blank dimension) means total.",
        ),
    )


def blank_pair_means_total(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every row whose dimension and category are both blank set to the total (changed in place)."""
    both_blank = frame["dimension"].isna() & frame["category"].isna()
    if both_blank.any():  # setting no cell is a no-op, but not a cheap one on a million rows
        frame.loc[both_blank, ["dimension", "category"]] = TOTAL
    return frame


def arrow_schema(specs: Sequence[ColumnSpec]) -> pa.Schema:
    """The Arrow schema of a table of these columns, in their order."""
    return pa.schema([(spec.name, spec.types.arrow) for spec in specs])


def empty_frame(specs: Sequence[ColumnSpec]) -> pd.DataFrame:
    """A frame with these columns typed as stored, and no rows."""
    return pd.DataFrame({spec.name: pd.Series(dtype=spec.types.stored) for spec in specs})


def number_dtypes(specs: Sequence[ColumnSpec]) -> dict[str, str]:
    """The stored dtype of every integer and number column: what a checked frame without missing cells is cast to
    (its whole numbers are nullable while checked)."""
    return {spec.name: spec.types.stored for spec in specs if spec.kind in ("integer", "number")}
