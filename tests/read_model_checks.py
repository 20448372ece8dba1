"""Shared checks of the read model's tests: two layer summaries hold the same numbers, part by part."""

from __future__ import annotations

import pandas as pd

from dashboard.queries import portfolio


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
