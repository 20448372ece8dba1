"""The story behind the numbers: narratives and goal explanations through write → review → publish → withdraw on
real Delta tables, never public before publishing, required explanations that block publishing until written or
waived (the waiver audited), the contract's limits and hostile text, and the small-group warning."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard.intake.ingest import ingest_file
from dashboard.intake.narratives import (
    NarrativeError,
    discard_texts,
    pending_texts,
    publish_texts,
    waive_explanation,
    write_text,
)
from dashboard.intake.review import publish_slices, reject_slices, unpublish_slices
from dashboard.present.goal_charts import figure_with_notes, goal_progress_figure
from dashboard.present.goal_texts import NO_EXPLANATION, goal_explanations, goals_table
from dashboard.present.narrative_texts import narrative_markdown, story_line
from dashboard.public.narratives import read_public_texts
from dashboard.queries.explanations import explanations_needed, falls_off_course, missing_explanations
from dashboard.storage.narratives import read_texts, texts_version
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.storage.tables import NARRATIVE_TABLES
from data_contracts import INDICATORS
from data_contracts.narratives import (
    EXPLANATION_MAX,
    NARRATIVE_MAX,
    TextEntry,
    breakdown_words,
    check_entry,
    clean_text,
    small_number_warnings,
    text_problems,
)
from data_contracts.quarters import Quarter
from tests.conftest import TODAY, app_as

OFFICER = "officer@example.org"
ADMIN = "admin@example.org"
PID, PRIVATE_ID = "att-imago", "circular-jobs-berlin"
GOAL = "att-imago-schools-2027"
Q3_2026 = Slice(PID, 2026, 3)
CORRECTED = Slice(PID, 2025, 4)
STORY = "We opened two new schools.\n\n- Teachers trained in May\n- More to come"
HOSTILE = "<img src=x onerror=alert(1)> **bold** [click](javascript:alert(1)) $x^2$ :red[alert]"


@pytest.fixture
def store(_seeded_template: Path, tmp_path: Path) -> Store:
    root = tmp_path / "store"
    shutil.copytree(_seeded_template, root)
    return Store(root)


def pending_quarter(store: Store, target: Slice = Q3_2026, dataset: str = "workforce") -> None:
    """A correction of a published quarter waits for review (its headcount changed)."""
    rows = store.read_indicators(dataset, "submitted", partnership_ids=[target.partnership_id], years=[target.year])
    rows = rows[rows["quarter"] == target.quarter].copy()
    rows["note"] = "corrected"
    store.commit_indicators(rows, dataset, user=OFFICER)


def public_story(store: Store, partnership_id: str = PID) -> pd.DataFrame:
    return read_public_texts(store, [partnership_id])


# ---- the contract -----------------------------------------------------------------------------------------------


def test_lengths_and_hostile_characters_are_refused() -> None:
    assert text_problems(clean_text("  fine\r\nwith\ta tab  "), "narrative") == []
    assert clean_text(" a  \r\n b \r") == "a\n b"
    assert text_problems("x" * NARRATIVE_MAX, "narrative") == []
    assert "at most 5,000 characters" in text_problems("x" * (NARRATIVE_MAX + 1), "narrative")[0]
    assert text_problems("x" * EXPLANATION_MAX, "explanation") == []
    assert "at most 500 characters" in text_problems("x" * (EXPLANATION_MAX + 1), "explanation")[0]
    assert "empty" in text_problems(clean_text("   \n "), "narrative")[0]
    for hostile in ("nul\x00", "bell\x07", "right-to-left \u202eevil", "isolate \u2066x", "c1 \x85", "bom \ufeff"):
        assert any("control characters" in p for p in text_problems(hostile, "narrative")), hostile
    assert text_problems(HOSTILE, "explanation") == []  # Markdown and HTML are allowed: they are shown as text


def test_ids_and_quarters_are_checked() -> None:
    ids, goals = ["att-imago"], {"att-imago": {GOAL}}

    def rules(**changes: object) -> list[str]:
        entry = TextEntry(**{"partnership_id": PID, "year": 2026, "quarter": 3, "kind": "explanation",
                             "goal_id": GOAL, "text": "why", **changes})  # fmt: skip
        return [f.rule for f in check_entry(entry, partnership_ids=ids, goals_of=goals, today=TODAY)]

    assert rules() == []
    assert rules(partnership_id="nobody") == ["partnership_known", "goal_known"]
    assert rules(goal_id="another-partnerships-goal") == ["goal_known"]
    assert rules(year=2027, quarter=1) == ["quarter_not_future"]
    assert rules(quarter=5) == ["quarter_valid"]
    assert rules(kind="narrative") == ["narrative_without_goal"]
    assert rules(kind="narrative", goal_id="") == []


def test_the_small_group_warning() -> None:
    words = breakdown_words()
    assert {"women", "men", "disabled", "ethnic", "marginalised", "disadvantaged", "subcontractors"} <= words
    assert small_number_warnings("Three sites; 3 women left the programme.", 10) == ["Three sites; 3 women left the"]
    assert small_number_warnings("Women aged under 30: 4", 10)
    assert small_number_warnings("2 subcontractors were hired", 10)
    assert small_number_warnings("Marginalised groups: 7 took part", 10)
    # counts of k or more, years, percentages, decimals and numbers far from any group word are not flagged
    assert small_number_warnings("30 women and 12 men joined", 10) == []
    assert small_number_warnings("In 2025 women were 4% of hires", 10) == []
    assert small_number_warnings("2.5 women on average", 10) == []
    assert small_number_warnings("We held 2 events with the city council and partners for women", 10) == []
    assert small_number_warnings("3 women", 3) == []  # k is the setting's


# ---- write → review → publish → withdraw ------------------------------------------------------------------------


def test_a_store_without_the_texts_tables_opens_and_creates_them_on_first_write(store: Store) -> None:
    for table in NARRATIVE_TABLES.values():
        shutil.rmtree(Path(store.root) / table)
    assert store.is_initialised()
    assert texts_version(store, "submitted") == -1 and read_texts(store, "published").empty
    assert public_story(store).empty
    write_text(store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text=STORY, user=OFFICER, today=TODAY)
    assert all(store.exists(t) for t in NARRATIVE_TABLES.values())


def test_a_narrative_goes_public_only_with_its_published_quarter(store: Store) -> None:
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text=STORY, user=OFFICER,
        allowed_partnerships={PID}, today=TODAY,
    )  # fmt: skip
    submitted = read_texts(store, "submitted")
    assert submitted[["partnership_id", "year", "quarter", "kind", "goal_id"]].values.tolist() == [
        [PID, 2026, 3, "narrative", ""]
    ]
    assert submitted["text"].iloc[0] == STORY and submitted["author"].iloc[0] == OFFICER
    assert read_texts(store, "published").empty and public_story(store).empty  # never public before publishing
    assert pending_texts(store)["status"].tolist() == ["new"]
    audit = store.read_audit()
    written = audit[audit["table"] == NARRATIVE_TABLES["submitted"]].iloc[0]
    assert (written["user"], written["action"], written["dataset"]) == (OFFICER, "upload", "narratives")
    assert written["slices"] == f'["{Q3_2026}"]'

    # publishing any dataset slice of the quarter publishes its texts (here: the data waits too)
    pending_quarter(store)
    publish_slices(store, "workforce", [Q3_2026], user=ADMIN, four_eyes=False)
    assert public_story(store)["text"].tolist() == [STORY]
    assert pending_texts(store).empty
    audit = store.read_audit()
    published = audit[audit["table"] == NARRATIVE_TABLES["published"]].iloc[0]
    assert (published["user"], published["action"]) == (ADMIN, "publish")

    # withdrawing a dataset slice of the quarter withdraws its texts; they wait for review again
    unpublish_slices(store, "workforce", [Q3_2026], user=ADMIN, reason="figures wrong")
    assert public_story(store).empty and read_texts(store, "published").empty
    assert read_texts(store, "submitted")["text"].tolist() == [STORY]
    assert pending_texts(store)["status"].tolist() == ["new"]
    withdrawn = store.read_audit()
    withdrawn = withdrawn[withdrawn["table"] == NARRATIVE_TABLES["published"]].iloc[0]
    assert (withdrawn["action"], withdrawn["message"]) == ("unpublish", "figures wrong")


def test_texts_written_after_their_figures_are_published_alone(store: Store) -> None:
    write_text(store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text=STORY, user=OFFICER, today=TODAY)
    nothing_published = Slice(PID, 2026, 4)
    write_text(store, partnership_id=PID, year=2026, quarter=4, kind="narrative", text="Q4", user=OFFICER, today=TODAY)
    with pytest.raises(NarrativeError, match="No figures of att-imago:2026Q4 are published"):
        publish_texts(store, [nothing_published], user=ADMIN)
    assert public_story(store).empty
    publish_texts(store, [Q3_2026], user=ADMIN)
    assert public_story(store)["text"].tolist() == [STORY]
    assert [str(Slice(p, y, q)) for p, y, q in pending_texts(store)[["partnership_id", "year", "quarter"]].values] == [
        str(nothing_published)
    ]


def test_rejecting_a_quarter_discards_its_pending_texts(store: Store) -> None:
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text="first", user=OFFICER, today=TODAY
    )
    publish_texts(store, [Q3_2026], user=ADMIN)
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text="second", user=OFFICER, today=TODAY
    )
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="explanation", goal_id=GOAL, text="why", user=OFFICER,
        today=TODAY,
    )  # fmt: skip
    assert sorted(pending_texts(store)["status"]) == ["changed", "new"]
    pending_quarter(store)
    reject_slices(store, "workforce", [Q3_2026], user=ADMIN, reason="double counted")
    assert read_texts(store, "submitted")["text"].tolist() == ["first"]  # back to what is published
    assert pending_texts(store).empty and public_story(store)["text"].tolist() == ["first"]
    with pytest.raises(NarrativeError, match="reason"):
        discard_texts(store, [Q3_2026], user=ADMIN, reason=" ")


def test_officers_write_for_their_partnerships_and_bad_texts_write_nothing(store: Store) -> None:
    def write(**changes: object) -> None:
        write_text(store, **{"partnership_id": PID, "year": 2026, "quarter": 3, "kind": "narrative", "text": STORY,
                             "user": OFFICER, "allowed_partnerships": {PID}, "today": TODAY, **changes})  # fmt: skip

    before = texts_version(store, "submitted")
    with pytest.raises(NarrativeError, match="only for your partnerships"):
        write(partnership_id="pge-green-for-all")
    with pytest.raises(NarrativeError, match="at most 5,000"):
        write(text="x" * 5001)
    with pytest.raises(NarrativeError, match="at most 500"):
        write(kind="explanation", goal_id=GOAL, text="x" * 501)
    with pytest.raises(NarrativeError, match="control characters"):
        write(text="hidden \u202e text")
    with pytest.raises(NarrativeError, match="has not started"):
        write(year=2027, quarter=2)
    with pytest.raises(NarrativeError, match="Unknown goal"):
        write(kind="explanation", goal_id="pge-green-for-all-injuries-2028")
    assert texts_version(store, "submitted") == before
    write(text=HOSTILE)
    assert read_texts(store, "submitted")["text"].tolist() == [HOSTILE]  # stored as typed


def test_a_narrative_is_shown_as_text() -> None:
    shown = narrative_markdown("Para one\nstill one.\n\n- item <b>x</b>\n* [a](javascript:b)\n\n# not a heading")
    assert shown.split("\n\n") == [
        "Para one still one\\.",
        "- item \\<b\\>x\\<\\/b\\>\n- \\[a\\]\\(javascript\\:\u2060b\\)",
        "\\# not a heading",
    ]
    assert "<img" not in narrative_markdown(HOSTILE).replace("\\<img", "")


# ---- a file's narrative sheet or column -------------------------------------------------------------------------


def quarter_csv(store: Store, narratives: list[str]) -> bytes:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=[PID], years=[2026])
    rows = rows[rows["quarter"] == 3].head(len(narratives)).assign(narrative=narratives)
    return rows.drop(columns=[]).to_csv(index=False).encode()


def test_a_narrative_column_is_committed_with_the_upload(store: Store) -> None:
    data = quarter_csv(store, ["Told once.", "", "Told once."])
    report, commit = ingest_file(store, data, "q.csv", dataset="workforce", user=OFFICER, today=TODAY)
    assert report.accepted and commit is not None, report.errors
    assert read_texts(store, "submitted")["text"].tolist() == ["Told once."]
    assert read_texts(store, "published").empty


def test_two_narratives_for_one_quarter_refuse_the_file(store: Store) -> None:
    before = store.versions()
    report, commit = ingest_file(store, quarter_csv(store, ["One.", "Two."]), "q.csv", dataset="workforce",
                                 user=OFFICER, today=TODAY)  # fmt: skip
    assert commit is None and [f.rule for f in report.errors] == ["narrative_differs"]
    assert store.versions() == before


def test_a_narrative_sheet_warns_of_a_small_group(store: Store) -> None:
    rows = store.read_indicators("workforce", "submitted", partnership_ids=[PID], years=[2026])
    rows = rows[rows["quarter"] == 3]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "workforce"
    sheet.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        sheet.append(list(record))
    story = book.create_sheet("narrative")
    story.append(["partnership_id", "year", "quarter", "narrative"])
    story.append([PID, 2026, 3, "Only 2 women stayed on."])
    buffer = io.BytesIO()
    book.save(buffer)
    report, commit = ingest_file(store, buffer.getvalue(), "q.xlsx", dataset="workforce", user=OFFICER, today=TODAY)
    assert commit is not None and report.accepted, report.errors
    assert [f.rule for f in report.warnings if f.rule.startswith("narrative")] == ["narrative_small_group"]
    assert read_texts(store, "submitted")["text"].tolist() == ["Only 2 women stayed on."]


# ---- explanations required before publishing ----------------------------------------------------------------------


def test_falls_off_course() -> None:
    assert falls_off_course("moderate_progress", "limited_progress")
    assert falls_off_course("limited_progress", "deterioration")
    assert falls_off_course("not_available", "deterioration")
    assert not falls_off_course("deterioration", "deterioration")
    assert not falls_off_course("deterioration", "limited_progress")
    assert not falls_off_course("substantial_progress", "moderate_progress")


def fall(store: Store) -> dict[str, list[Slice]]:
    """A correction of 2025 Q4 that takes the schools goal (a stock: the last quarter counts) from achieved to
    deterioration; the chosen slices."""
    rows = store.read_indicators("education", "submitted", partnership_ids=[PID], years=[2025])
    rows = rows[rows["quarter"] == 4].copy()
    rows.loc[(rows["indicator_id"] == "schools_reached") & (rows["dimension"] == "total"), "value"] = 80.0
    store.commit_indicators(rows, "education", user=OFFICER)
    return {"education": [CORRECTED]}


def test_a_goal_that_falls_needs_its_explanation_or_a_waiver(store: Store) -> None:
    chosen = fall(store)
    needed = explanations_needed(store, chosen)
    assert needed[["goal_id", "year", "quarter", "before", "after"]].values.tolist() == [
        [GOAL, 2025, 4, "target_achieved", "deterioration"]
    ]
    assert len(missing_explanations(needed)) == 1
    # another dataset's pending quarter, or none, needs nothing
    assert explanations_needed(store, {"workforce": [CORRECTED]}).empty
    write_text(
        store, partnership_id=PID, year=2025, quarter=4, kind="explanation", goal_id=GOAL,
        text="Two schools closed for repairs.", user=OFFICER, today=TODAY,
    )  # fmt: skip
    needed = explanations_needed(store, chosen)
    assert needed["explained"].tolist() == [True] and missing_explanations(needed).empty
    publish_slices(store, "education", [CORRECTED], user=ADMIN, four_eyes=False)
    story = public_story(store)
    assert story[["goal_id", "text"]].values.tolist() == [[GOAL, "Two schools closed for repairs."]]
    assert story_line(story, PID, GOAL) == "Why, 2025 Q4: Two schools closed for repairs."


def test_a_waiver_is_recorded_and_never_shown(store: Store) -> None:
    chosen = fall(store)
    with pytest.raises(NarrativeError, match="reason"):
        waive_explanation(store, partnership_id=PID, year=2025, quarter=4, goal_id=GOAL, user=ADMIN, reason="")
    waive_explanation(
        store, partnership_id=PID, year=2025, quarter=4, goal_id=GOAL, user=ADMIN, reason="explained in the board"
    )
    needed = explanations_needed(store, chosen)
    assert needed["waived"].tolist() == [True] and missing_explanations(needed).empty
    audit = store.read_audit()
    waiver = audit[audit["action"] == "waive"].iloc[0]
    assert waiver["user"] == ADMIN and waiver["table"] == NARRATIVE_TABLES["submitted"]
    assert (
        GOAL in waiver["message"] and "2025 Q4" in waiver["message"] and "explained in the board" in waiver["message"]
    )
    assert pd.notna(waiver["committed_at"])
    publish_slices(store, "education", [CORRECTED], user=ADMIN, four_eyes=False)
    assert read_texts(store, "published")["waived"].tolist() == [True]
    assert public_story(store).empty  # a waiver is not a text


def test_the_goals_table_and_chart_carry_the_explanation() -> None:
    texts = pd.DataFrame(
        {
            "partnership_id": [PID, PID, PID],
            "year": [2025, 2026, 2026],
            "quarter": [4, 2, 3],
            "kind": ["explanation", "explanation", "explanation"],
            "goal_id": [GOAL, GOAL, "other"],
            "text": ["old", "newer <b>why</b>", ""],
            "waived": [False, False, True],
        }
    )
    evaluated = pd.DataFrame({"partnership_id": [PID, PID], "goal_id": [GOAL, "other"]})
    assert goal_explanations(evaluated, texts) == {GOAL: "2026 Q2: newer <b>why</b>"}
    assert goal_explanations(evaluated) == {}
    from dashboard.analytics.goals import GoalPath

    path = GoalPath(base_year=2022, base_value=91, target_year=2027, target_value=104)
    points = pd.DataFrame({"year": [2022, 2023], "value": [91.0, 95.0]})
    plain = goal_progress_figure(points, indicator=INDICATORS["schools_reached"], path=path, status="deterioration",
                                 source="s")  # fmt: skip
    noted = figure_with_notes(plain, [(Quarter(2026, 2), "newer <b>why</b>")])
    notes = [a for a in noted.layout.annotations if "2026 Q2" in a.text]
    assert len(notes) == 1 and notes[0].x == 2026.25 and "&lt;b&gt;" in notes[0].text and "<b>" not in notes[0].text
    assert not [a for a in plain.layout.annotations if "2026 Q2" in a.text]  # the shared figure is left as it was


def test_goals_table_names_each_goals_explanation(store: Store) -> None:
    from dashboard.analytics.goals import evaluate_goals

    goals = store.read_goals()
    goals = goals[goals["partnership_id"] == PID].reset_index(drop=True)
    rows = pd.concat([store.read_indicators(d, "submitted", partnership_ids=[PID]) for d in ("education",)])
    evaluated = evaluate_goals(goals, rows)
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="explanation", goal_id=GOAL, text="Because.",
        user=OFFICER, today=TODAY,
    )  # fmt: skip
    table = goals_table(evaluated, {PID: "AT&T"}, read_texts(store, "submitted"))
    by_goal = dict(zip(table["Goal id"], table["Explanation"], strict=True))
    assert by_goal[GOAL] == "2026 Q3: Because." and by_goal["att-imago-teachers-2028"] == NO_EXPLANATION


# ---- pages ------------------------------------------------------------------------------------------------------


def test_the_review_page_holds_publish_until_the_explanation_is_waived(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    fall(store)
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as("admin", email=ADMIN, page="review").run()
    assert not app.exception
    app.multiselect(key="review_choice").select(f"education|{CORRECTED}").run()
    publish = next(b for b in app.button if b.label.startswith("Publish 1"))
    assert publish.disabled
    assert any("Publish is disabled until" in w.value for w in app.warning)
    key = f"{PID}|{Quarter(2025, 4).code}|{GOAL}"
    app.text_input(key=f"explain-reason|{key}").input("discussed with the board").run()
    app.button(key=f"explain-waive|{key}").click().run()
    assert not app.exception and any("Waived the explanation" in s.value for s in app.success)
    assert not next(b for b in app.button if b.label.startswith("Publish 1")).disabled
    history = next(d.value for d in app.dataframe if "Action" in d.value.columns and "Admin" in d.value.columns)
    assert history["Action"].iloc[0] == "explanation waived" and GOAL in history["Reason"].iloc[0]
    next(b for b in app.button if b.label.startswith("Publish 1")).click().run()
    assert not app.exception and not app.error
    assert not store.read_indicators("education", "published", partnership_ids=[PID], years=[2025]).empty


def test_portal_and_embed_show_the_story_only_once_published(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    secret = "UNPUBLISHED-STORY-TEXT"
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text=secret, user=OFFICER, today=TODAY
    )
    write_text(store, partnership_id=PRIVATE_ID, year=2026, quarter=3, kind="narrative", text="PRIVATE-STORY",
               user=ADMIN, today=TODAY)  # fmt: skip
    monkeypatch.setenv("IMPACT_STORE", store.root)

    def pages() -> tuple[str, str]:
        portal = app_as("anonymous", page="portal")
        portal.query_params["partnership"] = PID
        embed = app_as("anonymous", page="embed_chart")
        for name, value in {"partnership": PID, "indicator": "workforce_headcount", "view": "trend"}.items():
            embed.query_params[name] = value
        portal.run()
        embed.run()
        assert not portal.exception and not embed.exception
        shown = "\n".join(m.value for m in [*portal.markdown, *portal.caption])
        return shown, "\n".join(m.value for m in embed.caption)

    portal, embed = pages()
    assert "UNPUBLISHED" not in portal + embed and "Read the story" not in embed
    publish_texts(store, [Q3_2026], user=ADMIN)
    with pytest.raises(NarrativeError, match="No figures"):  # a private partnership's figures are published, though
        publish_texts(store, [Slice(PRIVATE_ID, 2026, 4)], user=ADMIN)
    publish_texts(store, [Slice(PRIVATE_ID, 2026, 3)], user=ADMIN)
    portal, embed = pages()
    assert "UNPUBLISHED\\-STORY\\-TEXT" in portal
    assert "UNPUBLISHED\\-STORY\\-TEXT [Read the story](" in embed
    assert "/portal?partnership=att-imago)" in embed
    assert "PRIVATE" not in portal + embed  # a private partnership's texts never reach the public
    assert read_texts(store, "published")["partnership_id"].tolist() == [PID, PRIVATE_ID]


def test_the_upload_form_warns_before_submitting(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    monkeypatch.setenv("IMPACT_TODAY", TODAY.isoformat())
    app = app_as("officer", partnerships=(PID,), email=OFFICER, page="upload").run()
    assert not app.exception
    area = next(t for t in app.text_area if t.key.startswith("story_text|"))
    area.input("Only 3 women finished.").run()
    assert any("fewer than 10 people" in w.value for w in app.warning)
    assert app.button(key="story_submit").disabled
    next(c for c in app.checkbox if c.key.startswith("story_confirm|")).check().run()
    app.button(key="story_submit").click().run()
    assert not app.exception and any("waiting for review" in s.value for s in app.success)
    texts = read_texts(store, "submitted")
    assert texts[["partnership_id", "year", "quarter", "text"]].values.tolist() == [
        [PID, 2026, 3, "Only 3 women finished."]
    ]


def test_the_partnership_page_shows_hostile_texts_as_text(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="narrative", text=HOSTILE, user=OFFICER, today=TODAY
    )
    write_text(
        store, partnership_id=PID, year=2026, quarter=3, kind="explanation", goal_id=GOAL, text=HOSTILE,
        user=OFFICER, today=TODAY,
    )  # fmt: skip
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = app_as("admin", email=ADMIN, page="partnership")
    app.query_params["partnership"] = PID
    app.run()
    assert not app.exception
    shown = [m.value for m in app.markdown]
    assert any(m.startswith("**Why, 2026 Q3:** \\<img src") for m in shown)  # the goal card's explanation
    assert any(m.startswith("\\<img src") for m in shown)  # the narrative
    assert not [m for m in shown if re.search(r"(?<!\\)<img|(?<!\\)\]\(javascript", m)]  # only escaped
    charts = [str(c.proto.spec) for c in app.get("plotly_chart")]
    noted = [spec for spec in charts if "2026 Q3: &lt;img" in spec]
    assert len(noted) == 1 and "<img" not in noted[0]  # the schools goal's chart, with the explanation as entities
