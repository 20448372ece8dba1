"""Milestones of partnerships' roadmaps: the state people see (late is worked out, never stored) and the late list.

A milestone is **late** when it is not done and its due quarter ended before today: a milestone due in 2026 Q3 is
on time until 30 September 2026 and late from 1 October 2026. Today is the one clock of the product
(:func:`data_contracts.clock.today`), or the ``today`` a caller passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

from data_contracts import split_list
from data_contracts.clock import today as clock_today
from data_contracts.quarters import Quarter
from data_contracts.reference_models import MILESTONE_STATES

LATE = "late"
DISPLAYED_STATES: dict[str, str] = {**MILESTONE_STATES, LATE: "Late"}
"""Every state a milestone is shown in, in order, with its label: the stored ones and the computed ``late``."""

LATE_COLUMNS: tuple[str, ...] = (
    "partnership_id",
    "partnership",
    "milestone_id",
    "title",
    "due_quarter",
    "days_late",
    "quarters_late",
    "state",
    "linked_goals",
    "linked_indicators",
)
"""The columns of :func:`late_milestones`."""


def due_quarter(text: str) -> Quarter:
    """A stored due quarter (``2027Q1``) as a quarter."""
    quarter = Quarter.from_code(str(text))
    if quarter is None:
        raise ValueError(f"not a due quarter: {text!r}")
    return quarter


def quarter_end(quarter: Quarter) -> date:
    """The last day of a quarter."""
    following = Quarter.from_number(quarter.number + 1)
    return date(following.year, 3 * (following.quarter - 1) + 1, 1) - timedelta(days=1)


def displayed_state(state: str, due: str, today: date | None = None) -> str:
    """The state people see: ``late`` when the milestone is not done and its due quarter ended before ``today``,
    else its stored state."""
    today = today or clock_today()
    if state != "done" and quarter_end(due_quarter(due)) < today:
        return LATE
    return state


def days_late(due: str, today: date | None = None) -> int:
    """Days since the due quarter ended (0 while it has not)."""
    today = today or clock_today()
    return max(0, (today - quarter_end(due_quarter(due))).days)


def with_displayed_state(milestones: pd.DataFrame, today: date | None = None) -> pd.DataFrame:
    """The milestones (rows of the milestones table) with ``displayed_state`` and ``days_late`` (0 unless late),
    sorted by due quarter then title."""
    today = today or clock_today()
    frame = milestones.copy()
    shown = [displayed_state(str(s), str(d), today) for s, d in zip(frame["state"], frame["due_quarter"], strict=True)]
    frame["displayed_state"] = pd.Series(shown, index=frame.index, dtype="string")
    late = frame["displayed_state"] == LATE
    pairs = zip(frame["due_quarter"], late, strict=True)
    frame["days_late"] = pd.Series([days_late(str(d), today) if on else 0 for d, on in pairs], index=frame.index)
    frame["days_late"] = frame["days_late"].astype("int64")
    order = frame["due_quarter"].map(lambda text: due_quarter(str(text)).number)
    return (
        frame.assign(_order=order)
        .sort_values(["_order", "title"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def state_counts(milestones: pd.DataFrame, today: date | None = None) -> dict[str, int]:
    """How many milestones are shown in each state (every state, zero included)."""
    shown = with_displayed_state(milestones, today)["displayed_state"].value_counts()
    return {state: int(shown.get(state, 0)) for state in DISPLAYED_STATES}


def public_milestones(milestones: pd.DataFrame, public_partnerships: set[str] | frozenset[str]) -> pd.DataFrame:
    """The milestones a visitor may see: public milestones of public partnerships."""
    keep = (milestones["visibility"] == "public") & milestones["partnership_id"].isin(list(public_partnerships))
    return milestones[keep.fillna(False).astype(bool)].reset_index(drop=True)


def split_linked(linked: object, goal_ids: set[str] | frozenset[str]) -> tuple[list[str], list[str]]:
    """A ``linked`` cell as (goal ids, indicator ids): items that are known goals, and the others."""
    items = split_list(linked)
    return [i for i in items if i in goal_ids], [i for i in items if i not in goal_ids]


def late_milestones(
    milestones: pd.DataFrame,
    names: Mapping[str, str],
    goal_ids: set[str] | frozenset[str] = frozenset(),
    today: date | None = None,
) -> pd.DataFrame:
    """Every late milestone of the portfolio, the longest late first: partnership id and name, milestone, due
    quarter, days late (since the due quarter ended) and quarters late (quarters since the due quarter), stored
    state, linked goals and indicators (``;``-separated). ``names``: partnership id -> name."""
    today = today or clock_today()
    shown = with_displayed_state(milestones, today)
    late = shown[shown["displayed_state"] == LATE]
    rows = []
    for row in late.to_dict("records"):
        goals, indicators = split_linked(row["linked"], goal_ids)
        rows.append(
            {
                "partnership_id": row["partnership_id"],
                "partnership": names.get(str(row["partnership_id"]), str(row["partnership_id"])),
                "milestone_id": row["milestone_id"],
                "title": row["title"],
                "due_quarter": row["due_quarter"],
                "days_late": int(row["days_late"]),
                "quarters_late": Quarter.of(today).number - due_quarter(str(row["due_quarter"])).number,
                "state": row["state"],
                "linked_goals": "; ".join(goals),
                "linked_indicators": "; ".join(indicators),
            }
        )
    frame = pd.DataFrame(rows, columns=list(LATE_COLUMNS))
    frame = frame.astype({"days_late": "int64", "quarters_late": "int64"})
    return frame.sort_values(["days_late", "partnership", "title"], ascending=[False, True, True], ignore_index=True)
