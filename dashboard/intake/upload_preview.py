"""What an accepted upload would change: the file's slices compared with what the submitted layer holds for them.

:func:`preview_changes` counts the rows new, changed, removed and unchanged per slice; :func:`largest_changes` lists
the largest changes; :func:`preview_upload` gives both with the warnings (:mod:`~dashboard.intake.upload_checks`),
the key columns coded once for all of them (:class:`~dashboard.intake.row_keys.RowKeys`). Each has a general path as
well, by pandas merges (:func:`compare_rows`), for frames the codes cannot stand for exactly; it gives the same
answers and the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.intake.row_keys import CodedHistory, Comparison, RowKeys, Unsupported, float_values, lookup_positions
from dashboard.intake.upload_checks import (
    missing_indicators_of,
    published_findings,
    replaced_published,
    sorted_warnings,
    unassigned_people_of,
    value_jumps_of,
)
from dashboard.storage.slices import Slice, slices_of
from data_contracts import KEY_COLUMNS, SLICE_COLUMNS, Finding


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


def _compare_rows_merged(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
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


def compare_rows(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Outer join of the file's rows and the stored rows of the same slices, with a ``status`` per key:
    new, changed, removed or unchanged; columns ``value_old``/``value_new``, ``note_old``/``note_new``."""
    return _compare_rows_merged(incoming, existing)


def _changes(comparison: Comparison, published: set[Slice]) -> list[SliceChange]:
    keys = comparison.keys
    files = keys.files
    k = len(files.slices)
    counts = np.bincount(files.position * 4 + comparison.status, minlength=4 * k).reshape(k, 4)
    if comparison.removed.any():  # a removed row belongs to one of the file's slices
        slice_ids = keys.ids(SLICE_COLUMNS)
        removed_slices = keys.old(slice_ids)[comparison.stored[comparison.removed]]
        where = lookup_positions(keys.new(slice_ids)[files.first], removed_slices)
        counts[:, 2] += np.bincount(where, minlength=k)
    return [
        SliceChange(slice=s, new=int(n), changed=int(c), removed=int(r), unchanged=int(u), published=s in published)
        for s, (n, c, r, u) in zip(files.slices, counts.tolist(), strict=True)
    ]


def preview_changes(
    incoming: pd.DataFrame,
    existing: pd.DataFrame,
    published_slices: Iterable[Slice] = (),
    *,
    compared: pd.DataFrame | None = None,
) -> list[SliceChange]:
    """Per slice of the file: how many rows are new, changed, removed and unchanged against ``existing``.

    ``compared`` is :func:`compare_rows` of the same frames when the caller has it already."""
    published = set(published_slices)
    if compared is None:
        try:
            return _changes(RowKeys(incoming, existing).comparison, published)
        except Unsupported:
            compared = _compare_rows_merged(incoming, existing)
    counts = compared.groupby([*SLICE_COLUMNS, "status"]).size().unstack("status", fill_value=0)
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


_LARGEST_COLUMNS = [*KEY_COLUMNS, "value_old", "value_new", "change", "change_pct"]


def _largest_of(compared: pd.DataFrame, limit: int) -> pd.DataFrame:
    changed = compared[compared["status"] == "changed"].copy()
    if changed.empty:
        return pd.DataFrame(columns=_LARGEST_COLUMNS)
    changed["change"] = changed["value_new"] - changed["value_old"]
    base = changed["value_old"].abs().replace(0, np.nan)
    changed["change_pct"] = 100 * changed["change"] / base
    order = changed["change_pct"].abs().fillna(np.inf).sort_values(ascending=False).index
    return changed.loc[order, _LARGEST_COLUMNS].head(limit).reset_index(drop=True)


def _largest(comparison: Comparison, limit: int) -> pd.DataFrame:
    """:func:`largest_changes` from the matched rows: the changed rows in key order (the order of
    :func:`compare_rows`), sorted by their relative change as there; only the chosen rows are joined as frames."""
    keys = comparison.keys
    changed = np.flatnonzero(comparison.status == 1)
    if len(changed) == 0:
        return pd.DataFrame(columns=_LARGEST_COLUMNS)
    changed = changed[np.argsort(keys.new(keys.ids(KEY_COLUMNS))[changed], kind="stable")]
    partner = comparison.stored[comparison.match[changed]]
    new = pd.Series(float_values(keys.incoming["value"])[changed])
    old = pd.Series(float_values(keys.history["value"])[partner])
    change_pct = 100 * (new - old) / old.abs().replace(0, np.nan)
    chosen = change_pct.abs().fillna(np.inf).sort_values(ascending=False).index.to_numpy()[:limit]
    # the chosen rows through the merge itself (for its column types), which sorts them by key: then in chosen order
    rows = _compare_rows_merged(keys.incoming.iloc[changed[chosen]], keys.history.iloc[partner[chosen]])
    key_order = keys.new(keys.ids(KEY_COLUMNS))[changed[chosen]]
    rows = rows.iloc[np.argsort(np.argsort(key_order))].reset_index(drop=True)
    rows["change"] = rows["value_new"] - rows["value_old"]
    rows["change_pct"] = 100 * rows["change"] / rows["value_old"].abs().replace(0, np.nan)
    return rows[_LARGEST_COLUMNS]


def largest_changes(
    incoming: pd.DataFrame, existing: pd.DataFrame, limit: int = 10, *, compared: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The changed values with the largest relative change, for the preview."""
    if compared is None:
        try:
            return _largest(RowKeys(incoming, existing).comparison, limit)
        except Unsupported:
            compared = _compare_rows_merged(incoming, existing)
    return _largest_of(compared, limit)


@dataclass
class UploadPreview:
    """What :func:`preview_changes`, :func:`largest_changes` and
    :func:`~dashboard.intake.upload_checks.upload_warnings` say about one file."""

    changes: list[SliceChange]
    largest: pd.DataFrame
    warnings: list[Finding]


def preview_upload(
    incoming: pd.DataFrame,
    history: pd.DataFrame,
    published_slices: Iterable[Slice],
    *,
    change_factor: float,
    row_of: Mapping[object, int],
    limit: int = 10,
    coded: CodedHistory | None = None,
) -> UploadPreview:
    """The preview and the warnings of one file at once: the same answers as the three functions, with the key
    columns of the file and the stored rows coded once for all of them (the stored rows' text maybe ahead:
    ``coded``, see :func:`~dashboard.intake.row_keys.code_history`)."""
    published = set(published_slices)
    keys = RowKeys(incoming, history, coded)
    try:
        comparison = keys.comparison
        changes, largest = _changes(comparison, published), _largest(comparison, limit)
    except Unsupported:
        compared = _compare_rows_merged(incoming, history)
        changes = preview_changes(incoming, history, published, compared=compared)
        largest = largest_changes(incoming, history, limit, compared=compared)
    findings = []
    if not incoming.empty:
        if change_factor > 1:
            findings += value_jumps_of(keys, change_factor, row_of)
        findings += missing_indicators_of(keys, row_of)
    findings += unassigned_people_of(keys, row_of)
    try:
        files = keys.files
        findings += published_findings(files.slices, files.first_rows(incoming, row_of), published)
    except Unsupported:
        findings += replaced_published(incoming, published, row_of)
    return UploadPreview(changes, largest, sorted_warnings(findings))
