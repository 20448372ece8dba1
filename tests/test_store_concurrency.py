"""Concurrent commits all land; a process killed in the middle of a commit leaves a readable table at the previous or
the new version, never between. Real Delta tables, real threads and processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dashboard.storage.store import Store
from tests.store_worker import frame

ROOT = Path(__file__).resolve().parent.parent


def test_concurrent_commits_from_threads_all_land(empty_store: Store) -> None:
    partnerships = [f"p{i}" for i in range(8)]

    def commit(partnership: str) -> int:
        return empty_store.commit_indicators(frame(partnership, 50, 1.0), "workforce", user=partnership).version

    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(commit, partnerships))
    stored = empty_store.read_indicators("workforce", "submitted")
    assert sorted(stored["partnership_id"].unique()) == partnerships
    assert len(stored) == 8 * 50
    assert sorted(versions) == list(range(1, 9))
    audit = empty_store.read_audit()
    assert sorted(audit["user"]) == partnerships and set(audit["outcome"]) == {"accepted"}


def test_concurrent_commits_to_one_slice_leave_exactly_one_of_them(empty_store: Store) -> None:
    def commit(value: int) -> None:
        empty_store.commit_indicators(frame("same", 40, value), "workforce", user=f"u{value}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(commit, [1, 2, 3, 4]))
    stored = empty_store.read_indicators("workforce", "submitted")
    assert len(stored) == 40  # one whole upload, not a mix or a sum
    assert stored["value"].nunique() == 1
    assert empty_store.version("submitted/workforce") == 4


def test_concurrent_commits_from_processes_all_land(empty_store: Store) -> None:
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store_worker", empty_store.root, f"proc{i}", "200", str(i)], cwd=ROOT
        )
        for i in range(4)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    stored = empty_store.read_indicators("workforce", "submitted")
    assert stored.groupby("partnership_id").size().to_dict() == {f"proc{i}": 200 for i in range(4)}


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_a_process_killed_mid_commit_leaves_the_previous_or_the_new_version(empty_store: Store, delay: float) -> None:
    rows = 200_000
    empty_store.commit_indicators(frame("big", rows, 1.0), "workforce", user="setup")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.store_worker", empty_store.root, "big", str(rows), "100", "50"], cwd=ROOT
    )
    time.sleep(delay)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL  # it was still committing when killed
    store = Store(empty_store.root)
    stored = store.read_indicators("workforce", "submitted")
    assert len(stored) == rows
    assert stored["value"].nunique() == 1  # every row from one and the same commit
    assert stored["value"].iloc[0] in {1.0, *[100.0 + i for i in range(50)]}
    # the table is still writable after the kill
    store.commit_indicators(frame("big", 10, 7.0), "workforce", user="after")
    assert store.read_indicators("workforce", "submitted")["value"].tolist() == [7.0] * 10
