"""Cached reads of the public side: public partnerships, their published rows with small counts suppressed, their
goals made safe, the portal's list, downloads and when each partnership's figures last changed.

Every result is cached by the published layer's versions, the partnerships table's version (which partnerships are
public) and k.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.public.published import (
    PublicGoal,
    download_bytes,
    download_frame,
    last_updated,
    public_goals,
    public_partnerships,
    public_rows,
)
from dashboard.queries import portal, portfolio
from dashboard.settings import min_cell_count
from dashboard.storage import reads
from dashboard.storage.reads import Versions
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE
from dashboard.web.portfolio_reads import public_goal_rows, summary_coverage, whole_summary
from dashboard.web.table_reads import (
    AuditVersions,
    PublicSnapshot,
    audit_at,
    public_snapshot,
    read_partnerships,
    table_at,
)


def read_public_partnerships(store: Store) -> pd.DataFrame:
    """The partnerships whose figures the public may see, sorted by name."""
    return public_partnerships(read_partnerships(store))


@st.cache_data(show_spinner=False, max_entries=32)
def _public_rows(
    root: str, versions: Versions, partnerships_version: int, ids: tuple[str, ...], k: int
) -> pd.DataFrame:
    store = Store(root)
    partnerships = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    published = reads.concat_rows(reads.read_rows(store, "published", versions, partnership_ids=ids))
    return public_rows(published, partnerships, k)


def read_public_rows(store: Store, partnership_ids: Sequence[str]) -> pd.DataFrame:
    """What the public may see of some partnerships: their published rows (every dataset in one frame) if they are
    public, small counts suppressed, with a ``suppression`` column (``published.public_rows`` of just their rows,
    which is what it gives them among all rows: suppression never looks beyond a partnership). Cached by version."""
    return _public_rows(
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        tuple(sorted(set(partnership_ids))),
        min_cell_count(),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _public_goals(key: PublicSnapshot, ids: tuple[str, ...]) -> list[PublicGoal]:
    store = Store(key.root)
    partnerships = store.read(PARTNERSHIPS_TABLE, version=key.partnerships_version)
    goals = store.read(GOALS_TABLE, version=key.goals_version)
    evaluated = whole_summary(key).goals
    wanted = goals[goals["partnership_id"].isin(list(portfolio.public_ids(partnerships)))]
    chosen = wanted["partnership_id"].isin(list(ids)).to_numpy()
    rows = reads.concat_rows(reads.read_rows(store, "published", key.versions, partnership_ids=ids))
    return public_goals(wanted[chosen], rows, partnerships, key.k, evaluated=evaluated[chosen].reset_index(drop=True))


def read_public_goals(store: Store, partnership_ids: Sequence[str]) -> list[PublicGoal]:
    """Goals of some public partnerships with status from the published layer and annual points made safe
    (``published.public_goals``, each goal's row as it is among every public goal). Cached by version."""
    return _public_goals(public_snapshot(store), tuple(sorted(set(partnership_ids))))


@st.cache_data(show_spinner=False, max_entries=8)
def _portal_index(key: PublicSnapshot, audit_versions: AuditVersions) -> portal.PortalIndex:
    partnerships = public_partnerships(table_at(key.root, PARTNERSHIPS_TABLE, key.partnerships_version))
    coverage = summary_coverage(key)
    reported = set(coverage["partnership_id"])
    reporting = [pid for pid in partnerships["partnership_id"] if pid in reported]
    updated = last_updated(audit_at(key.root, audit_versions), reporting)
    return portal.portal_index(partnerships, coverage, public_goal_rows(key), updated)


def read_portal_index(store: Store) -> portal.PortalIndex:
    """The portal's list of public partnerships that report (``portal.portal_index``), cached by version."""
    return _portal_index(public_snapshot(store), store.audit_versions())


@st.cache_data(show_spinner=False, max_entries=32)
def _public_download_table(
    root: str, versions: Versions, partnerships_version: int, partnership_id: str, k: int
) -> pd.DataFrame:
    rows = _public_rows(root, versions, partnerships_version, (partnership_id,), k)
    partnerships = public_partnerships(table_at(root, PARTNERSHIPS_TABLE, partnerships_version))
    return download_frame(rows, partnerships, k)


def read_public_download_table(store: Store, partnership_id: str) -> pd.DataFrame:
    """A public partnership's download (``published.download_frame`` of its public rows), cached by version."""
    return _public_download_table(
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        partnership_id,
        min_cell_count(),
    )


def _public_download(
    root: str, versions: Versions, partnerships_version: int, fmt: str, about: pd.DataFrame, k: int
) -> bytes:
    """Every published figure of every public partnership as a public download (made when someone asks for it,
    from the versions the page showed)."""
    store = Store(root)
    every = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    partnerships = public_partnerships(every)
    ids = list(partnerships["partnership_id"])
    published = reads.concat_rows(reads.read_rows(store, "published", versions, partnership_ids=ids))
    table = download_frame(public_rows(published, every, k), partnerships, k)
    return download_bytes(table, fmt, about=about)


def public_download(store: Store, fmt: str, about: pd.DataFrame, k: int) -> Callable[[], bytes]:
    """The download of every public figure in ``fmt``, for ``st.download_button(data=...)``: made on the click,
    not on every run of the page (at scale it is the whole published layer)."""
    versions = reads.layer_versions(store, "published")
    return partial(_public_download, store.root, versions, store.version(PARTNERSHIPS_TABLE), fmt, about, k)


@st.cache_data(show_spinner=False, max_entries=8)
def _last_updated(root: str, versions: AuditVersions, digest: str, _ids: tuple[str, ...]) -> dict[str, datetime | None]:
    return last_updated(audit_at(root, versions), _ids)


def read_last_updated(store: Store, partnership_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each partnership's published figures last changed (from the audit of publishing, which the published
    tables' commits carry). Cached by the audited tables' versions (``Store.audit_versions``) and the ids (keyed by a
    digest of them: thousands of ids are slow to hash one by one)."""
    ids = tuple(sorted(partnership_ids))
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    return _last_updated(store.root, store.audit_versions(), digest, ids)
