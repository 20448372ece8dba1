"""From a quarterly file to committed slices: read, validate against the data contract, commit or report.

Nothing is written unless the whole file passes: a file with any error is reported and recorded in the audit as
rejected, and every table stays as it was.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.store import GOALS_TABLE, PARTNERSHIPS_TABLE, CommitResult, Store, indicator_table
from data_contracts import Finding, ValidationResult, validate_goals, validate_indicators, validate_partnerships


@dataclass
class IngestOutcome:
    """The validation result and, when the file was accepted and not a dry run, what was committed."""

    validation: ValidationResult
    commit: CommitResult | None = None
    dry_run: bool = False
    warnings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.validation.ok


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def sha256_of(data: bytes | str | Path) -> str:
    """SHA-256 of bytes, or of a file's content when given a path."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with open(data, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_plain_csv(path: str | Path) -> pd.DataFrame:
    """A UTF-8, comma-separated file with a header, every cell as text (blank cells as empty strings)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def ingest_indicator_frame(
    store: Store,
    raw: pd.DataFrame,
    dataset: str,
    *,
    user: str,
    source_name: str,
    source_sha256: str,
    today: date | None = None,
    dry_run: bool = False,
    action: str = "upload",
) -> IngestOutcome:
    """Validate a raw indicator table and, if it passes, replace its slices in the submitted layer.

    A rejected file is recorded in the audit with its number of errors and changes no indicator table.
    """
    partnership_ids = store.read_partnerships()["partnership_id"].tolist()
    validation = validate_indicators(raw, dataset, partnership_ids=partnership_ids, today=today)
    if validation.ok and validation.frame.empty:
        validation.findings.append(
            Finding(None, None, None, "no_rows", "The file has a header but no data rows; there is nothing to commit.")
        )
    if not validation.ok:
        if not dry_run:
            store.record_audit(
                commit_id=str(uuid.uuid4()),
                user=user,
                action=action,
                outcome="rejected",
                table=indicator_table(dataset, "submitted"),
                dataset=dataset,
                source_name=source_name,
                source_sha256=source_sha256,
                rows=len(raw),
                message=f"{_count(len(validation.errors), 'error')}; nothing was written",
            )
        return IngestOutcome(validation=validation, dry_run=dry_run)
    if dry_run:
        return IngestOutcome(validation=validation, dry_run=True)
    commit = store.commit_indicators(
        validation.frame,
        dataset,
        user=user,
        source_name=source_name,
        source_sha256=source_sha256,
        action=action,
    )
    return IngestOutcome(validation=validation, commit=commit)


def _ingest_reference(
    store: Store,
    table: str,
    validation: ValidationResult,
    *,
    user: str,
    source_name: str,
    source_sha256: str,
    action: str,
) -> IngestOutcome:
    if not validation.ok:
        return IngestOutcome(validation=validation)
    commit = store.replace_reference(
        table, validation.frame, user=user, source_name=source_name, source_sha256=source_sha256, action=action
    )
    return IngestOutcome(validation=validation, commit=commit)


def ingest_partnerships_frame(
    store: Store, raw: pd.DataFrame, *, user: str, source_name: str, source_sha256: str, action: str = "upload"
) -> IngestOutcome:
    """Validate and, if it passes, replace the partnerships table."""
    return _ingest_reference(
        store,
        PARTNERSHIPS_TABLE,
        validate_partnerships(raw),
        user=user,
        source_name=source_name,
        source_sha256=source_sha256,
        action=action,
    )


def ingest_goals_frame(
    store: Store, raw: pd.DataFrame, *, user: str, source_name: str, source_sha256: str, action: str = "upload"
) -> IngestOutcome:
    """Validate goals against the catalog and the stored partnerships and, if they pass, replace the goals table."""
    partnership_ids = store.read_partnerships()["partnership_id"].tolist()
    return _ingest_reference(
        store,
        GOALS_TABLE,
        validate_goals(raw, partnership_ids=partnership_ids),
        user=user,
        source_name=source_name,
        source_sha256=source_sha256,
        action=action,
    )
