"""Who changed a table, and what: the audit record every data commit carries in its own Delta commit.

A commit's :class:`CommitAudit` travels in the commit's ``commitInfo`` (``CommitProperties(custom_metadata=...)``),
so the data and its who/what are one atomic write: a process killed at any moment leaves either both or neither.
The records are read back from the tables' histories (``DeltaTable.history``) by :meth:`Store.read_audit`, which
also keeps the rows of the older audit table (``audit/commits``) for stores written before, and for events that
write no data (rejected or unchanged uploads).

The metadata is a flat map of strings (Delta requires top-level string keys): ``commit_id``, ``user``, ``action``,
``via`` always, and ``dataset``, ``source_name``, ``source_sha256``, ``slices`` (a JSON list of ``"id:2024Q1"``),
``rows`` and ``message`` when known. ``via`` is ``"app"`` for the web app and ``"command-line"`` for the CLI, whose
``--user`` is recorded as the operator states it: anyone with access to the store is trusted.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.storage.slices import Slice
from dashboard.storage.tables import AUDIT_SCHEMA, AUDIT_TABLE, TABLE_SCHEMAS

Via = Literal["app", "command-line"]
VIAS: tuple[Via, ...] = get_args(Via)

AUDIT_READ_SCHEMA = AUDIT_SCHEMA.append(pa.field("via", pa.string()))
"""The columns of :meth:`Store.read_audit`: the audit table's columns and ``via`` (missing in the older rows)."""
AUDIT_READ_COLUMNS: tuple[str, ...] = tuple(AUDIT_READ_SCHEMA.names)
AUDITED_TABLES: tuple[str, ...] = tuple(t for t in TABLE_SCHEMAS if t != AUDIT_TABLE)
"""The tables whose commits carry their audit records: every table but the audit table itself."""


def new_commit_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class CommitAudit:
    """Who made a commit and what it is: one object for the commit's metadata and the audit row it becomes."""

    user: str
    action: str
    commit_id: str = field(default_factory=new_commit_id)
    dataset: str | None = None
    source_name: str | None = None
    source_sha256: str | None = None
    slices: tuple[Slice, ...] = ()
    rows: int = 0
    message: str | None = None
    via: Via = "app"

    def __post_init__(self) -> None:
        if self.via not in VIAS:
            raise ValueError(f"via must be one of {', '.join(VIAS)}; found {self.via!r}")
        object.__setattr__(self, "slices", tuple(self.slices))

    def metadata(self) -> dict[str, str]:
        """The commit's custom metadata: strings only, absent fields left out."""
        found = {
            "commit_id": self.commit_id,
            "user": self.user,
            "action": self.action,
            "via": self.via,
            "rows": str(int(self.rows)),
            "slices": json.dumps([str(s) for s in self.slices]),
        }
        for name in ("dataset", "source_name", "source_sha256", "message"):
            value = getattr(self, name)
            if value is not None:
                found[name] = str(value)
        return found

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], *, parse_slices: bool = True) -> CommitAudit | None:
        """The record in a commit's metadata (a ``DeltaTable.history`` entry), or None when it holds none (a commit
        made before the records moved into the commits, or by another program). ``parse_slices`` False leaves the
        slices out (a seed names hundreds of thousands: :func:`slices_text` gives them as their JSON text)."""
        commit_id, user, action = metadata.get("commit_id"), metadata.get("user"), metadata.get("action")
        if not (isinstance(commit_id, str) and isinstance(user, str) and isinstance(action, str)):
            return None
        slices: tuple[Slice, ...] = ()
        if parse_slices:
            try:
                slices = tuple(Slice.parse(str(text)) for text in json.loads(str(metadata.get("slices") or "[]")))
            except (TypeError, ValueError):
                slices = ()
        try:
            rows = int(metadata.get("rows") or 0)
        except (TypeError, ValueError):
            rows = 0
        via = metadata.get("via")

        def text(name: str) -> str | None:
            value = metadata.get(name)
            return None if value is None else str(value)

        return cls(
            commit_id=commit_id,
            user=user,
            action=action,
            dataset=text("dataset"),
            source_name=text("source_name"),
            source_sha256=text("source_sha256"),
            slices=slices,
            rows=rows,
            message=text("message"),
            via=via if via in VIAS else "app",
        )


def slices_text(metadata: Mapping[str, Any]) -> str:
    """A commit's slices as the audit's JSON text, the metadata's own text when it is a list of valid slices (as
    the commits write it), else the valid ones written out again; ``"[]"`` when it names none."""
    raw = metadata.get("slices")
    try:
        found = json.loads(str(raw or "[]"))
    except (TypeError, ValueError):
        return "[]"
    if not isinstance(found, list):
        return "[]"
    if _all_slice_texts(found) and raw == json.dumps(found):
        return str(raw)
    texts = [str(item) for item in found]
    if all(_SLICE_TEXT.fullmatch(t) for t in texts) and raw == json.dumps(texts):
        return str(raw)
    try:
        return json.dumps([str(Slice.parse(t)) for t in texts])
    except (TypeError, ValueError):
        return "[]"


_SLICE_TEXT = re.compile(r".+:\d{4}Q[1-4]")
_SLICE_TEXT_ASCII = r"^.+:[0-9]{4}Q[1-4]$"
""":data:`_SLICE_TEXT` with ASCII digits only, for Arrow's RE2 (``$`` there is the end of the text): whatever it
accepts, :data:`_SLICE_TEXT` accepts too."""


def _all_slice_texts(found: list[Any]) -> bool:
    """True when every item is a text :data:`_SLICE_TEXT` accepts, checked at once over an Arrow array (a seed's
    commit names hundreds of thousands); False when one is not, or is not text: :func:`slices_text` then checks
    them one by one, so the answer is always that of :data:`_SLICE_TEXT`."""
    try:
        texts = pa.array(found, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):  # numbers, lists, maps, unpaired surrogates
        return False
    if texts.null_count:
        return False
    return bool(pc.all(pc.match_substring_regex(texts, _SLICE_TEXT_ASCII)).as_py() is not False)


def history_rows(table: str, entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows (:data:`AUDIT_READ_COLUMNS`) of a table's history entries: one per version whose commit carries
    its record (outcome "accepted", ``committed_at`` the commit's time, ``table_version`` its version).

    A commit of an older store that carries only ``commit_id`` and ``user`` (the audit table then held the rest)
    gives a row with what it knows, ``action`` missing; :func:`merge_audit` prefers the older table's row for it.
    Commits without a commit id (made by another program) give no row."""
    rows = []
    for entry in entries:
        version, stamp = entry.get("version"), entry.get("timestamp")
        if version is None or stamp is None:
            continue
        audit = CommitAudit.from_metadata(entry, parse_slices=False)
        base = {
            "committed_at": pd.Timestamp(int(stamp), unit="ms", tz="UTC"),
            "outcome": "accepted",
            "table": table,
            "table_version": int(version),
        }
        if audit is not None:
            rows.append(
                {
                    **base,
                    "commit_id": audit.commit_id,
                    "user": audit.user,
                    "action": audit.action,
                    "dataset": audit.dataset,
                    "source_name": audit.source_name,
                    "source_sha256": audit.source_sha256,
                    "slices": slices_text(entry),
                    "rows": audit.rows,
                    "message": audit.message,
                    "via": audit.via,
                }
            )
        elif isinstance(entry.get("commit_id"), str):
            user = entry.get("user")
            rows.append({**base, "commit_id": entry["commit_id"], "user": user if isinstance(user, str) else None})
    return rows


def audit_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Audit rows as a typed frame with :data:`AUDIT_READ_COLUMNS`."""
    return audit_frame_of(pa.Table.from_pylist(rows, schema=AUDIT_READ_SCHEMA))


def audit_frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of audit rows (:data:`AUDIT_READ_SCHEMA`) as a typed frame with :data:`AUDIT_READ_COLUMNS`."""
    frame = table.to_pandas()
    for column in frame.columns:
        kind = AUDIT_READ_SCHEMA.field(column).type
        if pa.types.is_string(kind):
            frame[column] = frame[column].astype("string")
        elif pa.types.is_int64(kind):
            frame[column] = frame[column].astype("Int64")
    return frame


def merge_audit(described: pd.DataFrame, legacy: pd.DataFrame) -> pd.DataFrame:
    """The audit: rows read from the commits (``described``) and the rows of the audit table (``legacy``), newest
    first (by time, then version), de-duplicated.

    A commit described by its own metadata wins over an audit-table row of the same commit id, or an accepted row
    of the same table version; a commit of an older store whose metadata holds only its id and user is replaced by
    the audit-table row of that id."""
    legacy = legacy.reindex(columns=list(AUDIT_READ_COLUMNS))
    full = described[described["action"].notna()]
    partial = described[described["action"].isna()]
    full_ids = set(full["commit_id"].dropna())
    full_versions = set(zip(full["table"], full["table_version"], strict=True))
    legacy_versions = list(zip(legacy["table"], legacy["table_version"], strict=True))
    # an accepted row names the version its commit made; an unchanged upload's names the version it found
    accepted = (legacy["outcome"] == "accepted").fillna(False).astype(bool).tolist()
    known = [done and (t, v) in full_versions for done, (t, v) in zip(accepted, legacy_versions, strict=True)]
    keep_legacy = ~legacy["commit_id"].isin(full_ids) & ~pd.Series(known, index=legacy.index, dtype=bool)
    legacy = legacy[keep_legacy]
    partial = partial[~partial["commit_id"].isin(set(legacy["commit_id"].dropna()))]
    parts = [frame for frame in (full, partial, legacy) if not frame.empty]
    if not parts:
        return audit_frame([])
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    merged = merged.astype(audit_frame([]).dtypes.to_dict())
    order = merged["table_version"].astype("float64").fillna(-1)
    return (
        merged.assign(_version=order)
        .sort_values(["committed_at", "_version"], ascending=False, kind="stable", ignore_index=True)
        .drop(columns=["_version"])
    )
