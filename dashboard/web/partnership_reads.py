"""Cached reads of chosen partnerships: one partnership's goals and their workings, what the public sees of its
figures, and the Compare page's series and table of the partnerships chosen. Only their rows are read.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.analytics.comparison import PARTICIPANTS_INDICATOR
from dashboard.analytics.goals import evaluate_goal, evaluate_goals
from dashboard.analytics.progress import SeriesResult
from dashboard.public.published import what_the_public_sees
from dashboard.queries import compare
from dashboard.storage import reads
from dashboard.storage.reads import Versions
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE, Layer
from dashboard.web.table_reads import LayerSnapshot, layer_snapshot, rows_at, table_at


@st.cache_data(show_spinner=False, max_entries=64)
def _partnership_goals(data: LayerSnapshot, partnership_ids: tuple[str, ...]) -> pd.DataFrame:
    goals = Store(data.root).read(GOALS_TABLE, version=data.goals_version)
    mine = goals[goals["partnership_id"].isin(list(partnership_ids))].reset_index(drop=True)
    rows = reads.concat_rows(rows_at(data.root, data.layer, data.versions, partnership_ids, None))
    return evaluate_goals(mine, rows)  # a goal's points need only its partnership's rows


def read_partnership_goals(
    store: Store, partnership_id: str, layer: Layer = "submitted"
) -> tuple[pd.DataFrame, LayerSnapshot]:
    """One partnership's goals evaluated (``goals.evaluate_goals`` on its rows only, the same rows as the
    portfolio's evaluation gives it), and what they depend on (the layer's and goals table's versions)."""
    data = layer_snapshot(store, layer)
    return _partnership_goals(data, (partnership_id,)), data


@st.cache_data(show_spinner=False, max_entries=64)
def _goal_workings(data: LayerSnapshot, partnership_id: str) -> dict[str, tuple[SeriesResult, pd.DataFrame]]:
    rows = reads.concat_rows(rows_at(data.root, data.layer, data.versions, (partnership_id,), None))
    mine = _partnership_goals(data, (partnership_id,))
    return {str(goal["goal_id"]): evaluate_goal(pd.Series(goal), rows) for goal in mine.to_dict("records")}


def read_goal_workings(
    store: Store, partnership_id: str, layer: Layer = "submitted"
) -> dict[str, tuple[SeriesResult, pd.DataFrame]]:
    """Each goal of a partnership (by goal id) with its progress result and the annual points it was computed
    from (``goals.evaluate_goal`` on the partnership's rows), cached by version."""
    return _goal_workings(layer_snapshot(store, layer), partnership_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _public_view(
    root: str, layer: Layer, versions: Versions, partnership_id: str, indicator_id: str, dimension: str, k: int
) -> tuple[pd.DataFrame, int]:
    rows = reads.concat_rows(rows_at(root, layer, versions, (partnership_id,), None))
    return what_the_public_sees(rows, indicator_id, dimension, k)


def read_what_the_public_sees(
    store: Store, partnership_id: str, indicator_id: str, dimension: str, k: int, layer: Layer = "submitted"
) -> tuple[pd.DataFrame, int]:
    """``published.what_the_public_sees`` of one partnership's rows of every dataset, cached by version."""
    versions = reads.layer_versions(store, layer)
    return _public_view(store.root, layer, versions, partnership_id, indicator_id, dimension, k)


# ---- compare ------------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _compare(
    data: LayerSnapshot,
    partnerships_version: int,
    partnership_ids: tuple[str, ...],
    indicator_id: str,
    mode: str,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    chosen = tuple(sorted(partnership_ids))
    needed = tuple(sorted({indicator_id, PARTICIPANTS_INDICATOR}))
    frame = reads.concat_rows(rows_at(data.root, data.layer, data.versions, chosen, needed))
    partnerships = table_at(data.root, PARTNERSHIPS_TABLE, partnerships_version).sort_values("name", ignore_index=True)
    # the chosen partnerships' goals on their own rows (the same results as each one's page gives), read once
    goals = _partnership_goals(data, chosen)
    return compare.compare_indicator(frame, partnerships, goals, indicator_id, partnership_ids, mode)


def read_comparison(
    store: Store, partnership_ids: Sequence[str], indicator_id: str, mode: str
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``compare.compare_indicator`` of the chosen partnerships (only their rows of the indicator and the
    headcount, and their goals, are read), cached by version and choices."""
    return _compare(
        layer_snapshot(store, "submitted"),
        store.version(PARTNERSHIPS_TABLE),
        tuple(partnership_ids),
        indicator_id,
        mode,
    )
