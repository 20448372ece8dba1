"""Reference tables (partnerships, goals) maintained through the same read-check-commit path as quarterly files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from dashboard.intake.ingest import CheckedFile, count_text, read_upload, sha256_of
from dashboard.settings import UploadSettings
from dashboard.storage.database import record_attempt
from dashboard.storage.store import CommitResult, Store
from dashboard.storage.tables import GOALS_TABLE, LAYERS, PARTNERSHIPS_TABLE
from data_contracts import (
    DATASETS,
    GOAL_COLUMNS,
    PARTNERSHIP_COLUMNS,
    Finding,
    validate_goals,
    validate_partnerships,
)
from data_contracts.column_specs import number_dtypes
from data_contracts.findings import sort_findings
from data_contracts.reference_models import GOAL_COLUMN_SPECS, PARTNERSHIP_COLUMN_SPECS

ReferenceTable = Literal["partnerships", "goals"]
TABLES: dict[str, str] = {"partnerships": PARTNERSHIPS_TABLE, "goals": GOALS_TABLE}
NUMERIC = {
    "partnerships": frozenset(number_dtypes(PARTNERSHIP_COLUMN_SPECS)),
    "goals": frozenset(number_dtypes(GOAL_COLUMN_SPECS)),
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
    """Partnerships a new table would drop although goals or indicator rows still refer to them: id -> what."""
    in_use: dict[str, str] = {}
    goals = store.read_goals()
    for partnership_id in sorted(set(goals["partnership_id"]) - kept_ids):
        in_use[partnership_id] = "goals"
    for dataset in DATASETS:
        for layer in LAYERS:
            rows = store.read_indicators(dataset, layer, columns=["partnership_id"])
            for partnership_id in sorted(set(rows["partnership_id"]) - kept_ids):
                in_use.setdefault(partnership_id, f"{layer} {dataset} data")
    return in_use


def check_reference_file(store: Store, table: ReferenceTable, data: bytes, file_name: str) -> ReferenceReport:
    """Read and check a partnerships or goals file; nothing is written."""
    report = ReferenceReport(table=table, file_name=file_name, sha256=sha256_of(data))
    settings = UploadSettings.from_env()
    columns = PARTNERSHIP_COLUMNS if table == "partnerships" else GOAL_COLUMNS
    raw = read_upload(
        report, data, settings, numeric_columns=NUMERIC[table], preferred_sheet=table, expected_columns=columns
    )
    if raw is None:
        return report
    if table == "partnerships":
        validation = validate_partnerships(raw.frame, row_numbers=raw.row_numbers)
    else:
        ids = store.read_partnerships()["partnership_id"].tolist()
        validation = validate_goals(raw.frame, partnership_ids=ids, row_numbers=raw.row_numbers)
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
