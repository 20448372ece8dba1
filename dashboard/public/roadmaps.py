"""What a visitor may see of the roadmaps: the public milestones of public partnerships, nothing else."""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.milestones import public_milestones
from dashboard.public.published import public_partnerships


def public_roadmap(milestones: pd.DataFrame, partnerships: pd.DataFrame, partnership_id: str) -> pd.DataFrame:
    """The milestones of ``partnership_id`` a visitor may see: none when the partnership is not public, else its
    milestones whose visibility is ``public`` (internal ones never)."""
    shown = set(public_partnerships(partnerships)["partnership_id"].astype(str))
    mine = milestones[milestones["partnership_id"] == partnership_id]
    return public_milestones(mine, shown)
