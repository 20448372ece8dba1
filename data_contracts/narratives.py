"""The story behind the numbers: what a narrative (per partnership and quarter) and an explanation (per goal and
quarter) may hold, each rule declared once.

- **Narrative**: what happened, what changed, what is planned; plain text or light Markdown (paragraphs and ``-``
  bullet lines are kept when shown; anything else is shown exactly as typed), at most :data:`NARRATIVE_MAX`
  characters.
- **Explanation**: a short "why" of one goal's status in one quarter, at most :data:`EXPLANATION_MAX` characters.

Hostile text: a text is stored as typed (line breaks made ``\\n``, outer white space trimmed) and always shown as
text. Control characters other than line breaks and tabs, and the Unicode controls that reorder or hide text
(bidirectional overrides and isolates, the byte-order mark) are refused: they can make a text read differently from
what it holds.

Suppression: narrative is free text, so a writer can name a small group ("2 women left"). :func:`small_number_warnings`
finds a number below k next to a breakdown word and the writer is warned before submitting. It is a simple check,
a warning and not a guarantee: it misses numbers written as words, groups it has no word for and numbers further
away than :data:`NEAR_WORDS` words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from data_contracts.findings import Finding
from data_contracts.indicator_rules import MIN_YEAR
from data_contracts.quarters import Quarter
from data_contracts.vocabularies import DIMENSIONS, TOTAL

Kind = Literal["narrative", "explanation"]
KINDS: tuple[Kind, ...] = get_args(Kind)
NARRATIVE_MAX = 5_000
"""Most characters of a narrative."""
EXPLANATION_MAX = 500
"""Most characters of an explanation."""
MAX_LENGTH: Mapping[str, int] = {"narrative": NARRATIVE_MAX, "explanation": EXPLANATION_MAX}
NARRATIVE_GOAL = ""
"""The ``goal_id`` of a narrative row (an explanation names its goal)."""

TEXT_COLUMNS: tuple[str, ...] = (
    "partnership_id",
    "year",
    "quarter",
    "kind",
    "goal_id",
    "text",
    "waived",
    "author",
    "written_at",
)
"""The columns of a stored text: one row per (partnership_id, year, quarter, kind, goal_id)."""
TEXT_KEY: tuple[str, ...] = ("partnership_id", "year", "quarter", "kind", "goal_id")

_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
"""Characters a text may not hold: C0 and C1 controls but tab and line breaks, DEL, the bidirectional marks,
embeddings, overrides and isolates, the byte-order mark and interlinear annotation controls."""


def clean_text(text: object) -> str:
    """A text as stored: line breaks as ``\\n``, trailing spaces of each line and outer white space trimmed, Unicode
    in its composed form (NFC). ``None`` gives ``""``."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def _named(character: str) -> str:
    return f"U+{ord(character):04X}" + (f" ({unicodedata.name(character)})" if unicodedata.name(character, "") else "")


def text_problems(text: str, kind: str) -> list[str]:
    """What is wrong with a (cleaned) text of ``kind``, in plain words; empty when it may be stored."""
    if kind not in KINDS:
        return [f"Unknown kind of text {kind!r}; expected narrative or explanation."]
    problems = []
    what = "A narrative" if kind == "narrative" else "An explanation"
    if not text:
        problems.append(f"{what} is empty: write the text, or leave it out.")
    limit = MAX_LENGTH[kind]
    if len(text) > limit:
        problems.append(f"{what} may hold at most {limit:,} characters; this one has {len(text):,}. Shorten it.")
    refused = sorted(set(_REFUSED.findall(text)))
    if refused:
        named = ", ".join(_named(c) for c in refused[:3])
        problems.append(
            f"{what} holds control characters that can hide or reorder text ({named}). Type the text again, or "
            "paste it as plain text."
        )
    return problems


_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class TextEntry:
    """One text as written, before it is stored: where it belongs and what it says (cleaned)."""

    partnership_id: str
    year: int
    quarter: int
    kind: str
    goal_id: str
    text: str


def check_entry(
    entry: TextEntry,
    *,
    partnership_ids: Collection[str],
    goals_of: Mapping[str, Collection[str]],
    today: date,
    row: int | None = None,
    waiver: bool = False,
) -> list[Finding]:
    """Findings (errors) of one text: ids known (the partnership; an explanation's goal belongs to the partnership;
    a narrative names no goal), the quarter a real one from :data:`MIN_YEAR` that has started by ``today``, and the
    text itself (:func:`text_problems`; a ``waiver`` has no text)."""
    findings: list[Finding] = []

    def error(column: str, value: object, rule: str, message: str) -> None:
        findings.append(Finding(row, column, None if value is None else str(value), rule, message))

    if not _ID.match(entry.partnership_id or "") or entry.partnership_id not in partnership_ids:
        error("partnership_id", entry.partnership_id, "partnership_known", "Unknown partnership: choose one of yours.")
    if not (isinstance(entry.year, int) and entry.year >= MIN_YEAR and entry.quarter in (1, 2, 3, 4)):
        error("quarter", f"{entry.year} Q{entry.quarter}", "quarter_valid", f"Choose a quarter from {MIN_YEAR} on.")
    elif Quarter(entry.year, entry.quarter).number > Quarter.of(today).number:
        error(
            "quarter",
            Quarter(entry.year, entry.quarter).label,
            "quarter_not_future",
            f"{Quarter(entry.year, entry.quarter).label} has not started yet; write about a quarter that has.",
        )
    if entry.kind == "narrative" and entry.goal_id != NARRATIVE_GOAL:
        error("goal_id", entry.goal_id, "narrative_without_goal", "A narrative belongs to the quarter, not to a goal.")
    if entry.kind == "explanation" and entry.goal_id not in goals_of.get(entry.partnership_id, ()):
        error("goal_id", entry.goal_id, "goal_known", "Unknown goal: choose one of the partnership's goals.")
    if not waiver:
        for message in text_problems(entry.text, entry.kind):
            error("text", None, "text_valid", message)
    return findings


# ---- the suppression warning -------------------------------------------------------------------------------------

_COMMON_WORDS = """
    woman women female females girl girls man men male males boy boys gender genders nonbinary non-binary
    transgender trans age aged ages young youth youths older elderly senior seniors teen teens teenager teenagers
    child children pupil pupils student students ethnic ethnicity ethnicities race racial minority minorities
    indigenous black asian hispanic latino latina latinx migrant migrants refugee refugees disabled disability
    disabilities disadvantaged deprived veteran veterans apprentice apprentices employee employees worker workers
    subcontractor subcontractors contractor contractors participant participants person persons people resident
    residents individual individuals"""
COMMON_BREAKDOWN_WORDS: frozenset[str] = frozenset(_COMMON_WORDS.split())
"""Words that name a group of people, besides the breakdown categories of the vocabularies."""


def breakdown_words() -> frozenset[str]:
    """Words that name a breakdown group: every dimension's label and category codes and labels
    (``data_contracts/vocabularies.yaml``, split into words) and :data:`COMMON_BREAKDOWN_WORDS`, lower case."""
    words = set(COMMON_BREAKDOWN_WORDS)
    for code, dimension in DIMENSIONS.items():
        if code == TOTAL:
            continue
        texts = [dimension.label, code, *dimension.categories, *dimension.categories.values()]
        for text in texts:
            words.update(w for w in re.split(r"[^a-z-]+", str(text).lower().replace("_", " ")) if len(w) > 2)
    words -= {
        "other",
        "not",
        "undisclosed",
        "total",
        "over",
        "under",
        "type",
        "status",
        "band",
        "groups",
        "direct",
        "non",
        "binary",
        "employment",
    }
    return frozenset(words)


NEAR_WORDS = 3
"""How many words apart a small number and a breakdown word may stand to be warned of."""
_TOKEN = re.compile(r"\d[\d,.]*|[^\W\d_][\w-]*", re.UNICODE)


def small_number_warnings(text: str, k: int, words: Collection[str] | None = None) -> list[str]:
    """Passages of ``text`` where a whole number from 1 to ``k - 1`` stands within :data:`NEAR_WORDS` words of a
    breakdown word (:func:`breakdown_words`): ``"3 women"``, ``"women aged under 30: 4"``. Years, percentages
    and numbers with decimals are not counts and are left out. A warning, not a guarantee (see the module)."""
    vocabulary = breakdown_words() if words is None else frozenset(w.lower() for w in words)
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[str] = []
    for index, (token, _start, end) in enumerate(tokens):
        if not token[0].isdigit() or "." in token.rstrip(".") or text[end : end + 1] == "%":
            continue
        try:
            number = int(token.rstrip(".,").replace(",", ""))
        except ValueError:
            continue
        if not 0 < number < k:
            continue
        near = tokens[max(0, index - NEAR_WORDS) : index + NEAR_WORDS + 1]
        if any(not t[0][0].isdigit() and t[0].lower().strip("-") in vocabulary for t in near):
            first, last = near[0][1], near[-1][2]
            found.append(" ".join(text[first:last].split()))
    return found


def small_number_message(passages: list[str], k: int) -> str:
    """The warning shown to the writer (empty when there is nothing to warn of)."""
    if not passages:
        return ""
    shown = "; ".join(f"“{p}”" for p in passages[:3])
    more = f" and {len(passages) - 3} more" if len(passages) > 3 else ""
    return (
        f"The text may name a group of fewer than {k} people: {shown}{more}. Published figures hide such small "
        "groups; consider writing “fewer than " + str(k) + "” or leaving the number out. (A simple check: it may "
        "miss some cases and flag others.)"
    )
