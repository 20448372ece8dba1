"""What an accepted upload would change, and what looks suspicious in it: pure functions over frames.

- :func:`preview_changes` compares the file's slices with what the submitted layer holds for them: rows new,
  changed, removed and unchanged per slice, and the largest changes.
- :func:`upload_warnings` finds what does not block a commit but deserves a second look: a value that moved more than
  a factor against the previous quarter of the same series, an indicator reported last quarter but missing now, a
  breakdown that leaves people unassigned, a slice that replaces already-published data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.store import Slice, slices_of
from data_contracts import INDICATORS, KEY_COLUMNS, SLICE_COLUMNS, TOTAL, Finding
from data_contracts.findings import display_value

SERIES_COLUMNS = ("partnership_id", "indicator_id", "dimension", "category")
_IS_COUNT = {i.id: i.unit == "count" for i in INDICATORS.values()}
_BOUNDED_ADDITIVE = {i.id: i.additive and not i.signed for i in INDICATORS.values()}
SMALL_COUNT = 10
"""Counts below this on both sides of a quarter-to-quarter move are not flagged (1 -> 4 people is not news)."""


@dataclass(frozen=True)
class SliceChange:
    """How one (partnership, year, quarter) slice would change."""

    slice: Slice
    new: int
    changed: int
    removed: int
    unchanged: int
    published: bool

    @property
    def is_noop(self) -> bool:
        return self.new == 0 and self.changed == 0 and self.removed == 0


def _period_number(year: pd.Series, quarter: pd.Series) -> pd.Series:
    return year.astype("int64") * 4 + quarter.astype("int64") - 1


def compare_rows(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Outer join of the file's rows and the stored rows of the same slices, with a ``status`` per key:
    new, changed, removed or unchanged; columns ``value_old``/``value_new``, ``note_old``/``note_new``."""
    keys = list(KEY_COLUMNS)
    slice_keys = existing[list(SLICE_COLUMNS)].merge(
        incoming[list(SLICE_COLUMNS)].drop_duplicates(), on=list(SLICE_COLUMNS), how="inner"
    )
    existing = existing.merge(slice_keys.drop_duplicates(), on=list(SLICE_COLUMNS), how="inner")
    merged = incoming[[*keys, "value", "note"]].merge(
        existing[[*keys, "value", "note"]], on=keys, how="outer", suffixes=("_new", "_old"), indicator=True
    )
    same_value = np.isclose(merged["value_new"], merged["value_old"], rtol=0, atol=1e-9, equal_nan=True)
    same_note = merged["note_new"].fillna("").astype(str) == merged["note_old"].fillna("").astype(str)
    status = np.select(
        [merged["_merge"] == "left_only", merged["_merge"] == "right_only", same_value & same_note],
        ["new", "removed", "unchanged"],
        default="changed",
    )
    return merged.drop(columns=["_merge"]).assign(status=status)


def preview_changes(
    incoming: pd.DataFrame,
    existing: pd.DataFrame,
    published_slices: Iterable[Slice] = (),
    *,
    compared: pd.DataFrame | None = None,
) -> list[SliceChange]:
    """Per slice of the file: how many rows are new, changed, removed and unchanged against ``existing``.

    ``compared`` is :func:`compare_rows` of the same frames when the caller has it already."""
    compared = compare_rows(incoming, existing) if compared is None else compared
    counts = compared.groupby([*SLICE_COLUMNS, "status"]).size().unstack("status", fill_value=0)
    published = set(published_slices)
    changes = []
    for current in slices_of(incoming):
        key = (current.partnership_id, current.year, current.quarter)
        row = counts.loc[key] if key in counts.index else pd.Series(dtype="int64")
        changes.append(
            SliceChange(
                slice=current,
                new=int(row.get("new", 0)),
                changed=int(row.get("changed", 0)),
                removed=int(row.get("removed", 0)),
                unchanged=int(row.get("unchanged", 0)),
                published=current in published,
            )
        )
    return changes


def largest_changes(
    incoming: pd.DataFrame, existing: pd.DataFrame, limit: int = 10, *, compared: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The changed values with the largest relative change, for the preview."""
    compared = compare_rows(incoming, existing) if compared is None else compared
    changed = compared[compared["status"] == "changed"].copy()
    columns = [*KEY_COLUMNS, "value_old", "value_new", "change", "change_pct"]
    if changed.empty:
        return pd.DataFrame(columns=columns)
    changed["change"] = changed["value_new"] - changed["value_old"]
    base = changed["value_old"].abs().replace(0, np.nan)
    changed["change_pct"] = 100 * changed["change"] / base
    order = changed["change_pct"].abs().fillna(np.inf).sort_values(ascending=False).index
    return changed.loc[order, columns].head(limit).reset_index(drop=True)


def _previous(frame: pd.DataFrame) -> pd.DataFrame:
    """Each series' value in the quarter before, keyed by the later quarter's period number."""
    shifted = frame[[*SERIES_COLUMNS, "value"]].copy()
    shifted["period"] = _period_number(frame["year"], frame["quarter"]) + 1
    return shifted.rename(columns={"value": "previous"})


def value_jumps(
    incoming: pd.DataFrame, history: pd.DataFrame, factor: float, row_of: Mapping[object, int]
) -> list[Finding]:
    """Rows whose value moved by more than ``factor`` (either way) against the same series a quarter earlier.

    The earlier quarter comes from the file itself when it holds it, else from ``history`` (the stored rows).
    """
    if incoming.empty or factor <= 1:
        return []
    earlier = pd.concat([history, incoming], ignore_index=True).drop_duplicates(subset=list(KEY_COLUMNS), keep="last")
    current = incoming.assign(period=_period_number(incoming["year"], incoming["quarter"]))
    current["source_index"] = incoming.index
    joined = current.merge(_previous(earlier), on=[*SERIES_COLUMNS, "period"], how="inner")
    new, old = joined["value"].abs(), joined["previous"].abs()
    both = (new > 0) & (old > 0) & (np.sign(joined["value"]) == np.sign(joined["previous"]))
    ratio = np.maximum(new, old) / np.minimum(new, old).where(both, np.nan)
    counts = joined["indicator_id"].map(_IS_COUNT).fillna(False).astype(bool)
    small = counts & (new < SMALL_COUNT) & (old < SMALL_COUNT)
    flagged = joined[both & (ratio > factor) & ~small]
    findings = []
    for item in flagged.itertuples(index=False):
        previous_period = (int(item.year), int(item.quarter) - 1) if item.quarter > 1 else (int(item.year) - 1, 4)
        direction = "rose" if abs(item.value) > abs(item.previous) else "fell"
        series = (
            item.indicator_id if item.dimension == TOTAL else f"{item.indicator_id} ({item.dimension}: {item.category})"
        )
        findings.append(
            Finding(
                row=row_of.get(item.source_index),
                column="value",
                value=display_value(item.value),
                rule="value_jump",
                message=(
                    f"{series} {direction} from {display_value(item.previous)} in {previous_period[0]} "
                    f"Q{previous_period[1]} to {display_value(item.value)} in {item.year} Q{item.quarter} "
                    f"(more than {factor:g}×). Check it is right."
                ),
                severity="warning",
            )
        )
    return findings


def _first_rows(incoming: pd.DataFrame, row_of: Mapping[object, int]) -> dict[tuple, int | None]:
    firsts = incoming.reset_index().groupby(list(SLICE_COLUMNS))["index"].first()
    return {key: row_of.get(index) for key, index in firsts.items()}


def missing_indicators(incoming: pd.DataFrame, history: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    """Indicators with a total row in the quarter before a slice, but none in the slice."""
    if incoming.empty:
        return []
    earlier = pd.concat([history, incoming], ignore_index=True)
    earlier = earlier[(earlier["dimension"] == TOTAL) & (earlier["category"] == TOTAL)]
    reported_before = _previous(earlier)[["partnership_id", "indicator_id", "period"]].drop_duplicates()
    now = incoming[(incoming["dimension"] == TOTAL)][["partnership_id", "indicator_id", "year", "quarter"]].copy()
    now["period"] = _period_number(now["year"], now["quarter"])
    slices = incoming[list(SLICE_COLUMNS)].drop_duplicates().copy()
    slices["period"] = _period_number(slices["year"], slices["quarter"])
    expected = slices.merge(reported_before, on=["partnership_id", "period"], how="inner")
    missing = expected.merge(now, on=["partnership_id", "indicator_id", "period"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    firsts = _first_rows(incoming, row_of)
    findings = []
    for item in missing.sort_values(["partnership_id", "period", "indicator_id"]).itertuples(index=False):
        year, quarter = int(item.year_x), int(item.quarter_x)
        findings.append(
            Finding(
                row=firsts.get((item.partnership_id, year, quarter)),
                column="indicator_id",
                value=item.indicator_id,
                rule="indicator_missing",
                message=(
                    f"{item.partnership_id} reported {item.indicator_id} in the quarter before {year} Q{quarter} but "
                    "not in this file. If it still applies, add it to the file."
                ),
                severity="warning",
            )
        )
    return findings


def unassigned_people(incoming: pd.DataFrame, row_of: Mapping[object, int]) -> list[Finding]:
    """Breakdowns of additive indicators whose categories add up to less than the total."""
    additive = incoming["indicator_id"].map(_BOUNDED_ADDITIVE).fillna(False).astype(bool)
    parts = incoming[additive & (incoming["dimension"] != TOTAL)]
    if parts.empty:
        return []
    group = [*KEY_COLUMNS[:4], "dimension"]
    sums = parts.reset_index().groupby(group).agg(categories=("value", "sum"), first=("index", "first")).reset_index()
    totals = incoming[incoming["dimension"] == TOTAL][[*KEY_COLUMNS[:4], "value"]].rename(columns={"value": "total"})
    joined = sums.merge(totals, on=list(KEY_COLUMNS[:4]), how="inner")
    short = joined[joined["categories"] < joined["total"] - 1e-9]
    findings = []
    for item in short.itertuples(index=False):
        gap = item.total - item.categories
        findings.append(
            Finding(
                row=row_of.get(item.first),
                column="dimension",
                value=item.dimension,
                rule="breakdown_unassigned",
                message=(
                    f"The {item.dimension} categories of {item.indicator_id} for {item.year} Q{item.quarter} cover "
                    f"{display_value(item.categories)} of {display_value(item.total)}; {display_value(gap)} are not "
                    "assigned to a category. Add them as 'undisclosed' where you know them to be."
                ),
                severity="warning",
            )
        )
    return findings


def replaced_published(
    incoming: pd.DataFrame, published_slices: Iterable[Slice], row_of: Mapping[object, int]
) -> list[Finding]:
    """Slices of the file that are already published."""
    published = set(published_slices)
    firsts = _first_rows(incoming, row_of)
    findings = []
    for current in slices_of(incoming):
        if current in published:
            findings.append(
                Finding(
                    row=firsts.get((current.partnership_id, current.year, current.quarter)),
                    column="quarter",
                    value=str(current.quarter),
                    rule="replaces_published",
                    message=(
                        f"{current.partnership_id} {current.year} Q{current.quarter} is already published. This upload "
                        "replaces the submitted figures; the public keeps seeing the published ones until a reviewer "
                        "publishes again."
                    ),
                    severity="warning",
                )
            )
    return findings


def upload_warnings(
    incoming: pd.DataFrame,
    history: pd.DataFrame,
    published_slices: Iterable[Slice],
    *,
    change_factor: float,
    row_of: Mapping[object, int],
) -> list[Finding]:
    """Every warning of an accepted file, in file order. ``history`` is the stored submitted rows of the file's
    partnerships around its quarters; ``row_of`` maps the frame's index to file rows."""
    published = list(published_slices)
    findings = [
        *value_jumps(incoming, history, change_factor, row_of),
        *missing_indicators(incoming, history, row_of),
        *unassigned_people(incoming, row_of),
        *replaced_published(incoming, published, row_of),
    ]
    return sorted(findings, key=lambda f: (f.row or 0, f.rule))
