"""Milestones changed one at a time by a partnership's officers (and admins): add one, change one, delete one.

Each change is checked by the milestones contract (:func:`data_contracts.validate_milestones`, the same rules as an
admin's upload) and written as one transaction that replaces only that partnership's milestones, audited in its
commit (who, which action, which milestone). Who may change which partnership's milestones is
:func:`dashboard.access.roles.can_manage_milestones`: the partnership a change touches is always the stored one, so
an officer can never reach another partnership's milestones by naming its milestone id.

The whole table (template, upload, report) is the admins' path: :mod:`dashboard.intake.reference_admin`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from dashboard.access.roles import Identity, can_manage_milestones
from dashboard.intake.ingest import ReferenceOutcome
from dashboard.storage.store import CommitResult, Store
from dashboard.storage.tables import MILESTONES_TABLE
from data_contracts import MILESTONE_COLUMNS, Finding, validate_milestones
from data_contracts.reference_models import SLUG_MAX

ADD_ACTION = "milestone-add"
UPDATE_ACTION = "milestone-update"
DELETE_ACTION = "milestone-delete"
EDITABLE: tuple[str, ...] = ("title", "due_quarter", "state", "linked", "note", "visibility")
"""The columns a change may set (the id and the partnership stay)."""


class MilestoneScopeError(PermissionError):
    """The person may not change this partnership's milestones; nothing was written."""


@dataclass
class MilestoneChange:
    """What a change did: its findings (nothing written when there is an error) and its commit."""

    milestone_id: str
    findings: list[Finding] = field(default_factory=list)
    commit: CommitResult | None = None

    @property
    def ok(self) -> bool:
        return self.commit is not None


def goal_partnerships(store: Store) -> dict[str, str]:
    """Every goal id of the store with its partnership."""
    goals = store.read_goals()
    return dict(zip(goals["goal_id"].astype(str), goals["partnership_id"].astype(str), strict=True))


def new_milestone_id(partnership_id: str, title: str, taken: set[str]) -> str:
    """An id for a new milestone: the partnership's id and the title's words (``att-imago-curriculum-launch``),
    with a number added when it is taken."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "milestone"
    stem = f"{partnership_id}-{words}"[: SLUG_MAX - 4].strip("-")
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}", number + 1
    return candidate


def _check_scope(identity: Identity, partnership_id: str) -> None:
    if not can_manage_milestones(identity, partnership_id):
        raise MilestoneScopeError(
            f"You may change the milestones of your own partnerships only; {partnership_id!r} is not one of them."
        )


def _user(identity: Identity) -> str:
    return identity.email or identity.role


def _write(
    store: Store,
    partnership_id: str,
    milestone_id: str,
    kept: pd.DataFrame,
    row: dict[str, object] | None,
    *,
    user: str,
    action: str,
) -> MilestoneChange:
    """Check ``row`` (None: nothing to add) and write the partnership's milestones ``kept`` plus it."""
    change = MilestoneChange(milestone_id)
    parts = [kept]
    if row is not None:
        partnerships = store.read_partnerships()["partnership_id"].astype(str).tolist()
        raw = pd.DataFrame([{column: row.get(column) for column in MILESTONE_COLUMNS}], dtype=object)
        raw = raw.map(lambda cell: "" if cell is None or cell is pd.NA else str(cell))
        validation = validate_milestones(raw, partnership_ids=partnerships, goal_partnerships=goal_partnerships(store))
        change.findings = list(validation.findings)
        if not validation.ok:
            return change
        parts.append(validation.frame)
    filled = [part for part in parts if not part.empty]
    frame = pd.concat(filled, ignore_index=True) if filled else kept
    change.commit = store.replace_milestones_of(
        partnership_id, frame[list(MILESTONE_COLUMNS)], user=user, action=action, message=f"milestone {milestone_id}"
    )
    return change


def add_milestone(
    store: Store,
    identity: Identity,
    partnership_id: str,
    *,
    title: str,
    due_quarter: str,
    state: str = "planned",
    linked: str = "",
    note: str = "",
    visibility: str = "internal",
) -> MilestoneChange:
    """Add a milestone to ``partnership_id`` (its id made from the title); ``MilestoneScopeError`` when the person
    may not."""
    _check_scope(identity, partnership_id)
    current = store.read_milestones()
    row = {
        "milestone_id": new_milestone_id(partnership_id, title, set(current["milestone_id"].astype(str))),
        "partnership_id": partnership_id,
        "title": title,
        "due_quarter": due_quarter,
        "state": state,
        "linked": linked,
        "note": note,
        "visibility": visibility,
    }
    kept = current[current["partnership_id"] == partnership_id]
    change = _write(store, partnership_id, str(row["milestone_id"]), kept, row, user=_user(identity), action=ADD_ACTION)
    if not change.ok:
        change.milestone_id = ""
    return change


def _stored(store: Store, milestone_id: str) -> tuple[pd.DataFrame, pd.Series]:
    current = store.read_milestones()
    found = current[current["milestone_id"] == milestone_id]
    if found.empty:
        raise KeyError(f"there is no milestone {milestone_id!r}")
    return current, found.iloc[0]


def update_milestone(store: Store, identity: Identity, milestone_id: str, **changes: str) -> MilestoneChange:
    """Change some of a milestone's :data:`EDITABLE` cells (``state="done"``); ``MilestoneScopeError`` when the
    person may not change its partnership's milestones, ``KeyError`` when there is no such milestone."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"these cells cannot be changed: {', '.join(sorted(unknown))}")
    current, stored = _stored(store, milestone_id)
    partnership_id = str(stored["partnership_id"])
    _check_scope(identity, partnership_id)
    row = {**stored.to_dict(), **changes}
    kept = current[(current["partnership_id"] == partnership_id) & (current["milestone_id"] != milestone_id)]
    return _write(store, partnership_id, milestone_id, kept, row, user=_user(identity), action=UPDATE_ACTION)


def delete_milestone(store: Store, identity: Identity, milestone_id: str) -> MilestoneChange:
    """Delete a milestone; ``MilestoneScopeError`` when the person may not change its partnership's milestones,
    ``KeyError`` when there is no such milestone."""
    current, stored = _stored(store, milestone_id)
    partnership_id = str(stored["partnership_id"])
    _check_scope(identity, partnership_id)
    kept = current[(current["partnership_id"] == partnership_id) & (current["milestone_id"] != milestone_id)]
    return _write(store, partnership_id, milestone_id, kept, None, user=_user(identity), action=DELETE_ACTION)


def ingest_milestones_frame(
    store: Store, raw: pd.DataFrame, *, user: str, source_name: str, source_sha256: str, action: str = "upload"
) -> ReferenceOutcome:
    """Validate a whole milestones table against the stored partnerships and goals and, if it passes, replace the
    milestones table (created first in a store made before it)."""
    partnerships = store.read_partnerships()["partnership_id"].astype(str).tolist()
    validation = validate_milestones(raw, partnership_ids=partnerships, goal_partnerships=goal_partnerships(store))
    if not validation.ok:
        return ReferenceOutcome(validation=validation)
    commit = store.replace_reference(
        MILESTONES_TABLE,
        validation.frame,
        user=user,
        source_name=source_name,
        source_sha256=source_sha256,
        action=action,
    )
    return ReferenceOutcome(validation=validation, commit=commit)
