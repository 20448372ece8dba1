"""What the reporting status is worked out from, read from the store: the partnerships, the slices of both layers
with their fingerprints (``storage.layer_fingerprints``, kept in a derived table), the audit (when each slice was
submitted and published) and the officers assigned to each partnership (the accounts database).

The status itself is a pure computation (``dashboard.analytics.reporting_status``); the command line and the cached
reads of the web layer both start here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.access.accounts import list_users
from dashboard.storage.layer_fingerprints import layer_fingerprints
from dashboard.storage.store import Store
from dashboard.storage.tables import Layer
from data_contracts import DATASETS


@dataclass(frozen=True)
class ReportingInputs:
    """The tables the reporting status needs: ``partnerships`` (the reference table), ``submitted`` and
    ``published`` (one row per slice: dataset, partnership_id, year, quarter, rows, fingerprint) and ``audit``
    (``Store.read_audit``)."""

    partnerships: pd.DataFrame
    submitted: pd.DataFrame
    published: pd.DataFrame
    audit: pd.DataFrame


def layer_slices(store: Store, layer: Layer) -> pd.DataFrame:
    """Every slice of a layer with its dataset, row count and fingerprint (``layer_fingerprints`` of each dataset)."""
    frames = [layer_fingerprints(store, dataset, layer).assign(dataset=dataset) for dataset in DATASETS]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(
            {
                "dataset": pd.Series(dtype="string"),
                "partnership_id": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
                "quarter": pd.Series(dtype="int64"),
                "rows": pd.Series(dtype="Int64"),
                "fingerprint": pd.Series(dtype="UInt64"),
            }
        )
    return pd.concat(frames, ignore_index=True)


def reporting_inputs(store: Store, audit: pd.DataFrame | None = None) -> ReportingInputs:
    """The partnerships, both layers' slices and the audit of ``store`` as they are now (``audit``: the store's
    audit when the caller has read it already)."""
    return ReportingInputs(
        partnerships=store.read_partnerships(),
        submitted=layer_slices(store, "submitted"),
        published=layer_slices(store, "published"),
        audit=store.read_audit() if audit is None else audit,
    )


def officer_accounts(store: Store) -> pd.DataFrame:
    """The accounts (``list_users``: e-mail, role, partnerships, disabled; never a password hash): the officers and
    the partnerships they are assigned to."""
    return list_users(store)[["email", "role", "partnerships", "disabled"]]
