"""Reference tables (partnerships, goals, milestones) maintained through the same read-check-commit path as quarterly
files, with a report of what a file would change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from dashboard.intake.ingest import CheckedFile, count_text, read_upload, sha256_of
from dashboard.intake.milestones_admin import goal_partnerships
from dashboard.settings import UploadSettings
from dashboard.storage.database import record_attempt
from dashboard.storage.store import CommitResult, Store
from dashboard.storage.tables import GOALS_TABLE, LAYERS, MILESTONES_TABLE, PARTNERSHIPS_TABLE
from data_contracts import (
    DATASETS,
    GOAL_COLUMNS,
    MILESTONE_COLUMNS,
    PARTNERSHIP_COLUMNS,
    Finding,
    split_list,
    validate_goals,
    validate_milestones,
    validate_partnerships,
)
from data_contracts.column_specs import number_dtypes
from data_contracts.findings import sort_findings
from data_contracts.reference_models import GOAL_COLUMN_SPECS, MILESTONE_COLUMN_SPECS, PARTNERSHIP_COLUMN_SPECS

ReferenceTable = Literal["partnerships", "goals", "milestones"]
TABLES: dict[str, str] = {"partnerships": PARTNERSHIPS_TABLE, "goals": GOALS_TABLE, "milestones": MILESTONES_TABLE}
COLUMNS: dict[str, tuple[str, ...]] = {
    "partnerships": PARTNERSHIP_COLUMNS,
    "goals": GOAL_COLUMNS,
    "milestones": MILESTONE_COLUMNS,
}
KEYS: dict[str, str] = {"partnerships": "partnership_id", "goals": "goal_id", "milestones": "milestone_id"}
"""The id column of each reference table: what a report of changes matches rows by."""
NUMERIC = {
    "partnerships": frozenset(number_dtypes(PARTNERSHIP_COLUMN_SPECS)),
    "goals": frozenset(number_dtypes(GOAL_COLUMN_SPECS)),
    "milestones": frozenset(number_dtypes(MILESTONE_COLUMN_SPECS)),
}
"""Each reference table's number columns, whose cells a file reader checks as numbers."""


@dataclass
class ReferenceReport(CheckedFile):
    table: ReferenceTable
    file_name: str
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)


def partnerships_in_use(store: Store, kept_ids: set[str]) -> dict[str, str]:
    """Partnerships a new table would drop although goals, milestones or indicator rows still refer to them:
    id -> what."""
    in_use: dict[str, str] = {}
    goals = store.read_goals()
    for partnership_id in sorted(set(goals["partnership_id"]) - kept_ids):
        in_use[partnership_id] = "goals"
    for partnership_id in sorted(set(store.read_milestones()["partnership_id"]) - kept_ids):
        in_use.setdefault(partnership_id, "milestones")
    for dataset in DATASETS:
        for layer in LAYERS:
            rows = store.read_indicators(dataset, layer, columns=["partnership_id"])
            for partnership_id in sorted(set(rows["partnership_id"]) - kept_ids):
                in_use.setdefault(partnership_id, f"{layer} {dataset} data")
    return in_use


def goals_in_use(store: Store, kept: pd.DataFrame) -> dict[str, str]:
    """Goals a new goals table would drop (or move to another partnership) although milestones still link them:
    goal id -> the first milestone that does."""
    owners = dict(zip(kept["goal_id"].astype(str), kept["partnership_id"].astype(str), strict=True))
    in_use: dict[str, str] = {}
    old = goal_partnerships(store)
    for milestone in store.read_milestones().to_dict("records"):
        for item in split_list(milestone["linked"]):
            if item in old and owners.get(item) != str(milestone["partnership_id"]):
                in_use.setdefault(item, str(milestone["milestone_id"]))
    return in_use


def check_reference_file(store: Store, table: ReferenceTable, data: bytes, file_name: str) -> ReferenceReport:
    """Read and check a partnerships, goals or milestones file; nothing is written."""
    report = ReferenceReport(table=table, file_name=file_name, sha256=sha256_of(data))
    settings = UploadSettings.from_env()
    columns = COLUMNS[table]
    raw = read_upload(
        report, data, settings, numeric_columns=NUMERIC[table], preferred_sheet=table, expected_columns=columns
    )
    if raw is None:
        return report
    if table == "partnerships":
        validation = validate_partnerships(raw.frame, row_numbers=raw.row_numbers)
    elif table == "goals":
        ids = store.read_partnerships()["partnership_id"].tolist()
        validation = validate_goals(raw.frame, partnership_ids=ids, row_numbers=raw.row_numbers)
    else:
        ids = store.read_partnerships()["partnership_id"].tolist()
        validation = validate_milestones(
            raw.frame, partnership_ids=ids, goal_partnerships=goal_partnerships(store), row_numbers=raw.row_numbers
        )
    findings = [*raw.findings, *validation.findings]
    if table == "partnerships" and validation.ok:
        for partnership_id, what in partnerships_in_use(store, set(validation.frame["partnership_id"])).items():
            findings.append(
                Finding(
                    None,
                    "partnership_id",
                    partnership_id,
                    "partnership_in_use",
                    f"The file leaves out {partnership_id!r}, but {what} still refer to it. Keep the row (set it to "
                    "private to hide it from the public).",
                )
            )
    if table == "goals" and validation.ok:
        for goal_id, milestone_id in goals_in_use(store, validation.frame).items():
            findings.append(
                Finding(
                    None,
                    "goal_id",
                    goal_id,
                    "goal_in_use",
                    f"The file leaves out {goal_id!r} (or moves it to another partnership), but milestone "
                    f"{milestone_id!r} links it. Keep the goal, or unlink it from the milestone first.",
                )
            )
    report.findings = sort_findings(findings)
    if not report.errors:
        report.frame = validation.frame
    return report


def commit_reference(store: Store, report: ReferenceReport, *, user: str) -> CommitResult:
    """Replace the reference table with an accepted report's rows, in one transaction, and audit it."""
    if not report.accepted:
        raise ValueError("only an accepted file can be committed")
    return store.replace_reference(
        TABLES[report.table], report.frame, user=user, source_name=report.file_name, source_sha256=report.sha256
    )


CHANGE_COLUMNS: tuple[str, ...] = ("change", "id", "columns changed")


def reference_changes(current: pd.DataFrame, new: pd.DataFrame, table: ReferenceTable) -> pd.DataFrame:
    """What replacing ``current`` with ``new`` (both typed as stored) would change, one row per row added, changed
    or removed, matched by the table's id: ``change`` (added, changed, removed), ``id`` and the columns changed."""
    key, columns = KEYS[table], list(COLUMNS[table])

    def cells(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
        text = frame[columns].astype(object).map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))
        return {str(row[key]): row for row in text.to_dict("records")}

    before, after = cells(current), cells(new)
    rows = [("added", i, "") for i in after if i not in before]
    for i in after:
        if i in before:
            changed = [c for c in columns if before[i][c] != after[i][c]]
            if changed:
                rows.append(("changed", i, ", ".join(changed)))
    rows += [("removed", i, "") for i in before if i not in after]
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def changes_text(changes: pd.DataFrame) -> str:
    """A report of changes in words: "2 added, 1 changed, 0 removed"."""
    counts = changes["change"].value_counts()
    return ", ".join(f"{int(counts.get(kind, 0))} {kind}" for kind in ("added", "changed", "removed"))


def read_reference_table(store: Store, table: ReferenceTable) -> pd.DataFrame:
    """A reference table as stored (milestones: no rows while the table does not exist)."""
    if table == "milestones":
        return store.read_milestones()
    return store.read(TABLES[table])


def record_reference_rejection(store: Store, report: ReferenceReport, *, user: str) -> None:
    """Record a rejected reference file as an event in the accounts database (nothing else is written)."""
    record_attempt(
        store,
        user=user,
        action="upload",
        outcome="rejected",
        table=TABLES[report.table],
        source_name=report.file_name,
        source_sha256=report.sha256,
        message=f"{count_text(len(report.errors), 'error')}; nothing was written",
    )
