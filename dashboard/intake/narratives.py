"""The story behind the numbers, written and reviewed: narratives (per partnership and quarter) and goal explanations
(per goal and quarter), from the Upload page's form or a file, through review to the public.

The rules, exactly:

- **Writing** a text (:func:`write_text`, or a file's ``narrative`` sheet or column through
  :func:`commit_file_narratives`) replaces that (partnership, quarter, kind, goal) text in the submitted layer, in one
  audited transaction (action ``upload``; dataset ``narratives``). Officers write for their own partnerships only.
- A partnership quarter's texts are **pending** while its submitted texts differ from its published texts
  (:func:`pending_texts`).
- **Publishing** any dataset slice of a partnership quarter (``review.publish_slices``) publishes that quarter's
  texts: the published texts of the quarter become its submitted texts, in a second transaction right after the
  data's (action ``publish``). Texts written after their quarter's figures were published are published alone
  (:func:`publish_texts`), which needs figures of that quarter to be published already: texts never go public
  before their figures.
- **Withdrawing** any dataset slice of a partnership quarter (``review.unpublish_slices``) withdraws the quarter's
  published texts (action ``unpublish``, the same reason); they stay submitted and wait for review again.
- **Rejecting** a pending slice (``review.reject_slices``), or the texts alone (:func:`discard_texts`), discards the
  quarter's pending texts: its submitted texts go back to the published ones (action ``reject``, the same reason).
- **Waiving** a required explanation (:func:`waive_explanation`, admins) stores a waiver row (``waived`` true, no
  text) for that goal and quarter, audited as action ``waive`` with who, when, which goal and the reason; it is
  published with the quarter like a text, and never shown as one.

Two transactions (data, then texts) are not one: if the second fails, the texts stay pending and the Review page
lists them to publish (or reject) alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

import pandas as pd

from dashboard.intake.file_reading import read_table_file
from dashboard.intake.raw_table import FileRejected, RawTable, ReadLimits
from dashboard.settings import min_cell_count
from dashboard.storage.narratives import (
    empty_texts,
    read_texts,
    replace_slices,
    typed_texts,
    write_texts,
)
from dashboard.storage.slices import Slice
from dashboard.storage.store import CommitResult, Store, StoreError
from data_contracts import DATASETS
from data_contracts.clock import today as clock_today
from data_contracts.columns import normalise_header, text_to_numbers
from data_contracts.findings import Finding
from data_contracts.narratives import (
    NARRATIVE_GOAL,
    TEXT_COLUMNS,
    TEXT_KEY,
    TextEntry,
    check_entry,
    clean_text,
    small_number_message,
    small_number_warnings,
)
from data_contracts.quarters import Quarter

NARRATIVE_COLUMN = "narrative"
"""The column of a file (CSV, Excel, Parquet) that carries each partnership quarter's narrative."""
NARRATIVE_SHEET = "narrative"
"""The Excel sheet (columns partnership_id, year, quarter, narrative) that carries narratives."""
FORM_SOURCE = "Upload page form"
"""The ``source_name`` of texts written in the form."""


class NarrativeError(RuntimeError):
    """A text that cannot be written or published; the message says why. Nothing was written."""


def goals_by_partnership(store: Store) -> dict[str, set[str]]:
    """Each partnership's goal ids."""
    goals = store.read_goals()
    found: dict[str, set[str]] = {}
    for partnership_id, goal_id in zip(goals["partnership_id"], goals["goal_id"], strict=True):
        found.setdefault(str(partnership_id), set()).add(str(goal_id))
    return found


def _refuse(findings: list[Finding]) -> None:
    if findings:
        raise NarrativeError(" ".join(f.message for f in findings) + " Nothing was written.")


def _row(entry: TextEntry, *, user: str, waived: bool = False) -> dict[str, object]:
    return {
        "partnership_id": entry.partnership_id,
        "year": entry.year,
        "quarter": entry.quarter,
        "kind": entry.kind,
        "goal_id": entry.goal_id,
        "text": "" if waived else entry.text,
        "waived": waived,
        "author": user,
        "written_at": datetime.now(UTC),
    }


def _check_scope(partnership_id: str, allowed: Collection[str] | None) -> None:
    if allowed is not None and partnership_id not in allowed:
        raise NarrativeError(
            f"You may write only for your partnerships; {partnership_id!r} is not one of them. Nothing was written."
        )


def write_text(
    store: Store,
    *,
    partnership_id: str,
    year: int,
    quarter: int,
    kind: str,
    text: str,
    user: str,
    goal_id: str = NARRATIVE_GOAL,
    allowed_partnerships: Collection[str] | None = None,
    today: date | None = None,
    source_name: str = FORM_SOURCE,
) -> CommitResult:
    """Write one narrative (``goal_id`` empty) or one goal's explanation of a quarter into the submitted layer,
    replacing the text there; NarrativeError (nothing written) when the contract refuses it or the partnership is
    not one of ``allowed_partnerships`` (an officer's; None: any)."""
    if not str(user or "").strip():
        raise NarrativeError("The writer's name is required. Nothing was written.")
    _check_scope(partnership_id, allowed_partnerships)
    entry = TextEntry(partnership_id, int(year), int(quarter), kind, goal_id or NARRATIVE_GOAL, clean_text(text))
    ids = store.read_partnerships()["partnership_id"].astype(str).tolist()
    _refuse(check_entry(entry, partnership_ids=ids, goals_of=goals_by_partnership(store), today=today or clock_today()))
    what = "narrative" if kind == "narrative" else f"explanation of goal {entry.goal_id}"
    try:
        return write_texts(
            store,
            pd.DataFrame([_row(entry, user=user)]),
            user=user,
            source_name=source_name,
            message=f"{what}, {Quarter(entry.year, entry.quarter).label} ({len(entry.text):,} characters)",
        )
    except StoreError as error:
        raise NarrativeError(f"{error}. Nothing was written.") from error


def waive_explanation(
    store: Store, *, partnership_id: str, year: int, quarter: int, goal_id: str, user: str, reason: str
) -> CommitResult:
    """An admin waives the explanation of one goal and quarter: a waiver row in the submitted layer, audited as
    action ``waive`` (who and when in the commit; which goal, quarter and why in its message). A reason is
    required."""
    if not str(user or "").strip():
        raise NarrativeError("The admin's name is required. Nothing was written.")
    if not str(reason or "").strip():
        raise NarrativeError("A reason for waiving the explanation is required. Nothing was written.")
    entry = TextEntry(partnership_id, int(year), int(quarter), "explanation", goal_id, "")
    ids = store.read_partnerships()["partnership_id"].astype(str).tolist()
    _refuse(check_entry(entry, partnership_ids=ids, goals_of=goals_by_partnership(store), today=date.max, waiver=True))
    label = Quarter(entry.year, entry.quarter).label
    return write_texts(
        store,
        pd.DataFrame([_row(entry, user=user, waived=True)]),
        user=user,
        action="waive",
        source_name="Review page",
        message=f"explanation of goal {goal_id} for {partnership_id} {label} waived: {' '.join(reason.split())}",
    )


# ---- review ----------------------------------------------------------------------------------------------------

PENDING_TEXT_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, "status")


def pending_texts(store: Store, partnership_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Every text whose submitted and published versions differ, one row per key: the submitted row (the published
    one for a text only published) and ``status`` (``new``: not published; ``changed``: another text or waiver;
    ``removed``: published, no longer submitted). Sorted by partnership, quarter, kind and goal."""
    submitted = read_texts(store, "submitted", partnership_ids=partnership_ids)
    published = read_texts(store, "published", partnership_ids=partnership_ids)
    if submitted.empty and published.empty:
        return empty_texts().assign(status=pd.Series(dtype="string"))
    keys = list(TEXT_KEY)
    joined = submitted.merge(published, on=keys, how="outer", suffixes=("", "_published"), indicator=True)
    changed = (joined["text"].fillna("") != joined["text_published"].fillna("")) | (
        joined["waived"].fillna(False).astype(bool) != joined["waived_published"].fillna(False).astype(bool)
    )
    status = joined["_merge"].map({"left_only": "new", "right_only": "removed", "both": "changed"}).astype(str)
    differ = joined[(joined["_merge"] != "both") | changed].copy()
    removed = differ["_merge"] == "right_only"
    if removed.any():
        for column in ("text", "waived", "author", "written_at"):
            differ.loc[removed, column] = differ.loc[removed, f"{column}_published"]
    result = typed_texts(differ[list(TEXT_COLUMNS)])
    result["status"] = status[differ.index].astype("string").to_numpy()
    return result.sort_values(keys, ignore_index=True)


def quarters_of(texts: pd.DataFrame) -> list[Slice]:
    """The partnership quarters a texts frame names, sorted."""
    keys = texts[["partnership_id", "year", "quarter"]].drop_duplicates()
    return sorted({Slice(str(p), int(y), int(q)) for p, y, q in keys.itertuples(index=False)}, key=str)


def publish_quarter_texts(store: Store, slices: Iterable[Slice], *, user: str) -> CommitResult | None:
    """The published texts of these partnership quarters become their submitted texts (None: nothing differed)."""
    return replace_slices(store, slices, source="submitted", target="published", user=user, action="publish")


def withdraw_quarter_texts(store: Store, slices: Iterable[Slice], *, user: str, reason: str) -> CommitResult | None:
    """The public stops seeing these partnership quarters' texts; they stay submitted (None: none was published)."""
    return replace_slices(store, slices, source=None, target="published", user=user, action="unpublish", message=reason)


def discard_quarter_texts(store: Store, slices: Iterable[Slice], *, user: str, reason: str) -> CommitResult | None:
    """The submitted texts of these partnership quarters go back to the published ones (None: nothing pending)."""
    return replace_slices(
        store, slices, source="published", target="submitted", user=user, action="reject", message=reason
    )


def published_quarters(store: Store, slices: Sequence[Slice]) -> set[Slice]:
    """Those of ``slices`` with figures published in at least one dataset."""
    found: set[Slice] = set()
    ids = sorted({s.partnership_id for s in slices})
    years = sorted({s.year for s in slices})
    for dataset in DATASETS:
        rows = store.read_indicators(
            dataset, "published", partnership_ids=ids, years=years, columns=["partnership_id", "year", "quarter"]
        ).drop_duplicates()
        found |= {Slice(str(p), int(y), int(q)) for p, y, q in rows.itertuples(index=False)}
    return found & set(slices)


def publish_texts(store: Store, slices: Sequence[Slice], *, user: str) -> CommitResult | None:
    """Publish the pending texts of partnership quarters whose figures are published already (texts written after
    their figures went public). NarrativeError when a quarter has no published figures: its texts wait for them."""
    if not str(user or "").strip():
        raise NarrativeError("The reviewer's name is required. Nothing was published.")
    chosen = sorted(set(slices), key=str)
    if not chosen:
        raise NarrativeError("Choose at least one quarter. Nothing was published.")
    missing = [str(s) for s in chosen if s not in published_quarters(store, chosen)]
    if missing:
        raise NarrativeError(
            f"No figures of {', '.join(missing)} are published yet: its texts are published with its figures. "
            "Nothing was published."
        )
    return publish_quarter_texts(store, chosen, user=user)


def discard_texts(store: Store, slices: Sequence[Slice], *, user: str, reason: str) -> CommitResult | None:
    """Reject the pending texts of partnership quarters (their submitted texts go back to the published ones)."""
    if not str(user or "").strip() or not str(reason or "").strip():
        raise NarrativeError("A reason for rejecting is required. Nothing was rejected.")
    return discard_quarter_texts(store, slices, user=user, reason=" ".join(reason.split()))


# ---- texts in a file ---------------------------------------------------------------------------------------------


def split_narrative_column(raw: RawTable) -> tuple[RawTable, pd.DataFrame | None]:
    """A file's table without its ``narrative`` column (which the indicator contract does not know), and that
    column's cells with the raw partnership, year and quarter cells of their rows (None without the column)."""
    names = [normalise_header(c) for c in raw.frame.columns]
    if NARRATIVE_COLUMN not in names:
        return raw, None
    position = names.index(NARRATIVE_COLUMN)
    cells = pd.DataFrame({"narrative": raw.frame.iloc[:, position]}, index=raw.frame.index)
    for column in ("partnership_id", "year", "quarter"):
        if names.count(column) == 1:
            cells[column] = raw.frame.iloc[:, names.index(column)]
    keep = [i for i in range(len(names)) if i != position]
    raw.frame = raw.frame.iloc[:, keep]
    return raw, cells


def read_narrative_sheet(data: bytes, file_name: str, limits: ReadLimits) -> tuple[pd.DataFrame, dict] | None:
    """The cells of an Excel workbook's visible ``narrative`` sheet (columns partnership_id, year, quarter,
    narrative) and their row numbers; None when the file is not a workbook or has no such sheet."""
    if not file_name.lower().endswith(".xlsx"):
        return None
    try:
        raw = read_table_file(
            data,
            file_name,
            numeric_columns=("year", "quarter"),
            preferred_sheet=NARRATIVE_SHEET,
            expected_columns=("partnership_id", "year", "quarter", NARRATIVE_COLUMN),
            limits=limits,
        )
    except FileRejected:
        return None
    if (raw.sheet or "").strip().lower() != NARRATIVE_SHEET:
        return None
    frame = raw.frame.copy()
    frame.columns = [normalise_header(c) for c in frame.columns]
    return frame, dict(raw.row_numbers)


def file_narratives(
    cells: pd.DataFrame,
    row_numbers: dict,
    *,
    store: Store,
    user: str,
    k: int,
    allowed_partnerships: Collection[str] | None = None,
    today: date | None = None,
    where: str = "",
) -> tuple[pd.DataFrame, list[Finding]]:
    """The narratives of a file's cells (one text per partnership quarter: a blank cell says nothing, the same text
    on every row of the quarter is one text, two different texts for one quarter are an error), checked by the
    contract, and the findings: errors that refuse the file, and a warning per text that may name a small group
    (:func:`~data_contracts.narratives.small_number_warnings`). ``where`` names the sheet in messages."""
    findings: list[Finding] = []
    missing = [c for c in ("partnership_id", "year", "quarter", NARRATIVE_COLUMN) if c not in cells.columns]
    if missing:
        findings.append(
            Finding(
                1,
                NARRATIVE_COLUMN,
                None,
                "narrative_columns",
                f"Narratives{where} need the columns partnership_id, year, quarter and narrative; missing: "
                f"{', '.join(missing)}.",
            )
        )
        return empty_texts(), findings
    text = cells[NARRATIVE_COLUMN].astype("string").fillna("").map(clean_text)
    chosen = cells.assign(
        _text=text,
        _pid=cells["partnership_id"].astype("string").str.strip(),
        _year=text_to_numbers(cells["year"].astype("string").str.strip()),
        _quarter=text_to_numbers(cells["quarter"].astype("string").str.strip()),
    )
    chosen = chosen[chosen["_text"] != ""]
    ids = store.read_partnerships()["partnership_id"].astype(str).tolist()
    goals = goals_by_partnership(store)
    when = today or clock_today()
    rows = []
    for (pid, year, quarter), group in chosen.groupby(["_pid", "_year", "_quarter"], sort=True, dropna=False):
        first_row = row_numbers.get(group.index[0])
        if pd.isna(year) or pd.isna(quarter) or pd.isna(pid) or year % 1 or quarter % 1:
            findings.append(
                Finding(
                    first_row, "quarter", None, "quarter_valid", f"A narrative{where} needs a partnership and quarter."
                )
            )
            continue
        texts = list(dict.fromkeys(group["_text"]))
        if len(texts) > 1:
            findings.append(
                Finding(
                    row_numbers.get(group.index[(group["_text"] != texts[0]).to_numpy()][0]),
                    NARRATIVE_COLUMN,
                    None,
                    "narrative_differs",
                    f"{pid} {int(year)} Q{int(quarter)} has {len(texts)} different narratives{where}: write one text "
                    "per partnership and quarter (on one row, or the same on every row).",
                )
            )
            continue
        entry = TextEntry(str(pid), int(year), int(quarter), "narrative", NARRATIVE_GOAL, texts[0])
        problems = check_entry(entry, partnership_ids=ids, goals_of=goals, today=when, row=first_row)
        if allowed_partnerships is not None and entry.partnership_id not in allowed_partnerships:
            problems.append(
                Finding(
                    first_row,
                    "partnership_id",
                    entry.partnership_id,
                    "partnership_not_assigned",
                    f"You may write narratives only for your partnerships; {entry.partnership_id!r} is not one.",
                )
            )
        label = f"{pid} {int(year)} Q{int(quarter)}{where}"
        for problem in problems:
            column = NARRATIVE_COLUMN if problem.column == "text" else problem.column
            findings.append(Finding(problem.row, column, problem.value, problem.rule, f"{problem.message} ({label})"))
        if problems:
            continue
        passages = small_number_warnings(entry.text, k)
        if passages:
            findings.append(
                Finding(
                    first_row,
                    NARRATIVE_COLUMN,
                    None,
                    "narrative_small_group",
                    f"{pid} {int(year)} Q{int(quarter)}: {small_number_message(passages, k)}",
                    severity="warning",
                )
            )
        rows.append(_row(entry, user=user))
    frame = typed_texts(pd.DataFrame(rows, columns=list(TEXT_COLUMNS))) if rows else empty_texts()
    return frame, findings


def upload_narratives(
    store: Store,
    data: bytes,
    file_name: str,
    cells: pd.DataFrame | None,
    row_numbers: Mapping[object, int],
    *,
    limits: ReadLimits,
    allowed_partnerships: Collection[str] | None = None,
    today: date | None = None,
) -> tuple[pd.DataFrame, list[Finding]]:
    """The narratives of an uploaded file, from its ``narrative`` column (``cells`` of
    :func:`split_narrative_column`) and from an Excel workbook's ``narrative`` sheet, with their findings; only the
    texts that differ from the submitted ones are returned (the others need no commit). A quarter with a narrative
    in both the column and the sheet is an error."""
    parts: list[pd.DataFrame] = []
    findings: list[Finding] = []
    common = {"store": store, "user": "", "k": min_cell_count(), "allowed_partnerships": allowed_partnerships}
    if cells is not None:
        found, problems = file_narratives(cells, dict(row_numbers), today=today, **common)
        parts.append(found)
        findings.extend(problems)
    sheet = read_narrative_sheet(data, file_name, limits)
    if sheet is not None:
        found, problems = file_narratives(sheet[0], sheet[1], today=today, where=" in the narrative sheet", **common)
        parts.append(found)
        findings.extend(problems)
    parts = [part for part in parts if not part.empty]
    if not parts:
        return empty_texts(), findings
    texts = typed_texts(pd.concat(parts, ignore_index=True))
    twice = texts[texts.duplicated(list(TEXT_KEY), keep=False)]
    if not twice.empty:
        named = ", ".join(str(s) for s in quarters_of(twice))
        findings.append(
            Finding(
                None,
                NARRATIVE_COLUMN,
                None,
                "narrative_twice",
                f"{named}: a narrative in both the narrative column and the narrative sheet; keep one.",
            )
        )
        return empty_texts(), findings
    present = read_texts(store, "submitted", partnership_ids=sorted(set(texts["partnership_id"].astype(str))))
    merged = texts.merge(present, on=list(TEXT_KEY), how="left", suffixes=("", "_now"))
    same = (merged["text"] == merged["text_now"]).fillna(False).astype(bool).to_numpy()
    return typed_texts(texts[~same].reset_index(drop=True)), findings


def commit_file_narratives(
    store: Store, narratives: pd.DataFrame, *, user: str, source_name: str, action: str = "upload"
) -> CommitResult | None:
    """Write an accepted file's narratives (:func:`upload_narratives`) into the submitted layer in one transaction;
    None when there are none."""
    if narratives.empty:
        return None
    rows = narratives.assign(author=user, written_at=datetime.now(UTC))
    return write_texts(
        store,
        rows,
        user=user,
        action=action,
        source_name=source_name,
        message=f"{len(rows):,} narrative(s) from the file",
    )
