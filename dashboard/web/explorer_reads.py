"""Cached reads of the indicator explorer: each result of one indicator across every partnership, computed from the
rows of that indicator (and of its components) only, cached by an :class:`ExplorerKey`; and the goals set on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard.present.comparison_texts import goals_on_indicator
from dashboard.queries import explorer, read_model
from dashboard.storage import reads
from dashboard.storage.derived import Sources
from dashboard.storage.reads import Versions
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, Layer
from dashboard.web.table_reads import rows_at, table_at

T = TypeVar("T")

EXPLORER_SPINNER = "Reading this indicator across every partnership…"


@dataclass(frozen=True)
class ExplorerKey:
    """What the explorer's results of one indicator depend on: the store, the layer and its versions, the
    partnerships table's version and the indicator; and the sources of the read model that keeps the explorer's
    rows, for a layer it keeps them of."""

    root: str
    layer: Layer
    versions: Versions
    partnerships_version: int
    indicator_id: str
    sources: Sources | None = None


@st.cache_data(show_spinner=False, max_entries=8)
def _kept_rows(key: ExplorerKey) -> pd.DataFrame:
    """The rows of the indicator and of the components its annual values need, as the read model keeps them
    (``explorer.kept_rows``: total rows, and the latest quarter of each breakdown), read from its derived table;
    every row of them from the source when the derived table cannot serve them."""
    needed = tuple(explorer.components_of([key.indicator_id]))
    frame = None
    if key.sources is not None:
        frame = read_model.explorer_rows_at(Store(key.root), key.layer, key.sources, needed)
    if frame is None:
        frame = reads.concat_rows(rows_at(key.root, key.layer, key.versions, None, needed))
    return frame


def _indicator_rows(key: ExplorerKey) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The explorer's rows of the indicator (:func:`_kept_rows`) and the partnerships sorted by name."""
    partnerships = table_at(key.root, PARTNERSHIPS_TABLE, key.partnerships_version)
    return _kept_rows(key), partnerships.sort_values("name", ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _trend(key: ExplorerKey) -> pd.DataFrame:
    return explorer.trend(*_indicator_rows(key), key.indicator_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _latest(key: ExplorerKey) -> pd.DataFrame:
    return explorer.latest(*_indicator_rows(key), key.indicator_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _latest_display(key: ExplorerKey) -> pd.DataFrame:
    return explorer.latest_display(*_indicator_rows(key), key.indicator_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _latest_csv(key: ExplorerKey) -> pd.DataFrame:
    return explorer.latest_csv(*_indicator_rows(key), key.indicator_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _annual(key: ExplorerKey) -> pd.DataFrame:
    return explorer.annual(*_indicator_rows(key), key.indicator_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _latest_breakdown(key: ExplorerKey, dimension: str) -> pd.DataFrame | None:
    return explorer.latest_breakdown(*_indicator_rows(key), key.indicator_id, dimension)


@st.cache_data(show_spinner=False, max_entries=8)
def _latest_breakdown_display(key: ExplorerKey, dimension: str) -> pd.DataFrame:
    return explorer.latest_breakdown_display(*_indicator_rows(key), key.indicator_id, dimension)


@st.cache_data(show_spinner=False, max_entries=8)
def _reporters(key: ExplorerKey, dimension: str) -> list[str]:
    return explorer.reporters(*_indicator_rows(key), key.indicator_id, dimension)


@st.cache_data(show_spinner=False, max_entries=16)
def _breakdown(key: ExplorerKey, dimension: str, partnership_id: str) -> pd.DataFrame:
    # every quarter of one partnership: its own rows of the indicator, from the source
    frame = reads.concat_rows(rows_at(key.root, key.layer, key.versions, (partnership_id,), (key.indicator_id,)))
    return explorer.breakdown(frame, key.indicator_id, dimension, partnership_id)


class ExplorerView:
    """What the indicator explorer shows of one indicator, each result computed once per table version."""

    def __init__(self, store: Store, indicator_id: str, layer: Layer = "submitted") -> None:
        sources = read_model.current_sources(store, layer) if layer in read_model.EXPLORER_VARIANTS else None
        versions = sources.indicators if sources is not None else reads.layer_versions(store, layer)
        self.key = ExplorerKey(
            store.root, layer, versions, store.version(PARTNERSHIPS_TABLE), indicator_id, sources=sources
        )

    def _read(self, read: Callable[..., T], *choices: str) -> T:
        with st.spinner(EXPLORER_SPINNER):  # shown after half a second
            return read(self.key, *choices)

    def trend(self) -> pd.DataFrame:
        """Every partnership's quarterly values (empty when nobody reports the indicator)."""
        return self._read(_trend)

    def latest(self) -> pd.DataFrame:
        """Each partnership's latest quarter."""
        return self._read(_latest)

    def latest_display(self) -> pd.DataFrame:
        """Each partnership's latest quarter, as the page's table shows it."""
        return self._read(_latest_display)

    def latest_csv(self) -> pd.DataFrame:
        """Each partnership's latest quarter, as its download holds it."""
        return self._read(_latest_csv)

    def annual(self) -> pd.DataFrame:
        """Every partnership's values of complete years."""
        return self._read(_annual)

    def latest_breakdown(self, dimension: str) -> pd.DataFrame | None:
        """Each partnership's latest quarter by ``dimension``; None when nobody reports the indicator."""
        return self._read(_latest_breakdown, dimension)

    def latest_breakdown_display(self, dimension: str) -> pd.DataFrame:
        """:meth:`latest_breakdown` formatted in the indicator's unit."""
        return self._read(_latest_breakdown_display, dimension)

    def reporters(self, dimension: str) -> list[str]:
        """The partnerships that report the indicator by ``dimension``, in name order."""
        return self._read(_reporters, dimension)

    def breakdown(self, dimension: str, partnership_id: str) -> pd.DataFrame:
        """One partnership's quarters by ``dimension``."""
        return self._read(_breakdown, dimension, partnership_id)


@st.cache_data(show_spinner=False, max_entries=32)
def _goals_on_indicator(root: str, sources: Sources, partnerships_version: int, indicator_id: str) -> pd.DataFrame:
    store = Store(root)
    partnerships = table_at(root, PARTNERSHIPS_TABLE, partnerships_version)
    evaluated = read_model.goals_at(store, "submitted", sources, indicator_id)
    return goals_on_indicator(evaluated, indicator_id, partnerships.sort_values("name", ignore_index=True))


def read_goals_on_indicator(store: Store, indicator_id: str) -> pd.DataFrame:
    """``comparison_texts.goals_on_indicator`` of the evaluated goals (staff) set on the indicator, only theirs read
    from the read model, cached by version."""
    sources = read_model.current_sources(store, "submitted")
    return _goals_on_indicator(store.root, sources, store.version(PARTNERSHIPS_TABLE), indicator_id)
