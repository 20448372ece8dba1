"""Portfolio filters (period, region, country, sector, focus dataset) as plain functions, and their URL form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts import split_list

FILTER_KEYS = ("region", "country", "sector", "focus")
"""Query parameter names of the portfolio filters (values separated by commas)."""


@dataclass(frozen=True)
class PortfolioFilter:
    """Which partnerships are in view: each list empty means no restriction."""

    regions: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)
    sectors: tuple[str, ...] = field(default_factory=tuple)
    focus: tuple[str, ...] = field(default_factory=tuple)

    @property
    def active(self) -> bool:
        return bool(self.regions or self.countries or self.sectors or self.focus)

    def to_query(self) -> dict[str, str]:
        """Query parameters for the active filters only."""
        pairs = {"region": self.regions, "country": self.countries, "sector": self.sectors, "focus": self.focus}
        return {key: ",".join(values) for key, values in pairs.items() if values}

    @classmethod
    def from_query(cls, params: Mapping[str, str], partnerships: pd.DataFrame) -> PortfolioFilter:
        """Filters from query parameters, keeping only values that exist (anything else is ignored)."""

        def values(key: str, allowed: Sequence[str]) -> tuple[str, ...]:
            wanted = [v.strip() for v in str(params.get(key, "")).split(",") if v.strip()]
            return tuple(v for v in wanted if v in set(allowed))

        options = filter_options(partnerships)
        return cls(
            regions=values("region", options["region"]),
            countries=values("country", options["country"]),
            sectors=values("sector", options["sector"]),
            focus=values("focus", options["focus"]),
        )


def filter_options(partnerships: pd.DataFrame) -> dict[str, list[str]]:
    """The values each filter can take, from the partnerships table."""
    focus = sorted({d for cell in partnerships["focus_datasets"] for d in split_list(cell)})
    return {
        "region": sorted(partnerships["region"].dropna().unique()),
        "country": sorted(partnerships["country"].dropna().unique()),
        "sector": sorted(partnerships["lead_sector"].dropna().unique()),
        "focus": focus,
    }


def apply_filter(partnerships: pd.DataFrame, chosen: PortfolioFilter) -> pd.DataFrame:
    """The partnerships that pass every active filter."""
    keep = pd.Series(True, index=partnerships.index)
    if chosen.regions:
        keep &= partnerships["region"].isin(chosen.regions)
    if chosen.countries:
        keep &= partnerships["country"].isin(chosen.countries)
    if chosen.sectors:
        keep &= partnerships["lead_sector"].isin(chosen.sectors)
    if chosen.focus:
        keep &= partnerships["focus_datasets"].map(lambda cell: bool(set(split_list(cell)) & set(chosen.focus)))
    return partnerships[keep]


def id_mask(column: pd.Series, ids: Iterable[object]) -> np.ndarray:
    """Which rows of a column of ids are among ``ids`` (as text), as a boolean array: ``Series.isin`` in one pass
    over Arrow (pandas' own ``isin`` on text makes an object per id per call, seconds for thousands of ids)."""
    wanted = pa.array(sorted({str(i) for i in ids}), type=pa.string())
    values = pa.array(column.astype("string") if column.dtype == object else column)
    if pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    return np.asarray(pc.is_in(values, value_set=wanted.cast(values.type)).fill_null(False), dtype=bool)
