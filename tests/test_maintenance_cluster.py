"""``optimize --cluster``: the indicator tables rewritten in partnership order, so a one-partnership read opens only the
row groups of that partnership; the rows, the audit and the read model stay right."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from dashboard.cli import main
from dashboard.queries import read_model
from dashboard.storage.maintenance import optimize_store
from dashboard.storage.store import Store
from dashboard.storage.tables import indicator_table

TABLE = indicator_table("workforce", "submitted")
PARTNERSHIP = "pge-green-for-all"


def rows_read_for(store: Store, table: str, partnership_id: str) -> tuple[int, int]:
    """How many rows a read of one partnership decodes (those of the row groups whose statistics may hold it), of
    how many rows the table has."""
    naming = total = 0
    for uri in DeltaTable(store.uri(table)).file_uris():
        metadata = pq.ParquetFile(uri).metadata
        column = metadata.schema.to_arrow_schema().get_field_index("partnership_id")
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            statistics = row_group.column(column).statistics
            total += row_group.num_rows
            unknown = statistics is None or not statistics.has_min_max
            if unknown or statistics.min <= partnership_id <= statistics.max:
                naming += row_group.num_rows
    return naming, total


def sorted_rows(store: Store, table: str) -> pd.DataFrame:
    rows = store.read(table)
    return rows.sort_values(list(rows.columns), ignore_index=True)


def test_clustering_keeps_the_rows_and_a_partnership_reads_only_its_row_groups(sample_store: Store) -> None:
    before = sorted_rows(sample_store, TABLE)
    read_before, total = rows_read_for(sample_store, TABLE, PARTNERSHIP)
    partitions = len(DeltaTable(sample_store.uri(TABLE)).file_uris())
    read_model.refresh_all(sample_store, k=10)

    results = optimize_store(sample_store, user="ops", tables=[TABLE], cluster=True, cluster_row_group_rows=200)

    assert [r.clustered for r in results] == [True] and results[0].problem is None
    pd.testing.assert_frame_equal(sorted_rows(sample_store, TABLE), before)  # the same rows
    read, total_after = rows_read_for(sample_store, TABLE, PARTNERSHIP)
    own_rows = int((before["partnership_id"] == PARTNERSHIP).sum())
    assert total_after == total and read_before > 2 * own_rows  # before: most of the table for one partnership
    assert own_rows <= read <= own_rows + 2 * 200 * partitions  # after: its rows and a row group's either side
    audit = sample_store.read_audit()
    assert audit.loc[audit["table"] == TABLE, "message"].str.contains("clustered by partnership").any()
    # a clustering changes no row: the read model is brought forward without computing anything again
    assert read_model.refresh(sample_store, "submitted").partnerships == 0
    source = read_model.compute_summary(
        sample_store, "submitted", read_model.current_sources(sample_store, "submitted")
    )
    kept = read_model.summary_at(sample_store, "submitted", read_model.current_sources(sample_store, "submitted"))
    pd.testing.assert_frame_equal(kept.goals, source.goals)
    for dataset, frame in source.headline.items():
        pd.testing.assert_frame_equal(kept.headline[dataset], frame)


def test_the_command_clusters_on_request_and_says_so(sample_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    version = sample_store.version(TABLE)
    assert main(["optimize", "--store", sample_store.root, "--user", "ops", "--cluster", "--dry-run", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    planned = {t["table"]: t for t in payload["tables"]}
    assert planned[TABLE]["clustered"] and sample_store.version(TABLE) == version  # a dry run writes nothing

    assert main(["optimize", "--store", sample_store.root, "--user", "ops", "--json"]) == 0
    plain = {t["table"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert not any(t["clustered"] for t in plain.values())  # only on request

    assert main(["optimize", "--store", sample_store.root, "--user", "ops", "--cluster"]) == 0
    assert "clustered by partnership" in capsys.readouterr().out
    assert sample_store.version(TABLE) > version
