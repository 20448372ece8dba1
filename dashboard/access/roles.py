"""Who is asking, and what they may do: roles, identities and the permission rules (pure; no streamlit).

Roles, from least to most:

- ``anonymous``: a visitor who has not signed in; the public portal only (published figures of public partnerships).
- ``viewer``: staff and executives; every page, submitted and published figures, private partnerships included.
- ``officer``: a viewer who may also upload for the partnerships assigned to them, and only those.
- ``admin``: everything, including reference tables, review and publishing, restore and user accounts.

Accounts, passwords and sign-in live in :mod:`dashboard.access.accounts`, which page each role may open in
:mod:`dashboard.access.pages`; this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("anonymous", "viewer", "officer", "admin")
STAFF_ROLES: tuple[str, ...] = ("viewer", "officer", "admin")
"""The roles an account can hold (``anonymous`` is nobody's account)."""

ROLE_DESCRIPTIONS: dict[str, str] = {
    "anonymous": "visitor: the public portal only",
    "viewer": "staff: every page, submitted and published figures, private partnerships included",
    "officer": "staff who upload quarterly figures for the partnerships assigned to them",
    "admin": "everything, including reference tables, review and publishing, restore and user accounts",
}


@dataclass(frozen=True)
class Identity:
    """The person asking: e-mail (None for an anonymous visitor), role, assigned partnerships and a display name."""

    email: str | None
    role: str
    partnerships: frozenset[str]
    name: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")
        if not isinstance(self.partnerships, frozenset):
            object.__setattr__(self, "partnerships", frozenset(self.partnerships))

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How the app names the person: name, else e-mail, else "Visitor"."""
        return self.name or self.email or "Visitor"


ANONYMOUS = Identity(None, "anonymous", frozenset())


def can_view_staff_pages(identity: Identity) -> bool:
    """Staff pages show submitted figures and private partnerships: viewers, officers and admins."""
    return identity.is_staff


def can_upload(identity: Identity, partnership_id: str | None = None) -> bool:
    """May this person upload figures for ``partnership_id``? Admins for every partnership, officers for their
    assigned ones only, nobody else. Without a partnership: may they upload at all?"""
    if identity.role == "admin":
        return True
    if identity.role != "officer":
        return False
    if partnership_id is None:
        return bool(identity.partnerships)
    return partnership_id in identity.partnerships


def upload_scope(identity: Identity) -> frozenset[str] | None:
    """The partnerships this person may upload for: None means every one (admins); empty means none."""
    if identity.role == "admin":
        return None
    if identity.role == "officer":
        return identity.partnerships
    return frozenset()


def can_manage_milestones(identity: Identity, partnership_id: str) -> bool:
    """May this person add, change or delete the milestones of ``partnership_id``? Admins for every partnership,
    officers for their assigned ones only, nobody else."""
    if identity.role == "admin":
        return True
    return identity.role == "officer" and partnership_id in identity.partnerships


def can_publish(identity: Identity) -> bool:
    return identity.is_admin


def can_manage_reference(identity: Identity) -> bool:
    return identity.is_admin


def can_manage_users(identity: Identity) -> bool:
    return identity.is_admin


def can_restore(identity: Identity) -> bool:
    return identity.is_admin
