"""Which goals need an explanation before a reviewer publishes some quarters.

A goal **falls to** limited progress or deterioration in a quarter Q of its partnership when

- **after**, its status (the SDG progress method of ``analytics.goals``, complete years only) computed on the
  published rows of quarters up to Q with the chosen pending slices' submitted rows in place of their published
  rows, is limited progress or deterioration, and
- **before**, its status computed on the published rows of quarters up to Q as they are now (for a new quarter the
  status at the previously published quarter; for a correction the published status of Q) was better, or not
  assessable ("not available"). Limited progress falling to deterioration counts; staying as bad does not.

Each such goal needs an explanation (``kind`` explanation, that goal and quarter) in the submitted layer, written or
waived by an admin, before Publish is enabled on the Review page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from dashboard.analytics.goals import evaluate_goals
from dashboard.analytics.progress import OFF_COURSE, STATUS_LABELS
from dashboard.storage.narratives import read_texts
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from data_contracts import DATASETS, SLICE_COLUMNS
from data_contracts.quarters import Quarter, quarter_numbers

STATUS_RANK: Mapping[str, int] = {
    "target_achieved": 5,
    "substantial_progress": 4,
    "moderate_progress": 3,
    "limited_progress": 2,
    "deterioration": 1,
}
"""Statuses from best to worst; "not available" has no rank (not assessed)."""

NEEDED_COLUMNS: tuple[str, ...] = (
    "partnership_id",
    "year",
    "quarter",
    "goal_id",
    "indicator_id",
    "dimension",
    "category",
    "before",
    "after",
    "explained",
    "waived",
    "text",
)
"""Columns of :func:`explanations_needed`."""


def falls_off_course(before: str, after: str) -> bool:
    """True when a goal's status ``after`` is limited progress or deterioration and ``before`` was better or not
    assessed."""
    if after not in OFF_COURSE:
        return False
    return before not in STATUS_RANK or STATUS_RANK[before] > STATUS_RANK[after]


def _up_to(rows: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    if rows.empty:
        return rows
    return rows[quarter_numbers(rows["year"], rows["quarter"]) <= quarter.number]


def explanations_needed(store: Store, chosen: Mapping[str, Sequence[Slice]]) -> pd.DataFrame:
    """The goals that fall to limited progress or deterioration if the chosen pending slices (by dataset) are
    published, one row per goal and quarter (:data:`NEEDED_COLUMNS`), with whether the submitted layer holds its
    explanation (``explained``, ``text``) or a waiver (``waived``)."""
    rows_out: list[dict[str, object]] = []
    by_partnership: dict[str, dict[str, list[Slice]]] = {}
    for dataset, slices in chosen.items():
        for target in slices:
            by_partnership.setdefault(target.partnership_id, {}).setdefault(dataset, []).append(target)
    if not by_partnership:
        return pd.DataFrame(columns=list(NEEDED_COLUMNS))
    goals = store.read_goals()
    for partnership_id, datasets in sorted(by_partnership.items()):
        mine = goals[goals["partnership_id"] == partnership_id].reset_index(drop=True)
        if mine.empty:
            continue
        published_parts, after_parts = [], []
        for dataset in DATASETS:
            published = store.read_indicators(dataset, "published", partnership_ids=[partnership_id])
            published_parts.append(published)
            slices = datasets.get(dataset, [])
            if not slices:
                after_parts.append(published)
                continue
            keys = pd.DataFrame([(s.partnership_id, s.year, s.quarter) for s in slices], columns=list(SLICE_COLUMNS))
            submitted = store.read_indicators(dataset, "submitted", partnership_ids=[partnership_id]).merge(
                keys, on=list(SLICE_COLUMNS)
            )
            kept = published.merge(keys.assign(_chosen=True), on=list(SLICE_COLUMNS), how="left")
            kept = kept[kept.pop("_chosen").isna()]
            after_parts.append(pd.concat([kept, submitted], ignore_index=True))
        published_rows = pd.concat(published_parts, ignore_index=True)
        after_rows = pd.concat(after_parts, ignore_index=True)
        quarters = sorted({Quarter(s.year, s.quarter) for slices in datasets.values() for s in slices})
        for quarter in quarters:
            before = evaluate_goals(mine, _up_to(published_rows, quarter))
            after = evaluate_goals(mine, _up_to(after_rows, quarter))
            for position, goal in mine.iterrows():
                was, now = str(before["status"].iloc[position]), str(after["status"].iloc[position])
                if falls_off_course(was, now):
                    rows_out.append(
                        {
                            "partnership_id": partnership_id,
                            "year": quarter.year,
                            "quarter": quarter.quarter,
                            "goal_id": str(goal["goal_id"]),
                            "indicator_id": str(goal["indicator_id"]),
                            "dimension": str(goal["dimension"]),
                            "category": str(goal["category"]),
                            "before": was,
                            "after": now,
                        }
                    )
    needed = pd.DataFrame(rows_out, columns=[c for c in NEEDED_COLUMNS if c not in ("explained", "waived", "text")])
    if needed.empty:
        return pd.DataFrame(columns=list(NEEDED_COLUMNS))
    texts = read_texts(store, "submitted", partnership_ids=sorted(set(needed["partnership_id"])))
    texts = texts[texts["kind"] == "explanation"][["partnership_id", "year", "quarter", "goal_id", "text", "waived"]]
    needed = needed.merge(texts.astype({"partnership_id": object, "goal_id": object}), how="left")
    needed["waived"] = needed["waived"].fillna(False).astype(bool)
    needed["text"] = needed["text"].fillna("").astype(str)
    needed["explained"] = ~needed["waived"] & (needed["text"].str.strip() != "")
    return needed[list(NEEDED_COLUMNS)].reset_index(drop=True)


def missing_explanations(needed: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`explanations_needed` with neither an explanation nor a waiver: each blocks publishing."""
    if needed.empty:
        return needed
    return needed[~needed["explained"].astype(bool) & ~needed["waived"].astype(bool)].reset_index(drop=True)


def status_change_text(before: str, after: str) -> str:
    """``"moderate progress → deterioration"``."""
    return f"{STATUS_LABELS.get(before, before).lower()} \u2192 {STATUS_LABELS.get(after, after).lower()}"
