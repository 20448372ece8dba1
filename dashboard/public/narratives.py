"""What the public may read of the story behind the numbers: the published narratives and explanations of public
partnerships only (never the submitted layer, never a waiver), and the line an embed shows with its link."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from dashboard.present.goal_charts import figure_with_notes
from dashboard.present.narrative_texts import shown_texts, story_line
from dashboard.public.embed import EmbedContent
from dashboard.public.published import public_partnerships
from dashboard.storage.narratives import empty_texts, read_texts
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE
from data_contracts.quarters import Quarter


def public_texts(published: pd.DataFrame, partnerships: pd.DataFrame) -> pd.DataFrame:
    """The published texts the public may read: those of public partnerships, waivers and empty texts left out."""
    if published.empty:
        return published
    public = set(public_partnerships(partnerships)["partnership_id"].astype(str))
    texts = published[published["partnership_id"].astype(str).isin(public)]
    readable = pd.concat([shown_texts(texts, "narrative"), shown_texts(texts, "explanation")])
    return readable.sort_index().reset_index(drop=True)


def read_public_texts(
    store: Store,
    partnership_ids: Sequence[str],
    *,
    version: int | None = None,
    partnerships_version: int | None = None,
) -> pd.DataFrame:
    """The public texts of some partnerships, read from the published layer at the given versions (the current
    ones by default); no rows for a partnership that is not public."""
    if not partnership_ids:
        return empty_texts()
    published = read_texts(store, "published", partnership_ids=list(partnership_ids), version=version)
    partnerships = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    return public_texts(published, partnerships)


def with_notes(content: EmbedContent, notes: Sequence[tuple[Quarter, str]]) -> EmbedContent:
    """A goal's drawn view with its explanations on its chart (a copy: the drawn view is shared)."""
    if not notes:
        return content
    return dataclasses.replace(content, figure=figure_with_notes(content.figure, notes))


def embed_line(texts: pd.DataFrame, partnership_id: str, goal_id: str | None = None) -> str | None:
    """The one line under an embed's chart (plain text, from the public texts only): the goal's latest explanation
    for a goal's chart, else the partnership's latest narrative; None when there is none."""
    return story_line(texts, partnership_id, goal_id)
