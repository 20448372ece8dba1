"""Review and publishing on real Delta tables: pending slices, publish (with the four-eyes rule), reject, unpublish."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pytest

from dashboard.intake.ingest import ingest_file
from dashboard.intake.review import (
    DIFFERENCE_COLUMNS,
    PENDING_COLUMNS,
    ReviewError,
    pending_slices,
    publish_slices,
    reject_slices,
    slice_differences,
    slice_warnings,
    unpublish_slices,
)
from dashboard.present.exports import csv_bytes
from dashboard.settings import four_eyes_required
from dashboard.storage.slices import Slice
from dashboard.storage.store import CommitResult, Store, StoreError
from dashboard.storage.tables import AUDIT_TABLE
from data_contracts import KEY_COLUMNS
from tests.conftest import TODAY

DATASET = "workforce"
PARTNERSHIP = "att-imago"
CHANGED = Slice(PARTNERSHIP, 2026, 3)
NEW = Slice(PARTNERSHIP, 2026, 4)
OTHER = Slice("pge-green-for-all", 2025, 2)
UPLOADER = "olivia@example.org"
SECOND_UPLOADER = "omar@example.org"
REVIEWER = "rita@example.org"


def quarter_rows(store: Store, layer: str, target: Slice, dataset: str = DATASET) -> pd.DataFrame:
    rows = store.read_indicators(dataset, layer, partnership_ids=[target.partnership_id], years=[target.year])
    rows = rows[rows["quarter"] == target.quarter]
    return rows.sort_values(list(KEY_COLUMNS), ignore_index=True)


def all_but(store: Store, layer: str, excluded: list[Slice], dataset: str = DATASET) -> pd.DataFrame:
    rows = store.read_indicators(dataset, layer)
    keys = list(zip(rows["partnership_id"], rows["year"], rows["quarter"], strict=True))
    drop = {(s.partnership_id, s.year, s.quarter) for s in excluded}
    kept = rows[[key not in drop for key in keys]]
    return kept.sort_values(list(KEY_COLUMNS), ignore_index=True)


def newest_audit(store: Store) -> pd.Series:
    return store.read_audit().iloc[0]


@dataclass
class TwoPending:
    """A sample store with one corrected published quarter and one new quarter waiting for review."""

    store: Store
    changed: CommitResult
    new: CommitResult
    changed_key: tuple[str, str, str]
    old_value: float
    new_value: float
    removed_key: tuple[str, str, str]
    changed_rows: int
    new_rows: int


@pytest.fixture
def two_pending(sample_store: Store) -> TwoPending:
    store = sample_store
    q3 = quarter_rows(store, "submitted", CHANGED)
    headcount = q3["indicator_id"] == "workforce_headcount"
    total = q3.index[headcount & (q3["dimension"] == "total")][0]
    removed = q3.index[headcount & (q3["dimension"] == "gender")][0]
    corrected = q3.copy()
    corrected.loc[total, "value"] = q3.loc[total, "value"] + 1
    corrected = corrected.drop(index=removed)
    report, changed = ingest_file(
        store, csv_bytes(corrected), "q3-fix.csv", dataset=DATASET, user=UPLOADER, today=TODAY
    )
    assert report.accepted and changed is not None and changed.outcome == "accepted", report.errors[:3]
    fresh = q3.assign(quarter=4)
    report, new = ingest_file(store, csv_bytes(fresh), "q4.csv", dataset=DATASET, user=SECOND_UPLOADER, today=TODAY)
    assert report.accepted and new is not None and new.outcome == "accepted", report.errors[:3]
    return TwoPending(
        store=store,
        changed=changed,
        new=new,
        changed_key=tuple(q3.loc[total, ["indicator_id", "dimension", "category"]]),
        old_value=float(q3.loc[total, "value"]),
        new_value=float(q3.loc[total, "value"] + 1),
        removed_key=tuple(q3.loc[removed, ["indicator_id", "dimension", "category"]]),
        changed_rows=len(q3),
        new_rows=len(fresh),
    )


# ---- pending ------------------------------------------------------------------------------------------------


def test_nothing_is_pending_when_everything_is_published(sample_store: Store) -> None:
    pending = pending_slices(sample_store)
    assert list(pending.columns) == list(PENDING_COLUMNS)
    assert pending.empty


def test_pending_lists_the_changed_and_the_new_slice(two_pending: TwoPending) -> None:
    pending = pending_slices(two_pending.store)
    assert pending["slice"].tolist() == [str(CHANGED), str(NEW)]
    rows = pending.set_index("slice")
    changed, new = rows.loc[str(CHANGED)], rows.loc[str(NEW)]
    assert (changed["new"], changed["changed"], changed["removed"]) == (0, 1, 1)
    assert changed["unchanged"] == two_pending.changed_rows - 2
    assert (new["new"], new["changed"], new["removed"], new["unchanged"]) == (two_pending.new_rows, 0, 0, 0)
    assert (bool(changed["first_time"]), bool(new["first_time"])) == (False, True)
    assert not changed["withdrawn"] and not new["withdrawn"]
    assert (changed["uploaded_by"], changed["source_name"]) == (UPLOADER, "q3-fix.csv")
    assert (new["uploaded_by"], new["source_name"]) == (SECOND_UPLOADER, "q4.csv")
    assert (changed["commit_id"], new["commit_id"]) == (two_pending.changed.commit_id, two_pending.new.commit_id)
    assert changed["uploaded_at"] < new["uploaded_at"]
    assert set(pending["dataset"]) == {DATASET}
    assert pending_slices(two_pending.store, "education").empty
    assert pending_slices(two_pending.store, DATASET)["slice"].tolist() == [str(CHANGED), str(NEW)]


def test_pending_counts_the_warnings_of_each_slice(two_pending: TwoPending) -> None:
    pending = pending_slices(two_pending.store).set_index("slice")
    warnings = slice_warnings(two_pending.store, DATASET, CHANGED)
    # The dropped gender row and the raised total leave people unassigned in the headcount breakdowns.
    assert {f.rule for f in warnings} == {"breakdown_unassigned"}
    assert any("gender" in f.message for f in warnings)
    assert pending.loc[str(CHANGED), "warnings"] == len(warnings)
    assert pending.loc[str(NEW), "warnings"] == len(slice_warnings(two_pending.store, DATASET, NEW))


def test_slice_differences_show_both_values(two_pending: TwoPending) -> None:
    differences = slice_differences(two_pending.store, DATASET, CHANGED)
    assert list(differences.columns) == list(DIFFERENCE_COLUMNS)
    assert sorted(differences["status"]) == ["changed", "removed"]
    changed = differences[differences["status"] == "changed"].iloc[0]
    assert tuple(changed[["indicator_id", "dimension", "category"]]) == two_pending.changed_key
    assert (changed["value_published"], changed["value_submitted"]) == (two_pending.old_value, two_pending.new_value)
    removed = differences[differences["status"] == "removed"].iloc[0]
    assert tuple(removed[["indicator_id", "dimension", "category"]]) == two_pending.removed_key
    assert pd.isna(removed["value_submitted"]) and not pd.isna(removed["value_published"])
    new = slice_differences(two_pending.store, DATASET, NEW)
    assert len(new) == two_pending.new_rows and set(new["status"]) == {"new"}
    assert slice_differences(two_pending.store, DATASET, OTHER).empty


def test_a_store_with_nothing_published_yet(empty_store: Store) -> None:
    store = empty_store
    rows = pd.DataFrame(
        {
            "partnership_id": ["a", "a", "b"],
            "year": 2024,
            "quarter": [1, 1, 2],
            "indicator_id": "new_hires",
            "dimension": ["total", "gender", "total"],
            "category": ["total", "woman", "total"],
            "value": [10.0, 4.0, 7.0],
            "note": [None, None, None],
        }
    )
    commit = store.commit_indicators(rows, DATASET, user=UPLOADER, source_name="first.csv")
    pending = pending_slices(store)
    assert pending["slice"].tolist() == ["a:2024Q1", "b:2024Q2"]
    assert pending["new"].tolist() == [2, 1] and pending["first_time"].all() and not pending["withdrawn"].any()
    assert set(pending["commit_id"]) == {commit.commit_id} and set(pending["source_name"]) == {"first.csv"}
    publish_slices(store, DATASET, [Slice("b", 2024, 2)], user=REVIEWER, four_eyes=True)
    assert store.read_indicators(DATASET, "published")["value"].tolist() == [7.0]
    assert pending_slices(store)["slice"].tolist() == ["a:2024Q1"]


# ---- publish ------------------------------------------------------------------------------------------------


def test_publishing_copies_the_slices_in_one_transaction(two_pending: TwoPending) -> None:
    store = two_pending.store
    before = store.version("published/workforce")
    others_before = all_but(store, "published", [CHANGED, NEW])
    other_datasets = {t: v for t, v in store.versions().items() if t.startswith("published/") and "workforce" not in t}
    result = publish_slices(store, DATASET, [NEW, CHANGED], user=REVIEWER, four_eyes=True)
    assert result.version == before + 1 == store.version("published/workforce")
    for target in (CHANGED, NEW):
        pd.testing.assert_frame_equal(
            quarter_rows(store, "published", target), quarter_rows(store, "submitted", target)
        )
    pd.testing.assert_frame_equal(all_but(store, "published", [CHANGED, NEW]), others_before)
    assert {t: store.version(t) for t in other_datasets} == other_datasets
    entry = newest_audit(store)
    assert (entry["action"], entry["user"], entry["dataset"], entry["table"]) == (
        "publish",
        REVIEWER,
        DATASET,
        "published/workforce",
    )
    assert json.loads(entry["slices"]) == [str(CHANGED), str(NEW)]
    assert entry["table_version"] == result.version
    assert pending_slices(store).empty


def test_the_four_eyes_rule_stops_the_uploader(two_pending: TwoPending) -> None:
    store = two_pending.store
    versions = store.versions()
    for user in (UPLOADER, " Olivia@Example.org "):
        with pytest.raises(ReviewError, match=r"four-eyes.*att-imago:2026Q3"):
            publish_slices(store, DATASET, [CHANGED, NEW], user=user, four_eyes=True)
    with pytest.raises(ReviewError, match="att-imago:2026Q4"):
        publish_slices(store, DATASET, [NEW], user=SECOND_UPLOADER, four_eyes=True)
    assert store.versions() == versions  # nothing written, not even an audit row
    assert len(pending_slices(store)) == 2
    publish_slices(store, DATASET, [CHANGED], user=SECOND_UPLOADER, four_eyes=True)
    assert pending_slices(store)["slice"].tolist() == [str(NEW)]


def test_without_the_four_eyes_rule_the_uploader_may_publish(two_pending: TwoPending) -> None:
    publish_slices(two_pending.store, DATASET, [CHANGED], user=UPLOADER, four_eyes=False)
    assert newest_audit(two_pending.store)["user"] == UPLOADER
    assert pending_slices(two_pending.store)["slice"].tolist() == [str(NEW)]


def test_only_pending_slices_are_published(two_pending: TwoPending) -> None:
    store = two_pending.store
    versions = store.versions()
    with pytest.raises(ReviewError, match=r"Not waiting for review.*pge-green-for-all:2025Q2"):
        publish_slices(store, DATASET, [CHANGED, OTHER], user=REVIEWER, four_eyes=False)
    with pytest.raises(ReviewError, match="at least one"):
        publish_slices(store, DATASET, [], user=REVIEWER, four_eyes=False)
    with pytest.raises(ReviewError, match="name"):
        publish_slices(store, DATASET, [CHANGED], user=" ", four_eyes=False)
    assert store.versions() == versions


# ---- reject -------------------------------------------------------------------------------------------------


def test_rejecting_puts_the_submitted_slices_back(two_pending: TwoPending) -> None:
    store = two_pending.store
    published = quarter_rows(store, "published", CHANGED)
    versions = store.versions()
    for reason in ("", "   "):
        with pytest.raises(ReviewError, match="reason"):
            reject_slices(store, DATASET, [CHANGED], user=REVIEWER, reason=reason)
    assert store.versions() == versions
    before = store.version("submitted/workforce")
    others = all_but(store, "submitted", [CHANGED, NEW])
    result = reject_slices(store, DATASET, [CHANGED, NEW], user=REVIEWER, reason=" Headcount double-counted ")
    assert result.version == before + 1 == store.version("submitted/workforce")
    pd.testing.assert_frame_equal(quarter_rows(store, "submitted", CHANGED), published)
    assert quarter_rows(store, "submitted", NEW).empty
    pd.testing.assert_frame_equal(all_but(store, "submitted", [CHANGED, NEW]), others)
    assert store.version("published/workforce") == versions["published/workforce"]
    entry = newest_audit(store)
    assert (entry["action"], entry["user"], entry["message"], entry["table"]) == (
        "reject",
        REVIEWER,
        "Headcount double-counted",
        "submitted/workforce",
    )
    assert json.loads(entry["slices"]) == [str(CHANGED), str(NEW)]
    assert pending_slices(store).empty
    with pytest.raises(ReviewError, match="Not waiting for review"):
        reject_slices(store, DATASET, [CHANGED], user=REVIEWER, reason="again")
    # An admin's undo brings the rejected upload back: it waits again under its uploader's name, not the reviewer's.
    store.restore("submitted/workforce", before, user="admin@example.org")
    again = pending_slices(store).set_index("slice")
    assert sorted(again.index) == [str(CHANGED), str(NEW)]
    assert (again.loc[str(CHANGED), "uploaded_by"], again.loc[str(NEW), "uploaded_by"]) == (UPLOADER, SECOND_UPLOADER)


# ---- unpublish ----------------------------------------------------------------------------------------------


def test_unpublishing_withdraws_slices_from_the_public(sample_store: Store) -> None:
    store = sample_store
    second = Slice("pge-green-for-all", 2024, 1)
    rows = quarter_rows(store, "published", OTHER)
    assert not rows.empty
    versions = store.versions()
    with pytest.raises(ReviewError, match="reason"):
        unpublish_slices(store, DATASET, [OTHER], user=REVIEWER, reason=" ")
    assert store.versions() == versions
    others = all_but(store, "published", [OTHER, second])
    before = store.version("published/workforce")
    result = unpublish_slices(store, DATASET, [OTHER, second], user=REVIEWER, reason="Partner withdrew consent")
    assert result.version == before + 1 == store.version("published/workforce")  # one transaction for both
    assert quarter_rows(store, "published", OTHER).empty and quarter_rows(store, "published", second).empty
    pd.testing.assert_frame_equal(quarter_rows(store, "submitted", OTHER), rows)
    pd.testing.assert_frame_equal(all_but(store, "published", [OTHER, second]), others)
    assert store.version("submitted/workforce") == versions["submitted/workforce"]
    entry = newest_audit(store)
    assert (entry["action"], entry["user"], entry["message"]) == ("unpublish", REVIEWER, "Partner withdrew consent")
    assert json.loads(entry["slices"]) == [str(second), str(OTHER)]
    pending = pending_slices(store).set_index("slice")
    assert sorted(pending.index) == sorted([str(OTHER), str(second)])
    assert pending.loc[str(OTHER), "new"] == len(rows)
    assert bool(pending.loc[str(OTHER), "first_time"]) and bool(pending.loc[str(OTHER), "withdrawn"])
    versions = store.versions()
    with pytest.raises(ReviewError, match="Nothing published for pge-green-for-all:2025Q2"):
        unpublish_slices(store, DATASET, [OTHER], user=REVIEWER, reason="again")
    assert store.versions() == versions
    publish_slices(store, DATASET, [OTHER], user=REVIEWER, four_eyes=True)  # the seed's uploader is someone else
    pd.testing.assert_frame_equal(quarter_rows(store, "published", OTHER), rows)
    assert pending_slices(store)["slice"].tolist() == [str(second)]


def test_unpublishing_a_pending_correction_keeps_it_waiting(two_pending: TwoPending) -> None:
    store = two_pending.store
    unpublish_slices(store, DATASET, [CHANGED], user=REVIEWER, reason="figures under investigation")
    pending = pending_slices(store).set_index("slice")
    row = pending.loc[str(CHANGED)]
    assert (row["new"], row["changed"], row["removed"]) == (two_pending.changed_rows - 1, 0, 0)
    assert bool(row["first_time"]) and bool(row["withdrawn"]) and row["uploaded_by"] == UPLOADER


# ---- store level --------------------------------------------------------------------------------------------


def test_store_refuses_when_there_is_nothing_to_do(sample_store: Store) -> None:
    store = sample_store
    versions = store.versions()
    with pytest.raises(StoreError, match="nothing submitted for att-imago:2030Q1"):
        store.revert_submitted(DATASET, [Slice(PARTNERSHIP, 2030, 1)], user=REVIEWER, reason="x")
    with pytest.raises(StoreError, match="already equal"):
        store.revert_submitted(DATASET, [OTHER], user=REVIEWER, reason="x")
    with pytest.raises(StoreError, match="nothing published for att-imago:2030Q1"):
        store.unpublish(DATASET, [OTHER, Slice(PARTNERSHIP, 2030, 1)], user=REVIEWER, reason="x")
    with pytest.raises(StoreError, match="reason"):
        store.unpublish(DATASET, [OTHER], user=REVIEWER, reason="")
    with pytest.raises(StoreError, match="no slices"):
        store.unpublish(DATASET, [], user=REVIEWER, reason="x")
    assert store.versions() == versions
    assert store.version(AUDIT_TABLE) == versions[AUDIT_TABLE]


# ---- setting ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, False), ("", False), ("0", False), ("false", False), ("1", True), ("true", True), (" TRUE ", True)],
)
def test_the_four_eyes_setting(monkeypatch: pytest.MonkeyPatch, text: str | None, expected: bool) -> None:
    if text is None:
        monkeypatch.delenv("IMPACT_FOUR_EYES", raising=False)
    else:
        monkeypatch.setenv("IMPACT_FOUR_EYES", text)
    assert four_eyes_required() is expected


def test_an_unclear_four_eyes_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_FOUR_EYES", "ture")
    with pytest.raises(ValueError, match="IMPACT_FOUR_EYES"):
        four_eyes_required()


# ---- fingerprints: only the slices that differ are compared row by row ------------------------------------------


def full_comparison(store: Store) -> pd.DataFrame:
    """The pending slices as computed before fingerprints: every row of both layers compared."""
    from dashboard.intake import review
    from dashboard.settings import UploadSettings
    from dashboard.storage.tables import indicator_table
    from data_contracts import DATASETS

    audit = store.read_audit()
    frames = []
    for name in DATASETS:
        submitted = store.read_indicators(name, "submitted")
        published = store.read_indicators(name, "published")
        audit_slices = {
            "uploads": review._latest(audit, indicator_table(name, "submitted"), exclude=("reject",)),
            "releases": review._latest(audit, indicator_table(name, "published"), ("publish", "unpublish")),
        }
        frames.append(
            review._pending_of(name, submitted, published, audit_slices, UploadSettings.from_env().change_factor)
        )
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else review._empty_pending()


def test_fingerprints_ignore_row_order_and_see_every_value_and_note(sample_store: Store) -> None:
    from dashboard.storage.layer_fingerprints import layer_fingerprints

    before = layer_fingerprints(sample_store, DATASET, "submitted")
    rows = quarter_rows(sample_store, "submitted", CHANGED)
    sample_store.commit_indicators(rows.iloc[::-1].reset_index(drop=True), DATASET, user=UPLOADER)  # same rows
    same = layer_fingerprints(sample_store, DATASET, "submitted")
    pd.testing.assert_frame_equal(before, same)
    for change in ({"value": rows["value"].iloc[0] + 1}, {"note": "a new note"}):
        edited = rows.copy()
        for column, new in change.items():
            edited.loc[edited.index[0], column] = new
        sample_store.commit_indicators(edited, DATASET, user=UPLOADER)
        after = layer_fingerprints(sample_store, DATASET, "submitted")
        key = (after["partnership_id"] == CHANGED.partnership_id) & (after["year"] == CHANGED.year)
        key &= after["quarter"] == CHANGED.quarter
        assert (after.loc[key, "fingerprint"].to_numpy() != before.loc[key, "fingerprint"].to_numpy()).all()
        assert (after.loc[~key, "fingerprint"].to_numpy() == before.loc[~key, "fingerprint"].to_numpy()).all()
    assert len(before) == len(
        sample_store.read_indicators(DATASET, "submitted")[["partnership_id", "year", "quarter"]].drop_duplicates()
    )


def test_pending_through_fingerprints_equals_the_full_comparison(two_pending: TwoPending) -> None:
    store = two_pending.store
    rows = quarter_rows(store, "submitted", OTHER)
    store.commit_indicators(rows.iloc[::-1].reset_index(drop=True), DATASET, user=UPLOADER)  # same rows again
    removed = quarter_rows(store, "submitted", Slice("pge-green-for-all", 2025, 1))
    store.commit_indicators(removed.iloc[1:], DATASET, user=UPLOADER)  # one row fewer
    unpublish_slices(store, DATASET, [Slice("pge-green-for-all", 2024, 4)], user=REVIEWER, reason="check")
    fast = pending_slices(store)
    slow = full_comparison(store)
    assert len(fast) == 4  # the changed, the new, the one with a row removed, the withdrawn
    order = ["dataset", "partnership_id", "year", "quarter"]
    pd.testing.assert_frame_equal(
        fast.sort_values(order, ignore_index=True), slow.sort_values(order, ignore_index=True), check_like=True
    )


def test_an_audit_rows_slices_are_summarised_for_a_table_cell() -> None:
    from dashboard.intake.review import slices_summary

    many = json.dumps([f"p-{n}:2024Q1" for n in range(5000)])
    assert slices_summary(many) == "p-0:2024Q1, p-1:2024Q1, p-2:2024Q1 and 4,997 more"
    assert slices_summary(json.dumps(["a:2024Q1"])) == "a:2024Q1"
    assert slices_summary(None) == "" and slices_summary("") == ""
    assert slices_summary("not json") == "not json"
    named = slices_summary(json.dumps(["a:2024Q1", "b:2024Q2"]), names={"a": "Alpha × Beta"})
    assert named == "Alpha × Beta 2024 Q1, b 2024 Q2"  # in words; an unknown id as it is


# ---- publishing pins what was reviewed ------------------------------------------------------------------------

STALE = "changed since you reviewed — review again"


def shown_fingerprints(store: Store) -> dict[Slice, str]:
    """The fingerprints of the pending quarters as a reviewer sees them."""
    pending = pending_slices(store, DATASET)
    return {Slice.parse(t): str(f) for t, f in zip(pending["slice"], pending["fingerprint"], strict=True)}


def upload_again(store: Store, target: Slice, note: str) -> None:
    """Another upload of the quarter (every row with ``note``), after the reviewer looked."""
    rows = quarter_rows(store, "submitted", target).assign(note=note)
    report, commit = ingest_file(store, csv_bytes(rows), "b.csv", dataset=DATASET, user=UPLOADER, today=TODAY)
    assert report.accepted and commit is not None and commit.outcome == "accepted", report.errors[:3]


def test_a_slice_fingerprint_is_the_sha256_of_its_rows_in_any_order(two_pending: TwoPending) -> None:
    from dashboard.storage.slices import slice_fingerprints

    rows = quarter_rows(two_pending.store, "submitted", NEW)
    found = slice_fingerprints(rows)
    assert set(found) == {NEW} and len(found[NEW]) == 64 and int(found[NEW], 16) >= 0
    assert slice_fingerprints(rows.iloc[::-1]) == found
    assert slice_fingerprints(rows.assign(note="x")) != found
    assert slice_fingerprints(rows.iloc[1:]) != found
    assert shown_fingerprints(two_pending.store)[NEW] == found[NEW]


def test_publish_refuses_what_changed_since_the_review(two_pending: TwoPending) -> None:
    store = two_pending.store
    seen_a = shown_fingerprints(store)  # the reviewer looks at upload A
    upload_again(store, NEW, "upload B")  # the officer uploads B
    published_before = store.read_indicators(DATASET, "published")
    versions_before = store.versions()
    with pytest.raises(StoreError, match=STALE):
        store.publish(DATASET, [NEW], user=REVIEWER, reviewed={NEW: seen_a[NEW]})
    with pytest.raises(ReviewError, match=STALE):
        publish_slices(store, DATASET, [NEW, CHANGED], user=REVIEWER, four_eyes=True, reviewed=seen_a)
    with pytest.raises(StoreError, match=STALE):  # a slice whose fingerprint was never seen is not published either
        store.publish(DATASET, [NEW, CHANGED], user=REVIEWER, reviewed={CHANGED: seen_a[CHANGED]})
    assert store.versions() == versions_before  # nothing written
    pd.testing.assert_frame_equal(store.read_indicators(DATASET, "published"), published_before)

    seen_b = shown_fingerprints(store)  # the reviewer reviews again
    assert seen_b[NEW] != seen_a[NEW] and seen_b[CHANGED] == seen_a[CHANGED]
    publish_slices(store, DATASET, [NEW, CHANGED], user=REVIEWER, four_eyes=False, reviewed=seen_b)
    pd.testing.assert_frame_equal(quarter_rows(store, "published", NEW), quarter_rows(store, "submitted", NEW))
    assert set(quarter_rows(store, "published", NEW)["note"]) == {"upload B"}


def test_reject_refuses_what_changed_since_the_review(two_pending: TwoPending) -> None:
    store = two_pending.store
    seen = shown_fingerprints(store)
    upload_again(store, NEW, "upload B")
    before = store.versions()
    with pytest.raises(ReviewError, match=STALE):
        reject_slices(store, DATASET, [NEW], user=REVIEWER, reason="double counted", reviewed=seen)
    assert store.versions() == before
    reject_slices(store, DATASET, [NEW], user=REVIEWER, reason="double counted", reviewed=shown_fingerprints(store))
    assert quarter_rows(store, "submitted", NEW).empty


def test_the_review_page_publishes_only_what_it_showed(
    monkeypatch: pytest.MonkeyPatch, two_pending: TwoPending
) -> None:
    from tests.conftest import app_as

    store = two_pending.store
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as("admin", email=REVIEWER, page="review").run()
    assert not app.exception
    table = next(d for d in app.dataframe if "Fingerprint" in d.value.columns).value
    seen = shown_fingerprints(store)
    assert sorted(table["Fingerprint"]) == sorted(seen[s][:10] for s in (CHANGED, NEW))
    app.multiselect(key="review_choice").select(f"{DATASET}|{NEW}").run()
    published_before = store.read_indicators(DATASET, "published")

    upload_again(store, NEW, "upload B")  # between the page's showing and the click
    next(b for b in app.button if b.label.startswith("Publish")).click().run()
    assert STALE in app.error[0].value
    pd.testing.assert_frame_equal(store.read_indicators(DATASET, "published"), published_before)

    # the page now shows B; publishing what it shows works
    next(b for b in app.button if b.label.startswith("Publish")).click().run()
    assert not app.error and "Published 1 quarter" in app.success[0].value
    pd.testing.assert_frame_equal(quarter_rows(store, "published", NEW), quarter_rows(store, "submitted", NEW))


# ---- the largest changes of a pending quarter, in plain words -------------------------------------------------


SERIES = ["indicator_id", "dimension", "category"]


def values_of(rows: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    return {tuple(key): float(v) for key, v in zip(rows[SERIES].itertuples(index=False), rows["value"], strict=True)}


@pytest.fixture
def changed_new_quarter(sample_store: Store) -> Store:
    """2026 Q4 of att-imago submitted through the real upload path: Q3's rows with new hires doubled and the
    headcount up by a tenth."""
    rows = quarter_rows(sample_store, "submitted", CHANGED).assign(quarter=4)
    total = rows["dimension"] == "total"
    hires = total & (rows["indicator_id"] == "new_hires")
    headcount = total & (rows["indicator_id"] == "workforce_headcount")
    rows.loc[hires, "value"] = rows.loc[hires, "value"] * 2
    rows.loc[headcount, "value"] = (rows.loc[headcount, "value"] * 1.1).round()
    report, commit = ingest_file(sample_store, csv_bytes(rows), "q4.csv", dataset=DATASET, user=UPLOADER, today=TODAY)
    assert report.accepted and commit is not None and commit.outcome == "accepted", report.errors[:3]
    return sample_store


def test_the_changes_of_a_new_quarter_against_the_previous_and_a_year_earlier(changed_new_quarter: Store) -> None:
    from dashboard.intake.review import CHANGE_TABLE_COLUMNS, slice_changes
    from data_contracts.quarters import Quarter

    store = changed_new_quarter
    changes = slice_changes(store, DATASET, NEW)
    assert not changes.correction and changes.before_quarter == Quarter(2026, 3)
    assert changes.year_quarter == Quarter(2025, 4)
    submitted = values_of(quarter_rows(store, "submitted", NEW))
    before = values_of(quarter_rows(store, "published", CHANGED))
    year_ago = values_of(quarter_rows(store, "published", Slice(PARTNERSHIP, 2025, 4)))
    rows = changes.rows
    assert len(rows) == len(submitted) and not (rows["status"] == "removed").any()
    for row in rows.itertuples(index=False):
        key = (row.indicator_id, row.dimension, row.category)
        assert row.submitted == submitted[key]
        assert row.before == before[key] and row.change == pytest.approx(submitted[key] - before[key])
        if before[key]:
            assert row.relative == pytest.approx((submitted[key] - before[key]) / abs(before[key]))
        assert row.year_ago == year_ago[key]
        assert row.year_change == pytest.approx(submitted[key] - year_ago[key])
    # the two changed series lead, the largest relative change first: new hires doubled (+100 %), headcount +10 %
    assert rows["indicator"].head(2).tolist() == ["New hires", "Headcount"]
    assert rows["relative"].iloc[0] == pytest.approx(1.0)
    assert set(rows["status"].iloc[2:]) == {"unchanged"}
    hires = rows.iloc[0]
    assert hires["trend"][-1] == hires["submitted"] and len(hires["trend"]) == 8
    history = store.read_indicators(DATASET, "submitted", partnership_ids=[PARTNERSHIP], indicator_ids=["new_hires"])
    history = history[(history["dimension"] == "total") & (history["year"] * 4 + history["quarter"] > 2024 * 4 + 4)]
    assert hires["trend"] == history.sort_values(["year", "quarter"])["value"].tolist()

    table = changes.table()
    assert list(table.columns) == [
        "Indicator",
        "Trend",
        "Submitted value",
        "Previous quarter",
        "Change",
        "Same quarter last year",
        "Change on a year",
    ]
    assert len(CHANGE_TABLE_COLUMNS) == len(table.columns) and len(table) == 8
    old = before[("new_hires", "total", "total")]
    assert table.iloc[0]["Change"] == f"+{old:,.0f} (+100.0 %)"
    assert changes.more_text() == f"{len(rows) - 8:,} more indicators: {len(rows) - 8:,} unchanged."


def test_the_changes_of_a_correction_name_the_removed_and_the_changed_series(two_pending: TwoPending) -> None:
    from dashboard.intake.review import series_name, slice_changes

    changes = slice_changes(two_pending.store, DATASET, CHANGED)
    assert changes.correction and changes.before_header == "Published value"
    assert "A correction" in changes.compared_text
    rows = changes.rows
    removed, changed = rows.iloc[0], rows.iloc[1]
    assert (removed["indicator_id"], removed["dimension"], removed["category"]) == two_pending.removed_key
    assert removed["status"] == "removed" and pd.isna(removed["submitted"])
    assert (changed["indicator_id"], changed["dimension"], changed["category"]) == two_pending.changed_key
    assert (changed["before"], changed["submitted"], changed["change"]) == (
        two_pending.old_value,
        two_pending.new_value,
        1.0,
    )
    assert changed["indicator"] == "Headcount" and changed["status"] == "changed"
    assert series_name(*two_pending.removed_key) == removed["indicator"]
    assert removed["indicator"].startswith("Headcount — ")
    assert series_name("women_share_workforce", "gender", "woman") == "Women in workforce — women"
    assert series_name("departures", "age_band", "undisclosed") == "Departures — age band undisclosed"
    table = changes.table()
    assert table.iloc[0]["Submitted value"] == "removed" and "Published value" in table.columns


RAW_COLUMNS = {
    *KEY_COLUMNS,
    "value",
    "note",
    "value_published",
    "value_submitted",
    "note_published",
    "note_submitted",
    "status",
    "first_time",
    "withdrawn",
    "uploaded_by",
    "fingerprint",
    "slice",
    "committed_at",
    "user",
    "action",
    "message",
}


def test_the_review_page_shows_the_changes_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, changed_new_quarter: Store
) -> None:
    from tests.conftest import app_as

    store = changed_new_quarter
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as("admin", email=REVIEWER, page="review").run()
    assert not app.exception
    app.multiselect(key="review_choice").select(f"{DATASET}|{NEW}").run()  # its every row too
    assert not app.exception
    frames = [d.value for d in app.dataframe]
    for frame in frames:
        assert not RAW_COLUMNS & set(frame.columns), list(frame.columns)
    changes = next(f for f in frames if "Submitted value" in f.columns and "Trend" in f.columns)
    assert list(changes.columns)[:4] == ["Indicator", "Trend", "Submitted value", "Previous quarter"]
    assert changes["Indicator"].iloc[0] == "New hires"
    element = next(d for d in app.dataframe if "Trend" in d.value.columns)
    assert '"type_config": {"type": "line_chart"' in element.proto.columns or "line_chart" in element.proto.columns
    texts = [m.value for m in [*app.markdown, *app.caption]]
    assert not any("dataset|slice" in text or "fingerprints of the pending" in text for text in texts)  # no docstring
    assert any("more indicators" in text for text in texts)
    assert not any(raw in text for text in texts for raw in ("partnership_id", "indicator_id", "att-imago:2026Q4"))
    assert "AT&T" in " ".join(texts)
    history = next(f for f in frames if "Quarters" in f.columns)  # the publishing history names quarters in words
    assert history["Quarters"].str.contains(r"AT&T × Imago Foundation 2022 Q1", regex=False).any()
    assert not history["Quarters"].str.contains(r"[a-z]:20\d\dQ\d", regex=True).any()


def test_nothing_is_preselected_in_the_withdraw_form(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    from tests.conftest import app_as

    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin", email=REVIEWER, page="review").run()
    assert not app.exception
    assert [e.label for e in app.expander] == ["Withdraw a published quarter"]
    assert app.selectbox(key="withdraw_dataset").value is None
    assert app.button(key="withdraw").disabled
    app.selectbox(key="withdraw_dataset").select(DATASET).run()
    assert app.selectbox(key="withdraw_partnership").value is None
    assert app.button(key="withdraw").disabled
    app.selectbox(key="withdraw_partnership").select(PARTNERSHIP).run()
    assert app.selectbox(key="withdraw_slice").value is None and app.button(key="withdraw").disabled
    app.selectbox(key="withdraw_slice").select(str(CHANGED)).run()
    assert not app.button(key="withdraw").disabled  # only a chosen quarter can be withdrawn
