"""Shared checks of the read model's tests: two layer summaries hold the same numbers, part by part; the explorer's
kept rows give the explorer's results."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.queries import explorer, portfolio, read_model
from dashboard.storage import reads
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE
from data_contracts import TOTAL


def assert_same_summary(first: portfolio.LayerSummary, second: portfolio.LayerSummary) -> None:
    pd.testing.assert_frame_equal(first.goals, second.goals)
    pd.testing.assert_frame_equal(first.coverage, second.coverage)
    pd.testing.assert_frame_equal(first.reported, second.reported)
    assert set(first.headline) == set(second.headline)
    for dataset in first.headline:
        pd.testing.assert_frame_equal(first.headline[dataset], second.headline[dataset])
    assert first.periods == second.periods
    assert first.total_rows == second.total_rows
    assert first.rows == second.rows
    assert first.row_counts == second.row_counts


def assert_same_explorer(store: Store, indicator_ids: Iterable[str]) -> None:
    """The indicator explorer gives the same results from the rows the read model keeps (``explorer_rows_at``) as
    from every row of the indicator and its components in the submitted layer (what it read before)."""
    sources = read_model.current_sources(store, "submitted")
    partnerships = store.read(PARTNERSHIPS_TABLE).sort_values("name", ignore_index=True)
    for indicator_id in indicator_ids:
        needed = explorer.components_of([indicator_id])
        kept = read_model.explorer_rows_at(store, "submitted", sources, needed)
        assert kept is not None, "the read model serves the explorer at the current sources"
        every = reads.concat_rows(reads.read_rows(store, "submitted", sources.indicators, indicator_ids=needed))
        assert len(kept) <= len(every)
        for result in (explorer.trend, explorer.latest, explorer.latest_csv, explorer.annual):
            pd.testing.assert_frame_equal(
                result(kept, partnerships, indicator_id), result(every, partnerships, indicator_id), obj=indicator_id
            )
        mine = every[every["indicator_id"] == indicator_id]
        for dimension in sorted(set(mine["dimension"].astype(str)) - {TOTAL}):
            expected = explorer.latest_breakdown(every, partnerships, indicator_id, dimension)
            found = explorer.latest_breakdown(kept, partnerships, indicator_id, dimension)
            assert expected is not None and found is not None
            pd.testing.assert_frame_equal(found, expected, obj=f"{indicator_id} by {dimension}")
            assert explorer.reporters(kept, partnerships, indicator_id, dimension) == explorer.reporters(
                every, partnerships, indicator_id, dimension
            )


def assert_same_goals_of_each_indicator(store: Store, summary: portfolio.LayerSummary) -> None:
    """The goals of each indicator read alone from the read model are those of the whole summary, in its order."""
    sources = read_model.current_sources(store, "submitted")
    every = summary.goals
    for indicator_id in sorted(set(every["indicator_id"].astype(str))) + ["no_such_indicator"]:
        expected = every[every["indicator_id"] == indicator_id].reset_index(drop=True)
        found = read_model.goals_at(store, "submitted", sources, indicator_id)
        assert len(found) == len(expected), indicator_id
        if len(expected):
            pd.testing.assert_frame_equal(found, expected, obj=indicator_id)
