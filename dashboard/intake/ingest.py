"""From a quarterly file to committed slices: read, check against the data contract, preview, commit — or report.

Nothing is written unless the whole file passes: a file with any error is reported (every finding at once) and
recorded in the audit as rejected, and every data table stays as it was. An accepted file replaces exactly its
(partnership, year, quarter) slices of its dataset in the submitted layer, in one transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.intake.file_reading import read_table_file, size_rejection
from dashboard.intake.narratives import commit_file_narratives, split_narrative_column, upload_narratives
from dashboard.intake.raw_table import FileRejected, RawTable, ReadLimits
from dashboard.intake.row_keys import CodedHistory, code_history, slice_set
from dashboard.intake.upload_preview import SliceChange, preview_upload
from dashboard.settings import UploadSettings
from dashboard.storage.database import record_attempt
from dashboard.storage.slices import Slice, slices_of
from dashboard.storage.store import CommitResult, Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE, indicator_table
from data_contracts import (
    DATASETS,
    INDICATOR_COLUMNS,
    INDICATORS,
    Finding,
    ValidationResult,
    validate_goals,
    validate_indicators,
    validate_partnerships,
)
from data_contracts.column_specs import number_dtypes
from data_contracts.columns import blank_text, normalise_header, text_to_numbers
from data_contracts.findings import RowNumbers, sort_findings
from data_contracts.indicator_row import INDICATOR_COLUMN_SPECS, SLICE_COLUMNS

NUMERIC_COLUMNS = frozenset(number_dtypes(INDICATOR_COLUMN_SPECS))
"""The indicator row's number columns, whose cells a file reader checks as numbers."""

Progress = Callable[[str, float], None]
"""Told each step of a long check: a sentence and the fraction done."""


def count_text(number: int, noun: str) -> str:
    """``"1 error"``, ``"1,204 rows"``."""
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


class CheckedFile:
    """What the report of every checked file holds: the file's name, the findings, and the rows once they pass."""

    file_name: str
    findings: list[Finding]
    frame: pd.DataFrame
    """The checked rows; empty while the file has errors."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.frame.empty


def upload_limits(settings: UploadSettings) -> ReadLimits:
    """The reading limits of ``settings``."""
    return ReadLimits(
        max_bytes=settings.max_bytes,
        max_rows=settings.max_rows,
        max_columns=settings.max_columns,
        max_cells=settings.max_cells,
        max_decoded_bytes=settings.max_decoded_bytes,
    )


def read_upload(
    report: CheckedFile,
    data: bytes,
    settings: UploadSettings,
    *,
    numeric_columns: Collection[str],
    preferred_sheet: str | None,
    expected_columns: Collection[str],
) -> RawTable | None:
    """The table of an uploaded file, read within the upload limits of ``settings``; None when the file as a whole
    cannot be read, ``report.findings`` then saying why."""
    try:
        return read_table_file(
            data,
            report.file_name,
            numeric_columns=numeric_columns,
            preferred_sheet=preferred_sheet,
            expected_columns=expected_columns,
            limits=upload_limits(settings),
        )
    except FileRejected as rejected:
        report.findings = list(rejected.findings)
        return None


@dataclass
class UploadReport(CheckedFile):
    """Everything known about an upload before it is committed: findings, the typed rows and the preview."""

    file_name: str
    sha256: str
    dataset: str | None
    format_details: str = ""
    rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    changes: list[SliceChange] = field(default_factory=list)
    largest: pd.DataFrame = field(default_factory=pd.DataFrame)
    base_version: int | None = None
    previous_commit: Mapping[str, object] | None = None
    narratives: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The file's narratives (a ``narrative`` sheet or column) that differ from the submitted ones; committed with
    the rows (:mod:`dashboard.intake.narratives`)."""

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def slices(self) -> tuple[Slice, ...]:
        if not self.accepted:
            return ()
        if self.changes:  # the preview lists every slice of the file, in this order
            return tuple(change.slice for change in self.changes)
        return slices_of(self.frame)

    @property
    def rows_unchanged(self) -> bool:
        """True when the file's rows are already in the submitted layer, exactly."""
        return self.accepted and all(change.is_noop for change in self.changes)

    @property
    def unchanged(self) -> bool:
        """True when committing would change nothing (the same rows are already in the submitted layer, and no
        narrative of the file differs from the submitted one)."""
        return self.rows_unchanged and self.narratives.empty

    def summary(self) -> str:
        """One line in numbers: what the file holds and what was found."""
        if not self.accepted:
            return (
                f"{count_text(len(self.errors), 'error')}, {count_text(len(self.warnings), 'warning')}; nothing written"
            )
        quarters = len({(s.year, s.quarter) for s in self.slices})
        partnerships = len({s.partnership_id for s in self.slices})
        return (
            f"{count_text(self.rows, 'row')} for {count_text(partnerships, 'partnership')} in "
            f"{count_text(quarters, 'quarter')}; {count_text(len(self.warnings), 'warning')}"
        )

    def as_json(self, commit: CommitResult | None = None) -> dict[str, object]:
        """The command line's ``--json`` object."""

        def plain(finding: Finding) -> dict[str, object]:
            return {k: getattr(finding, k) for k in ("row", "column", "value", "rule", "message")}

        return {
            "accepted": self.accepted,
            "outcome": commit.outcome if commit else ("valid" if self.accepted else "rejected"),
            "dataset": self.dataset,
            "file": self.file_name,
            "sha256": self.sha256,
            "rows": self.rows,
            "slices": [{"partnership_id": s.partnership_id, "year": s.year, "quarter": s.quarter} for s in self.slices],
            "table_version": commit.version if commit else None,
            "errors": [plain(f) for f in self.errors],
            "warnings": [plain(f) for f in self.warnings],
        }


def detect_dataset(frame: pd.DataFrame) -> tuple[str | None, list[Finding]]:
    """The dataset a table belongs to, from its indicator ids; a finding when that cannot be told."""
    column = next((c for c in frame.columns if normalise_header(c) == "indicator_id"), None)
    if column is None:
        return None, []  # the contract reports the missing column
    ids = pd.Series(frame[column]).astype("string").str.strip()
    owners = ids.map(lambda i: INDICATORS[i].dataset if i in INDICATORS else None).dropna()
    found = sorted(set(owners), key=DATASETS.index)
    if len(found) == 1:
        return found[0], []
    if not found:
        message = "None of the indicator ids is in the catalog, so the dataset cannot be told. Choose the dataset."
    else:
        counts = owners.value_counts()
        listing = ", ".join(f"{d} ({counts[d]:,} rows)" for d in found)
        message = f"The indicator ids belong to several datasets: {listing}. Send one file per dataset."
    return None, [Finding(None, "indicator_id", None, "dataset_unclear", message)]


SKIPPED_ROWS_SHOWN = 10
"""How many of the skipped rows the warning names by number."""


def skip_blank_values(raw: RawTable) -> tuple[RawTable, list[Finding]]:
    """The table without its rows whose ``value`` cell is blank, and a warning saying how many were skipped and
    which; when every row's value is blank, the table as it was and an error (there is nothing to commit).

    A pre-filled template lists every row a partnership is expected to report; the rows left blank are simply not
    reported this time, so they are skipped rather than refused. The rows kept are numbered as in the file, and
    reading findings of the skipped rows go with them. A table without exactly one ``value`` column is left to the
    contract, which says what is wrong with its header.
    """
    frame = raw.frame
    positions = [p for p, name in enumerate(frame.columns) if normalise_header(name) == "value"]
    if len(positions) != 1 or frame.empty:
        return raw, []
    cells = frame.iloc[:, positions[0]]
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        blank = cells.isna().to_numpy(dtype=bool)
    else:
        blank = blank_text(cells)
    if not blank.any():
        return raw, []
    if isinstance(raw.row_numbers, RowNumbers) and frame.index.equals(pd.RangeIndex(len(frame))):
        numbers = raw.row_numbers.numbers
    else:
        numbers = np.array([raw.row_numbers[label] for label in frame.index], dtype=np.int64)
    if blank.all():
        message = (
            f"Every row's value is blank ({count_text(len(frame), 'row')}): there is nothing to commit. Fill in the "
            "value column of the rows to report, then upload the file again."
        )
        return raw, [Finding(None, "value", None, "all_values_blank", message)]
    skipped = numbers[blank].tolist()
    shown = ", ".join(str(n) for n in skipped[:SKIPPED_ROWS_SHOWN])
    if len(skipped) > SKIPPED_ROWS_SHOWN:
        shown += f" and {len(skipped) - SKIPPED_ROWS_SHOWN:,} more"
    message = (
        f"{count_text(len(skipped), 'row')} with a blank value {'was' if len(skipped) == 1 else 'were'} skipped "
        f"(row{'' if len(skipped) == 1 else 's'} {shown}): nothing is written for "
        f"{'it' if len(skipped) == 1 else 'them'}. Fill in a value to report a figure; a quarter already submitted "
        "keeps only the rows of this file."
    )
    warning = Finding(None, "value", None, "blank_value_skipped", message, severity="warning")
    gone = set(skipped)
    kept = RawTable(
        frame=frame.iloc[~blank].reset_index(drop=True),
        row_numbers=RowNumbers(numbers[~blank]),
        format=raw.format,
        details=raw.details,
        sheet=raw.sheet,
        findings=[f for f in raw.findings if f.row not in gone],
    )
    return kept, [warning]


def _merge_findings(first: list[Finding], second: list[Finding]) -> list[Finding]:
    """Both lists, without a second finding for a cell the first list already explains."""
    flagged = {(f.row, f.column) for f in first if f.row is not None}
    return [*first, *[f for f in second if f.row is None or (f.row, f.column) not in flagged]]


def _unassigned(frame: pd.DataFrame, allowed: set[str], row_numbers: Mapping[object, int]) -> list[Finding]:
    """Rows for partnerships the uploader is not assigned to."""
    ids = frame["partnership_id"]
    outside = frame[ids.notna() & ~ids.isin(allowed)]
    return [
        Finding(
            row_numbers.get(index),
            "partnership_id",
            str(partnership_id),
            "partnership_not_assigned",
            f"You may upload only for your partnerships ({', '.join(sorted(allowed)) or 'none'}); "
            f"{partnership_id!r} is not one of them. Ask an admin to assign it to you.",
        )
        for index, partnership_id in outside["partnership_id"].items()
    ]


def check_upload(
    store: Store,
    data: bytes,
    file_name: str,
    *,
    dataset: str | None = None,
    today: date | None = None,
    settings: UploadSettings | None = None,
    progress: Progress | None = None,
    allowed_partnerships: Collection[str] | None = None,
) -> UploadReport:
    """Read and check a quarterly file without writing anything: findings, typed rows, preview of the commit.

    ``dataset=None`` detects the dataset from the indicator ids. ``progress(step, fraction)`` is told each step.
    ``allowed_partnerships`` (an officer's assignments; None = no restriction) makes rows of any other partnership
    an error.
    """
    settings = settings or UploadSettings.from_env()
    tell = progress or (lambda step, fraction: None)
    tell(f"Reading {file_name} ({len(data) / 1e6:,.1f} MB)", 0.05)
    digest = _BACKGROUND.submit(sha256_of, data)  # hashing releases the GIL: it runs beside the reading
    report = UploadReport(file_name=file_name, sha256="", dataset=dataset)
    try:
        stored = _check(store, report, data, today=today, settings=settings, tell=tell, allowed=allowed_partnerships)
    finally:
        report.sha256 = digest.result()
    if stored is not None:
        _find_previous_commit(report, stored.audit)
        tell("Checked", 1.0)
    return report


def _check(
    store: Store,
    report: UploadReport,
    data: bytes,
    *,
    today: date | None,
    settings: UploadSettings,
    tell: Progress,
    allowed: Collection[str] | None,
) -> _Stored | None:
    """Fill ``report`` in; the stored rows it was compared with when the file passed (None when it did not)."""
    dataset = report.dataset
    raw = read_upload(
        report,
        data,
        settings,
        numeric_columns=NUMERIC_COLUMNS,
        preferred_sheet=dataset,
        expected_columns=INDICATOR_COLUMNS,
    )
    if raw is None:
        return None
    raw, narrative_cells = split_narrative_column(raw)  # the narrative column is not part of the indicator contract
    report.format_details = raw.details
    raw, skipped = skip_blank_values(raw)
    report.rows = len(raw.frame)
    if skipped and skipped[0].severity == "error":
        report.findings = skipped
        return None
    if dataset is None:
        report.dataset, unclear = detect_dataset(raw.frame)
        if unclear or report.dataset is None:
            report.findings = _merge_findings(raw.findings, unclear)
            if not report.findings:
                report.findings = [Finding(None, None, None, "dataset_unclear", "Choose the dataset of this file.")]
            return None
    elif dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    assert report.dataset is not None
    tell(f"Checking {report.rows:,} rows against the {report.dataset} contract", 0.3)
    partnership_ids = store.read_partnerships()["partnership_id"].tolist()
    prefetch = _prefetch(store, report.dataset, raw.frame) if report.rows >= PREFETCH_ROWS else None
    validation = validate_indicators(
        raw.frame, report.dataset, partnership_ids=partnership_ids, today=today, row_numbers=raw.row_numbers
    )
    report.findings = sort_findings(_merge_findings(raw.findings, [*skipped, *validation.findings]))
    if allowed is not None:
        report.findings = sort_findings(
            [*report.findings, *_unassigned(validation.frame, set(allowed), raw.row_numbers)]
        )
    report.narratives, narrative_findings = upload_narratives(
        store,
        data,
        report.file_name,
        narrative_cells,
        raw.row_numbers,
        limits=upload_limits(settings),
        allowed_partnerships=allowed,
        today=today,
    )
    report.findings = sort_findings([*report.findings, *narrative_findings])
    if report.errors:
        return None
    report.frame = validation.frame
    row_numbers = raw.row_numbers
    del raw, validation  # only the checked rows go on: let the cells as read go
    tell("Comparing with the stored quarters", 0.75)
    wanted = _wanted(report.frame)
    if prefetch is not None and prefetch[0] == wanted:
        stored = prefetch[1].result()
    else:
        stored = _read_stored(store, report.dataset, *wanted)
    report.base_version = stored.base_version
    preview = preview_upload(
        report.frame,
        stored.history,
        stored.published,
        change_factor=settings.change_factor,
        row_of=row_numbers,
        coded=stored.coded,
    )
    report.changes, report.largest = preview.changes, preview.largest
    report.findings = sort_findings([*report.findings, *preview.warnings])
    return stored


_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="upload-check")
PREFETCH_ROWS = 50_000
"""A file with this many rows or more has the stored rows its preview needs read while its rows are checked."""


@dataclass
class _Stored:
    """What the preview reads from the store: the submitted rows around the file's quarters, and the audit."""

    base_version: int
    history: pd.DataFrame
    coded: CodedHistory
    published: set[Slice]
    audit: pd.DataFrame


def _wanted(frame: pd.DataFrame) -> tuple[list[str], list[int]]:
    """The partnerships and years (and the year before) whose stored rows the preview of ``frame`` compares with."""
    ids = sorted(frame["partnership_id"].unique())
    years = sorted({int(y) for y in frame["year"].unique()} | {int(frame["year"].min()) - 1})
    return ids, years


def _read_stored(store: Store, dataset: str, ids: list[str], years: list[int]) -> _Stored:
    base_version = store.version(indicator_table(dataset, "submitted"))
    history = store.read_indicators(dataset, "submitted", partnership_ids=ids, years=years)
    published_rows = store.read_indicators(
        dataset, "published", partnership_ids=ids, years=years, columns=list(SLICE_COLUMNS)
    )
    published = slice_set(published_rows) if not published_rows.empty else set()
    return _Stored(base_version, history, code_history(history), published, store.read_audit())


def _prefetch(store: Store, dataset: str, raw: pd.DataFrame) -> tuple[tuple[list[str], list[int]], Future] | None:
    """Start reading what the preview will need, as guessed from the raw cells; the guess is used only if it equals
    what the checked rows ask for."""
    columns = [normalise_header(c) for c in raw.columns]
    if columns.count("partnership_id") != 1 or columns.count("year") != 1:
        return None
    # strip and parse the distinct cells only: stripping commutes with taking the distinct values
    ids = pd.Series(pd.unique(raw.iloc[:, columns.index("partnership_id")])).astype("string").str.strip()
    cells = pd.Series(pd.unique(raw.iloc[:, columns.index("year")]))
    if pd.api.types.is_numeric_dtype(cells):
        years = pd.to_numeric(cells, errors="coerce").astype("float64")
    else:
        years = text_to_numbers(cells.astype("string").str.strip())
    if ids.isna().any() or ids.eq("").any() or years.isna().any() or not (years % 1 == 0).all():
        return None  # the contract will reject the file anyway
    whole_years = {int(y) for y in years}
    guess = (sorted(set(ids)), sorted(whole_years | {min(whole_years) - 1}))
    return guess, _BACKGROUND.submit(_read_stored, store, dataset, *guess)


def _find_previous_commit(report: UploadReport, audit: pd.DataFrame) -> None:
    same = audit[
        (audit["source_sha256"] == report.sha256)
        & (audit["dataset"] == report.dataset)
        & (audit["outcome"] == "accepted")
        & (audit["action"] != "publish")
    ]
    if not same.empty:
        first = same.iloc[-1]
        report.previous_commit = {"committed_at": first["committed_at"], "user": first["user"]}


def commit_upload(store: Store, report: UploadReport, *, user: str, action: str = "upload") -> CommitResult:
    """Commit an accepted report's rows (replacing its slices in the submitted layer) and audit it, then its
    narratives (a transaction of their own).

    When the submitted layer already holds exactly these rows, no row is written and the audit says "unchanged".
    """
    if not report.accepted or report.dataset is None:
        raise ValueError("only an accepted upload can be committed")
    result = _commit_rows(store, report, user=user, action=action)
    commit_file_narratives(store, report.narratives, user=user, source_name=report.file_name, action=action)
    return result


def _commit_rows(store: Store, report: UploadReport, *, user: str, action: str) -> CommitResult:
    assert report.dataset is not None
    table = indicator_table(report.dataset, "submitted")
    if report.rows_unchanged:
        commit_id = str(uuid.uuid4())
        version = store.version(table)
        record_attempt(
            store,
            user=user,
            action=action,
            outcome="unchanged",
            table=table,
            dataset=report.dataset,
            source_name=report.file_name,
            source_sha256=report.sha256,
            slices=report.slices,
            rows=report.rows,
            table_version=version,
            message="identical to what is already submitted; nothing was written",
        )
        return CommitResult(commit_id, table, version, report.slices, 0, "unchanged")
    return store.commit_indicators(
        report.frame[list(INDICATOR_COLUMNS)],
        report.dataset,
        user=user,
        source_name=report.file_name,
        source_sha256=report.sha256,
        action=action,
    )


def record_rejection(store: Store, report: UploadReport, *, user: str, action: str = "upload") -> None:
    """Record a rejected upload as an event in the accounts database (nothing else is written)."""
    record_attempt(
        store,
        user=user,
        action=action,
        outcome="rejected",
        table=indicator_table(report.dataset, "submitted") if report.dataset else None,
        dataset=report.dataset,
        source_name=report.file_name,
        source_sha256=report.sha256,
        rows=report.rows,
        message=f"{count_text(len(report.errors), 'error')}; nothing was written",
    )


def ingest_path(
    store: Store,
    path: Path,
    *,
    dataset: str | None,
    user: str,
    dry_run: bool = False,
    settings: UploadSettings | None = None,
) -> tuple[UploadReport, CommitResult | None]:
    """:func:`ingest_file` of a file on disk, whose size is checked before it is read: a file over the limit is
    rejected (and audited, unless a dry run) from its size alone, and never loaded into memory."""
    settings = settings or UploadSettings.from_env()
    too_large = size_rejection(path.stat().st_size, upload_limits(settings))
    if too_large is None:
        return ingest_file(
            store, path.read_bytes(), path.name, dataset=dataset, user=user, dry_run=dry_run, settings=settings
        )
    report = UploadReport(file_name=path.name, sha256=sha256_of(path), dataset=dataset, findings=too_large.findings)
    if not dry_run:
        record_rejection(store, report, user=user)
    return report, None


def ingest_file(
    store: Store,
    data: bytes,
    file_name: str,
    *,
    dataset: str | None,
    user: str,
    today: date | None = None,
    dry_run: bool = False,
    settings: UploadSettings | None = None,
    action: str = "upload",
    allowed_partnerships: Collection[str] | None = None,
) -> tuple[UploadReport, CommitResult | None]:
    """Check a file and, unless it is rejected or a dry run, commit it. Rejections are audited (not dry runs)."""
    report = check_upload(
        store,
        data,
        file_name,
        dataset=dataset,
        today=today,
        settings=settings,
        allowed_partnerships=allowed_partnerships,
    )
    if dry_run:
        return report, None
    if not report.accepted:
        record_rejection(store, report, user=user, action=action)
        return report, None
    return report, commit_upload(store, report, user=user, action=action)


# ---- reference tables ---------------------------------------------------------------------------------------


@dataclass
class ReferenceOutcome:
    validation: ValidationResult
    commit: CommitResult | None = None

    @property
    def accepted(self) -> bool:
        return self.validation.ok


def read_plain_csv(path: str | Path) -> pd.DataFrame:
    """A UTF-8, comma-separated file with a header, every cell as text (blank cells as empty strings)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _ingest_reference(
    store: Store,
    table: str,
    validation: ValidationResult,
    *,
    user: str,
    source_name: str,
    source_sha256: str,
    action: str,
) -> ReferenceOutcome:
    if not validation.ok:
        return ReferenceOutcome(validation=validation)
    commit = store.replace_reference(
        table, validation.frame, user=user, source_name=source_name, source_sha256=source_sha256, action=action
    )
    return ReferenceOutcome(validation=validation, commit=commit)


def ingest_partnerships_frame(
    store: Store, raw: pd.DataFrame, *, user: str, source_name: str, source_sha256: str, action: str = "upload"
) -> ReferenceOutcome:
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
) -> ReferenceOutcome:
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
