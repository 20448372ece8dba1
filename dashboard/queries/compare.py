"""The Compare page: chosen partnerships side by side on one indicator, without Streamlit."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.analytics import comparison as cmp
from dashboard.analytics.metrics import quarterly_trend
from data_contracts import INDICATORS


def compare_indicator(
    frame: pd.DataFrame,
    partnerships: pd.DataFrame,
    goals: pd.DataFrame,
    indicator_id: str,
    partnership_ids: Sequence[str],
    mode: str,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """What the Compare page shows of one indicator for the chosen partnerships: the normalised quarterly series
    (``comparison.normalise`` of ``metrics.quarterly_trend``) and the side-by-side table
    (``comparison.comparison_table``); None when none of them reported it. ``frame`` holds the chosen
    partnerships' rows (the indicator and the headcount)."""
    indicator = INDICATORS[indicator_id]
    trend = quarterly_trend(frame, indicator_id, partnerships)
    trend = trend[trend["partnership_id"].isin(list(partnership_ids))]
    if trend.empty:
        return None
    series = cmp.normalise(trend, partnerships, frame, mode, indicator)
    table = cmp.comparison_table(frame, partnerships, goals, indicator_id, list(partnership_ids), mode)
    return series, table
