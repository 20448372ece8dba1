"""The transparency portal's list of public partnerships, without Streamlit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from dashboard.analytics.goals import partnership_progress
from dashboard.present.goal_texts import profile_lines
from dashboard.present.scorecards import with_scorecards
from dashboard.public.published import updated_text
from data_contracts.quarters import Quarter


@dataclass
class PortalIndex:
    """The portal's list: public partnerships with published figures (name order), their table as the portal
    lists them (goal scorecards after the name, the most goals off course first), and the latest quarter and last
    update of each."""

    reporting: list[str]
    listing: pd.DataFrame
    latest: dict[str, Quarter]
    updated: dict[str, datetime | None]


def portal_index(
    partnerships: pd.DataFrame, coverage: pd.DataFrame, evaluated: pd.DataFrame, updated: dict[str, datetime | None]
) -> PortalIndex:
    """:class:`PortalIndex` from the public partnerships (name order), the public summary's coverage, every public
    goal evaluated (``PublicGoal.row`` frame) and when each partnership was last updated."""
    reported = set(coverage["partnership_id"])
    reporting = [pid for pid in partnerships["partnership_id"] if pid in reported]
    shown = partnerships[partnerships["partnership_id"].isin(reporting)].reset_index(drop=True)
    progress = (
        partnership_progress(evaluated).set_index("partnership_id")["status_label"]
        if not evaluated.empty
        else pd.Series()
    )
    last = coverage.sort_values(["partnership_id", "year", "quarter"]).drop_duplicates("partnership_id", keep="last")
    latest = {
        pid: Quarter(int(year), int(quarter))
        for pid, year, quarter in zip(last["partnership_id"], last["year"], last["quarter"], strict=True)
    }
    listing = pd.DataFrame(
        {
            "Partnership": shown["name"],
            "Country": shown["country"],
            "Region": shown["region"],
            "Focus": [
                ", ".join(line[1] for line in profile_lines(p) if line[0] == "Focus datasets")
                for p in shown.to_dict("records")
            ],
            "Latest quarter": shown["partnership_id"].map(lambda pid: latest[pid].label),
            "Last updated": shown["partnership_id"].map(lambda pid: updated_text(updated.get(pid))),
            "partnership_id": shown["partnership_id"],
        }
    )
    listing = with_scorecards(listing, evaluated, progress).drop(columns=["partnership_id"])
    return PortalIndex(reporting=reporting, listing=listing, latest=latest, updated=updated)
