"""Slice fingerprints kept in derived tables: the same as computed from the whole table after random commits,
publishes, withdrawals and restores, and computed again only for the partnerships a commit names."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from dashboard.storage import derived, layer_fingerprints
from dashboard.storage.layer_fingerprints import computed_fingerprints, fingerprints_table_name
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.storage.tables import indicator_table
from data_contracts import DATASETS

USER = "fingerprint-test"


def kept(store: Store, dataset: str, layer: str) -> pd.DataFrame:
    layer_fingerprints._KEPT.clear()  # a new process: nothing kept in memory, only the derived table
    return layer_fingerprints.layer_fingerprints(store, dataset, layer)


def whole(store: Store, dataset: str, layer: str) -> pd.DataFrame:
    return computed_fingerprints(store, dataset, layer, store.version(indicator_table(dataset, layer)))


def _slices(store: Store, dataset: str, layer: str) -> list[Slice]:
    rows = store.read(indicator_table(dataset, layer), columns=["partnership_id", "year", "quarter"])
    return sorted((Slice(str(p), int(y), int(q)) for p, y, q in rows.drop_duplicates().to_numpy()), key=str)


@pytest.mark.parametrize("seed", [4])
def test_kept_fingerprints_equal_the_whole_tables_after_random_changes(sample_store: Store, seed: int) -> None:
    rng = random.Random(seed)
    for dataset in DATASETS:
        for layer in ("submitted", "published"):
            pd.testing.assert_frame_equal(kept(sample_store, dataset, layer), whole(sample_store, dataset, layer))
    for _ in range(8):
        dataset = rng.choice(DATASETS)
        action = rng.choice(["commit", "commit", "publish", "withdraw", "restore"])
        if action == "commit":
            chosen = rng.choice(_slices(sample_store, dataset, "submitted"))
            rows = sample_store.read_indicators(dataset, "submitted", partnership_ids=[chosen.partnership_id])
            rows = rows[(rows["year"] == chosen.year) & (rows["quarter"] == chosen.quarter)]
            rows = rows.assign(value=rows["value"] * 2).reset_index(drop=True)
            sample_store.commit_indicators(rows, dataset, user=USER)
        elif action == "publish":
            sample_store.publish(dataset, rng.sample(_slices(sample_store, dataset, "submitted"), 2), user=USER)
        elif action == "withdraw":
            chosen = rng.choice(_slices(sample_store, dataset, "published"))
            sample_store.unpublish(dataset, [chosen], user=USER, reason="checking fingerprints")
        else:
            table = indicator_table(dataset, rng.choice(["submitted", "published"]))
            sample_store.restore(table, max(0, sample_store.version(table) - 2), user=USER)
        for layer in ("submitted", "published"):
            pd.testing.assert_frame_equal(kept(sample_store, dataset, layer), whole(sample_store, dataset, layer))
            stamp = derived.read_stamp(
                sample_store, fingerprints_table_name(dataset, layer), layer_fingerprints.FINGERPRINT_SCHEMA
            )
            assert stamp is not None and int(stamp[1]) == sample_store.version(indicator_table(dataset, layer))


def test_a_commit_recomputes_only_the_partnership_it_names(sample_store: Store, monkeypatch) -> None:
    kept(sample_store, "education", "submitted")
    rows = sample_store.read_indicators("education", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(value=lambda f: f["value"] + 1).reset_index(drop=True)
    sample_store.commit_indicators(rows, "education", user=USER)
    asked: list[object] = []
    original = layer_fingerprints.computed_fingerprints

    def counting(store, dataset, layer, version, partnership_ids=None):
        asked.append(partnership_ids)
        return original(store, dataset, layer, version, partnership_ids)

    monkeypatch.setattr(layer_fingerprints, "computed_fingerprints", counting)
    found = kept(sample_store, "education", "submitted")
    assert asked == [["att-imago"]]
    pd.testing.assert_frame_equal(found, whole(sample_store, "education", "submitted"))
