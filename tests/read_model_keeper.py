"""A writer that keeps the read model up to date without end, for ``test_read_model_kill.py`` to kill with SIGKILL.

Run as ``python tests/read_model_keeper.py STORE K``: it imports everything once, prints ``ready``, and for each
line ``go SEED`` forks a keeper, a process that loops on the store with the real code, as the app and the command
line do after a write: commit a changed quarter (or restore a table, change a partnership's visibility, compact and
vacuum the derived tables as ``optimize`` does, or rebuild the read model whole), then keep the derived tables
(``read_model.refresh_all`` and the fingerprints of the dataset). The test kills each keeper; forking spares
importing everything again for each kill. Each step prints one line, and each write of a derived table prints
``write`` as it starts, so the test sees it working and can kill it inside a write.
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from collections.abc import Callable
from typing import Any

from dashboard.queries import read_model
from dashboard.storage import derived, layer_fingerprints
from dashboard.storage.derived_maintenance import optimize_derived
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, indicator_table
from data_contracts import DATASETS

USER = "kill-test"


def keep_fingerprints(store: Store, datasets: list[str]) -> None:
    for dataset in datasets:
        for layer in ("submitted", "published"):
            layer_fingerprints._KEPT.clear()  # read the derived table, not this process's memory
            layer_fingerprints.layer_fingerprints(store, dataset, layer)


def commit_changed_quarter(store: Store, rng: random.Random, dataset: str) -> bool:
    rows = store.read(indicator_table(dataset, "submitted"))
    keys = (
        rows[["partnership_id", "year", "quarter"]].drop_duplicates().sort_values(["partnership_id", "year", "quarter"])
    )
    if keys.empty:
        return False
    partnership, year, quarter = keys.iloc[rng.randrange(len(keys))]
    part = rows[(rows["partnership_id"] == partnership) & (rows["year"] == year) & (rows["quarter"] == quarter)]
    part = part.assign(value=(part["value"] * rng.choice([0.5, 0.9, 1.1, 2.0])).round(0)).reset_index(drop=True)
    store.commit_indicators(part, dataset, user=USER)
    return True


def announced(write: Callable[..., None]) -> Callable[..., None]:
    """deltalake's writer, saying ``write`` first: the test can then kill this process inside a derived table's
    write rather than only somewhere in the loop (where the computing takes most of the time)."""

    def writing(*args: Any, **kwargs: Any) -> None:
        print("write", flush=True)
        write(*args, **kwargs)

    return writing


def keep(store: Store, rng: random.Random, k: int) -> None:
    """Write and keep the read model without end."""
    while True:
        dataset = rng.choice(DATASETS)
        step = rng.random()
        if step < 0.4:
            done = "commit" if commit_changed_quarter(store, rng, dataset) else "nothing"
        elif step < 0.5:
            table = indicator_table(dataset, rng.choice(["submitted", "published"]))
            version = store.version(table)
            if version >= 2:  # version 0 is the empty table
                store.restore(table, version - 1, user=USER)
            done = "restore"
        elif step < 0.6:  # a partnership leaves or joins the public variant
            partnerships = store.read(PARTNERSHIPS_TABLE)
            at = rng.randrange(len(partnerships))
            flipped = "private" if partnerships.loc[at, "visibility"] == "public" else "public"
            partnerships.loc[at, "visibility"] = flipped
            store.replace_reference(PARTNERSHIPS_TABLE, partnerships, user=USER)
            done = "visibility"
        elif step < 0.75:  # no reader runs meanwhile: every replaced file may go
            optimize_derived(store, min_retention_hours=0)
            done = "optimize"
        else:
            read_model.rebuild_all(store, k=k)
            done = "rebuild"
        read_model.refresh_all(store, k=k)
        keep_fingerprints(store, list(DATASETS) if done == "rebuild" else [dataset])
        print(done, flush=True)


def main(root: str, k: int) -> None:
    """Import once, then for each line ``go SEED`` on standard input fork a keeper (``keeper PID``), wait until it
    is killed and say how it ended (``ended killed N`` or ``ended exit N``)."""
    derived.write_deltalake = announced(derived.write_deltalake)  # every derived table's write, as it was
    print("ready", flush=True)
    for line in sys.stdin:
        seed = int(line.split()[1])
        pid = os.fork()
        if pid == 0:  # the keeper: a process of its own, with nothing of the store opened before
            try:
                keep(Store(root), random.Random(seed), k)
            except BaseException:  # noqa: BLE001 - said on standard error, for the test to show
                traceback.print_exc()
            finally:
                os._exit(1)
        print(f"keeper {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        ended = (
            f"killed {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.waitstatus_to_exitcode(status)}"
        )
        print(f"ended {ended}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
