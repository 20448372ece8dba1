"""Accounts in the accounts database (``dashboard.storage.database``): Argon2 password hashes, roles, sign-in with
slow-down and lockout. No streamlit: the sign-in page and the ``users`` command call these functions.

Without an identity provider, people sign in with a local account (e-mail and password). With one (``st.login``),
the provider says who someone is and the accounts table says what they may do: an e-mail without an account, or
disabled, gets the public view.

Every change is one statement on one account's row (nothing rewrites other rows), so concurrent sign-ins and an
admin's changes never undo one another. Passwords are never stored, logged or recorded: the table holds Argon2id
hashes, and the events name the action, the account and the role, never a hash.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Row, and_, case, insert, literal, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.access.roles import STAFF_ROLES, Identity
from dashboard.settings import AuthSettings
from dashboard.storage.account_tables import ACCOUNTS, SESSIONS
from dashboard.storage.database import Database, database_for, insert_event, read_events
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE

MIN_PASSWORD_LENGTH = 12
PARTNERSHIP_SEPARATOR = ";"
BASE_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0
SIGN_IN_ACTION = "sign-in"
"""The events' action of a sign-in attempt; its outcome is success, failure, lockout, locked or disabled."""
ACCOUNT_ACTIONS = (
    "users add",
    "users set-role",
    "users disable",
    "users enable",
    "users set-password",
    SIGN_IN_ACTION,
    "accounts import",
)
"""The events of accounts: changes through the ``users`` commands, sign-in attempts, the copy from ``auth/users``."""

SIGN_IN_FAILED = "Sign-in failed: the e-mail address or the password is not right. Check both and try again."
"""The one message of a failed sign-in, whether or not the e-mail has an account."""

_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_WEAK_WORDS = frozenset(
    {"password", "passwort", "motdepasse", "qwerty", "qwertz", "azerty", "letmein", "welcome", "admin", "changeme"}
)
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm")

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory defaults


class UserError(ValueError):
    """An account change or sign-in that breaks a rule; the message says which and what to do. Nothing written."""


# ---- passwords ------------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An Argon2id hash of the password (salted; the string carries its own parameters)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash; False for a wrong password or an unreadable hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown e-mails so they cost the same time as real accounts."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def _is_sequence(text: str) -> bool:
    lowered = text.lower()
    for sequence in _SEQUENCES:
        run = sequence * (len(lowered) // len(sequence) + 2)
        if lowered in run or lowered[::-1] in run:
            return True
    return False


def _shortest_repeat(text: str) -> int:
    """Length of the shortest unit that repeated makes ``text`` (``len(text)`` if none)."""
    return (text + text).find(text, 1)


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why a password is too weak, in plain words; None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters (a few words make it easy)."
    if password.strip() != password or not password.strip():
        return "The password must not start or end with spaces."
    if len(set(password)) < 5 or _shortest_repeat(password) <= 4:
        return "The password repeats a few characters; use at least 12 characters that do not form a pattern."
    if _is_sequence(password):
        return "The password is a sequence of letters, digits or keyboard keys; choose something harder to guess."
    letters = re.sub(r"[^a-z]", "", password.lower())
    if letters in _WEAK_WORDS or (letters and any(letters == w * (len(letters) // len(w)) for w in _WEAK_WORDS)):
        return "The password is a common word with digits or symbols; choose something harder to guess."
    if email:
        local = email.split("@", 1)[0].lower()
        if password.lower() == email.lower() or (len(local) >= 4 and local in password.lower()):
            return "The password must not contain the e-mail address."
    return None


def check_password(password: str, *, email: str | None = None) -> None:
    """Raise UserError when the password is too weak."""
    problem = password_problem(password, email=email)
    if problem:
        raise UserError(problem)


# ---- values ---------------------------------------------------------------------------------------------------


def normalise_email(text: str) -> str:
    """The e-mail as the table keys it: trimmed and lower-cased."""
    return str(text or "").strip().lower()


def check_email(text: str) -> str:
    """The normalised e-mail; UserError when it does not look like an e-mail address."""
    email = normalise_email(text)
    if not _EMAIL.match(email) or len(email) > 254:
        raise UserError(f"{text!r} does not look like an e-mail address (name@example.org).")
    return email


def split_partnerships(text: str | None) -> list[str]:
    """Partnership ids from the table's text (separated by ``;``), without blanks."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [part.strip() for part in str(text).split(PARTNERSHIP_SEPARATOR) if part.strip()]


def _clean_ids(partnerships: Iterable[str] | str | None) -> list[str]:
    if partnerships is None:
        return []
    items = [partnerships] if isinstance(partnerships, str) else list(partnerships)
    ids: set[str] = set()
    for item in items:
        ids.update(p.strip() for p in re.split(r"[;,]", str(item)) if p.strip())
    return sorted(ids)


def _check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise UserError(f"unknown role {role!r}; an account is one of: {', '.join(STAFF_ROLES)}.")
    return role


def _check_partnerships(store: Store, role: str, partnerships: Iterable[str] | str | None) -> list[str]:
    ids = _clean_ids(partnerships)
    if role != "officer":
        if ids:
            raise UserError(
                f"only officers are assigned partnerships ({role}s see every partnership); "
                "leave out --partnership or use the officer role."
            )
        return []
    if not ids:
        raise UserError("an officer needs at least one partnership to upload for; give --partnership ID.")
    known = set(store.read_partnerships()["partnership_id"].dropna()) if store.exists(PARTNERSHIPS_TABLE) else set()
    unknown = [i for i in ids if i not in known]
    if unknown:
        hint = f" Known ids: {', '.join(sorted(known))}." if 0 < len(known) <= 20 else ""
        raise UserError(f"unknown partnership id(s): {', '.join(unknown)}; nothing was written.{hint}")
    return ids


# ---- the accounts table -------------------------------------------------------------------------------------------


def _db(store: Store) -> Database:
    return database_for(store)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _find(connection: Connection, email: str) -> Row | None:
    return connection.execute(select(ACCOUNTS).where(ACCOUNTS.c.email == email)).first()


def _require(connection: Connection, email: str) -> Row:
    row = _find(connection, email)
    if row is None:
        raise UserError(f"no account for {email}; create it with `python -m dashboard users add {email} --role ROLE`.")
    return row


def _keep_an_admin(connection: Connection, email: str) -> None:
    """Refuse when ``email`` is the only enabled admin. The enabled admins' rows are locked (PostgreSQL) or the whole
    database is (SQLite's IMMEDIATE transaction) until the change commits, so two admins cannot demote each other at
    once and leave none."""
    query = select(ACCOUNTS.c.email).where(ACCOUNTS.c.role == "admin", ACCOUNTS.c.disabled.is_(False))
    admins = set(connection.scalars(query.with_for_update()))
    if admins == {email}:
        raise UserError(f"{email} is the only enabled admin; make another account admin first.")


def _describe(role: str, ids: list[str]) -> str:
    return f"{role} of {', '.join(ids)}" if ids else role


def _account_event(connection: Connection, *, actor: str, action: str, email: str, message: str, now: datetime) -> None:
    insert_event(connection, user=actor, action=action, outcome="done", target=email, message=message, now=now)


def _end_sessions(connection: Connection, email: str, now: datetime) -> int:
    """End every open session of an account (within the caller's transaction); returns how many."""
    ended = connection.execute(
        update(SESSIONS).where(SESSIONS.c.email == email, SESSIONS.c.ended_at.is_(None)).values(ended_at=now)
    )
    return int(ended.rowcount or 0)


def _identity(row: Row) -> Identity:
    return Identity(str(row.email), str(row.role), frozenset(split_partnerships(row.partnerships)))


def check_new_user(store: Store, email: str, role: str, partnerships: Iterable[str] | str | None = ()) -> str:
    """Check an account before it is added (so the command can stop before asking for a password); returns the
    normalised e-mail. UserError names what is wrong."""
    key = check_email(email)
    _check_role(role)
    _check_partnerships(store, role, partnerships)
    with _db(store).read() as connection:
        if _find(connection, key) is not None:
            raise UserError(f"{key} already has an account; change it with `python -m dashboard users set-role`.")
    return key


def add_user(
    store: Store,
    email: str,
    role: str,
    partnerships: Iterable[str] | str | None = (),
    password: str | None = None,
    *,
    actor: str,
    now: datetime | None = None,
) -> Identity:
    """Add an account. Without a password it can only sign in through the identity provider."""
    key = check_email(email)
    _check_role(role)
    ids = _check_partnerships(store, role, partnerships)
    if password is not None:
        check_password(password, email=key)
    hashed = hash_password(password) if password is not None else None
    moment = _utc(now)
    exists = UserError(f"{key} already has an account; change it with `python -m dashboard users set-role`.")
    how = "with a password" if password is not None else "without a password (identity provider)"
    try:
        with _db(store).write() as connection:
            if _find(connection, key) is not None:
                raise exists
            connection.execute(
                insert(ACCOUNTS).values(
                    email=key,
                    role=role,
                    partnerships=PARTNERSHIP_SEPARATOR.join(ids),
                    password_hash=hashed,
                    disabled=False,
                    failed_attempts=0,
                    locked_until=None,
                    password_changed_at=moment if hashed is not None else None,
                    created_at=moment,
                    updated_at=moment,
                )
            )
            message = f"added {key} as {_describe(role, ids)} {how}"
            _account_event(connection, actor=actor, action="users add", email=key, message=message, now=moment)
    except IntegrityError:  # added by someone else between the check and the insert
        raise exists from None
    return Identity(key, role, frozenset(ids))


def set_role(
    store: Store,
    email: str,
    role: str,
    partnerships: Iterable[str] | str | None = None,
    *,
    actor: str,
    now: datetime | None = None,
) -> Identity:
    """Change an account's role and, for officers, its partnerships (None keeps an officer's current ones). Open
    sessions stay open and get the new role on their next request (sessions re-read the account)."""
    key = normalise_email(email)
    _check_role(role)
    database = _db(store)
    with database.read() as connection:
        current = _require(connection, key)
    if partnerships is None and role == "officer" and current.role == "officer":
        partnerships = split_partnerships(current.partnerships)
    ids = _check_partnerships(store, role, partnerships)
    moment = _utc(now)
    with database.write() as connection:
        _require(connection, key)
        if role != "admin":
            _keep_an_admin(connection, key)
        connection.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.email == key)
            .values(role=role, partnerships=PARTNERSHIP_SEPARATOR.join(ids), updated_at=moment)
        )
        message = f"{key} is now {_describe(role, ids)}"
        _account_event(connection, actor=actor, action="users set-role", email=key, message=message, now=moment)
    return Identity(key, role, frozenset(ids))


def disable_user(store: Store, email: str, *, actor: str, now: datetime | None = None) -> bool:
    """Disable an account (it can no longer sign in, by password or identity provider) and end its open sessions.
    False if it already was."""
    key = normalise_email(email)
    moment = _utc(now)
    with _db(store).write() as connection:
        if bool(_require(connection, key).disabled):
            return False
        _keep_an_admin(connection, key)
        connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.email == key).values(disabled=True, updated_at=moment))
        ended = _end_sessions(connection, key, moment)
        message = f"disabled {key}; ended {ended} open session(s)"
        _account_event(connection, actor=actor, action="users disable", email=key, message=message, now=moment)
    return True


def enable_user(store: Store, email: str, *, actor: str, now: datetime | None = None) -> bool:
    """Enable a disabled account and lift any lockout. False if it was enabled and not locked."""
    key = normalise_email(email)
    moment = _utc(now)
    with _db(store).write() as connection:
        _require(connection, key)
        changed = connection.execute(
            update(ACCOUNTS)
            .where(
                ACCOUNTS.c.email == key,
                or_(ACCOUNTS.c.disabled.is_(True), ACCOUNTS.c.locked_until.is_not(None)),
            )
            .values(disabled=False, failed_attempts=0, locked_until=None, updated_at=moment)
        )
        if not changed.rowcount:
            return False
        _account_event(connection, actor=actor, action="users enable", email=key, message=f"enabled {key}", now=moment)
    return True


def set_password(store: Store, email: str, password: str | None, *, actor: str, now: datetime | None = None) -> None:
    """Set (or, with None, remove) an account's password; lifts any lockout and ends the account's open sessions."""
    key = normalise_email(email)
    if password is not None:
        check_password(password, email=key)
    database = _db(store)
    with database.read() as connection:
        _require(connection, key)
    hashed = hash_password(password) if password is not None else None
    moment = _utc(now)
    with database.write() as connection:
        _require(connection, key)
        connection.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.email == key)
            .values(
                password_hash=hashed,
                failed_attempts=0,
                locked_until=None,
                password_changed_at=moment,
                updated_at=moment,
            )
        )
        ended = _end_sessions(connection, key, moment)
        what = "set a new password for" if password is not None else "removed the password of"
        message = f"{what} {key}; ended {ended} open session(s)"
        _account_event(connection, actor=actor, action="users set-password", email=key, message=message, now=moment)


LIST_COLUMNS = (
    "email",
    "role",
    "partnerships",
    "disabled",
    "has_password",
    "failed_attempts",
    "locked_until",
    "created_at",
    "updated_at",
)


def list_users(store: Store) -> pd.DataFrame:
    """Every account without its password hash: e-mail, role, partnerships, disabled, has_password, failed
    attempts, locked_until, created_at, updated_at."""
    query = select(
        ACCOUNTS.c.email,
        ACCOUNTS.c.role,
        ACCOUNTS.c.partnerships,
        ACCOUNTS.c.disabled,
        ACCOUNTS.c.password_hash.is_not(None).label("has_password"),
        ACCOUNTS.c.failed_attempts,
        ACCOUNTS.c.locked_until,
        ACCOUNTS.c.created_at,
        ACCOUNTS.c.updated_at,
    ).order_by(ACCOUNTS.c.email)
    with _db(store).read() as connection:
        rows = [tuple(row) for row in connection.execute(query)]
    frame = pd.DataFrame(rows, columns=list(LIST_COLUMNS))
    for column in ("email", "role", "partnerships"):
        frame[column] = frame[column].astype("string")
    frame["partnerships"] = frame["partnerships"].fillna("")
    frame["disabled"] = frame["disabled"].astype(bool)
    frame["has_password"] = frame["has_password"].astype(bool)
    frame["failed_attempts"] = frame["failed_attempts"].astype("int64")
    for column in ("locked_until", "created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    return frame


def account_events(store: Store, email: str | None = None, *, limit: int | None = 1000) -> pd.DataFrame:
    """The history of accounts, newest first (at, user, action, outcome, target, message, via): changes made
    through ``users`` commands and sign-ins, of one account or all. Never a password or a hash."""
    return read_events(store, actions=ACCOUNT_ACTIONS, target=normalise_email(email) if email else None, limit=limit)


def identity_for_email(store: Store, email: str | None) -> Identity | None:
    """The role and partnerships of an e-mail (as an identity provider reports it); None when it has no account
    or the account is disabled. Read from the database on every call, so a change applies at once."""
    key = normalise_email(email or "")
    if not key:
        return None
    with _db(store).read() as connection:
        row = _find(connection, key)
    if row is None or bool(row.disabled):
        return None
    return _identity(row)


# ---- sign-in --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    identity: Identity | None
    message: str


def failure_delay(failures: int) -> float:
    """Seconds a failed sign-in waits: 0.25 s, doubling with each failure in a row, at most 4 s."""
    return min(BASE_DELAY_SECONDS * 2 ** max(failures - 1, 0), MAX_DELAY_SECONDS)


def locked_message(until: datetime) -> str:
    shown = _ceil_minute(until)
    return (
        f"Too many failed sign-ins: this account is locked until {shown:%Y-%m-%d %H:%M} UTC. "
        "Try again after that, or ask an admin."
    )


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


DISABLED_MESSAGE = "This account is disabled. Ask an admin if you need access again."


class _Phantoms:
    """Failure counts and lockouts of e-mails without a usable account, kept in memory, so that an unknown e-mail
    is slowed and locked exactly like a real one and the answers do not tell which e-mails have accounts."""

    def __init__(self, size: int = 10_000) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[int, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def failure(self, key: tuple[str, str], now: datetime, settings: AuthSettings) -> tuple[int, datetime | None, bool]:
        """Count one failure of ``key`` (none while it is locked); returns the count, the lock and whether the
        attempt came while locked. Atomic, like the database's counting of real accounts."""
        with self._lock:
            failures, locked_until = self._entries.get(key, (0, None))
            if locked_until is not None and locked_until > now:
                return failures, locked_until, True
            failures, locked_until = _next_failure(failures, locked_until, now, settings)
            self._entries[key] = (failures, locked_until)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return failures, locked_until, False


_PHANTOMS = _Phantoms()


def _next_failure(
    failures: int, locked_until: datetime | None, now: datetime, settings: AuthSettings
) -> tuple[int, datetime | None]:
    """Failure count and lock after one more failure (an expired lock starts the count again)."""
    if locked_until is not None and locked_until <= now:
        failures = 0
    failures += 1
    if failures >= settings.max_failed:
        return failures, now + timedelta(minutes=settings.lockout_minutes)
    return failures, None


def _typed_email(key: str) -> str:
    """What an event names for an e-mail typed on the sign-in page: the address, or only that it was none (people
    sometimes type their password into the e-mail field; it must not end up in the events)."""
    return key if _EMAIL.match(key) else "(not an e-mail address)"


def _insert_sign_in_event(connection: Connection, key: str, outcome: str, message: str, now: datetime) -> None:
    email = _typed_email(key)
    insert_event(
        connection,
        user=email,
        action=SIGN_IN_ACTION,
        outcome=outcome,
        target=email,
        message=message,
        via="password",
        now=now,
    )


def _sign_in_event(database: Database, key: str, outcome: str, message: str, now: datetime) -> None:
    with database.write() as connection:
        _insert_sign_in_event(connection, key, outcome, message, now)


def _phantom_sign_in(
    database: Database,
    key: tuple[str, str],
    now: datetime,
    sleep: Callable[[float], None],
    settings: AuthSettings,
) -> SignInResult:
    failures, locked_until, was_locked = _PHANTOMS.failure(key, now, settings)
    email = key[1]
    if was_locked and locked_until is not None:
        _sign_in_event(database, email, "locked", "refused: locked", now)
        sleep(failure_delay(failures))
        return SignInResult(False, None, locked_message(locked_until))
    if locked_until is not None:
        _sign_in_event(database, email, "lockout", f"locked after {failures} failures", now)
    else:
        _sign_in_event(database, email, "failure", f"failure {failures} of {settings.max_failed}", now)
    sleep(failure_delay(failures))
    return SignInResult(False, None, locked_message(locked_until) if locked_until else SIGN_IN_FAILED)


def _not_locked(moment: datetime):  # noqa: ANN202 - a SQLAlchemy condition
    return or_(ACCOUNTS.c.locked_until.is_(None), ACCOUNTS.c.locked_until <= moment)


def sign_in(
    store: Store,
    email: str,
    password: str,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    settings: AuthSettings | None = None,
) -> SignInResult:
    """Check a local account's e-mail and password.

    A failure is slowed (``failure_delay``) and counted; after ``settings.max_failed`` failures in a row the account
    is locked for ``settings.lockout_minutes`` and even the right password is refused until then. A success resets
    the count. Counting, locking and resetting are each one conditional ``UPDATE`` of the account's row, so
    concurrent attempts (and an admin's changes) never undo one another. Unknown e-mails cost the same hash check and
    get the same answers, so nothing tells whether an e-mail has an account. Every attempt is an event.
    """
    settings = settings or AuthSettings.from_env()
    moment = _utc(now)
    key = normalise_email(email)
    password = password or ""
    database = _db(store)
    row = None
    if key:
        with database.read() as connection:
            row = _find(connection, key)
    if row is None or row.password_hash is None:
        verify_password(_dummy_hash(), password)
        return _phantom_sign_in(database, (store.root, key), moment, sleep, settings)

    stored = str(row.password_hash)
    matches = verify_password(stored, password)
    if bool(row.disabled):
        if matches:
            _sign_in_event(database, key, "disabled", "refused: the account is disabled", moment)
            return SignInResult(False, None, DISABLED_MESSAGE)
        return _phantom_sign_in(database, (store.root, key), moment, sleep, settings)

    if row.locked_until is not None and row.locked_until > moment:
        _sign_in_event(database, key, "locked", "refused: locked", moment)
        sleep(failure_delay(int(row.failed_attempts)))
        return SignInResult(False, None, locked_message(row.locked_until))

    if matches:
        return _succeed(database, row, password, moment, sleep, settings)
    return _fail(database, store, key, moment, sleep, settings)


def _succeed(
    database: Database,
    row: Row,
    password: str,
    moment: datetime,
    sleep: Callable[[float], None],
    settings: AuthSettings,
) -> SignInResult:
    key, stored = str(row.email), str(row.password_hash)
    rehashed = hash_password(password) if _HASHER.check_needs_rehash(stored) else None
    values: dict[str, object] = {"failed_attempts": 0, "locked_until": None}
    if rehashed is not None:
        values["password_hash"] = rehashed
    if rehashed is not None or row.failed_attempts or row.locked_until is not None:
        values["updated_at"] = moment
    with database.write() as connection:
        # Only if nothing changed since the check: still enabled, not locked meanwhile, the same password.
        accepted = connection.execute(
            update(ACCOUNTS)
            .where(
                ACCOUNTS.c.email == key,
                ACCOUNTS.c.disabled.is_(False),
                _not_locked(moment),
                ACCOUNTS.c.password_hash == stored,
            )
            .values(**values)
            .returning(ACCOUNTS.c.email, ACCOUNTS.c.role, ACCOUNTS.c.partnerships)
        ).first()
        current = None if accepted is not None else _find(connection, key)
        if accepted is not None:
            outcome, message = "success", "signed in" + ("; failures reset" if row.failed_attempts else "")
        elif current is not None and current.locked_until is not None and current.locked_until > moment:
            outcome, message = "locked", "refused: locked meanwhile"
        elif current is not None and bool(current.disabled):
            outcome, message = "disabled", "refused: disabled meanwhile"
        else:
            outcome, message = "failure", "refused: the password changed meanwhile"
        _insert_sign_in_event(connection, key, outcome, message, moment)
    if accepted is not None:
        return SignInResult(True, _identity(accepted), f"Signed in as {key}.")
    if outcome == "locked":
        sleep(failure_delay(int(current.failed_attempts)))
        return SignInResult(False, None, locked_message(current.locked_until))
    if outcome == "disabled":
        return SignInResult(False, None, DISABLED_MESSAGE)
    sleep(failure_delay(1))
    return SignInResult(False, None, SIGN_IN_FAILED)


def _fail(
    database: Database,
    store: Store,
    key: str,
    moment: datetime,
    sleep: Callable[[float], None],
    settings: AuthSettings,
) -> SignInResult:
    lock_at = moment + timedelta(minutes=settings.lockout_minutes)
    expired = and_(ACCOUNTS.c.locked_until.is_not(None), ACCOUNTS.c.locked_until <= moment)
    counted = case((expired, 1), else_=ACCOUNTS.c.failed_attempts + 1)
    with database.write() as connection:
        # One statement counts the failure and, at the limit, locks: concurrent failures each add one.
        result = connection.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.email == key, ACCOUNTS.c.disabled.is_(False), _not_locked(moment))
            .values(
                failed_attempts=counted,
                locked_until=case(
                    (counted >= settings.max_failed, literal(lock_at, ACCOUNTS.c.locked_until.type)),
                    else_=null(),
                ),
                updated_at=moment,
            )
            .returning(ACCOUNTS.c.failed_attempts, ACCOUNTS.c.locked_until)
        ).first()
        current = _find(connection, key) if result is None else None
        if result is not None:
            failures, new_lock = int(result.failed_attempts), result.locked_until
            if new_lock is not None:
                outcome = "lockout"
                message = f"locked until {new_lock:%Y-%m-%d %H:%M:%S} UTC after {failures} failures"
            else:
                outcome, message = "failure", f"failure {failures} of {settings.max_failed}"
            _insert_sign_in_event(connection, key, outcome, message, moment)
    if result is None:  # locked, disabled or removed since it was read
        if current is not None and current.locked_until is not None and current.locked_until > moment:
            _sign_in_event(database, key, "locked", "refused: locked", moment)
            sleep(failure_delay(int(current.failed_attempts)))
            return SignInResult(False, None, locked_message(current.locked_until))
        return _phantom_sign_in(database, (store.root, key), moment, sleep, settings)
    sleep(failure_delay(failures))
    return SignInResult(False, None, locked_message(new_lock) if new_lock else SIGN_IN_FAILED)


__all__ = [
    "ACCOUNT_ACTIONS",
    "MIN_PASSWORD_LENGTH",
    "SIGN_IN_FAILED",
    "SignInResult",
    "UserError",
    "account_events",
    "add_user",
    "check_new_user",
    "check_password",
    "disable_user",
    "enable_user",
    "failure_delay",
    "hash_password",
    "identity_for_email",
    "list_users",
    "password_problem",
    "set_password",
    "set_role",
    "sign_in",
    "verify_password",
]
