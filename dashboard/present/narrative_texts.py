"""Narratives and goal explanations for people: safe Markdown of a narrative (paragraphs and bullet lines kept,
everything else shown as typed), each goal's latest explanation, the short line of an embed and a chart's note."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from dashboard.present.text_safety import markdown_literal
from data_contracts.quarters import Quarter

_BULLET = re.compile(r"^\s*[-*•]\s+")
NOTE_CHARACTERS = 60
"""Characters of an explanation drawn on a chart (the whole text is in its hover and under the chart)."""
LINE_CHARACTERS = 160
"""Characters of the one line under an embed."""


def narrative_markdown(text: object) -> str:
    """A narrative as Markdown that shows it as typed: blank lines separate paragraphs, lines starting with ``-``,
    ``*`` or ``•`` are bullets; every other character is literal (:func:`markdown_literal`), so no link, image,
    HTML, heading or emphasis in the text does anything."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", str(text or "").strip()):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        current: list[str] = []
        items: list[str] = []
        for line in lines:
            if _BULLET.match(line):
                if current:
                    blocks.append(markdown_literal(" ".join(current)))
                    current = []
                items.append("- " + markdown_literal(_BULLET.sub("", line)))
            else:
                if items:
                    blocks.append("\n".join(items))
                    items = []
                current.append(line)
        if current:
            blocks.append(markdown_literal(" ".join(current)))
        if items:
            blocks.append("\n".join(items))
    return "\n\n".join(blocks)


def shortened(text: object, limit: int) -> str:
    """The text on one line, cut at a word to at most ``limit`` characters with an ellipsis."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return cut.rstrip(",;:.") + "\u2026"


def shown_texts(texts: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The texts of one kind that people may read: waivers and empty texts left out."""
    if texts.empty:
        return texts
    keep = (texts["kind"] == kind) & ~texts["waived"].astype(bool) & (texts["text"].fillna("").str.strip() != "")
    return texts[keep]


def narrative_quarters(texts: pd.DataFrame, partnership_id: str) -> list[Quarter]:
    """The quarters with a narrative of a partnership, newest first."""
    mine = shown_texts(texts, "narrative")
    mine = mine[mine["partnership_id"] == partnership_id]
    return sorted({Quarter(int(y), int(q)) for y, q in zip(mine["year"], mine["quarter"], strict=True)}, reverse=True)


def narrative_of(texts: pd.DataFrame, partnership_id: str, quarter: Quarter) -> str | None:
    """A partnership's narrative of a quarter, or None."""
    mine = shown_texts(texts, "narrative")
    mine = mine[(mine["partnership_id"] == partnership_id) & (mine["year"] == quarter.year)]
    mine = mine[mine["quarter"] == quarter.quarter]
    return None if mine.empty else str(mine["text"].iloc[0])


def goal_explanation_notes(texts: pd.DataFrame, partnership_id: str, goal_id: str) -> list[tuple[Quarter, str]]:
    """A goal's explanations, oldest first: (quarter, text)."""
    mine = shown_texts(texts, "explanation")
    mine = mine[(mine["partnership_id"] == partnership_id) & (mine["goal_id"] == goal_id)]
    found = [
        (Quarter(int(y), int(q)), str(t)) for y, q, t in zip(mine["year"], mine["quarter"], mine["text"], strict=True)
    ]
    return sorted(found)


def latest_explanations(texts: pd.DataFrame) -> Mapping[tuple[str, str], tuple[Quarter, str]]:
    """Each goal's newest explanation, by (partnership id, goal id): its quarter and text."""
    found: dict[tuple[str, str], tuple[Quarter, str]] = {}
    mine = shown_texts(texts, "explanation")
    for pid, goal_id, year, quarter, text in zip(
        mine["partnership_id"], mine["goal_id"], mine["year"], mine["quarter"], mine["text"], strict=True
    ):
        key, when = (str(pid), str(goal_id)), Quarter(int(year), int(quarter))
        if key not in found or found[key][0] < when:
            found[key] = (when, str(text))
    return found


def explanation_text(quarter: Quarter, text: str) -> str:
    """``"2026 Q3: Two sites closed for repairs."``: an explanation as plain text (a table cell)."""
    return f"{quarter.label}: {' '.join(text.split())}"


def explanation_markdown(quarter: Quarter, text: str) -> str:
    """An explanation as safe Markdown for a goal card: ``**Why, 2026 Q3:** …``."""
    return f"**Why, {quarter.label}:** {markdown_literal(text)}"


def story_line(texts: pd.DataFrame, partnership_id: str, goal_id: str | None = None) -> str | None:
    """The one line an embed shows under its chart (plain text): the goal's latest explanation for a goal's chart,
    else the partnership's latest narrative, shortened to :data:`LINE_CHARACTERS`; None when there is none."""
    if goal_id is not None:
        notes = goal_explanation_notes(texts, partnership_id, goal_id)
        if notes:
            quarter, text = notes[-1]
            return shortened(f"Why, {quarter.label}: {text}", LINE_CHARACTERS)
    quarters = narrative_quarters(texts, partnership_id)
    if not quarters:
        return None
    text = narrative_of(texts, partnership_id, quarters[0]) or ""
    return shortened(f"{quarters[0].label}: {text}", LINE_CHARACTERS)
