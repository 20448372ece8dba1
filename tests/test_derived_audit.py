"""The derived audit (``derived/audit``): ``Store.read_audit`` read from it gives exactly the frame read from every
table's history, after any sequence of commits, publishes, withdrawals, restores and reference changes, whoever
wrote last; it is brought forward by appending only the new commits' records, rebuilt whole when a table is not the
one it saw, and never makes a read fail."""

from __future__ import annotations

import json
import logging
import random
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import CommitProperties, write_deltalake

from dashboard.storage import derived_audit
from dashboard.storage.audit import AUDIT_READ_SCHEMA, AUDITED_TABLES, slices_text
from dashboard.storage.store import _DESCRIBED, Store
from dashboard.storage.tables import INDICATOR_SCHEMA
from tests.test_read_model import CHANGES
from tests.test_store import rows

USER = "audit-test"


def reference(store: Store, versions: dict[str, int] | None = None) -> pd.DataFrame:
    """Today's path: every table's history read afresh (nothing kept from an earlier read in this process)."""
    _DESCRIBED.clear()
    return Store(store.root).read_audit_from_histories(versions)


def kept_version(store: Store) -> int:
    found = derived_audit.read_kept(store)
    assert found is not None, "the derived audit is not there or not trusted"
    return found[0].version


@pytest.mark.parametrize("seed", [5])
def test_the_derived_audit_equals_the_histories_after_random_changes(sample_store: Store, seed: int) -> None:
    rng = random.Random(seed)
    store = sample_store
    pd.testing.assert_frame_equal(store.read_audit(), reference(store))  # built whole on first read
    done: list[str] = []
    older: list[dict[str, int]] = []
    for _ in range(9):
        done.append(rng.choice(CHANGES)(store, rng))
        if rng.random() < 0.3:
            older.append(dict(store.audit_versions()))
        if rng.random() < 0.5:  # read now (brought forward), or let several changes pile up before a read
            before = kept_version(store)
            reader = Store(store.root) if rng.random() < 0.5 else store  # another process's Store, or this one
            pd.testing.assert_frame_equal(reader.read_audit(), reference(store), obj=str(done))
            assert kept_version(store) == before + 1, done  # one write: the new commits' records appended
    pd.testing.assert_frame_equal(store.read_audit(), reference(store), obj=str(done))
    for versions in older:  # a page's snapshot of earlier versions: the rows up to them
        pd.testing.assert_frame_equal(store.read_audit(versions), reference(store, versions), obj=str(versions))
    found = derived_audit.read_kept(store)
    assert found is not None
    assert found[0].seen == {t: store.table_log(t, None).seen for t in AUDITED_TABLES if store.exists(t)} | {
        t: derived_audit.Seen(-1) for t in AUDITED_TABLES if not store.exists(t)
    }


def test_a_read_with_nothing_new_writes_nothing_and_one_commit_appends_one_row(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    store.read_audit()
    version = kept_version(store)
    store.read_audit()
    assert kept_version(store) == version
    second = store.commit_indicators(rows("a", 2024, 2, [2]), "workforce", user="two")
    audit = Store(store.root).read_audit()
    assert audit.iloc[0]["commit_id"] == second.commit_id
    found = derived_audit.read_kept(store)
    assert found is not None and found[0].version == version + 1
    assert found[0].seen["submitted/workforce"].version == second.version
    created = sum(1 for table in AUDITED_TABLES if store.exists(table))  # kept; the audit leaves create commits out
    assert found[1].num_rows == len(reference(store)) + created


def test_a_table_made_again_at_the_same_place_is_read_whole(empty_store: Store) -> None:
    store = empty_store
    first = store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    store.commit_indicators(rows("a", 2024, 2, [2]), "workforce", user="two")
    assert len(store.read_audit()) == 2
    shutil.rmtree(store.uri("submitted/workforce"))  # gone, and made again with as many versions
    store.ensure_table("submitted/workforce", user="system")
    store.commit_indicators(rows("b", 2025, 1, [3]), "workforce", user="three")
    third = store.commit_indicators(rows("b", 2025, 2, [4]), "workforce", user="four")
    audit = Store(store.root).read_audit()
    pd.testing.assert_frame_equal(audit, reference(store))
    assert first.commit_id not in set(audit["commit_id"]) and third.commit_id in set(audit["commit_id"])


def test_a_write_that_raced_another_is_not_trusted(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    store.read_audit()
    found = derived_audit.read_kept(store)
    assert found is not None
    kept, kept_rows = found
    # two writers appended on the same version: the second's base is no longer the version before it
    derived_audit.write_kept(store, kept_rows.slice(0, 1), kept.seen, kept.version)
    derived_audit.write_kept(store, kept_rows.slice(0, 1), kept.seen, kept.version)
    assert derived_audit.read_kept(store) is None
    pd.testing.assert_frame_equal(store.read_audit(), reference(store))  # rebuilt whole
    assert derived_audit.read_kept(store) is not None


def test_a_forged_or_foreign_derived_table_is_never_trusted(empty_store: Store) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    uri = derived_audit.audit_uri(store)
    Path(uri).mkdir(parents=True)
    other = pa.table({"commit_id": ["x"]})
    write_deltalake(uri, other, mode="overwrite")  # another program's table: other columns, no stamp
    assert derived_audit.read_kept(store) is None
    pd.testing.assert_frame_equal(store.read_audit(), reference(store))
    found = derived_audit.read_kept(store)
    assert found is not None
    # a stamp that does not name the table's commit at that version (here: no rows, the time of another commit)
    seen = dict(found[0].seen)
    seen["submitted/workforce"] = derived_audit.Seen(1, seen["submitted/workforce"].table_id, 123)
    derived_audit.write_kept(store, AUDIT_READ_SCHEMA.empty_table(), seen, None)
    second = store.commit_indicators(rows("a", 2024, 2, [2]), "workforce", user="two")
    audit = Store(store.root).read_audit()
    pd.testing.assert_frame_equal(audit, reference(store))
    assert second.commit_id in set(audit["commit_id"])


def test_a_store_that_cannot_be_written_reads_the_audit_all_the_same(
    empty_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    Path(store.root, "derived").write_text("not a folder")  # nothing can be written under derived/
    with caplog.at_level(logging.WARNING):
        audit = store.read_audit()
    pd.testing.assert_frame_equal(audit, reference(store))
    assert "could not be written" in caplog.text


def test_versions_newer_than_the_logs_fall_back_to_the_histories(
    empty_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store = empty_store
    store.commit_indicators(rows("a", 2024, 1, [1]), "workforce", user="one")
    versions = dict(store.audit_versions()) | {"submitted/workforce": 99}
    with caplog.at_level(logging.WARNING):
        audit = store.read_audit(versions)
    pd.testing.assert_frame_equal(audit, reference(store, versions))
    assert "reading the histories" in caplog.text


def test_a_commit_of_another_program_without_a_record_gives_no_row(empty_store: Store) -> None:
    store = empty_store
    store.read_audit()
    data = pa.Table.from_pandas(rows("a", 2024, 1, [1]), schema=INDICATOR_SCHEMA, preserve_index=False)
    write_deltalake(store.uri("submitted/workforce"), data, mode="append")
    write_deltalake(
        store.uri("submitted/workforce"),
        data,
        mode="append",
        commit_properties=CommitProperties(custom_metadata={"commit_id": "old", "user": "ana"}),
    )
    pd.testing.assert_frame_equal(Store(store.root).read_audit(), reference(store))


# ---- a commit's slices as text: the same answer, checked at once ---------------------------------------------------


def slices_text_one_by_one(raw: object) -> str:
    """``slices_text`` as it was written before the slices were checked at once (the reference)."""
    import re

    from dashboard.storage.slices import Slice

    try:
        found = json.loads(str(raw or "[]"))
    except (TypeError, ValueError):
        return "[]"
    if not isinstance(found, list):
        return "[]"
    texts = [str(item) for item in found]
    if all(re.fullmatch(r".+:\d{4}Q[1-4]", t) for t in texts) and raw == json.dumps(texts):
        return str(raw)
    try:
        return json.dumps([str(Slice.parse(t)) for t in texts])
    except (TypeError, ValueError):
        return "[]"


@pytest.mark.parametrize(
    "raw",
    [
        '["a:2024Q1", "b:2025Q4"]',
        '["a:2024q1"]',
        '["a:\\u0662\\u0660\\u0662\\u0664Q1"]',  # Arabic-Indic digits: Python's \d takes them, RE2's [0-9] does not
        '["a:2024Q1\\n"]',
        '["a\\nb:2024Q1"]',
        '["a:2024Q5"]',
        '["a:12024Q1"]',
        '[":2024Q1"]',
        '["\\ud800:2024Q1"]',  # an unpaired surrogate
        '["a:2024Q1", null]',
        '["a:2024Q1", 1]',
        '[["a:2024Q1"]]',
        '[{"a": "2024Q1"}]',
        '["a:2024Q1",  "b:2024Q2"]',  # valid slices, but not the text the commits write
        '["\\u00e9:2024Q1"]',
        '["\u00e9:2024Q1"]',
        "[]",
        "",
        '"a:2024Q1"',
        "not json",
        None,
        42,
    ],
)
def test_slices_text_gives_the_answer_of_the_one_by_one_check(raw: object) -> None:
    assert slices_text({"slices": raw}) == slices_text_one_by_one(raw)


def test_slices_text_of_many_random_slices(rng_seed: int = 7) -> None:
    rng = random.Random(rng_seed)
    alphabet = ["a", "b", ":", "Q", "q", "1", "4", "5", "2", "0", " ", "\n", "é", "٢", '"', "\\"]
    for _ in range(300):
        items = []
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.6:
                items.append(f"p{rng.randint(0, 9)}:{rng.randint(1999, 2030)}Q{rng.randint(0, 5)}")
            else:
                items.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))))
        raw = json.dumps(items, ensure_ascii=rng.random() < 0.8)
        assert slices_text({"slices": raw}) == slices_text_one_by_one(raw), raw


# ---- the slices the audit names, taken apart at once -----------------------------------------------------------


def audit_slices_one_by_one(audit: pd.DataFrame) -> pd.DataFrame:
    """``reporting_status.audit_slices`` as it was written before the slices were taken apart at once (the
    reference; the empty audit is the same code in both)."""
    from dashboard.analytics.reporting_status import _parse_slices

    lists = audit["slices"].map(lambda text: json.loads(text) if isinstance(text, str) and text else [])
    exploded = audit.drop(columns=["slices"]).assign(slice_text=lists).explode("slice_text")
    exploded = exploded.dropna(subset=["slice_text"]).reset_index(drop=True)
    parsed = _parse_slices(exploded["slice_text"])
    exploded = exploded.loc[parsed.index].drop(columns=["slice_text"])
    return exploded.assign(
        partnership_id=parsed["partnership_id"].to_numpy(),
        year=parsed["year"].to_numpy(),
        quarter=parsed["quarter"].to_numpy(),
    ).reset_index(drop=True)


PIECES = ["a", "b-2", ":", "2024", "Q", "q", "1", "4", "5", " ", "é", "٢٠٢٤", '"', "\\", "\n", "ß", "x:y"]
PLAIN_PIECES = ["a", "b-2", ":", "2024", "Q", "q", "1", "4", "5", " ", "x:y", "[", "]", ","]


def _random_slices_text(rng: random.Random, plain: bool) -> str | None:
    """A commit's slices as text: with ``plain``, lists of ASCII texts as the commits write them (taken apart at
    once), else anything (mostly decided one by one)."""
    if rng.random() < 0.08:
        return None
    items: list[object] = []
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.6:
            items.append(f"p{rng.choice(['', ':x', '' if plain else 'é'])}{rng.randint(0, 9)}:"
                         f"{rng.randint(1999, 2030)}{rng.choice('Qq')}{rng.randint(0, 5)}")  # fmt: skip
        elif not plain and rng.random() < 0.1:
            items.append(rng.choice([None, 7]))
        else:
            pieces = PLAIN_PIECES if plain else PIECES
            items.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))))
    style = rng.random()
    if plain or style < 0.7:
        return json.dumps(items)
    if style < 0.85:
        return json.dumps(items, ensure_ascii=False, separators=(",", ":") if rng.random() < 0.5 else None)
    return rng.choice(["", "[]", "not json", '"a:2024Q1"', "[1, 2]"])


@pytest.mark.parametrize("seed", range(8))
def test_audit_slices_at_once_equal_the_one_by_one_way(seed: int) -> None:
    from dashboard.analytics.reporting_status import _slices_at_once, audit_slices

    rng = random.Random(seed)
    plain = seed % 2 == 0
    texts = [_random_slices_text(rng, plain) for _ in range(rng.randint(1, 40))]
    audit = pd.DataFrame(
        {
            "dataset": pd.Series([rng.choice(["workforce", None]) for _ in texts], dtype="string"),
            "committed_at": pd.to_datetime([rng.randint(0, 10**12) for _ in texts], unit="ms", utc=True),
            "slices": pd.Series(texts, dtype="string"),
        }
    )
    try:
        expected = audit_slices_one_by_one(audit)
    except Exception as error:  # noqa: BLE001 - a text that is not JSON fails both ways alike
        with pytest.raises(type(error)):
            audit_slices(audit)
        return
    pd.testing.assert_frame_equal(audit_slices(audit), expected)
    assert (_slices_at_once(audit) is not None) == plain


def test_audit_slices_of_plain_lists_are_taken_apart_at_once() -> None:
    from dashboard.analytics.reporting_status import _slices_at_once, audit_slices

    audit = pd.DataFrame(
        {
            "committed_at": pd.to_datetime([1, 2, 3], unit="ms", utc=True),
            "slices": pd.Series(['["a:b:2024Q1", "c:2025q4", "no slice"]', None, '["d:2023Q2"]'], dtype="string"),
        }
    )
    at_once = _slices_at_once(audit)
    assert at_once is not None
    pd.testing.assert_frame_equal(at_once, audit_slices_one_by_one(audit))
    assert at_once[["partnership_id", "year", "quarter"]].values.tolist() == [
        ["a:b", 2024, 1], ["c", 2025, 4], ["d", 2023, 2],
    ]  # fmt: skip
    assert _slices_at_once(audit.assign(slices=['["a:\\u0662\\u0660\\u0662\\u0664Q1"]', None, None])) is None
    pd.testing.assert_frame_equal(audit_slices(audit), audit_slices_one_by_one(audit))
