"""Accounts over the users table (``auth/users``): Argon2 password hashes, roles, sign-in with slow-down and
lockout, session expiry. No streamlit: the sign-in page and the ``users`` command call these functions.

Without an identity provider, people sign in with a local account (e-mail and password). With one (``st.login``),
the provider says who someone is and this table says what they may do: an e-mail not in the table, or disabled,
gets the public view.

Passwords are never stored, logged or audited: the table holds Argon2id hashes, and the audit rows name the action,
the account and the role, never a hash.
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

from dashboard.access.roles import STAFF_ROLES, Identity
from dashboard.settings import AuthSettings, session_minutes
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, USERS_COLUMNS, USERS_TABLE

MIN_PASSWORD_LENGTH = 12
PARTNERSHIP_SEPARATOR = ";"
BASE_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0
SIGN_IN_ACTOR = "sign-in"
"""The audit's user for changes that sign-in attempts make (failure counts, lockouts)."""

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


# ---- the table ------------------------------------------------------------------------------------------------


def _coerce(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[list(USERS_COLUMNS)].copy()
    for column in ("email", "role", "partnerships", "password_hash"):
        frame[column] = frame[column].astype("string")
    frame["partnerships"] = frame["partnerships"].fillna("")
    frame["disabled"] = frame["disabled"].astype(bool)
    frame["failed_attempts"] = frame["failed_attempts"].fillna(0).astype("int64")
    for column in ("locked_until", "created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    return frame.reset_index(drop=True)


def _users(store: Store) -> pd.DataFrame:
    """The users table (hashes included), created first when the store predates it."""
    if not store.exists(USERS_TABLE):
        store.create_tables()
    return _coerce(store.read_users())


def _find(frame: pd.DataFrame, email: str) -> int | None:
    matches = frame.index[frame["email"] == email]
    return int(matches[0]) if len(matches) else None


def _require(frame: pd.DataFrame, email: str) -> int:
    index = _find(frame, email)
    if index is None:
        raise UserError(f"no account for {email}; create it with `python -m dashboard users add {email} --role ROLE`.")
    return index


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _enabled_admins(frame: pd.DataFrame) -> set[str]:
    return set(frame.loc[(frame["role"] == "admin") & ~frame["disabled"], "email"])


def _keep_an_admin(frame: pd.DataFrame, email: str) -> None:
    if _enabled_admins(frame) == {email}:
        raise UserError(f"{email} is the only enabled admin; make another account admin first.")


def _write(store: Store, frame: pd.DataFrame, *, actor: str, action: str, message: str) -> int:
    return store.replace_users(_coerce(frame), user=actor, action=action, message=message)


def _describe(role: str, ids: list[str]) -> str:
    return f"{role} of {', '.join(ids)}" if ids else role


def check_new_user(store: Store, email: str, role: str, partnerships: Iterable[str] | str | None = ()) -> str:
    """Check an account before it is added (so the command can stop before asking for a password); returns the
    normalised e-mail. UserError names what is wrong."""
    key = check_email(email)
    _check_role(role)
    _check_partnerships(store, role, partnerships)
    if _find(_users(store), key) is not None:
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
    frame = _users(store)
    if _find(frame, key) is not None:
        raise UserError(f"{key} already has an account; change it with `python -m dashboard users set-role`.")
    moment = _utc(now)
    row = {
        "email": key,
        "role": role,
        "partnerships": PARTNERSHIP_SEPARATOR.join(ids),
        "password_hash": hash_password(password) if password is not None else None,
        "disabled": False,
        "failed_attempts": 0,
        "locked_until": pd.NaT,
        "created_at": moment,
        "updated_at": moment,
    }
    frame = pd.concat([frame, _coerce(pd.DataFrame([row]))], ignore_index=True)
    how = "with a password" if password is not None else "without a password (identity provider)"
    _write(store, frame, actor=actor, action="users add", message=f"added {key} as {_describe(role, ids)} {how}")
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
    """Change an account's role and, for officers, its partnerships (None keeps an officer's current ones)."""
    key = normalise_email(email)
    _check_role(role)
    frame = _users(store)
    index = _require(frame, key)
    if partnerships is None and role == "officer" and frame.at[index, "role"] == "officer":
        partnerships = split_partnerships(frame.at[index, "partnerships"])
    ids = _check_partnerships(store, role, partnerships)
    if role != "admin":
        _keep_an_admin(frame, key)
    frame.loc[index, ["role", "partnerships"]] = [role, PARTNERSHIP_SEPARATOR.join(ids)]
    frame.loc[index, "updated_at"] = _utc(now)
    _write(store, frame, actor=actor, action="users set-role", message=f"{key} is now {_describe(role, ids)}")
    return Identity(key, role, frozenset(ids))


def disable_user(store: Store, email: str, *, actor: str, now: datetime | None = None) -> bool:
    """Disable an account (it can no longer sign in, by password or identity provider). False if it already was."""
    key = normalise_email(email)
    frame = _users(store)
    index = _require(frame, key)
    if bool(frame.at[index, "disabled"]):
        return False
    _keep_an_admin(frame, key)
    frame.loc[index, "disabled"] = True
    frame.loc[index, "updated_at"] = _utc(now)
    _write(store, frame, actor=actor, action="users disable", message=f"disabled {key}")
    return True


def enable_user(store: Store, email: str, *, actor: str, now: datetime | None = None) -> bool:
    """Enable a disabled account and lift any lockout. False if it was enabled and not locked."""
    key = normalise_email(email)
    frame = _users(store)
    index = _require(frame, key)
    if not bool(frame.at[index, "disabled"]) and pd.isna(frame.at[index, "locked_until"]):
        return False
    frame.loc[index, "disabled"] = False
    frame.loc[index, "failed_attempts"] = 0
    frame.loc[index, "locked_until"] = pd.NaT
    frame.loc[index, "updated_at"] = _utc(now)
    _write(store, frame, actor=actor, action="users enable", message=f"enabled {key}")
    return True


def set_password(store: Store, email: str, password: str | None, *, actor: str, now: datetime | None = None) -> None:
    """Set (or, with None, remove) an account's password; lifts any lockout."""
    key = normalise_email(email)
    if password is not None:
        check_password(password, email=key)
    frame = _users(store)
    index = _require(frame, key)
    frame.loc[index, "password_hash"] = hash_password(password) if password is not None else None
    frame.loc[index, "failed_attempts"] = 0
    frame.loc[index, "locked_until"] = pd.NaT
    frame.loc[index, "updated_at"] = _utc(now)
    what = "set a new password for" if password is not None else "removed the password of"
    _write(store, frame, actor=actor, action="users set-password", message=f"{what} {key}")


def list_users(store: Store) -> pd.DataFrame:
    """Every account without its password hash: e-mail, role, partnerships, disabled, has_password, failed
    attempts, locked_until, created_at, updated_at."""
    frame = _users(store)
    listed = frame.assign(has_password=frame["password_hash"].notna()).drop(columns=["password_hash"])
    columns = ["email", "role", "partnerships", "disabled", "has_password", "failed_attempts", "locked_until"]
    return listed[[*columns, "created_at", "updated_at"]].sort_values("email", ignore_index=True)


def _identity(row: pd.Series) -> Identity:
    return Identity(str(row["email"]), str(row["role"]), frozenset(split_partnerships(row["partnerships"])))


def identity_for_email(store: Store, email: str | None) -> Identity | None:
    """The role and partnerships of an e-mail (as an identity provider reports it); None when it has no account
    or the account is disabled."""
    key = normalise_email(email or "")
    if not key:
        return None
    frame = _users(store)
    index = _find(frame, key)
    if index is None or bool(frame.at[index, "disabled"]):
        return None
    return _identity(frame.loc[index])


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


class _Phantoms:
    """Failure counts and lockouts of e-mails without a usable account, kept in memory, so that an unknown e-mail
    is slowed and locked exactly like a real one and the answers do not tell which e-mails have accounts."""

    def __init__(self, size: int = 10_000) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[int, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[str, str]) -> tuple[int, datetime | None]:
        with self._lock:
            return self._entries.get(key, (0, None))

    def set(self, key: tuple[str, str], failures: int, locked_until: datetime | None) -> None:
        with self._lock:
            self._entries[key] = (failures, locked_until)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


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


def _phantom_sign_in(
    key: tuple[str, str], now: datetime, sleep: Callable[[float], None], settings: AuthSettings
) -> SignInResult:
    failures, locked_until = _PHANTOMS.get(key)
    if locked_until is not None and locked_until > now:
        sleep(failure_delay(failures))
        return SignInResult(False, None, locked_message(locked_until))
    failures, locked_until = _next_failure(failures, locked_until, now, settings)
    _PHANTOMS.set(key, failures, locked_until)
    sleep(failure_delay(failures))
    return SignInResult(False, None, locked_message(locked_until) if locked_until else SIGN_IN_FAILED)


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
    the count. Unknown e-mails cost the same hash check and get the same answers, so nothing tells whether an
    e-mail has an account.
    """
    settings = settings or AuthSettings.from_env()
    moment = _utc(now)
    key = normalise_email(email)
    password = password or ""
    frame = _users(store)
    index = _find(frame, key) if key else None
    stored = frame.at[index, "password_hash"] if index is not None else None
    if index is None or pd.isna(stored):
        verify_password(_dummy_hash(), password)
        return _phantom_sign_in((store.root, key), moment, sleep, settings)

    matches = verify_password(str(stored), password)
    if bool(frame.at[index, "disabled"]):
        if matches:
            return SignInResult(False, None, "This account is disabled. Ask an admin if you need access again.")
        return _phantom_sign_in((store.root, key), moment, sleep, settings)

    failures = int(frame.at[index, "failed_attempts"])
    raw_lock = frame.at[index, "locked_until"]
    locked_until = None if pd.isna(raw_lock) else pd.Timestamp(raw_lock).to_pydatetime()
    if locked_until is not None and locked_until > moment:
        sleep(failure_delay(failures))
        return SignInResult(False, None, locked_message(locked_until))

    if matches:
        rehash = _HASHER.check_needs_rehash(str(stored))
        if failures or locked_until is not None or rehash:
            frame.loc[index, "failed_attempts"] = 0
            frame.loc[index, "locked_until"] = pd.NaT
            if rehash:
                frame.loc[index, "password_hash"] = hash_password(password)
            frame.loc[index, "updated_at"] = moment
            _write(store, frame, actor=SIGN_IN_ACTOR, action="sign-in", message=f"{key} signed in; failures reset")
        return SignInResult(True, _identity(frame.loc[index]), f"Signed in as {key}.")

    failures, new_lock = _next_failure(failures, locked_until, moment, settings)
    frame.loc[index, "failed_attempts"] = failures
    frame.loc[index, "locked_until"] = new_lock if new_lock is not None else pd.NaT
    frame.loc[index, "updated_at"] = moment
    if new_lock is not None:
        action, message = (
            "sign-in lockout",
            f"{key} locked until {new_lock:%Y-%m-%d %H:%M:%S} UTC after {failures} failures",
        )
    else:
        action, message = "sign-in failure", f"failed sign-in {failures} of {settings.max_failed} for {key}"
    _write(store, frame, actor=SIGN_IN_ACTOR, action=action, message=message)
    sleep(failure_delay(failures))
    return SignInResult(False, None, locked_message(new_lock) if new_lock else SIGN_IN_FAILED)


# ---- sessions -------------------------------------------------------------------------------------------------


def session_expired(last_active: datetime | None, now: datetime, minutes: float) -> bool:
    """True when a session idle since ``last_active`` has been idle longer than ``minutes`` at ``now``."""
    if last_active is None:
        return True
    return _utc(now) - _utc(last_active) > timedelta(minutes=minutes)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a signed-in session may stay idle (``IMPACT_SESSION_MINUTES``)."""

    minutes: float = 30.0

    @classmethod
    def from_env(cls) -> SessionPolicy:
        return cls(session_minutes())

    def expired(self, last_active: datetime | None, now: datetime) -> bool:
        return session_expired(last_active, now, self.minutes)

    def remaining(self, last_active: datetime, now: datetime) -> timedelta:
        """Time left before the session ends (zero once it has)."""
        left = _utc(last_active) + timedelta(minutes=self.minutes) - _utc(now)
        return max(left, timedelta(0))


__all__ = [
    "MIN_PASSWORD_LENGTH",
    "SIGN_IN_FAILED",
    "SessionPolicy",
    "SignInResult",
    "UserError",
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
    "session_expired",
    "set_password",
    "set_role",
    "sign_in",
    "verify_password",
]
