"""The direct-vs-subcontracted headline of a partnership page: two cards and the subcontracted share for one quarter,
with the change since the quarter before. Shown only when the partnership reports its headline workforce indicator by
employment type."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.analytics.employment_split import (
    change_text,
    employment_split,
    employment_split_caption,
    employment_split_text,
)
from data_contracts import INDICATORS
from data_contracts.quarters import Quarter
from data_contracts.units import format_value


def show_employment_split(rows: pd.DataFrame | None, partnership_id: str, period: Quarter | None = None) -> None:
    """The headline of ``partnership_id``'s workforce rows (latest quarter with the split, or ``period``); nothing
    when the split is not reported."""
    split = None if rows is None else employment_split(rows, partnership_id, period=period)
    if split is None:
        return
    unit = INDICATORS[split.indicator_id].unit
    before = split.previous_period
    with st.container(key="employment-split"):
        st.subheader(f"Direct and subcontracted workers, {split.period.label}", anchor=False)
        cards = st.columns(3)
        cards[0].metric(
            "Direct employees",
            format_value(split.direct, unit),
            delta=change_text(split.direct_change, unit, before),
            delta_color="off",
            help="People employed by the partners themselves.",
            border=True,
        )
        cards[1].metric(
            "Subcontracted workers",
            format_value(split.subcontracted, unit),
            delta=change_text(split.subcontracted_change, unit, before),
            delta_color="off",
            help="People working on the partnership for subcontractors or agencies.",
            border=True,
        )
        cards[2].metric(
            "Share subcontracted",
            format_value(split.subcontracted_share, "percent"),
            delta=change_text(split.share_change, "points", before),
            delta_color="off",
            help=employment_split_text(split),
            border=True,
        )
        st.caption(employment_split_caption(split))
