"""Cached reads of the reporting status: the status of every expected (partnership, dataset, quarter), worked out
once per :class:`StatusKey` (the tables' versions, the clock's day and the due-days setting) and shared by every
session; and the officers of each partnership (the accounts database, asked on every run: it has no table version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.analytics.reporting_status import officers_by_partnership, reporting_status, slice_times
from dashboard.intake.reporting import officer_accounts, reporting_inputs
from dashboard.settings import due_days
from dashboard.storage import reads
from dashboard.storage.reads import Versions
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE
from dashboard.web.table_reads import AuditVersions, audit_at


@dataclass(frozen=True)
class StatusKey:
    """What the reporting status depends on: the store, the partnerships table's version, both layers' versions,
    the audit's versions, the clock's day and the due-days setting."""

    root: str
    partnerships_version: int
    submitted: Versions
    published: Versions
    audit: AuditVersions
    today: date
    due_days: int


def status_key(store: Store, today: date) -> StatusKey:
    """The key of the reporting status of ``store`` as it is now, on ``today``."""
    return StatusKey(
        store.root,
        store.version(PARTNERSHIPS_TABLE),
        reads.layer_versions(store, "submitted"),
        reads.layer_versions(store, "published"),
        store.audit_versions(),
        today,
        due_days(),
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _status(key: StatusKey) -> pd.DataFrame:
    inputs = reporting_inputs(Store(key.root), audit_at(key.root, key.audit))
    return reporting_status(
        inputs.partnerships,
        inputs.submitted,
        inputs.published,
        slice_times(inputs.audit),
        today=key.today,
        default_due_days=key.due_days,
    )


def read_reporting_status(store: Store, today: date) -> pd.DataFrame:
    """``reporting_status`` of every partnership from its start through ``today``'s quarter, cached by
    :func:`status_key`."""
    with st.spinner("Working out who has reported which quarter…"):  # shown after half a second
        return _status(status_key(store, today))


def read_officers(store: Store) -> dict[str, list[str]]:
    """The e-mails of the enabled officers assigned to each partnership."""
    return officers_by_partnership(officer_accounts(store))
