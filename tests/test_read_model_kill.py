"""A ``kill -9`` in the middle of a derived-table update leaves pages correct.

Real processes (forked by ``tests/read_model_keeper.py``) keep the read model of a copy of the sample store up to
date without end, with the real code: they commit, restore and rebuild, and after each write bring the derived
summaries and fingerprints forward, as the app and the command line do. The test kills them with SIGKILL at seeded
moments: every other kill at a random moment of the loop, the others inside a derived table's write for certain
(the keeper is frozen with SIGSTOP every few milliseconds during a write until it has put files that no commit
refers to yet, and killed as it stands). After each kill:

- whatever a reader trusts (:func:`derived.read_state`, :func:`derived.read_stamp`) holds the numbers of the source
  versions it names;
- every variant's ``summary_at`` at the current sources equals ``compute_summary`` (today's path), and the kept
  fingerprints equal those computed from the whole table;

and at the end the overview page runs without an exception.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from dashboard.queries import read_model
from dashboard.settings import min_cell_count
from dashboard.storage import derived, layer_fingerprints
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, indicator_table
from data_contracts import DATASETS
from tests.conftest import app_as
from tests.read_model_checks import assert_same_summary

REPO = Path(__file__).resolve().parent.parent
KEEPER = REPO / "tests" / "read_model_keeper.py"
K = min_cell_count()
KILLS = 5
SEED = 16


def _k(variant: derived.Variant) -> int | None:
    return K if variant == "public" else None


def _start_keepers(store: Store, errors: Path) -> subprocess.Popen[str]:
    """The process that forks a keeper on each ``go`` (``tests/read_model_keeper.py``), importing; what goes wrong
    in it is written to ``errors``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "IMPACT_STORE": store.root}
    return subprocess.Popen(
        [sys.executable, str(KEEPER), store.root, str(K)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors.open("w"),
        text=True,
        cwd=REPO,
        env=env,
    )


_LOGGED: dict[Path, set[str]] = {}
"""The data files each commit file adds (a commit file never changes once written)."""


def _leftovers(root: Path) -> set[str]:
    """The files under the tables below ``root`` that no version refers to: what a write killed between putting its
    files and committing them leaves behind (data files, or a file not yet moved into place)."""
    found: set[str] = set()
    for log in root.rglob("_delta_log"):
        table = log.parent
        referred: set[str] = set()
        for entry in log.glob("*.json"):
            if entry not in _LOGGED:
                actions = [json.loads(line) for line in entry.read_text().splitlines() if line.strip()]
                _LOGGED[entry] = {unquote(a["add"]["path"]) for a in actions if "add" in a}
            referred |= _LOGGED[entry]
        for path in table.rglob("*"):
            relative = path.relative_to(table).as_posix()
            if path.is_dir() or relative in referred:
                continue
            if relative.startswith("_delta_log/"):
                name = relative.removeprefix("_delta_log/")
                if (
                    "/" in name
                    or name.endswith((".json", ".crc"))
                    or ".checkpoint." in name
                    or name.startswith("_last")
                ):
                    continue
            found.add(f"{table.relative_to(root).as_posix()}/{relative}")
    return found


def _check_pages_correct(store: Store, checked: set[tuple]) -> None:
    """What a page reads after the kill is right: a derived table a reader trusts holds the numbers of the source
    versions it names, and the current summaries (brought forward by the reader, as a page does) and fingerprints
    equal those computed from the source. ``checked`` holds the (derived version, source versions) already found
    right, so an unchanged table is not computed again."""
    for variant in derived.VARIANTS:
        sources = read_model.current_sources(store, variant, _k(variant))
        state = derived.read_state(store, variant)
        if state is not None and (variant, state.version, state.sources) in checked:
            continue
        if state is not None and state.sources != sources:  # a trusted table that is behind: right for its sources
            members = read_model.members_at(store, variant, state.sources)
            stored = read_model.summary_of(
                derived.read_summary_rows(store, variant, state.version),
                store.read(GOALS_TABLE, version=state.sources.goals),
                members,
            )
            assert_same_summary(stored, read_model.compute_summary(store, variant, state.sources, members))
        members = read_model.members_at(store, variant, sources)
        assert_same_summary(
            read_model.summary_at(store, variant, sources),
            read_model.compute_summary(store, variant, sources, members),
        )
        after = derived.read_state(store, variant)
        assert after is not None and after.sources == sources  # the reader brought it forward
        checked.add((variant, after.version, after.sources))
    for dataset in DATASETS:
        for layer in ("submitted", "published"):
            name = layer_fingerprints.fingerprints_table_name(dataset, layer)
            if not Path(derived.derived_uri(store, name)).exists():
                continue  # not kept yet: nothing a kill could have broken
            version = store.version(indicator_table(dataset, layer))
            stamp = derived.read_stamp(store, name, layer_fingerprints.FINGERPRINT_SCHEMA)
            if stamp is not None and (name, *stamp) in checked:
                continue
            if stamp is not None and int(stamp[1]) != version:  # trusted but behind: right for its version
                stored = derived.read_rows(store, name, stamp[0], layer_fingerprints.FINGERPRINT_SCHEMA)
                pd.testing.assert_frame_equal(
                    layer_fingerprints._typed(layer_fingerprints._from_arrow(stored)),
                    layer_fingerprints.computed_fingerprints(store, dataset, layer, int(stamp[1])),
                )
            layer_fingerprints._KEPT.clear()  # as a new process: only what the derived table holds
            pd.testing.assert_frame_equal(
                layer_fingerprints.layer_fingerprints(store, dataset, layer),
                layer_fingerprints.computed_fingerprints(store, dataset, layer, version),
            )
            stamp = derived.read_stamp(store, name, layer_fingerprints.FINGERPRINT_SCHEMA)
            assert stamp is not None and int(stamp[1]) == version
            checked.add((name, *stamp))


def _line(keepers: subprocess.Popen[str]) -> str:
    assert keepers.stdout is not None
    line = keepers.stdout.readline()
    assert line, "the keepers' process ended"
    return line.strip()


def _go(keepers: subprocess.Popen[str], seed: int) -> int:
    """Fork a keeper; its process id."""
    assert keepers.stdin is not None
    keepers.stdin.write(f"go {seed}\n")
    keepers.stdin.flush()
    found = _line(keepers)
    assert found.startswith("keeper "), found
    return int(found.split()[1])


def _kill(keepers: subprocess.Popen[str], pid: int) -> None:
    """SIGKILL the keeper, and check that it was working until then, not failed."""
    with contextlib.suppress(ProcessLookupError):  # it ended before: the line below says how
        os.kill(pid, signal.SIGKILL)
    while not (line := _line(keepers)).startswith("ended "):
        pass
    assert line == f"ended killed {int(signal.SIGKILL)}", line


def _state(pid: int) -> str:
    """A process's state in ``/proc`` (``T`` stopped, ``Z`` ended); ``X`` when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "X"
    return stat[stat.rindex(")") + 2]


def _freeze(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)
    while (state := _state(pid)) not in "Tt":  # until every thread is stopped
        assert state not in "ZX", "the keeper ended by itself"
        time.sleep(0.0002)


def _stop_inside_a_write(keepers: subprocess.Popen[str], pid: int, derived_root: Path, rng: random.Random) -> bool:
    """Freeze the keeper (SIGSTOP) while a derived table's write has put files that no commit refers to yet, so that
    the caller's SIGKILL lands inside the write for certain. From the start of a write (the keeper says ``write``)
    it is frozen every few milliseconds and looked at. True when caught inside a write within a few seconds."""
    known = _leftovers(derived_root)
    writes = rng.randint(1, 4)  # a different write each time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = _line(keepers)
        assert not line.startswith("ended "), line  # the keeper failed
        writes -= line == "write"
        if writes > 0 or line != "write":
            continue
        watched_until = time.monotonic() + 0.3  # a write takes some tens of milliseconds
        while time.monotonic() < watched_until:
            _freeze(pid)
            if _leftovers(derived_root) - known:
                return True  # the caller kills it as it stands
            os.kill(pid, signal.SIGCONT)
            time.sleep(rng.uniform(0.0005, 0.003))
        writes = 1  # missed that one: the next
    return False


def test_a_kill_in_the_middle_of_keeping_the_read_model_leaves_pages_correct(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    root = Path(sample_store.root)
    leftovers = _leftovers(root)
    assert not leftovers
    checked: set[tuple] = set()
    inside = 0  # kills that left files no version refers to
    aimed = 0
    errors = tmp_path / "keepers.err"
    keepers = _start_keepers(sample_store, errors)
    try:
        assert _line(keepers) == "ready"
        for kill in range(KILLS):
            pid = _go(keepers, rng.randrange(10**6))
            if kill % 2 == 0:  # inside a derived table's write
                aimed += _stop_inside_a_write(keepers, pid, root / "derived", rng)
            else:  # at a random moment of the loop: computing, reading or writing
                time.sleep(rng.uniform(0.1, 1.2))
            _kill(keepers, pid)
            found = _leftovers(root)
            inside += bool(found - leftovers)
            leftovers = found
            _check_pages_correct(sample_store, checked)
    finally:
        keepers.kill()
        keepers.communicate()
        print(errors.read_text(), file=sys.stderr)  # a keeper's failure, when one failed
    assert aimed == (KILLS + 1) // 2, aimed  # every aimed kill landed inside a write
    assert inside >= aimed, (inside, aimed)  # and left there files no version refers to

    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin").run()  # the overview
    assert not app.exception
