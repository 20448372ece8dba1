"""Accounts, sign-in attempts and sessions in the accounts database, on SQLite and PostgreSQL (real databases, no
mocks): parallel sign-ins count every failure and lock, an admin's change made meanwhile survives, sessions follow
their account at once, expire, hand over once; the copy of an old Delta ``auth/users`` table; the schema."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from dashboard.access import accounts
from dashboard.access.accounts import (
    SIGN_IN_FAILED,
    SignInResult,
    account_events,
    add_user,
    disable_user,
    enable_user,
    hash_password,
    identity_for_email,
    list_users,
    set_password,
    set_role,
    sign_in,
)
from dashboard.access.roles import Identity
from dashboard.access.sessions import (
    SESSION_COOKIE,
    end_session,
    end_sessions,
    identity_for_provider,
    issue_handoff,
    redeem_handoff,
    resolve_session,
    start_session,
)
from dashboard.settings import AuthSettings
from dashboard.storage.account_tables import ACCOUNTS, METADATA, SESSIONS
from dashboard.storage.database import database_for, forget_databases, record_event
from dashboard.storage.store import Store
from dashboard.storage.tables import USERS_SCHEMA
from tests.databases import database_url, fast_hashing  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SETTINGS = AuthSettings(max_failed=5, lockout_minutes=15, session_minutes=30)
BEFORE = NOW - timedelta(days=1)
"""When the accounts of the tests were made (and their passwords set): before their sessions start."""


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture
def store(partnerships_only_store: Store, database_url: str, fast_hashing: None) -> Store:  # noqa: F811
    add_user(partnerships_only_store, "boss@example.org", "admin", None, PASSWORD, actor="setup", now=BEFORE)
    add_user(partnerships_only_store, "ana@example.org", "officer", ["att-imago"], PASSWORD, actor="setup", now=BEFORE)
    return partnerships_only_store


def in_parallel(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at once, each in its own thread (so each on its own database connection); an exception in any
    of them is raised here."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result() for future in futures]


def account(store: Store, email: str) -> pd.Series:
    return list_users(store).set_index("email").loc[email]


# ---- concurrency ------------------------------------------------------------------------------------------------


def test_parallel_wrong_guesses_lock_the_account_and_then_the_right_password_is_refused(store: Store) -> None:
    guesses = [
        lambda n=n: sign_in(store, "ana@example.org", f"wrong guess {n}", now=NOW, sleep=no_sleep, settings=SETTINGS)
        for n in range(24)
    ]
    results = in_parallel(guesses)
    assert all(isinstance(r, SignInResult) and not r.ok for r in results)
    assert sum(r.message == SIGN_IN_FAILED for r in results) == 4  # the 5th failure locks; the rest find it locked
    assert sum("locked until 2026-11-27 09:15 UTC" in r.message for r in results) == 20
    row = account(store, "ana@example.org")
    assert row["failed_attempts"] == 5 and row["locked_until"] == pd.Timestamp("2026-11-27 09:15", tz="UTC")
    right = sign_in(store, "ana@example.org", PASSWORD, now=NOW + timedelta(minutes=1), sleep=no_sleep)
    assert not right.ok and right.identity is None and "locked" in right.message
    outcomes = account_events(store).query("action == 'sign-in'")["outcome"].value_counts().to_dict()
    assert outcomes == {"failure": 4, "lockout": 1, "locked": 20}


@pytest.mark.parametrize("trial", range(5))
def test_an_admin_disable_made_during_failed_sign_ins_survives(store: Store, trial: int) -> None:
    lenient = AuthSettings(max_failed=1000, lockout_minutes=15)
    guesses: list[Callable[[], object]] = [
        lambda n=n: sign_in(store, "ana@example.org", f"wrong {n}", now=NOW, sleep=no_sleep, settings=lenient)
        for n in range(20)
    ]
    guesses.insert(trial * 4, lambda: disable_user(store, "ana@example.org", actor="boss@example.org"))
    results = in_parallel(guesses)
    assert results[trial * 4] is True
    row = account(store, "ana@example.org")
    assert bool(row["disabled"]) and identity_for_email(store, "ana@example.org") is None
    assert row["failed_attempts"] <= 20  # failures after the disable are not counted on the account
    right = sign_in(store, "ana@example.org", PASSWORD, now=NOW, sleep=no_sleep, settings=lenient)
    assert not right.ok and "disabled" in right.message


def test_no_exception_escapes_parallel_sign_ins_of_every_kind(store: Store) -> None:
    calls: list[Callable[[], object]] = []
    for n in range(8):
        calls.append(lambda: sign_in(store, "boss@example.org", PASSWORD, now=NOW, sleep=no_sleep, settings=SETTINGS))
        calls.append(lambda n=n: sign_in(store, "ana@example.org", f"bad {n}", now=NOW, sleep=no_sleep))
        calls.append(lambda n=n: sign_in(store, f"ghost{n}@example.org", "whatever it is", now=NOW, sleep=no_sleep))
    calls.append(lambda: set_role(store, "ana@example.org", "viewer", actor="boss@example.org"))
    results = in_parallel(calls)
    assert sum(isinstance(r, SignInResult) and r.ok for r in results) == 8
    assert account(store, "ana@example.org")["role"] == "viewer"


def test_the_last_admin_cannot_be_removed_by_two_changes_at_once(store: Store) -> None:
    add_user(store, "second@example.org", "admin", None, PASSWORD, actor="boss@example.org")

    def attempt(call: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            try:
                return call()
            except accounts.UserError as error:
                return error

        return run

    results = in_parallel(
        [
            attempt(lambda: disable_user(store, "boss@example.org", actor="second@example.org")),
            attempt(lambda: set_role(store, "second@example.org", "viewer", actor="boss@example.org")),
        ]
    )
    assert sum(isinstance(r, accounts.UserError) for r in results) == 1
    admins = list_users(store).query("role == 'admin' and not disabled")
    assert len(admins) == 1


# ---- timing does not tell which e-mails have accounts ----------------------------------------------------------


def test_known_and_unknown_emails_cost_the_same_argon2_verifications(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "off@example.org", "viewer", None, PASSWORD, actor="b")
    disable_user(store, "off@example.org", actor="b")
    add_user(store, "idp@example.org", "viewer", None, None, actor="b")
    verified: list[str] = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: verified.append(h) or real(h, p))
    counts = {}
    for email, password in [
        ("ana@example.org", "wrong password here"),
        ("ana@example.org", PASSWORD),
        ("ghost@example.org", "wrong password here"),
        ("off@example.org", "wrong password here"),
        ("idp@example.org", "wrong password here"),
        ("", "wrong password here"),
    ]:
        before = len(verified)
        sign_in(store, email, password, now=NOW, sleep=no_sleep, settings=SETTINGS)
        counts[(email, password)] = len(verified) - before
    assert set(counts.values()) == {1}, counts
    assert all(h.startswith("$argon2id$") for h in verified)


# ---- sessions ---------------------------------------------------------------------------------------------------


def test_a_session_resolves_to_the_current_identity_until_it_ends(store: Store) -> None:
    assert SESSION_COOKIE == "impact_session"
    token = start_session(store, "Ana@Example.org", now=NOW)
    assert isinstance(token, str) and len(token) >= 40
    officer = Identity("ana@example.org", "officer", frozenset({"att-imago"}))
    assert resolve_session(store, token, now=NOW + timedelta(minutes=1)) == officer
    with database_for(store).read() as connection:
        stored = connection.execute(select(SESSIONS.c.token_hash, SESSIONS.c.via)).all()
    assert token not in str(stored) and stored[0].via == "password"
    assert resolve_session(store, None) is None and resolve_session(store, "not-a-token") is None
    end_session(store, token)
    assert resolve_session(store, token, now=NOW + timedelta(minutes=2)) is None
    end_session(store, token)  # twice is fine
    end_session(store, None)


def test_a_disabled_account_s_session_resolves_to_none(store: Store) -> None:
    token = start_session(store, "ana@example.org", now=NOW)
    assert resolve_session(store, token, now=NOW) is not None
    disable_user(store, "ana@example.org", actor="boss@example.org")
    assert resolve_session(store, token, now=NOW) is None
    enable_user(store, "ana@example.org", actor="boss@example.org")
    assert resolve_session(store, token, now=NOW) is None  # disabling ended it for good
    assert identity_for_provider(store, "ana@example.org") is not None
    with pytest.raises(accounts.UserError):
        start_session(store, "ghost@example.org", now=NOW)


def test_a_demotion_shows_in_the_next_resolve(store: Store) -> None:
    add_user(store, "second@example.org", "admin", None, PASSWORD, actor="b", now=BEFORE)
    token = start_session(store, "second@example.org", now=NOW)
    assert resolve_session(store, token, now=NOW).role == "admin"
    set_role(store, "second@example.org", "viewer", actor="boss@example.org")
    assert resolve_session(store, token, now=NOW) == Identity("second@example.org", "viewer", frozenset())
    officer = start_session(store, "ana@example.org", now=NOW)
    set_role(store, "ana@example.org", "officer", ["solar-skills-kenya"], actor="boss@example.org")
    assert resolve_session(store, officer, now=NOW).partnerships == {"solar-skills-kenya"}
    assert identity_for_provider(store, "second@example.org").role == "viewer"


def test_a_new_password_ends_the_account_s_sessions(store: Store) -> None:
    first = start_session(store, "ana@example.org", now=NOW)
    second = start_session(store, "ana@example.org", now=NOW, via="provider")
    other = start_session(store, "boss@example.org", now=NOW)
    set_password(store, "ana@example.org", "mauve lantern 42 river", actor="boss@example.org")
    assert resolve_session(store, first, now=NOW) is None and resolve_session(store, second, now=NOW) is None
    assert resolve_session(store, other, now=NOW) is not None
    fresh = start_session(store, "ana@example.org")
    assert resolve_session(store, fresh) is not None
    assert end_sessions(store, "ana@example.org") == 1 and resolve_session(store, fresh) is None


def test_sessions_expire_when_idle_and_at_their_end(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_SESSION_MINUTES", "30")
    idle = start_session(store, "ana@example.org", now=NOW)
    assert resolve_session(store, idle, now=NOW + timedelta(minutes=30)) is not None  # also records the request
    assert resolve_session(store, idle, now=NOW + timedelta(minutes=59)) is not None
    assert resolve_session(store, idle, now=NOW + timedelta(minutes=89, seconds=1)) is None

    monkeypatch.setenv("IMPACT_SESSION_MAX_HOURS", "1")
    busy = start_session(store, "ana@example.org", now=NOW)
    for minutes in (20, 40, 59):
        assert resolve_session(store, busy, now=NOW + timedelta(minutes=minutes)) is not None
    assert resolve_session(store, busy, now=NOW + timedelta(minutes=60)) is None


def test_last_seen_is_written_at_most_every_30_seconds(store: Store) -> None:
    token = start_session(store, "ana@example.org", now=NOW)

    def last_seen() -> datetime:
        with database_for(store).read() as connection:
            return connection.scalar(select(SESSIONS.c.last_seen_at))

    resolve_session(store, token, now=NOW + timedelta(seconds=10))
    assert last_seen() == NOW
    resolve_session(store, token, now=NOW + timedelta(seconds=40))
    assert last_seen() == NOW + timedelta(seconds=40)


def test_a_handoff_code_works_once(store: Store) -> None:
    source = start_session(store, "ana@example.org", now=NOW)
    code = issue_handoff(store, source, now=NOW)
    assert code != source
    results = in_parallel([lambda: redeem_handoff(store, code, now=NOW + timedelta(seconds=5))] * 4)
    tokens = [r for r in results if r is not None]
    assert len(tokens) == 1
    assert resolve_session(store, tokens[0], now=NOW + timedelta(seconds=6)).email == "ana@example.org"
    assert resolve_session(store, source, now=NOW + timedelta(seconds=6)) is None
    assert redeem_handoff(store, code, now=NOW + timedelta(seconds=7)) is None

    late = issue_handoff(store, tokens[0], now=NOW + timedelta(seconds=10))
    assert redeem_handoff(store, late, now=NOW + timedelta(seconds=71)) is None
    refused = issue_handoff(store, tokens[0], now=NOW + timedelta(seconds=20))
    disable_user(store, "ana@example.org", actor="boss@example.org")
    assert redeem_handoff(store, refused, now=NOW + timedelta(seconds=25)) is None
    assert redeem_handoff(store, "made-up", now=NOW) is None
    with pytest.raises(accounts.UserError):
        issue_handoff(store, source, now=NOW)


# ---- events --------------------------------------------------------------------------------------------------------


def test_account_changes_and_sign_ins_are_events_without_secrets(store: Store) -> None:
    sign_in(store, "ana@example.org", PASSWORD, now=NOW, sleep=no_sleep, settings=SETTINGS)
    sign_in(store, "ana@example.org", "a wrong password", now=NOW, sleep=no_sleep, settings=SETTINGS)
    set_password(store, "ana@example.org", "mauve lantern 42 river", actor="boss@example.org")
    record_event(store, user="ana@example.org", action="upload rejected", outcome="rejected", message="2 errors")
    events = account_events(store, "ana@example.org")
    assert list(events["action"])[:3] == ["users set-password", "sign-in", "sign-in"]
    assert list(events["outcome"])[1:3] == ["failure", "success"]
    assert "upload rejected" not in set(events["action"])
    text = events.to_string()
    assert "argon2" not in text and PASSWORD not in text and "a wrong password" not in text
    sign_in(store, "ghost@example.org", "a wrong password", now=NOW, sleep=no_sleep, settings=SETTINGS)
    sign_in(store, "my secret pass phrase", "", now=NOW, sleep=no_sleep, settings=SETTINGS)  # typed in the wrong field
    strangers = account_events(store).head(2)
    assert list(strangers["target"]) == ["(not an e-mail address)", "ghost@example.org"]
    assert "my secret pass phrase" not in account_events(store).to_string()


# ---- the schema and the copy of the Delta table ------------------------------------------------------------------


def test_the_migrated_schema_is_the_one_in_the_code(store: Store) -> None:
    with database_for(store).read() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
    assert differences == []


def _old_users_table(store: Store, lock: datetime) -> None:
    """Accounts as the Delta table auth/users of earlier versions held them (written the way they wrote it)."""
    frame = pd.DataFrame(
        [
            {
                "email": "boss@example.org",
                "role": "admin",
                "partnerships": "",
                "password_hash": hash_password(PASSWORD),
                "disabled": False,
                "failed_attempts": 2,
                "locked_until": pd.NaT,
                "created_at": NOW,
                "updated_at": NOW,
            },
            {
                "email": "ana@example.org",
                "role": "officer",
                "partnerships": "att-imago;urban-parks-commons",
                "password_hash": hash_password("quiet orchard 17 falcon"),
                "disabled": False,
                "failed_attempts": 5,
                "locked_until": lock,
                "created_at": NOW,
                "updated_at": NOW,
            },
            {
                "email": "gone@example.org",
                "role": "viewer",
                "partnerships": "",
                "password_hash": None,
                "disabled": True,
                "failed_attempts": 0,
                "locked_until": pd.NaT,
                "created_at": NOW,
                "updated_at": NOW,
            },
        ],
        columns=USERS_SCHEMA.names,
    )
    store.create_tables()
    store.replace_users(frame, user="old code", action="users add")


def test_accounts_of_an_old_delta_users_table_are_copied_once(
    partnerships_only_store: Store,
    database_url: str,  # noqa: F811
    fast_hashing: None,  # noqa: F811
) -> None:
    store = partnerships_only_store
    lock = datetime.now(UTC) + timedelta(hours=1)
    _old_users_table(store, lock)
    old_hashes = dict(zip(store.read_users()["email"], store.read_users()["password_hash"], strict=True))

    listed = list_users(store).set_index("email")  # the first use copies them
    assert list(listed.index) == ["ana@example.org", "boss@example.org", "gone@example.org"]
    assert listed.loc["ana@example.org", "partnerships"] == "att-imago;urban-parks-commons"
    assert listed.loc["ana@example.org", "locked_until"] == pd.Timestamp(lock).floor("us")
    assert listed.loc["boss@example.org", "failed_attempts"] == 2 and bool(listed.loc["gone@example.org", "disabled"])
    with database_for(store).read() as connection:
        hashes = dict(connection.execute(select(ACCOUNTS.c.email, ACCOUNTS.c.password_hash)).all())
    assert hashes == {k: (None if pd.isna(v) else v) for k, v in old_hashes.items()}

    assert sign_in(store, "boss@example.org", PASSWORD, sleep=no_sleep).ok
    assert "locked" in sign_in(store, "ana@example.org", "quiet orchard 17 falcon", sleep=no_sleep).message
    assert identity_for_email(store, "gone@example.org") is None

    forget_databases()  # as a new process would: the copy is not made again
    disable_user(store, "ana@example.org", actor="boss@example.org")
    assert len(list_users(store)) == 3
    assert len(account_events(store).query("action == 'accounts import'")) == 1
    assert store.read_users()["email"].tolist() == ["ana@example.org", "boss@example.org", "gone@example.org"]
    assert not bool(store.read_users().set_index("email").loc["ana@example.org", "disabled"])  # not written


def test_db_upgrade_prints_the_revision_and_two_at_once_are_fine(
    partnerships_only_store: Store,
    database_url: str,  # noqa: F811
) -> None:
    command = [sys.executable, "-m", "dashboard", "db", "upgrade", "--store", partnerships_only_store.root]
    started = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    for process in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "revision 0001_accounts" in out
        assert "impact-test" not in out  # the password is never printed
