"""Seeding a store with the bundled synthetic sample data, through the normal validate-and-commit path.

A fresh clone shows a full dashboard with no extra step: the first start finds an empty store, seeds it from
``sample_data/`` and publishes the sample quarters.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.intake.ingest import (
    ingest_file,
    ingest_goals_frame,
    ingest_partnerships_frame,
    read_plain_csv,
    sha256_of,
)
from dashboard.intake.milestones_admin import ingest_milestones_frame
from dashboard.storage.store import REPO_ROOT, Store, StoreError
from dashboard.storage.tables import MILESTONES_TABLE, PARTNERSHIPS_TABLE
from data_contracts import DATASETS, Finding

SAMPLE_DIR = REPO_ROOT / "sample_data"
SAMPLE_USER = "sample-data"
SEED_ACTION = "seed"


class SeedError(RuntimeError):
    """The sample data did not pass its contract; the message lists the first findings."""


@dataclass
class SeedReport:
    rows: dict[str, int] = field(default_factory=dict)
    slices_published: int = 0

    def summary(self) -> str:
        parts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return f"Seeded sample data ({parts} rows); published {self.slices_published:,} slices."


def _fail(name: str, findings: list[Finding]) -> SeedError:
    lines = [f"row {f.row}, {f.column}: {f.message}" for f in findings[:10]]
    return SeedError(f"sample file {name} does not pass its contract:\n" + "\n".join(lines))


def seed_sample(store: Store, *, sample_dir: Path = SAMPLE_DIR, today: date | None = None) -> SeedReport:
    """Load every sample file through its contract into the submitted layer, then publish all of it."""
    store.create_tables()
    report = SeedReport()
    steps = [("partnerships", ingest_partnerships_frame), ("goals", ingest_goals_frame)]
    for name, ingest in steps:
        report.rows[name] = _seed_reference_file(store, sample_dir / f"{name}.csv", ingest)
    seed_sample_milestones(store, report, sample_dir=sample_dir)
    for dataset in DATASETS:
        path = sample_dir / f"{dataset}.csv"
        upload, commit = ingest_file(
            store,
            path.read_bytes(),
            f"sample_data/{path.name}",
            dataset=dataset,
            user=SAMPLE_USER,
            today=today,
            action=SEED_ACTION,
        )
        if commit is None:
            raise _fail(path.name, upload.errors)
        store.publish(dataset, upload.slices, user=SAMPLE_USER)
        report.rows[dataset] = len(upload.frame)
        report.slices_published += len(upload.slices)
    return report


def _seed_reference_file(store: Store, path: Path, ingest: Callable[..., Any]) -> int:
    """Load one sample reference file through its contract (``ingest`` takes the store and the frame); the rows
    loaded. A sample file that fails its contract stops the seeding with the findings."""
    outcome = ingest(
        store,
        read_plain_csv(path),
        user=SAMPLE_USER,
        source_name=f"sample_data/{path.name}",
        source_sha256=sha256_of(path),
        action=SEED_ACTION,
    )
    if not outcome.accepted:
        raise _fail(path.name, outcome.validation.errors)
    return len(outcome.validation.frame)


def seed_sample_milestones(store: Store, report: SeedReport | None = None, *, sample_dir: Path = SAMPLE_DIR) -> None:
    """Load the sample milestones (``milestones.csv``, when the sample folder has one) through their contract into
    the milestones table."""
    path = sample_dir / "milestones.csv"
    if not path.exists():
        return
    rows = _seed_reference_file(store, path, ingest_milestones_frame)
    if report is not None:
        report.rows["milestones"] = rows


def is_empty(store: Store) -> bool:
    """True when the store has no partnerships yet (missing tables count as empty)."""
    if not store.exists(PARTNERSHIPS_TABLE):
        return True
    return store.read_partnerships().empty


@contextlib.contextmanager
def _seed_lock(store: Store) -> Iterator[None]:
    """Serialise first-start seeding between processes sharing a local store (object stores: no lock needed
    beyond Delta's own commit protocol, since seeding re-checks emptiness)."""
    if not store.is_local:
        yield
        return
    root = Path(store.root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".seed.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_store(store: Store, *, today: date | None = None) -> SeedReport | None:
    """Seed an empty store with the sample data; leave a store that holds data as it is (but give a store that
    still shows the sample data, made before milestones existed, the sample milestones).

    Returns the seed report when it seeded, else None.
    """
    if store.is_initialised() and not is_empty(store):
        _add_sample_milestones(store)
        return None
    with _seed_lock(store):
        if store.is_initialised() and not is_empty(store):
            return None
        return seed_sample(store, today=today)


def _add_sample_milestones(store: Store) -> None:
    """The sample milestones for a sample store made before the milestones table; any other store is left as it
    is (its milestones table is made on its first write)."""
    if store.exists(MILESTONES_TABLE) or not shows_sample_data(store):
        return
    with _seed_lock(store):
        if not store.exists(MILESTONES_TABLE):
            try:
                seed_sample_milestones(store)
            except SeedError:  # the sample's goals were changed since: no sample milestones
                return


UNCHANGING_ACTIONS = frozenset({"optimize"})
"""Audited commits that change no row (compaction, vacuum): the data on show stays what it was."""


def shows_sample_data(store: Store, audit: pd.DataFrame | None = None) -> bool:
    """True while the partnerships on show are the bundled sample's (the last partnerships commit was the seed).

    Read from the partnerships table's own newest commits (their audit records), not the whole audit, so a page
    asking does not read every table's history; ``audit``: the store's audit log (``Store.read_audit``) to decide
    from instead, as stores written before the records moved into the commits need."""
    if audit is None:
        try:
            history = store.history(PARTNERSHIPS_TABLE, limit=20)
        except StoreError:
            return False
        for action in history["action"] if not history.empty else []:
            if action is None or pd.isna(action):
                break  # a commit without its record: decide from the whole audit below
            if action not in UNCHANGING_ACTIONS:
                return bool(action == SEED_ACTION)
        try:
            audit = store.read_audit()
        except StoreError:
            return False
    accepted = audit[(audit["table"] == PARTNERSHIPS_TABLE) & (audit["outcome"] == "accepted")]
    accepted = accepted[~accepted["action"].isin(UNCHANGING_ACTIONS)]
    return not accepted.empty and accepted.iloc[0]["action"] == SEED_ACTION
