"""Roadmaps: milestone lateness on a fixed clock, the milestones contract, the admins' upload through the reference
path, the officers' changes scoped to their partnerships, what the public sees, the timeline figure and the pages."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access.roles import Identity
from dashboard.analytics.milestones import (
    LATE,
    days_late,
    displayed_state,
    late_milestones,
    quarter_end,
    with_displayed_state,
)
from dashboard.intake.milestones_admin import (
    MilestoneScopeError,
    add_milestone,
    delete_milestone,
    new_milestone_id,
    update_milestone,
)
from dashboard.intake.reference_admin import (
    changes_text,
    check_reference_file,
    commit_reference,
    reference_changes,
)
from dashboard.intake.seed import SAMPLE_DIR, ensure_store
from dashboard.present.exports import csv_bytes
from dashboard.present.roadmap_charts import STATE_STYLES, late_table, roadmap_figure, roadmap_table, state_summary
from dashboard.public.roadmaps import public_roadmap
from dashboard.storage.store import Store
from dashboard.storage.tables import LAZY_TABLES, MILESTONES_TABLE, TABLE_SCHEMAS
from data_contracts import MILESTONE_COLUMNS, validate_milestones
from data_contracts.quarters import Quarter
from data_contracts.templates import reference_template_csv
from tests.conftest import TODAY, app_as

MILESTONE = {
    "milestone_id": "riverton-plan",
    "partnership_id": "riverton-parks",
    "title": "Stewardship plan adopted",
    "due_quarter": "2027Q1",
    "state": "planned",
    "linked": "riverton-residents-2028; residents_engaged",
    "note": "",
    "visibility": "public",
}
GOALS = {"riverton-residents-2028": "riverton-parks", "other-goal-2028": "other-partnership"}
PARTNERSHIPS = ["riverton-parks", "other-partnership"]


def milestones(*changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{**MILESTONE, **change} for change in changes])


def checked(raw: pd.DataFrame):
    return validate_milestones(raw, partnership_ids=PARTNERSHIPS, goal_partnerships=GOALS)


# ---- lateness against a fixed clock ----------------------------------------------------------------------------------


def test_a_quarter_ends_on_its_last_day() -> None:
    assert quarter_end(Quarter(2026, 3)) == date(2026, 9, 30)
    assert quarter_end(Quarter(2026, 4)) == date(2026, 12, 31)
    assert quarter_end(Quarter(2024, 1)) == date(2024, 3, 31)


@pytest.mark.parametrize(
    ("state", "today", "shown"),
    [
        ("planned", date(2026, 9, 30), "planned"),  # the due quarter ends today: not late yet
        ("planned", date(2026, 10, 1), LATE),  # it ended yesterday: late
        ("in_progress", date(2026, 9, 30), "in_progress"),
        ("in_progress", date(2026, 10, 1), LATE),
        ("done", date(2026, 10, 1), "done"),  # done is never late
        ("done", date(2030, 1, 1), "done"),
        ("planned", date(2026, 7, 1), "planned"),  # the due quarter has only begun
    ],
)
def test_late_means_not_done_after_the_due_quarter_ended(state: str, today: date, shown: str) -> None:
    assert displayed_state(state, "2026Q3", today) == shown


def test_lateness_follows_the_one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_TODAY", "2026-09-30")
    assert displayed_state("planned", "2026Q3") == "planned"
    monkeypatch.setenv("IMPACT_TODAY", "2026-10-01")
    assert displayed_state("planned", "2026Q3") == LATE
    assert days_late("2026Q3") == 1


def test_the_late_list_says_how_late_and_splits_the_links() -> None:
    frame = milestones(
        {"milestone_id": "a", "due_quarter": "2026Q3", "state": "in_progress"},
        {"milestone_id": "b", "due_quarter": "2026Q1", "state": "planned", "title": "Older", "linked": ""},
        {"milestone_id": "c", "due_quarter": "2026Q1", "state": "done"},
        {"milestone_id": "d", "due_quarter": "2026Q4", "state": "planned"},
    )
    late = late_milestones(frame, {"riverton-parks": "Riverton Parks"}, set(GOALS), TODAY)
    assert late["milestone_id"].tolist() == ["b", "a"]  # the longest late first
    assert late["days_late"].tolist() == [(TODAY - date(2026, 3, 31)).days, (TODAY - date(2026, 9, 30)).days]
    assert late["quarters_late"].tolist() == [3, 1]
    assert late.loc[1, "linked_goals"] == "riverton-residents-2028"
    assert late.loc[1, "linked_indicators"] == "residents_engaged"
    assert late.loc[0, "partnership"] == "Riverton Parks"
    shown = with_displayed_state(frame, TODAY)
    assert shown["milestone_id"].tolist() == ["b", "c", "a", "d"]  # by due quarter
    assert shown["displayed_state"].tolist() == [LATE, "done", LATE, "planned"]
    assert list(late_table(late).columns[:4]) == ["Partnership", "Milestone", "Due quarter", "Days late"]
    assert late_table(late)["Due quarter"].tolist() == ["2026 Q1", "2026 Q3"]


# ---- the contract ----------------------------------------------------------------------------------------------------


def test_a_valid_milestone_passes_and_quarters_are_written_one_way() -> None:
    result = checked(milestones({}, {"milestone_id": "b", "due_quarter": "2027 q2", "state": "Done"}))
    assert result.ok, result.findings
    assert tuple(result.frame.columns) == MILESTONE_COLUMNS
    assert result.frame["due_quarter"].tolist() == ["2027Q1", "2027Q2"]
    assert result.frame["state"].tolist() == ["planned", "done"]


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        ({"milestone_id": "Riverton Plan"}, "id_is_slug", "milestone_id"),
        ({"partnership_id": "nobody", "linked": ""}, "partnership_known", "partnership_id"),
        ({"title": ""}, "missing_value", "title"),
        ({"title": "x" * 121}, "title_too_long", "title"),
        ({"title": "two\nlines"}, "title_one_line", "title"),
        ({"title": "right\u202eto left"}, "title_one_line", "title"),
        ({"due_quarter": "2027Q5"}, "due_quarter_format", "due_quarter"),
        ({"due_quarter": "March 2027"}, "due_quarter_format", "due_quarter"),
        ({"due_quarter": "1999Q4"}, "due_quarter_format", "due_quarter"),
        ({"state": "late"}, "state_in_vocabulary", "state"),
        ({"state": "stalled"}, "state_in_vocabulary", "state"),
        ({"linked": "other-goal-2028"}, "linked_known", "linked"),  # a goal of another partnership
        ({"linked": "happiness"}, "linked_known", "linked"),
        ({"linked": ";".join(["residents_engaged"] * 40)}, "linked_too_long", "linked"),
        ({"note": "n" * 1001}, "note_too_long", "note"),
        ({"note": "bell\x07"}, "note_plain_text", "note"),
        ({"visibility": "private"}, "visibility_in_vocabulary", "visibility"),
    ],
)
def test_each_bad_cell_is_named_by_row_column_and_rule(change: dict, rule: str, column: str) -> None:
    result = checked(milestones({"milestone_id": "first"}, change))
    assert not result.ok
    assert [(f.row, f.column, f.rule) for f in result.errors] == [(3, column, rule)]


def test_late_is_explained_as_computed_and_ids_are_unique() -> None:
    result = checked(milestones({"state": "late"}, {}))
    messages = {f.rule: f.message for f in result.errors}
    assert "never entered" in messages["state_in_vocabulary"]
    assert [(f.row, f.rule) for f in result.errors if f.rule == "id_unique"] == [(3, "id_unique")]


def test_a_note_may_have_lines_and_a_title_from_the_template_passes() -> None:
    assert checked(milestones({"note": "first line\nsecond line\twith a tab"})).ok
    template = pd.read_csv(io.BytesIO(reference_template_csv("milestones")), dtype=str)
    result = validate_milestones(template, partnership_ids=["example-partnership"], goal_partnerships={})
    assert result.ok, result.findings


# ---- the store -------------------------------------------------------------------------------------------------------


def test_a_store_made_before_milestones_still_opens(tmp_path: Path) -> None:
    store = Store(tmp_path / "old")
    for table in TABLE_SCHEMAS:
        if table not in LAZY_TABLES:
            store.ensure_table(table)
    assert MILESTONES_TABLE in LAZY_TABLES and store.is_initialised()
    assert not store.exists(MILESTONES_TABLE)
    assert store.read_milestones().empty
    assert store.versions([MILESTONES_TABLE]) == {MILESTONES_TABLE: -1}
    assert list(store.read_milestones().columns) == list(MILESTONE_COLUMNS)


@pytest.fixture
def store(sample_store: Store) -> Store:
    return sample_store


def test_a_sample_store_without_milestones_gets_the_sample_ones(store: Store) -> None:
    assert len(store.read_milestones()) == len(pd.read_csv(SAMPLE_DIR / "milestones.csv"))
    shutil.rmtree(Path(store.root) / MILESTONES_TABLE)  # as a store made before the table
    assert ensure_store(store) is None  # not seeded again
    assert len(store.read_milestones()) == len(pd.read_csv(SAMPLE_DIR / "milestones.csv"))


# ---- admins: the reference path --------------------------------------------------------------------------------------


def test_an_admin_uploads_milestones_with_a_report_of_changes(store: Store) -> None:
    current = store.read_milestones()
    edited = current.copy()
    edited.loc[edited["milestone_id"] == "att-imago-digital-curriculum", "state"] = "done"
    edited = edited[edited["milestone_id"] != "att-imago-proficiency-study"]
    new_row = {**MILESTONE, "milestone_id": "att-imago-new", "partnership_id": "att-imago", "linked": ""}
    edited = pd.concat([edited, pd.DataFrame([new_row])], ignore_index=True)
    edited.loc[len(edited) - 1, "due_quarter"] = "2028 Q2"
    report = check_reference_file(store, "milestones", csv_bytes(edited), "milestones.csv")
    assert report.accepted, report.findings[:3]
    changes = reference_changes(current, report.frame, "milestones")
    assert changes.values.tolist() == [
        ["added", "att-imago-new", ""],
        ["changed", "att-imago-digital-curriculum", "state"],
        ["removed", "att-imago-proficiency-study", ""],
    ]
    assert changes_text(changes) == "1 added, 1 changed, 1 removed"
    commit = commit_reference(store, report, user="admin@example.org")
    assert commit.table == MILESTONES_TABLE
    stored = store.read_milestones().set_index("milestone_id")
    assert stored.loc["att-imago-new", "due_quarter"] == "2028Q2"
    assert stored.loc["att-imago-digital-curriculum", "state"] == "done"
    assert "att-imago-proficiency-study" not in stored.index
    audit = store.read_audit().iloc[0]
    assert (audit["user"], audit["table"], audit["source_name"]) == (
        "admin@example.org",
        MILESTONES_TABLE,
        "milestones.csv",
    )


def test_a_bad_milestones_file_writes_nothing_and_names_row_column_and_rule(store: Store) -> None:
    rows = pd.read_csv(SAMPLE_DIR / "milestones.csv", dtype=str, keep_default_na=False)
    rows.loc[1, "state"] = "late"
    rows.loc[3, "linked"] = "att-imago-teachers-2028"  # a goal of another partnership
    before = store.versions()
    report = check_reference_file(store, "milestones", csv_bytes(rows), "milestones.csv")
    assert not report.accepted
    assert [(f.row, f.column, f.rule) for f in report.errors] == [
        (3, "state", "state_in_vocabulary"),
        (5, "linked", "linked_known"),
    ]
    assert store.versions() == before


def test_goals_and_partnerships_that_milestones_use_cannot_be_dropped(store: Store) -> None:
    goals = pd.read_csv(SAMPLE_DIR / "goals.csv", dtype=str, keep_default_na=False)
    kept = goals[goals["goal_id"] != "solar-skills-kenya-turnover-2027"]
    report = check_reference_file(store, "goals", csv_bytes(kept), "goals.csv")
    assert [(f.rule, f.value) for f in report.errors] == [("goal_in_use", "solar-skills-kenya-turnover-2027")]


# ---- officers: their own partnership's milestones only ---------------------------------------------------------------

OFFICER = Identity("officer@example.org", "officer", frozenset({"pge-green-for-all"}))


def test_an_officer_adds_changes_and_deletes_their_partnerships_milestones(store: Store) -> None:
    added = add_milestone(
        store,
        OFFICER,
        "pge-green-for-all",
        title="Depot apprenticeships: second cohort",
        due_quarter="2027 Q3",
        state="planned",
        linked="pge-green-for-all-women-hires-2030",
    )
    assert added.ok, added.findings
    assert added.milestone_id == "pge-green-for-all-depot-apprenticeships-second-cohort"
    assert update_milestone(store, OFFICER, added.milestone_id, state="in_progress").ok
    stored = store.read_milestones().set_index("milestone_id")
    assert stored.loc[added.milestone_id, ["due_quarter", "state", "visibility"]].tolist() == [
        "2027Q3",
        "in_progress",
        "internal",
    ]
    assert len(stored) == len(pd.read_csv(SAMPLE_DIR / "milestones.csv")) + 1  # the others untouched
    assert delete_milestone(store, OFFICER, added.milestone_id).ok
    assert added.milestone_id not in set(store.read_milestones()["milestone_id"])
    audit = store.read_audit()
    mine = audit[audit["table"] == MILESTONES_TABLE].head(3)
    assert mine["action"].tolist() == ["milestone-delete", "milestone-update", "milestone-add"]
    assert set(mine["user"]) == {"officer@example.org"}


def test_an_officer_cannot_change_another_partnerships_milestones(store: Store) -> None:
    before = store.versions()
    with pytest.raises(MilestoneScopeError):
        update_milestone(store, OFFICER, "att-imago-digital-curriculum", state="done")
    with pytest.raises(MilestoneScopeError):
        delete_milestone(store, OFFICER, "att-imago-digital-curriculum")
    with pytest.raises(MilestoneScopeError):
        add_milestone(store, OFFICER, "att-imago", title="Not mine", due_quarter="2027Q1")
    viewer = Identity("viewer@example.org", "viewer", frozenset({"pge-green-for-all"}))
    with pytest.raises(MilestoneScopeError):
        update_milestone(store, viewer, "pge-green-for-all-supplier-portal", state="done")
    assert store.versions() == before


def test_a_bad_change_is_refused_with_its_findings(store: Store) -> None:
    before = store.versions()
    change = add_milestone(store, OFFICER, "pge-green-for-all", title="", due_quarter="2027Q1", linked="happiness")
    assert not change.ok
    assert {(f.column, f.rule) for f in change.findings} == {("title", "missing_value"), ("linked", "linked_known")}
    refused = update_milestone(store, OFFICER, "pge-green-for-all-supplier-portal", state="late")
    assert [f.rule for f in refused.findings] == ["state_in_vocabulary"]
    assert store.versions() == before


def test_new_ids_are_slugs_and_never_taken() -> None:
    assert new_milestone_id("p", "Launch: Phase 2!", set()) == "p-launch-phase-2"
    assert new_milestone_id("p", "Launch", {"p-launch", "p-launch-2"}) == "p-launch-3"
    assert new_milestone_id("p", "???", set()) == "p-milestone"
    assert len(new_milestone_id("p" * 60, "x" * 80, set())) <= 64


# ---- what the public sees, and the figure ----------------------------------------------------------------------------


def test_the_public_sees_public_milestones_of_public_partnerships_only(store: Store) -> None:
    every = store.read_milestones()
    partnerships = store.read_partnerships()
    kenya = public_roadmap(every, partnerships, "solar-skills-kenya")
    assert set(kenya["visibility"]) == {"public"}
    assert "solar-skills-kenya-retention-plan" not in set(kenya["milestone_id"])  # internal
    assert len(kenya) == 2
    assert public_roadmap(every, partnerships, "circular-jobs-berlin").empty  # a private partnership
    made_public = every.assign(visibility="public")
    assert public_roadmap(made_public, partnerships, "circular-jobs-berlin").empty


def test_the_timeline_marks_each_state_by_colour_and_symbol_with_a_line_at_today() -> None:
    frame = milestones(
        {"milestone_id": "a", "due_quarter": "2026Q3", "state": "in_progress", "title": "<b>bold</b> %{y}"},
        {"milestone_id": "b", "due_quarter": "2026Q1", "state": "done"},
        {"milestone_id": "c", "due_quarter": "2026Q4", "state": "in_progress"},
        {"milestone_id": "d", "due_quarter": "2027Q2", "state": "planned"},
    )
    shown = with_displayed_state(frame, TODAY)
    figure = roadmap_figure(shown, name="Riverton & Co", today=TODAY, source="Source: test.")
    styles = {trace.name: (trace.marker.color, trace.marker.symbol) for trace in figure.data}
    assert styles == {
        "Planned": STATE_STYLES["planned"],
        "In progress": STATE_STYLES["in_progress"],
        "Done": STATE_STYLES["done"],
        "Late": STATE_STYLES[LATE],
    }
    assert len({symbol for _, symbol in styles.values()}) == 4 and len({c for c, _ in styles.values()}) == 4
    assert figure.layout.title.text == "Roadmap of Riverton &amp; Co"
    assert figure.layout.title.subtitle.text == "Milestones by due quarter, as of 27 Nov 2026"
    assert state_summary(shown) == "1 done, 1 in progress, 1 planned, 1 late"
    assert [shape.line.dash for shape in figure.layout.shapes] == ["dash"]
    assert any(a.text.startswith("Today, 27 Nov 2026") for a in figure.layout.annotations)
    spec = figure.to_json()
    assert "<b>bold</b>" not in spec and "%{y}" not in spec.replace("%{text}", "")
    table = roadmap_table(shown)
    assert table["State"].tolist() == ["Done", "Late", "In progress", "Planned"]
    assert table.loc[1, "Late by"] == "58 days"
    assert table.loc[1, "Milestone"] == "<b>bold</b> %{y}"  # the table shows it as text


# ---- the pages -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_store(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("roadmap-pages") / "store"
    shutil.copytree(_seeded_template, root)
    yield Store(root)


@pytest.fixture
def pages(page_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("IMPACT_STORE", page_store.root)
    monkeypatch.setenv("IMPACT_TODAY", TODAY.isoformat())
    return page_store


def page_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [t.value for t in app.text]
    return " ".join(parts).replace("\\", "").replace("\u2060", "")


def roadmap_tables(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe if "Late by" in d.value.columns]


def test_an_officer_manages_milestones_on_the_partnership_page(pages: Store) -> None:
    app = app_as("officer", partnerships=("pge-green-for-all",), email="pge-officer@example.org")
    app.switch_page("web/views/partnership.py")
    app.query_params["partnership"] = "pge-green-for-all"
    app.run()
    assert not app.exception
    assert "Roadmap" in [s.value for s in app.subheader]
    (table,) = roadmap_tables(app)
    assert "Diverse supplier portal goes live" in table["Milestone"].tolist()
    assert table.set_index("Milestone").loc["Diverse supplier portal goes live", "State"] == "Late"
    assert "Manage milestones" in [e.label for e in app.expander]
    next(t for t in app.text_input if t.label == "Title").set_value("Crew <b>training</b> hub opens")
    next(b for b in app.button if b.label == "Add milestone").click().run()
    assert not app.exception
    assert any("Added" in s.value for s in app.success)
    (table,) = roadmap_tables(app)
    assert "Crew <b>training</b> hub opens" in table["Milestone"].tolist()
    stored = pages.read_milestones()
    assert "pge-green-for-all-crew-b-training-b-hub-opens" in set(stored["milestone_id"])


def test_the_form_is_only_for_the_partnerships_officers(pages: Store) -> None:
    for role, partnerships in (("officer", ("att-imago",)), ("viewer", ())):
        app = app_as(role, partnerships=partnerships)
        app.switch_page("web/views/partnership.py")
        app.query_params["partnership"] = "pge-green-for-all"
        app.run()
        assert not app.exception
        assert roadmap_tables(app)  # everyone on staff sees the roadmap
        assert "Manage milestones" not in [e.label for e in app.expander], role


def test_the_portal_shows_public_milestones_only(pages: Store) -> None:
    app = app_as("anonymous", page="portal")
    app.query_params["partnership"] = "solar-skills-kenya"
    app.run()
    assert not app.exception
    (table,) = roadmap_tables(app)
    assert table["Milestone"].tolist() == [
        "Solar training centre opens in Kisumu",
        "Loan scheme for local solar enterprises",
    ]
    assert "Staff retention plan in place" not in page_text(app)
    assert "Manage milestones" not in [e.label for e in app.expander]


def test_the_overview_lists_late_milestones_with_a_download(pages: Store) -> None:
    app = app_as("viewer")
    app.switch_page("web/views/overview.py")
    app.run()
    assert not app.exception
    assert "Late milestones" in [h.value for h in app.header]
    late = next(d.value for d in app.dataframe if "Days late" in d.value.columns)
    assert "Diverse supplier portal goes live" in late["Milestone"].tolist()
    assert late["Days late"].min() > 0
    assert "are late on 27 November 2026" in page_text(app)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Download late milestones (CSV)" in labels


def test_admins_upload_milestones_on_the_reference_page(pages: Store) -> None:
    app = app_as("admin", page="reference")
    app.run()
    app.segmented_control[0].set_value("milestones").run()
    assert not app.exception
    rows = pd.read_csv(SAMPLE_DIR / "milestones.csv", dtype=str, keep_default_na=False)
    rows.loc[0, "due_quarter"] = "soon"
    app.file_uploader[0].set_value(("milestones.csv", csv_bytes(rows), "text/csv")).run()
    assert not app.exception
    assert any("nothing written" in e.value for e in app.error)
    findings = next(d.value for d in app.dataframe if "Rule" in d.value.columns)
    assert findings[["Row", "Column", "Rule"]].values.tolist() == [[2, "due_quarter", "due_quarter_format"]]
