"""The benchmarks' bulk writer (the XL size's): the rows it writes for a few partnerships are those of the normal
generator, and DuckDB reading the written tables' Parquet files natively gives the product's overview figures. XL
itself is never generated here."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from benchmarks.generate import (
    DEFAULT_SEED,
    build_arrow_batch,
    build_batch,
    check_arrow_rows,
    generate_bulk,
    partnership_id,
)
from benchmarks.overview import check_same, duckdb_native_figures, product_figures, product_goal_points
from dashboard.storage.store import Store
from dashboard.storage.tables import INDICATOR_SCHEMA, indicator_table
from data_contracts import DATASETS

PARTNERSHIPS = 3
KEYS = ["partnership_id", "year", "quarter", "indicator_id", "dimension", "category"]


@pytest.fixture(scope="module")
def bulk_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("bulk") / "store")
    generate_bulk(store, PARTNERSHIPS, DEFAULT_SEED)
    return store


def test_arrow_rows_equal_the_generator_rows() -> None:
    indices = range(1, PARTNERSHIPS + 1)
    tables, goals = build_arrow_batch(DEFAULT_SEED, indices)
    batch = build_batch(DEFAULT_SEED, indices)
    assert goals == batch.goals
    for dataset in DATASETS:
        expected = pa.Table.from_pandas(batch.frames[dataset], schema=INDICATOR_SCHEMA, preserve_index=False)
        assert tables[dataset].num_rows > 0
        assert tables[dataset].equals(expected)
    check_arrow_rows(DEFAULT_SEED, indices, [partnership_id(i) for i in indices])  # validates them too


def test_both_layers_hold_the_generator_rows(bulk_store: Store) -> None:
    batch = build_batch(DEFAULT_SEED, range(1, PARTNERSHIPS + 1))
    for dataset in DATASETS:
        expected = batch.frames[dataset].sort_values(KEYS, ignore_index=True)
        for layer in ("submitted", "published"):
            stored = bulk_store.read(indicator_table(dataset, layer)).sort_values(KEYS, ignore_index=True)
            assert pa.Table.from_pandas(stored, schema=INDICATOR_SCHEMA, preserve_index=False).equals(
                pa.Table.from_pandas(expected, schema=INDICATOR_SCHEMA, preserve_index=False)
            )
    assert len(bulk_store.read_goals()) == len(batch.goals)
    audit = bulk_store.read_audit()
    seeded = audit[audit["dataset"].notna()]
    assert set(seeded["action"]) == {"seed", "publish"}
    assert seeded["rows"].sum() == 2 * sum(len(f) for f in batch.frames.values())


def test_duckdb_native_gives_the_products_figures(bulk_store: Store) -> None:
    product = product_figures(bulk_store)
    native = duckdb_native_figures(bulk_store)
    rows = pd.concat([bulk_store.read(indicator_table(d, "submitted")) for d in DATASETS], ignore_index=True)
    compared = check_same(product, native, product_goal_points(rows, product.goals))
    assert compared["annual_points"] > 0 and compared["goal_points"] > 0
    assert set(native.annual["year"]) == set(product.annual["year"])  # the partition column, read back
    assert native.versions[indicator_table(DATASETS[0], "submitted")] == bulk_store.version(
        indicator_table(DATASETS[0], "submitted")
    )
