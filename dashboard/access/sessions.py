"""Signed-in sessions in the accounts database: a random token in the browser's cookie, only its SHA-256 stored.

A session ends when it is ended (sign-out, or its account disabled or given a new password), after
``IMPACT_SESSION_MINUTES`` without a request, or ``IMPACT_SESSION_MAX_HOURS`` after it started. Every
:func:`resolve_session` reads the session and its account afresh (there is no cache), so a disabled account, a new
password or a new role applies on the very next request, in every process and replica.

A handoff moves a session to a new one through a one-time code valid for a minute (only its hash stored): the code is
redeemed once, the source session ends, and a new session of the same account begins (the cookie's session).
No streamlit here: ``dashboard/web/session.py`` sets and reads the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Row, insert, select, update

from dashboard.access.accounts import UserError, identity_for_email, normalise_email, split_partnerships
from dashboard.access.roles import Identity
from dashboard.settings import session_max_hours, session_minutes
from dashboard.storage.account_tables import ACCOUNTS, HANDOFFS, SESSIONS
from dashboard.storage.database import database_for
from dashboard.storage.store import Store

SESSION_COOKIE = "impact_session"
"""The name of the cookie that carries the session token."""
TOUCH_SECONDS = 30
"""A session's last_seen_at is written at most once in this many seconds (it only needs to be right to the minute)."""
HANDOFF_SECONDS = 60
"""How long a handoff code may be redeemed."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_SESSION_AND_ACCOUNT = select(
    SESSIONS.c.id,
    SESSIONS.c.created_at,
    SESSIONS.c.last_seen_at,
    SESSIONS.c.expires_at,
    SESSIONS.c.ended_at,
    ACCOUNTS.c.email,
    ACCOUNTS.c.role,
    ACCOUNTS.c.partnerships,
    ACCOUNTS.c.disabled,
    ACCOUNTS.c.password_changed_at,
).select_from(SESSIONS.join(ACCOUNTS, SESSIONS.c.email == ACCOUNTS.c.email))


def _is_live(row: Row, moment: datetime) -> bool:
    """Whether a session (joined with its account) may still be used at ``moment``."""
    return (
        row.ended_at is None
        and moment < row.expires_at
        and moment - row.last_seen_at <= timedelta(minutes=session_minutes())
        and not bool(row.disabled)
        and (row.password_changed_at is None or row.password_changed_at <= row.created_at)
    )


def _open(connection: Connection, email: str, moment: datetime, via: str) -> str:
    """Insert a new session of an enabled account; returns its token."""
    account = connection.execute(select(ACCOUNTS.c.disabled).where(ACCOUNTS.c.email == email)).first()
    if account is None or bool(account.disabled):
        raise UserError(f"{email} has no enabled account; a session cannot start.")
    token = secrets.token_urlsafe(32)
    connection.execute(
        insert(SESSIONS).values(
            token_hash=_digest(token),
            email=email,
            created_at=moment,
            last_seen_at=moment,
            expires_at=moment + timedelta(hours=session_max_hours()),
            ended_at=None,
            via=via[:32],
        )
    )
    return token


def start_session(store: Store, email: str, *, now: datetime | None = None, via: str = "password") -> str:
    """Start a session of an enabled account (after its sign-in succeeded) and return its token, a random
    ``secrets.token_urlsafe(32)`` for the cookie; only the token's SHA-256 is stored. UserError when the account does
    not exist or is disabled."""
    with database_for(store).write() as connection:
        return _open(connection, normalise_email(email), _utc(now), via)


def resolve_session(store: Store, token: str | None, *, now: datetime | None = None) -> Identity | None:
    """The account's current identity (role and partnerships as they are now) behind a session token; None when the
    token is unknown, the session ended, was idle too long or is past its end, or the account is missing, disabled or
    got a new password after the session started. Records the request (last_seen_at, at most every 30 seconds)."""
    if not token:
        return None
    moment = _utc(now)
    database = database_for(store)
    with database.read() as connection:
        row = connection.execute(_SESSION_AND_ACCOUNT.where(SESSIONS.c.token_hash == _digest(token))).first()
    if row is None or not _is_live(row, moment):
        return None
    if moment - row.last_seen_at >= timedelta(seconds=TOUCH_SECONDS):
        with database.write() as connection:
            connection.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id == row.id, SESSIONS.c.ended_at.is_(None), SESSIONS.c.last_seen_at < moment)
                .values(last_seen_at=moment)
            )
    return Identity(str(row.email), str(row.role), frozenset(split_partnerships(row.partnerships)))


def end_session(store: Store, token: str | None) -> None:
    """End the session of a token (signing out); nothing happens for an unknown or ended one."""
    if not token:
        return
    with database_for(store).write() as connection:
        connection.execute(
            update(SESSIONS)
            .where(SESSIONS.c.token_hash == _digest(token), SESSIONS.c.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )


def end_sessions(store: Store, email: str) -> int:
    """End every open session of an account; returns how many were open."""
    with database_for(store).write() as connection:
        ended = connection.execute(
            update(SESSIONS)
            .where(SESSIONS.c.email == normalise_email(email), SESSIONS.c.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
        return int(ended.rowcount or 0)


def issue_handoff(store: Store, token: str, *, now: datetime | None = None) -> str:
    """A one-time code, valid for a minute, that :func:`redeem_handoff` turns into a new session of the same account
    (only the code's SHA-256 is stored). UserError when the token has no live session."""
    moment = _utc(now)
    with database_for(store).write() as connection:
        row = connection.execute(_SESSION_AND_ACCOUNT.where(SESSIONS.c.token_hash == _digest(token or ""))).first()
        if row is None or not _is_live(row, moment):
            raise UserError("no live session to hand over; sign in again.")
        code = secrets.token_urlsafe(32)
        connection.execute(
            insert(HANDOFFS).values(
                code_hash=_digest(code),
                session_id=row.id,
                expires_at=moment + timedelta(seconds=HANDOFF_SECONDS),
                used_at=None,
            )
        )
        return code


def redeem_handoff(store: Store, code: str, *, now: datetime | None = None) -> str | None:
    """Use a handoff code once: mark it used (in one statement, so only one redeem wins), end its source session and
    return the token of a new session of the same account; None when the code is unknown, used or expired, or the
    source session or its account can no longer be used."""
    if not code:
        return None
    moment = _utc(now)
    with database_for(store).write() as connection:
        used = connection.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.code_hash == _digest(code), HANDOFFS.c.used_at.is_(None), HANDOFFS.c.expires_at > moment)
            .values(used_at=moment)
            .returning(HANDOFFS.c.session_id)
        ).first()
        if used is None:
            return None
        row = connection.execute(_SESSION_AND_ACCOUNT.where(SESSIONS.c.id == used.session_id)).first()
        if row is None or not _is_live(row, moment):
            return None
        connection.execute(update(SESSIONS).where(SESSIONS.c.id == row.id).values(ended_at=moment))
        return _open(connection, str(row.email), moment, "handoff")


def identity_for_provider(store: Store, email: str | None) -> Identity | None:
    """The identity of an e-mail an identity provider vouches for (``st.login``): its account's current role and
    partnerships, None when it has none or is disabled. Read on every call, like :func:`resolve_session`."""
    return identity_for_email(store, email)


__all__ = [
    "SESSION_COOKIE",
    "end_session",
    "end_sessions",
    "identity_for_provider",
    "issue_handoff",
    "redeem_handoff",
    "resolve_session",
    "start_session",
]
