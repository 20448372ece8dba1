"""The reporting cycle: the partnerships' due days, the status rules against a fixed clock (every state and the
boundaries), the status command's JSON, the Reporting status page and the officers' home."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from dashboard.access.accounts import add_user
from dashboard.analytics.reporting_status import (
    STATUS_COLUMNS,
    STATUSES,
    QuarterSummary,
    first_expected_quarter,
    officers_by_partnership,
    pairs_with_status,
    quarter_end,
    quarter_summary,
    reporting_status,
    slice_times,
    upload_review_states,
)
from dashboard.cli import main
from dashboard.intake.ingest import ingest_partnerships_frame, read_plain_csv
from dashboard.intake.reporting import officer_accounts, reporting_inputs
from dashboard.intake.seed import SAMPLE_DIR
from dashboard.present.reporting_texts import (
    RECORD_FIELDS,
    STATUS_STYLES,
    contrast_ratio,
    overdue_frame,
    status_grid,
    summary_sentence,
)
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIP_SCHEMA, PARTNERSHIPS_TABLE
from data_contracts import validate_partnerships
from data_contracts.quarters import Quarter
from data_contracts.templates import reference_template_frame
from tests.conftest import app_as

# ---- the due_days column -------------------------------------------------------------------------------------------


def partnership_rows(**changes: object) -> pd.DataFrame:
    frame = read_plain_csv(SAMPLE_DIR / "partnerships.csv").head(2).copy()
    for column, value in changes.items():
        frame[column] = value
    return frame


def test_the_sample_gives_the_parks_partnership_45_due_days_and_leaves_the_others_blank() -> None:
    result = validate_partnerships(read_plain_csv(SAMPLE_DIR / "partnerships.csv"))
    assert result.ok
    days = result.frame.set_index("partnership_id")["due_days"]
    assert days["urban-parks-commons"] == 45
    assert days.drop("urban-parks-commons").isna().all()


@pytest.mark.parametrize(("cell", "rule"), [("367", "due_days_in_range"), ("-1", "due_days_in_range"),
                                            ("4.5", "not_a_whole_number"), ("soon", "not_a_number")])  # fmt: skip
def test_due_days_must_be_a_whole_number_from_0_to_366(cell: str, rule: str) -> None:
    result = validate_partnerships(partnership_rows(due_days=cell))
    assert not result.ok
    assert {(f.column, f.rule) for f in result.errors} == {("due_days", rule)}


@pytest.mark.parametrize("cell", ["", "0", "366"])
def test_due_days_may_be_blank_or_at_the_limits(cell: str) -> None:
    assert validate_partnerships(partnership_rows(due_days=cell)).ok


def test_a_file_without_the_due_days_column_still_passes() -> None:
    result = validate_partnerships(partnership_rows().drop(columns=["due_days"]))
    assert result.ok and result.frame["due_days"].isna().all()
    assert "due_days" in reference_template_frame("partnerships").columns


def test_a_store_written_before_the_column_reads_it_as_blank_and_takes_it_on_the_next_upload(tmp_path: Path) -> None:
    store = Store(tmp_path / "old")
    older = pa.schema([field for field in PARTNERSHIP_SCHEMA if field.name != "due_days"])
    rows = validate_partnerships(read_plain_csv(SAMPLE_DIR / "partnerships.csv")).frame.drop(columns=["due_days"])
    Path(store.uri(PARTNERSHIPS_TABLE)).mkdir(parents=True)
    write_deltalake(store.uri(PARTNERSHIPS_TABLE), pa.Table.from_pandas(rows, schema=older, preserve_index=False))
    store.create_tables()
    before = store.read_partnerships()
    assert "due_days" in before.columns and before["due_days"].isna().all()
    assert store.read(PARTNERSHIPS_TABLE, columns=["partnership_id", "due_days"])["due_days"].isna().all()
    outcome = ingest_partnerships_frame(
        store, read_plain_csv(SAMPLE_DIR / "partnerships.csv"), user="t", source_name="p.csv", source_sha256="0"
    )
    assert outcome.accepted
    after = store.read_partnerships().set_index("partnership_id")["due_days"]
    assert after["urban-parks-commons"] == 45 and after.drop("urban-parks-commons").isna().all()


# ---- the rules against a fixed clock ------------------------------------------------------------------------------

PARTNERSHIPS = pd.DataFrame(
    {
        "partnership_id": ["alpha", "beta"],
        "name": ["Alpha", "Beta"],
        "focus_datasets": ["workforce;diversity", "workforce"],
        "start_date": [date(2025, 1, 1), date(2025, 2, 10)],
        "due_days": pd.array([None, 45], dtype="Int64"),
        "region": ["Africa", "Europe"],
        "lead_sector": ["business", "ngo"],
    }
)


def slices(*rows: tuple[str, str, int, int, int]) -> pd.DataFrame:
    """Slices of a layer: (dataset, partnership, year, quarter, fingerprint), 3 rows each."""
    frame = pd.DataFrame(rows, columns=["dataset", "partnership_id", "year", "quarter", "fingerprint"])
    return frame.assign(rows=3, fingerprint=frame["fingerprint"].astype("uint64"))


SUBMITTED = slices(
    ("workforce", "alpha", 2025, 1, 11),
    ("workforce", "alpha", 2025, 2, 99),  # a correction of a published quarter
    ("workforce", "alpha", 2025, 3, 13),
)
PUBLISHED = slices(("workforce", "alpha", 2025, 1, 11), ("workforce", "alpha", 2025, 2, 12))


def audit_row(table: str, action: str, at: str, *names: str, outcome: str = "accepted") -> dict:
    return {
        "table": table,
        "action": action,
        "outcome": outcome,
        "committed_at": pd.Timestamp(at, tz="UTC"),
        "dataset": table.split("/")[1],
        "slices": json.dumps(list(names)),
    }


AUDIT = pd.DataFrame(
    [
        audit_row("submitted/workforce", "upload", "2025-04-20", "alpha:2025Q1"),
        audit_row("published/workforce", "publish", "2025-04-22", "alpha:2025Q1"),
        audit_row("submitted/workforce", "upload", "2025-07-20", "alpha:2025Q2"),
        audit_row("published/workforce", "publish", "2025-07-21", "alpha:2025Q2"),
        audit_row("submitted/workforce", "upload", "2025-08-01", "alpha:2025Q2"),
        audit_row("submitted/workforce", "upload", "2025-10-05", "alpha:2025Q3"),
        audit_row("submitted/workforce", "reject", "2025-10-06", "alpha:2025Q3"),  # not a submission
    ]
)


def statuses(today: date, quarters: list[Quarter] | None = None, due: int = 30) -> dict[tuple, str]:
    frame = reporting_status(
        PARTNERSHIPS, SUBMITTED, PUBLISHED, slice_times(AUDIT), today=today, default_due_days=due, quarters=quarters
    )
    assert tuple(frame.columns) == STATUS_COLUMNS
    columns = [
        frame[c].astype(str) if c in ("partnership_id", "dataset", "status") else frame[c] for c in STATUS_COLUMNS[:5]
    ]
    return {(p, d, int(y), int(q)): s for p, d, y, q, s in zip(*columns, strict=True)}


def test_every_state_against_a_fixed_clock() -> None:
    found = statuses(date(2026, 1, 30))
    assert found[("alpha", "workforce", 2025, 1)] == "published"
    assert found[("alpha", "workforce", 2025, 2)] == "changed_since_published"
    assert found[("alpha", "workforce", 2025, 3)] == "submitted"
    assert found[("alpha", "diversity", 2025, 3)] == "overdue"
    assert found[("alpha", "diversity", 2025, 4)] == "due"  # 2025 Q4 ended 31 December; due 30 January
    assert found[("alpha", "workforce", 2026, 1)] == "not_due"  # the clock's quarter has not ended
    assert set(found.values()) == set(STATUSES)
    # beta starts on 10 February 2025: its first quarter is the next whole one, 2025 Q2
    assert min(q for p, _, y, q in found if p == "beta" and y == 2025) == 2
    assert ("beta", "diversity", 2025, 2) not in found  # not a focus dataset


def test_the_last_day_within_the_due_days_is_due_and_the_next_day_overdue() -> None:
    key = ("alpha", "diversity", 2025, 4)
    assert statuses(date(2026, 1, 30))[key] == "due"
    assert statuses(date(2026, 1, 31))[key] == "overdue"
    assert statuses(date(2025, 12, 31))[key] == "not_due"  # the quarter's last day: not ended yet
    assert statuses(date(2026, 1, 1))[key] == "due"


def test_a_partnership_s_own_due_days_override_the_setting() -> None:
    key = ("beta", "workforce", 2025, 4)  # 45 days: due 14 February 2026
    assert statuses(date(2026, 2, 14), due=30)[key] == "due"
    assert statuses(date(2026, 2, 15), due=30)[key] == "overdue"
    assert statuses(date(2026, 2, 14), due=0)[("alpha", "workforce", 2025, 4)] == "overdue"
    assert statuses(date(2026, 1, 1), due=0)[("alpha", "diversity", 2025, 4)] == "overdue"
    assert statuses(date(2025, 12, 31), due=0)[("alpha", "diversity", 2025, 4)] == "not_due"


def test_a_quarter_asked_for_before_the_start_is_not_due() -> None:
    found = statuses(date(2026, 6, 1), quarters=[Quarter(2025, 1)])
    assert found[("beta", "workforce", 2025, 1)] == "not_due"
    assert found[("alpha", "diversity", 2025, 1)] == "overdue"
    assert len(found) == 3  # one row per partnership and focus dataset


def test_due_dates_and_the_times_of_submission_and_publication() -> None:
    frame = reporting_status(
        PARTNERSHIPS, SUBMITTED, PUBLISHED, slice_times(AUDIT), today=date(2026, 1, 30), default_due_days=30
    ).set_index(["partnership_id", "dataset", "year", "quarter"])
    changed = frame.loc[("alpha", "workforce", 2025, 2)]
    assert changed["due_date"] == pd.Timestamp("2025-07-30")
    assert changed["submitted_at"] == pd.Timestamp("2025-08-01", tz="UTC")
    assert changed["published_at"] == pd.Timestamp("2025-07-21", tz="UTC")
    submitted = frame.loc[("alpha", "workforce", 2025, 3)]
    assert submitted["submitted_at"] == pd.Timestamp("2025-10-05", tz="UTC") and pd.isna(submitted["published_at"])
    assert frame.loc[("beta", "workforce", 2025, 4)]["due_date"] == pd.Timestamp("2026-02-14")
    assert pd.isna(frame.loc[("alpha", "diversity", 2025, 4)]["submitted_at"])


def test_quarter_ends_and_first_quarters() -> None:
    ends = quarter_end([Quarter(2024, 1).number, Quarter(2024, 4).number, Quarter(2026, 3).number])
    assert [str(d) for d in ends] == ["2024-03-31", "2024-12-31", "2026-09-30"]
    starts = pd.Series([date(2022, 11, 1), date(2022, 1, 1), date(2020, 9, 1), date(2021, 7, 1)])
    assert [Quarter.from_number(n) for n in first_expected_quarter(starts)] == [
        Quarter(2023, 1),
        Quarter(2022, 1),
        Quarter(2020, 4),
        Quarter(2021, 3),
    ]


def test_the_summary_of_a_quarter_and_its_sentence() -> None:
    frame = reporting_status(PARTNERSHIPS, SUBMITTED, PUBLISHED, today=date(2026, 1, 30), default_due_days=30)
    summary = quarter_summary(frame, Quarter(2025, 3))
    assert summary == QuarterSummary(Quarter(2025, 3), expected=2, reported=0, overdue=2, due=0)
    assert summary_sentence(summary) == "0 of 2 partnerships have reported 2025 Q3; 2 overdue."
    assert summary_sentence(QuarterSummary(Quarter(2026, 3), 8, 6, 2, 0)) == (
        "6 of 8 partnerships have reported 2026 Q3; 2 overdue."
    )
    later = reporting_status(PARTNERSHIPS, SUBMITTED, PUBLISHED, today=date(2026, 1, 31), default_due_days=30)
    assert summary_sentence(quarter_summary(later, Quarter(2025, 4))) == (
        "0 of 2 partnerships have reported 2025 Q4; 1 overdue, 1 still within the due days."
    )


def test_it_stays_fast_at_5000_partnerships() -> None:
    import time

    n = 5_000
    rng = np.random.default_rng(1)
    ids = [f"p-{i:05d}" for i in range(n)]
    partnerships = pd.DataFrame(
        {"partnership_id": ids, "focus_datasets": "workforce;diversity;education;community_capacity",
         "start_date": date(2019, 1, 1), "due_days": pd.array([None] * n, dtype="Int64")}
    )  # fmt: skip
    grid = pd.MultiIndex.from_product([range(n), range(4), range(2019 * 4, 2026 * 4 + 3)]).to_frame(index=False)
    grid.columns = ["p", "d", "n"]
    names = np.array(["workforce", "diversity", "education", "community_capacity"])
    layer = pd.DataFrame(
        {"dataset": names[grid["d"]], "partnership_id": np.array(ids)[grid["p"]], "year": grid["n"] // 4,
         "quarter": grid["n"] % 4 + 1, "rows": 20, "fingerprint": rng.integers(0, 2**63, len(grid)).astype("uint64")}
    )  # fmt: skip
    started = time.perf_counter()
    frame = reporting_status(partnerships, layer, layer.iloc[::2], today=date(2026, 11, 27), default_due_days=30)
    assert len(frame) == n * 4 * 32
    assert time.perf_counter() - started < 15  # about 1.5 s on a 2-core machine; generous for a busy one


def test_a_status_filter_keeps_every_quarter_of_the_pairs_that_have_it() -> None:
    frame = reporting_status(PARTNERSHIPS, SUBMITTED, PUBLISHED, today=date(2026, 1, 30), default_due_days=30)
    kept = pairs_with_status(frame, ["changed_since_published"])
    assert set(zip(kept["partnership_id"].astype(str), kept["dataset"].astype(str), strict=True)) == {
        ("alpha", "workforce")
    }
    assert len(kept) == len(frame[(frame["partnership_id"] == "alpha") & (frame["dataset"] == "workforce")])
    assert pairs_with_status(frame, []).empty


# ---- uploads and their review --------------------------------------------------------------------------------------


def test_each_upload_gets_its_review_state() -> None:
    frame = reporting_status(
        PARTNERSHIPS, SUBMITTED, PUBLISHED, slice_times(AUDIT), today=date(2026, 1, 30), default_due_days=30
    )
    uploads = pd.DataFrame(
        [
            audit_row("submitted/workforce", "upload", "2025-10-05", "alpha:2025Q3"),
            audit_row("submitted/workforce", "upload", "2025-08-01", "alpha:2025Q2"),
            audit_row("submitted/workforce", "upload", "2025-07-25", "alpha:2025Q2"),
            audit_row("submitted/workforce", "upload", "2025-07-20", "alpha:2025Q2"),
            audit_row("submitted/workforce", "upload", "2025-04-20", "alpha:2025Q1"),
            audit_row("submitted/diversity", "upload", "2025-10-10", "alpha:2025Q3"),  # a reviewer rejected it
            audit_row("submitted/workforce", "upload", "2025-04-19", "alpha:2025Q1", outcome="rejected"),
            audit_row("submitted/workforce", "upload", "2025-04-21", "alpha:2025Q1", outcome="unchanged"),
        ]
    )
    assert upload_review_states(uploads, frame)["review_state"].tolist() == [
        "waiting for review",
        "waiting for review",
        "replaced by a later upload",
        "published",
        "published",
        "returned by a reviewer",
        "rejected by the checks",
        "unchanged",
    ]


# ---- officers, words and colours ---------------------------------------------------------------------------------


def test_officers_are_the_enabled_officer_accounts_of_each_partnership() -> None:
    users = pd.DataFrame(
        {
            "email": ["b@x.org", "a@x.org", "gone@x.org", "boss@x.org"],
            "role": ["officer", "officer", "officer", "admin"],
            "partnerships": ["alpha;beta", "alpha", "alpha", ""],
            "disabled": [False, False, True, False],
        }
    )
    assert officers_by_partnership(users) == {"alpha": ["a@x.org", "b@x.org"], "beta": ["b@x.org"]}


def test_every_status_has_a_symbol_a_word_and_colours_that_contrast() -> None:
    assert tuple(STATUS_STYLES) == STATUSES
    assert len({s.symbol for s in STATUS_STYLES.values()}) == len(STATUSES)
    for name, style in STATUS_STYLES.items():
        assert contrast_ratio(style.text, style.fill) >= 4.5, name
        if name != "not_due":  # left uncoloured: nothing is asked yet
            assert contrast_ratio(style.fill, "#FFFFFF") >= 3, name


def test_the_grid_and_the_overdue_list() -> None:
    frame = reporting_status(PARTNERSHIPS, SUBMITTED, PUBLISHED, today=date(2026, 1, 31), default_due_days=30)
    workforce = frame[frame["dataset"] == "workforce"]
    names = {"alpha": "Alpha", "beta": "Beta"}
    grid = status_grid(workforce, names, [Quarter(2025, 1), Quarter(2025, 2)], ["beta", "alpha"])
    assert grid.to_dict("records") == [
        {"Partnership": "Beta", "2025 Q1": "", "2025 Q2": "! overdue"},
        {"Partnership": "Alpha", "2025 Q1": "✓ published", "2025 Q2": "✎ changed"},
    ]
    overdue = overdue_frame(frame, names, {"alpha": ["a@x.org", "b@x.org"]}, date(2026, 1, 31))
    first = overdue.iloc[0]
    assert (first["partnership"], first["quarter"], first["days_overdue"]) == ("Alpha", "2025 Q1", 276)
    assert first["officer_emails"] == "a@x.org; b@x.org" and first["officers"] == 2
    assert set(overdue["partnership_id"]) == {"alpha", "beta"}


# ---- the command line --------------------------------------------------------------------------------------------


def run_status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["status", *args])
    return code, capsys.readouterr().out


def test_the_status_command_prints_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sample_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_TODAY", "2026-11-27")
    add_user(sample_store, "parks@example.org", "officer", ["urban-parks-commons"], actor="t")
    code, out = run_status(capsys, "--store", sample_store.root, "--quarter", "2026Q3", "--json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 21  # 8 partnerships, 21 focus datasets
    assert all(list(r) == list(RECORD_FIELDS) for r in records)
    assert {r["status"] for r in records} == {"published"}
    parks = [r for r in records if r["partnership_id"] == "urban-parks-commons"]
    assert {r["due_date"] for r in parks} == {"2026-11-14"}  # its own 45 days
    assert {r["due_date"] for r in records if r["partnership_id"] == "att-imago"} == {"2026-10-30"}
    assert all(r["officers"] == ["parks@example.org"] for r in parks)
    assert datetime.fromisoformat(parks[0]["submitted_at"]).tzinfo is not None
    assert (parks[0]["year"], parks[0]["quarter"]) == (2026, 3)

    # a correction waits: the submitted quarter differs from the published one
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].copy()
    rows.loc[rows.index[0], "value"] += 1
    sample_store.commit_indicators(rows, "workforce", user="t")
    code, out = run_status(
        capsys, "--store", sample_store.root, "--partnership", "att-imago", "--dataset", "workforce", "--json"
    )
    mine = {(r["year"], r["quarter"]): r for r in json.loads(out)}
    assert code == 0 and {r["dataset"] for r in mine.values()} == {"workforce"}
    assert mine[(2026, 3)]["status"] == "changed_since_published"
    assert mine[(2026, 4)]["status"] == "not_due" and mine[(2026, 4)]["submitted_at"] is None
    assert min(mine) == (2022, 1)  # the sample starts in late 2021: its first whole quarter is 2022 Q1
    assert {r["status"] for k, r in mine.items() if k < (2026, 3)} == {"published"}

    monkeypatch.setenv("IMPACT_DUE_DAYS", "10")  # the setting moves every due date but a partnership's own
    code, out = run_status(
        capsys, "--store", sample_store.root, "--quarter", "2026Q3", "--dataset", "workforce", "--json"
    )
    due = {r["partnership_id"]: r["due_date"] for r in json.loads(out)}
    assert code == 0 and due["att-imago"] == "2026-10-10" and due["urban-parks-commons"] == "2026-11-14"


def test_the_status_command_prints_a_table_and_refuses_bad_choices(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sample_store: Store
) -> None:
    monkeypatch.setenv("IMPACT_TODAY", "2027-02-10")
    code, out = run_status(capsys, "--store", sample_store.root, "--quarter", "2026Q4")
    assert code == 0
    assert "0 of 8 partnerships have reported 2026 Q4; 7 overdue, 1 still within the due days." in out
    assert "! overdue" in out and "Urban Parks Commons" in out
    assert run_status(capsys, "--store", sample_store.root, "--quarter", "2026Q5")[0] == 2
    assert run_status(capsys, "--store", sample_store.root, "--partnership", "nobody")[0] == 2


# ---- the pages -----------------------------------------------------------------------------------------------------


@pytest.fixture
def late_store(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> Store:
    """The sample store on 10 February 2027: 2026 Q4 is overdue everywhere but in the parks (45 days)."""
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    monkeypatch.setenv("IMPACT_TODAY", "2027-02-10")
    return sample_store


def grids(app) -> list[pd.DataFrame]:  # noqa: ANN001
    """The status grids on the page, in the order of the datasets."""
    return [d.value for d in app.dataframe if "Partnership" in d.value.columns and "Cell" not in d.value.columns]


def table_with(app, column: str) -> pd.DataFrame:  # noqa: ANN001
    return next(d.value for d in app.dataframe if column in d.value.columns)


def summary_line(app) -> str:  # noqa: ANN001
    return next(m.value for m in app.markdown if "have reported" in m.value or "has reported" in m.value)


def test_the_reporting_status_page_for_an_admin_with_filters(late_store: Store) -> None:
    app = app_as("admin", page="reporting_status").run()
    assert not app.exception
    assert summary_line(app) == "**0 of 8 partnerships have reported 2026 Q4; 7 overdue, 1 still within the due days.**"
    assert [h.value for h in app.header] == ["Workforce", "Diversity", "Education", "Community capacity"]
    workforce = grids(app)[0]
    assert list(workforce.columns) == ["Partnership", *(f"{y} Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4))]
    parks = workforce.set_index("Partnership").loc["Urban Parks Commons"]
    assert parks["2026 Q4"] == "○ due" and parks["2026 Q3"] == "✓ published"
    buttons = [b.proto for b in app.get("download_button")]
    assert [(b.label, b.disabled) for b in buttons] == [("Download the overdue list (CSV)", False)]

    app.multiselect(key="status_sectors").set_value(["government"]).run()
    assert summary_line(app) == "**0 of 2 partnerships have reported 2026 Q4; 1 overdue, 1 still within the due days.**"
    app.multiselect(key="status_statuses").set_value(["due"]).run()
    assert not app.exception
    assert [grid["Partnership"].tolist() for grid in grids(app)] == [["Urban Parks Commons"]] * 2
    assert [h.value for h in app.header] == ["Workforce", "Diversity", "Education", "Community capacity"]
    assert sum("No partnership chosen reports" in i.value for i in app.info) == 2
    app.selectbox(key="status_quarter").set_value(Quarter(2026, 3)).run()
    assert summary_line(app) == "**2 of 2 partnerships have reported 2026 Q3; 0 overdue.**"


def test_an_officer_sees_only_their_partnerships(late_store: Store) -> None:
    app = app_as("officer", partnerships=("att-imago",), page="reporting_status").run()
    assert not app.exception
    assert summary_line(app) == "**0 of 1 partnership has reported 2026 Q4; 1 overdue.**"
    shown = {p for grid in app.dataframe if "Partnership" in grid.value.columns for p in grid.value["Partnership"]}
    assert shown == {"AT&T × Imago Foundation"}
    assert [h.value for h in app.header] == ["Workforce", "Diversity", "Education", "Community capacity"]
    assert any("No partnership chosen reports community capacity" in i.value for i in app.info)


def test_the_overdue_list_names_the_officers_for_reminders(late_store: Store) -> None:
    add_user(late_store, "ana@example.org", "officer", ["att-imago", "urban-parks-commons"], actor="t")
    status = reporting_status(
        *(lambda i: (i.partnerships, i.submitted, i.published))(reporting_inputs(late_store)),
        today=date(2027, 2, 10),
        default_due_days=30,
    )
    partnerships = late_store.read_partnerships()
    names = dict(zip(partnerships["partnership_id"], partnerships["name"], strict=True))
    overdue = overdue_frame(status, names, officers_by_partnership(officer_accounts(late_store)), date(2027, 2, 10))
    recent = overdue[overdue["quarter"] == "2026 Q4"]
    assert len(recent) == 19  # every focus dataset of the seven partnerships on 30 days
    assert set(recent.loc[recent["partnership_id"] == "att-imago", "officer_emails"]) == {"ana@example.org"}
    assert "urban-parks-commons" not in set(recent["partnership_id"])
    csv = pd.read_csv(io.StringIO(overdue.to_csv(index=False)))
    assert list(csv.columns)[-2:] == ["officers", "officer_emails"]


def test_the_officer_home(late_store: Store) -> None:
    app = app_as("officer", partnerships=("urban-parks-commons",), email="parks@example.org").run()
    assert not app.exception
    assert app.title[0].value == "My reporting"  # an officer lands here
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Due now"] == "2" and metrics["Waiting for review"] == "0"
    due = table_with(app, "Days left")
    assert set(due["Quarter"]) == {"2026 Q4", "2027 Q1"}
    assert due.iloc[0]["Status"] == "○ due" and due.iloc[0]["Due date"] == "2027-02-14"
    assert int(due.iloc[0]["Days left"]) == 4
    assert any("You have not uploaded a file yet" in i.value for i in app.info)


def test_the_officer_home_shows_an_upload_waiting_for_review(late_store: Store) -> None:
    rows = late_store.read_indicators("workforce", "submitted", partnership_ids=["urban-parks-commons"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(quarter=4)
    late_store.commit_indicators(rows, "workforce", user="parks@example.org", source_name="q4.csv")
    app = app_as("officer", partnerships=("urban-parks-commons",), email="parks@example.org").run()
    assert not app.exception
    uploads = table_with(app, "Review")
    assert uploads.iloc[0][["File", "Quarters", "Review"]].tolist() == ["q4.csv", 1, "waiting for review"]
    assert {m.label: m.value for m in app.metric}["Waiting for review"] == "1"


def test_viewers_cannot_open_the_reporting_pages(late_store: Store) -> None:
    for page in ("reporting_status", "home"):
        app = app_as("viewer", page=page).run()
        assert not app.exception and "needs an officer or admin account" in app.warning[0].value
