"""The indicator explorer: one indicator across every partnership, from the rows of that indicator only."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.analytics import breakdowns
from dashboard.analytics import comparison as cmp
from dashboard.analytics.annual import components
from dashboard.analytics.metrics import quarterly_trend
from dashboard.present import comparison_texts
from data_contracts import INDICATORS


def components_of(indicator_ids: Iterable[str]) -> list[str]:
    """The indicators themselves and every component their annual values need, in catalog order."""
    needed = {c for i in indicator_ids for c in components(i)} | set(indicator_ids)
    return [i for i in INDICATORS if i in needed]


def explorer_part(frame: pd.DataFrame, partnerships: pd.DataFrame, indicator_id: str, part: str, *args: object):  # noqa: ANN201
    """One result of the indicator explorer (``comparison`` functions) from the indicator's rows: ``trend`` (and
    ``latest``), ``annual``, ``latest_breakdown`` and ``reporters`` of a dimension, ``breakdown`` of a dimension and
    partnership. An empty frame gives what the page shows when nothing is reported."""
    if part == "trend":
        return quarterly_trend(frame, indicator_id, partnerships) if not frame.empty else pd.DataFrame()
    if part == "latest":
        trend = explorer_part(frame, partnerships, indicator_id, "trend")
        return cmp.latest_from_trend(trend) if not trend.empty else pd.DataFrame(columns=cmp.LATEST_COLUMNS)
    if part == "latest_display":
        latest = explorer_part(frame, partnerships, indicator_id, "latest")
        return comparison_texts.latest_display(latest, INDICATORS[indicator_id])
    if part == "latest_csv":
        latest = explorer_part(frame, partnerships, indicator_id, "latest")
        return comparison_texts.latest_csv(latest, INDICATORS[indicator_id])
    if part == "latest_breakdown_display":
        parts = explorer_part(frame, partnerships, indicator_id, "latest_breakdown", *args)
        return comparison_texts.format_columns(parts, parts.columns[2:], INDICATORS[indicator_id].unit)
    if part == "annual":
        return cmp.annual_trend(frame, indicator_id, partnerships)
    if part == "latest_breakdown":
        return breakdowns.latest_breakdown(frame, indicator_id, str(args[0]), partnerships) if not frame.empty else None
    if part == "reporters":
        return breakdowns.partnerships_with_breakdown(frame, indicator_id, str(args[0]), partnerships)
    if part == "breakdown":
        return breakdowns.partnership_breakdown(frame, indicator_id, str(args[0]), str(args[1]))
    raise KeyError(f"unknown explorer part {part!r}")
