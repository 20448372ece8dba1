"""Who and what survive ``kill -9``: real processes commit uploads and are killed with SIGKILL at random moments,
round after round; afterwards every version of every data table still has its user, action and commit id.

Before the records moved into the commits, a commit wrote the data and then appended a row to the audit table: a
process killed between the two left a version that nobody had made, and the four-eyes rule then read the uploader of
an older upload. This test fails on that code (a kill lands between the two writes in most rounds)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from deltalake import DeltaTable

from dashboard.storage.audit import CommitAudit
from dashboard.storage.store import Store
from dashboard.storage.tables import AUDIT_TABLE, TABLE_SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4
WORKERS = 3
ROWS = 20
REPEAT = 10_000
"""Far more commits than a worker makes before it is killed: each is killed mid-work, never after finishing."""
TABLE = "submitted/workforce"
"""The table the workers commit to (``tests.store_worker``)."""


def store_version(store: Store) -> int:
    return DeltaTable(store.uri(TABLE)).version()


def test_every_version_keeps_its_who_and_what_through_kill_9(empty_store: Store) -> None:
    seed = int(time.time())
    chance = random.Random(seed)
    for round_number in range(ROUNDS):
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.store_worker",
                    empty_store.root,
                    f"r{round_number}w{number}",
                    str(ROWS),
                    str(number),
                    str(REPEAT),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for number in range(WORKERS)
        ]
        started = store_version(empty_store)
        deadline = time.monotonic() + 30
        while store_version(empty_store) < started + WORKERS and time.monotonic() < deadline:
            time.sleep(0.05)  # the workers are up (imports take a second or more) and committing
        time.sleep(chance.uniform(0, 0.6))
        for worker in workers:
            time.sleep(chance.uniform(0, 0.2))
            os.kill(worker.pid, signal.SIGKILL)
        for worker in workers:
            worker.wait(timeout=30)
            assert worker.returncode == -signal.SIGKILL, f"a worker finished before it was killed (seed {seed})"

    store = Store(empty_store.root)
    audit = store.read_audit()
    data_tables = [t for t in TABLE_SCHEMAS if t != AUDIT_TABLE and store.exists(t)]
    commits = 0
    for table in data_tables:
        rows = audit[audit["table"] == table]
        for version in range(1, store.version(table) + 1):  # version 0: the empty table, made before the workers
            described = rows[rows["table_version"] == version]
            assert len(described) == 1, f"{table} version {version} has no who/what in the audit (seed {seed})"
            entry = described.iloc[0]
            assert str(entry["user"]).startswith("worker-"), (table, version, seed)
            assert entry["action"] == "upload" and isinstance(entry["commit_id"], str), (table, version, seed)
            commits += 1
    assert commits >= ROUNDS, f"the workers hardly committed anything (seed {seed})"

    # and the record is in the commit itself, every version of every table (its creation included)
    for table in data_tables:
        for entry in DeltaTable(store.uri(table)).history():
            assert CommitAudit.from_metadata(entry) is not None, (table, entry.get("version"))
