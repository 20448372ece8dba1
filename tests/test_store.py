"""The Delta Lake store on real tables in temporary folders: round trips, slice replacement, history, audit."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from dashboard.storage.audit import CommitAudit
from dashboard.storage.slices import Slice, slice_predicate, slices_of
from dashboard.storage.store import DEFAULT_STORE, Store, StoreError
from dashboard.storage.tables import AUDIT_TABLE, TABLE_SCHEMAS


def rows(partnership: str, year: int, quarter: int, values: list[float], indicator: str = "new_hires") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": partnership,
            "year": year,
            "quarter": quarter,
            "indicator_id": indicator,
            "dimension": ["total"] + ["gender"] * (len(values) - 1),
            "category": ["total", "woman", "man", "non_binary"][: len(values)],
            "value": values,
            "note": [None] * len(values),
        }
    )


def test_create_tables_makes_every_table_empty(empty_store: Store) -> None:
    assert empty_store.is_initialised()
    assert set(empty_store.versions()) == set(TABLE_SCHEMAS)
    frame = empty_store.read_indicators("workforce", "submitted")
    assert frame.empty and list(frame.columns) == list(TABLE_SCHEMAS["submitted/workforce"].names)


def test_round_trip_keeps_values_and_types(empty_store: Store) -> None:
    frame = rows("att-imago", 2024, 1, [10, 6, 4])
    frame.loc[1, "note"] = "estimated"
    empty_store.commit_indicators(frame, "workforce", user="officer@example.org", source_name="q1.csv")
    back = empty_store.read_indicators("workforce", "submitted").sort_values("category", ignore_index=True)
    assert back["value"].tolist() == [4.0, 10.0, 6.0]  # man, total, woman
    assert back["note"].tolist()[2] == "estimated"
    assert back.dtypes.to_dict() == {
        "partnership_id": "string",
        "year": "int64",
        "quarter": "int64",
        "indicator_id": "string",
        "dimension": "string",
        "category": "string",
        "value": "float64",
        "note": "string",
    }


def test_a_commit_replaces_exactly_its_slices(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(
        pd.concat([rows("att-imago", 2024, 1, [10, 6]), rows("att-imago", 2024, 2, [20]), rows("pge", 2024, 1, [5])]),
        "workforce",
        user="a",
    )
    before = store.version("submitted/workforce")
    result = store.commit_indicators(rows("att-imago", 2024, 1, [99]), "workforce", user="b")
    assert result.slices == (Slice("att-imago", 2024, 1),)
    assert result.version == before + 1
    now = store.read_indicators("workforce", "submitted")
    by_slice = now.groupby(["partnership_id", "quarter"])["value"].apply(sorted).to_dict()
    assert by_slice == {("att-imago", 1): [99.0], ("att-imago", 2): [20.0], ("pge", 1): [5.0]}
    old = store.read_indicators("workforce", "submitted", version=before)
    assert sorted(old[old["quarter"] == 1]["value"]) == [5.0, 6.0, 10.0]


def test_other_datasets_and_layers_are_untouched(empty_store: Store) -> None:
    empty_store.commit_indicators(rows("att-imago", 2024, 1, [10]), "workforce", user="a")
    assert empty_store.read_indicators("workforce", "published").empty
    assert empty_store.read_indicators("education", "submitted").empty
    assert empty_store.version("published/workforce") == 0


def test_a_failed_commit_leaves_every_table_as_it_was(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(rows("att-imago", 2024, 1, [10]), "workforce", user="a")
    versions = store.versions()
    bad = rows("att-imago", 2024, 1, [1]).assign(value=["not a number"])
    with pytest.raises(StoreError, match="types"):
        store.commit_indicators(bad, "workforce", user="b")
    with pytest.raises(StoreError, match="columns"):
        store.commit_indicators(rows("att-imago", 2024, 1, [1]).drop(columns=["note"]), "workforce", user="b")
    with pytest.raises(StoreError, match="no rows"):
        store.commit_indicators(rows("att-imago", 2024, 1, [1]).iloc[0:0], "workforce", user="b")
    assert store.versions() == versions
    assert store.read_indicators("workforce", "submitted")["value"].tolist() == [10.0]


def test_publish_copies_slices_to_the_published_layer(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(pd.concat([rows("a", 2024, 1, [10, 4]), rows("a", 2024, 2, [12])]), "workforce", user="o")
    store.publish("workforce", [Slice("a", 2024, 1)], user="reviewer")
    published = store.read_indicators("workforce", "published")
    assert sorted(published["value"]) == [4.0, 10.0]
    with pytest.raises(StoreError, match="nothing submitted for a:2025Q1"):
        store.publish("workforce", [Slice("a", 2025, 1)], user="reviewer")


def test_every_commit_is_audited(empty_store: Store) -> None:
    store = empty_store
    result = store.commit_indicators(
        rows("att-imago", 2024, 1, [10, 6]), "workforce", user="officer", source_name="q1.csv", source_sha256="ab" * 32
    )
    audit = store.read_audit()
    assert len(audit) == 1
    entry = audit.iloc[0]
    assert entry["commit_id"] == result.commit_id
    assert (entry["user"], entry["action"], entry["outcome"], entry["dataset"]) == (
        "officer",
        "upload",
        "accepted",
        "workforce",
    )
    assert (entry["source_name"], entry["source_sha256"], entry["rows"]) == ("q1.csv", "ab" * 32, 2)
    assert json.loads(entry["slices"]) == ["att-imago:2024Q1"]
    assert entry["table_version"] == store.version("submitted/workforce")
    assert entry["via"] == "app"
    assert store.version(AUDIT_TABLE) == 0  # the record is in the data commit itself: no second write
    commit = DeltaTable(store.uri("submitted/workforce")).history(1)[0]
    assert CommitAudit.from_metadata(commit) == CommitAudit(
        commit_id=result.commit_id,
        user="officer",
        action="upload",
        dataset="workforce",
        source_name="q1.csv",
        source_sha256="ab" * 32,
        slices=(Slice("att-imago", 2024, 1),),
        rows=2,
    )


def test_history_and_restore(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [10]), "workforce", user="o")
    store.commit_indicators(rows("a", 2024, 1, [11]), "workforce", user="o")
    history = store.history("submitted/workforce")
    assert history["version"].tolist() == [2, 1, 0]
    assert history.loc[0, "user"] == "o"
    store.restore("submitted/workforce", 1, user="admin")
    assert store.read_indicators("workforce", "submitted")["value"].tolist() == [10.0]
    assert store.read_audit().iloc[0]["action"] == "restore"


def test_reads_filter_rows_and_columns(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(pd.concat([rows("a", 2023, 1, [1]), rows("b", 2024, 1, [2])]), "workforce", user="o")
    frame = store.read_indicators("workforce", "submitted", partnership_ids=["b"], columns=["partnership_id", "value"])
    assert frame.to_dict("list") == {"partnership_id": ["b"], "value": [2.0]}
    assert store.read_indicators("workforce", "submitted", years=[2023])["partnership_id"].tolist() == ["a"]


def test_slice_predicates_quote_ids() -> None:
    predicate = slice_predicate([Slice("o'brien", 2024, 1), Slice("a", 2024, 1), Slice("a", 2023, 4)])
    assert predicate == (
        "(year = 2023 AND quarter = 4 AND partnership_id IN ('a')) OR "
        "(year = 2024 AND quarter = 1 AND partnership_id IN ('a', 'o''brien'))"
    )
    assert str(Slice.parse("a-b:2024Q3")) == "a-b:2024Q3"
    assert slices_of(rows("x", 2024, 2, [1, 2])) == (Slice("x", 2024, 2),)


def test_store_location_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("IMPACT_STORE", raising=False)
    assert Store.from_env().root == str(DEFAULT_STORE)
    monkeypatch.setenv("IMPACT_STORE", str(tmp_path / "elsewhere"))
    assert Store.from_env().root == str(tmp_path / "elsewhere")
    assert Store.from_env("s3://bucket/impact").root == "s3://bucket/impact"
    assert not Store.from_env("s3://bucket/impact").is_local


def test_reading_a_missing_store_says_what_to_do(tmp_path) -> None:
    with pytest.raises(StoreError, match="python -m dashboard init"):
        Store(tmp_path / "nothing").read_partnerships()


def test_versions_follow_commits_made_elsewhere(empty_store: Store) -> None:
    """``version`` keeps each table's log open and reads only new commits: it must still see every commit, whether
    another ``Store`` of this process or another process made it."""
    import subprocess
    import sys
    from pathlib import Path

    from dashboard.storage.tables import indicator_table
    from tests.store_worker import frame

    table = indicator_table("workforce", "submitted")
    reader = Store(empty_store.root)
    first = reader.version(table)
    Store(empty_store.root).commit_indicators(frame("p-one", 3, 1.0), "workforce", user="t")
    assert reader.version(table) == first + 1
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "tests.store_worker", empty_store.root, "p-two", "3", "2", "2"], cwd=root, check=True
    )
    assert reader.version(table) == first + 3
    assert reader.version(table) == reader._table(table).version()  # the same answer as opening the log afresh


def test_read_audit_follows_new_commits_and_reads_older_versions(empty_store: Store) -> None:
    store = empty_store
    first = store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    assert store.read_audit()["commit_id"].tolist() == [first.commit_id]
    versions = dict(store.audit_versions())
    second = store.commit_indicators(rows("a", 2024, 2, [2]), "workforce", user="two")
    third = store.commit_indicators(rows("b", 2024, 1, [3]), "education", user="three")
    audit = Store(store.root).read_audit()  # another Store object of the same root: the cache is per table
    assert audit["commit_id"].tolist() == [third.commit_id, second.commit_id, first.commit_id]
    assert audit["table_version"].tolist() == [1, 2, 1]
    assert store.read_audit(versions)["commit_id"].tolist() == [first.commit_id]  # as of the versions seen before


def test_read_audit_merges_the_audit_table_of_older_stores(empty_store: Store) -> None:
    """Before the records moved into the commits, a data commit carried only its commit id and user, and a second
    write appended the rest to the audit table; a process killed between the two left the row out."""
    from deltalake import CommitProperties, write_deltalake

    from dashboard.storage.tables import INDICATOR_SCHEMA

    store = empty_store
    uri = store.uri("submitted/workforce")

    def old_commit(commit_id: str, user: str, values: list[float]) -> None:
        data = pa.Table.from_pandas(rows("a", 2024, 1, values), schema=INDICATOR_SCHEMA, preserve_index=False)
        write_deltalake(
            uri,
            data,
            mode="overwrite",
            commit_properties=CommitProperties(custom_metadata={"commit_id": commit_id, "user": user}),
        )

    old_commit("old-1", "ana", [1])
    store.record_audit(
        commit_id="old-1", user="ana", action="upload", outcome="accepted", table="submitted/workforce",
        dataset="workforce", source_name="q1.csv", rows=1, table_version=1,
    )  # fmt: skip
    old_commit("old-2", "bob", [2])  # killed before its audit row
    store.record_audit(commit_id="rejected-1", user="cy", action="upload", outcome="rejected", dataset="workforce")
    new = store.commit_indicators(rows("a", 2024, 1, [3]), "workforce", user="dee", source_name="q1-fix.csv")
    # a stray audit-table row for the version the new commit describes itself loses to the commit's own record
    store.record_audit(
        commit_id="stray", user="zed", action="upload", outcome="accepted", table="submitted/workforce", table_version=3
    )
    audit = store.read_audit().set_index("commit_id")
    assert set(audit.index) == {"old-1", "old-2", "rejected-1", new.commit_id}
    assert audit.loc["old-1", ["user", "action", "source_name", "table_version"]].tolist() == [
        "ana",
        "upload",
        "q1.csv",
        1,
    ]
    assert audit.loc["old-2", "user"] == "bob" and pd.isna(audit.loc["old-2", "action"])  # what its commit knows
    assert audit.loc["old-2", "table_version"] == 2
    assert audit.loc["rejected-1", "outcome"] == "rejected"
    assert audit.loc[new.commit_id, ["user", "source_name", "table_version", "via"]].tolist() == [
        "dee", "q1-fix.csv", 3, "app",
    ]  # fmt: skip


def test_a_store_made_for_the_command_line_records_it(empty_store: Store) -> None:
    store = Store(empty_store.root, via="command-line")
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="operator as stated")
    assert store.read_audit().iloc[0][["user", "via"]].tolist() == ["operator as stated", "command-line"]
    with pytest.raises(ValueError, match="via"):
        CommitAudit(user="u", action="upload", via="telepathy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ('["att-imago:2024Q1", "pge:2025Q4"]', '["att-imago:2024Q1", "pge:2025Q4"]'),
        ('["att-imago:2024q1"]', '["att-imago:2024Q1"]'),  # written another way: read as a slice and written out
        ('["no quarter here"]', "[]"),
        ("not json", "[]"),
        (None, "[]"),
    ],
)
def test_a_commits_slices_are_its_own_text_when_valid(raw: str | None, text: str) -> None:
    from dashboard.storage.audit import slices_text

    assert slices_text({"slices": raw}) == text
