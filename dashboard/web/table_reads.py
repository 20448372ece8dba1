"""Cached reads of the tables themselves: whole small tables, indicator rows by partnership and indicator, the
slices a table holds, the audit, what waits for review, row counts and whether the store shows sample data.

Every read is cached by the versions of the tables it reads, so a new commit is seen on the next rerun; the
snapshots (:class:`LayerSnapshot`, :class:`PublicSnapshot`) name what a layer's results depend on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.intake.review import SliceChanges, pending_slices, slice_changes, slices_summary
from dashboard.intake.seed import shows_sample_data
from dashboard.present.chart_style import partnership_colours
from dashboard.settings import UploadSettings, min_cell_count
from dashboard.storage import reads
from dashboard.storage.database import read_attempts
from dashboard.storage.reads import Versions
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.storage.tables import AUDIT_TABLE, GOALS_TABLE, PARTNERSHIPS_TABLE, Layer, indicator_table
from data_contracts import DATASETS


@dataclass(frozen=True)
class LayerSnapshot:
    """A layer of a store as of given table versions: what its rows and its goals' results depend on (the store's
    root, the layer, its indicator tables' versions and the goals table's version)."""

    root: str
    layer: Layer
    versions: Versions
    goals_version: int


@dataclass(frozen=True)
class PublicSnapshot(LayerSnapshot):
    """The published layer as the public sees it: also the partnerships table's version (which partnerships are
    public) and the smallest count shown, ``k``."""

    partnerships_version: int
    k: int


def layer_snapshot(store: Store, layer: Layer = "submitted") -> LayerSnapshot:
    """What rows and goal results of ``layer`` depend on, at the store's current versions."""
    return LayerSnapshot(store.root, layer, reads.layer_versions(store, layer), store.version(GOALS_TABLE))


def public_snapshot(store: Store) -> PublicSnapshot:
    """What the public's figures depend on: the published layer, the goals and partnerships tables, and k."""
    return PublicSnapshot(
        store.root,
        "published",
        reads.layer_versions(store, "published"),
        store.version(GOALS_TABLE),
        store.version(PARTNERSHIPS_TABLE),
        min_cell_count(),
    )


@st.cache_data(show_spinner=False, max_entries=128)
def table_at(root: str, table: str, version: int) -> pd.DataFrame:
    """A whole table at a version (cached: the same object for every page of every session, as a copy)."""
    return Store(root).read(table, version=version)


def read_table(store: Store, table: str) -> pd.DataFrame:
    """A whole table, cached by its current version: a new commit is seen on the next rerun. For the small tables
    (partnerships, goals); indicator tables are read by what a view needs (:func:`read_rows`, the summaries)."""
    return table_at(store.root, table, store.version(table))


def read_partnerships(store: Store) -> pd.DataFrame:
    """The partnerships table."""
    return read_table(store, PARTNERSHIPS_TABLE)


@st.cache_data(show_spinner=False, max_entries=32)
def _partnership_colours(root: str, version: int) -> dict[str, str]:
    return partnership_colours(table_at(root, PARTNERSHIPS_TABLE, version)["partnership_id"].astype(str))


def read_partnership_colours(store: Store) -> dict[str, str]:
    """Each partnership's own colour (``chart_style.partnership_colours`` of every id of the partnerships table):
    the one assignment every page, public or staff, and every embed and export draws with."""
    return _partnership_colours(store.root, store.version(PARTNERSHIPS_TABLE))


def read_goals(store: Store) -> pd.DataFrame:
    """The goals table."""
    return read_table(store, GOALS_TABLE)


# ---- indicator rows: only what a view needs, cached by table version ---------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def rows_at(
    root: str,
    layer: Layer,
    versions: Versions,
    partnership_ids: tuple[str, ...] | None,
    indicator_ids: tuple[str, ...] | None,
) -> dict[str, pd.DataFrame]:
    """The rows of some partnerships and/or indicators of a layer at its versions, one frame per dataset."""
    return reads.read_rows(
        Store(root),
        layer,
        versions,
        partnership_ids=partnership_ids,
        indicator_ids=indicator_ids,
    )


def read_rows(
    store: Store,
    layer: Layer,
    *,
    partnership_ids: Sequence[str] | None = None,
    indicator_ids: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The rows of some partnerships and/or indicators, one frame per dataset, read with the filter pushed down to
    the files and cached by the tables' versions (``reads.read_rows``)."""
    return rows_at(
        store.root,
        layer,
        reads.layer_versions(store, layer),
        None if partnership_ids is None else tuple(sorted(set(partnership_ids))),
        None if indicator_ids is None else tuple(sorted(set(indicator_ids))),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _slices(root: str, table: str, version: int) -> pd.DataFrame:
    rows = Store(root).read(table, version=version, columns=["partnership_id", "year", "quarter"])
    return rows.drop_duplicates(ignore_index=True)


def read_slices(store: Store, dataset: str, layer: Layer) -> pd.DataFrame:
    """The (partnership, year, quarter) slices a table holds: partnership_id, year, quarter (three columns read)."""
    table = indicator_table(dataset, layer)
    return _slices(store.root, table, store.version(table))


# ---- the audit and the review ------------------------------------------------------------------------------------


AuditVersions = tuple[tuple[str, int], ...]
"""What the audit depends on (``Store.audit_versions``): the version of every table whose commits carry audit
records, and of the audit table."""


@st.cache_data(show_spinner=False, max_entries=4)
def audit_at(root: str, versions: AuditVersions) -> pd.DataFrame:
    """The audit log as of the tables' versions, newest first (``Store.read_audit``)."""
    return Store(root).read_audit(dict(versions))


def read_audit(store: Store) -> pd.DataFrame:
    """The audit log, newest first (``Store.read_audit``: the records in the data commits and the audit table's
    rows), read once per versions of the tables."""
    return audit_at(store.root, store.audit_versions())


def read_upload_history(store: Store) -> pd.DataFrame:
    """Every upload attempt, newest first: the commits (``read_audit``, cached) and the uploads that wrote no data,
    rejected or unchanged (events in the accounts database, read on every run: they change no table version)."""
    history = pd.concat([read_audit(store), read_attempts(store)], ignore_index=True)
    return history.sort_values("committed_at", ascending=False, ignore_index=True, kind="stable")


@st.cache_data(show_spinner=False, max_entries=4)
def _publishing_history(root: str, versions: AuditVersions, names: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    audit = audit_at(root, versions)
    history = audit[audit["action"].isin(["publish", "reject", "unpublish", "waive"])]  # waive: an explanation
    history = history[["committed_at", "user", "action", "dataset", "slices", "message"]]
    named = dict(names)  # a seed's publish names thousands of quarters: the first few, in words, and a count
    return history.assign(slices=history["slices"].map(lambda text: slices_summary(text, names=named)))


def read_publishing_history(store: Store) -> pd.DataFrame:
    """Publish, reject and unpublish actions and waived explanations, newest first, each action's quarters summarised
    in words (``slices_summary``: partnership names, "2024 Q1")."""
    partnerships = read_partnerships(store)
    names = tuple(zip(partnerships["partnership_id"].astype(str), partnerships["name"].astype(str), strict=True))
    return _publishing_history(store.root, store.audit_versions(), names)


@st.cache_data(show_spinner=False, max_entries=4)
def _pending(root: str, versions: AuditVersions, change_factor: float) -> pd.DataFrame:
    return pending_slices(Store(root))


def read_pending(store: Store) -> pd.DataFrame:
    """``review.pending_slices`` of the store, worked out once per versions of the indicator tables (whose commits
    carry the uploads' and releases' audit records) and the audit table."""
    tables = [*(indicator_table(d, layer) for d in DATASETS for layer in ("submitted", "published")), AUDIT_TABLE]
    with st.spinner("Comparing the submitted quarters with the published ones…"):  # shown after half a second
        return _pending(store.root, tuple(store.versions(tables).items()), UploadSettings.from_env().change_factor)


@st.cache_data(show_spinner=False, max_entries=64)
def _slice_changes(root: str, dataset: str, text: str, versions: AuditVersions) -> SliceChanges:
    return slice_changes(Store(root), dataset, Slice.parse(text))


def read_slice_changes(store: Store, dataset: str, target: Slice) -> SliceChanges:
    """``review.slice_changes`` of one pending slice, worked out once per versions of the dataset's two tables."""
    tables = [indicator_table(dataset, layer) for layer in ("submitted", "published")]
    return _slice_changes(store.root, dataset, str(target), tuple(store.versions(tables).items()))


# ---- sample data -------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _is_sample(root: str, version: int) -> bool:
    return shows_sample_data(Store(root))  # the partnerships table's newest commits, not the whole audit


def is_sample(store: Store) -> bool:
    """True while the store shows the bundled synthetic sample data."""
    return _is_sample(store.root, store.version(PARTNERSHIPS_TABLE))
