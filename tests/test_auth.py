"""Roles and permissions, password hashing and policy, accounts in the accounts database (a real SQLite file beside
the store), sign-in with slow-down and lockout, and session expiry. Concurrency, sessions and PostgreSQL:
test_accounts_database.py."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from dashboard.access import accounts as users
from dashboard.access.accounts import (
    SIGN_IN_FAILED,
    UserError,
    account_events,
    add_user,
    disable_user,
    enable_user,
    failure_delay,
    hash_password,
    identity_for_email,
    list_users,
    password_problem,
    set_password,
    set_role,
    sign_in,
    verify_password,
)
from dashboard.access.pages import PAGES, access_denied_message, pages_for
from dashboard.access.roles import (
    ANONYMOUS,
    ROLES,
    Identity,
    can_manage_reference,
    can_manage_users,
    can_publish,
    can_restore,
    can_upload,
    can_view_staff_pages,
    upload_scope,
)
from dashboard.intake.seed import ensure_store
from dashboard.settings import AuthSettings
from dashboard.storage.account_tables import ACCOUNTS, EVENTS
from dashboard.storage.database import LOCAL_DATABASE_FILE, database_for
from dashboard.storage.store import Store
from dashboard.storage.tables import USERS_COLUMNS, USERS_TABLE

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SETTINGS = AuthSettings(max_failed=5, lockout_minutes=15, session_minutes=30)
STAFF_PAGES = ["overview", "partnership", "compare", "indicator", "goals"]

VIEWER = Identity("vi@example.org", "viewer", frozenset())
OFFICER = Identity("of@example.org", "officer", frozenset({"att-imago"}))
ADMIN = Identity("ad@example.org", "admin", frozenset())


class Sleeps(list):
    """A fake sleep that records the delays asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper Argon2id parameters, for speed; the hashing test itself uses the real ones."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    users._dummy_hash.cache_clear()
    yield
    users._dummy_hash.cache_clear()


@pytest.fixture
def store(partnerships_only_store: Store, fast_hashing: None) -> Store:
    add_user(partnerships_only_store, "boss@example.org", "admin", None, PASSWORD, actor="setup")
    return partnerships_only_store


def _every_cell(frame: pd.DataFrame) -> str:
    return "\n".join(str(value) for value in frame.to_numpy(dtype=object).ravel())


def _table(store: Store, table) -> pd.DataFrame:  # noqa: ANN001 - a SQLAlchemy table
    """A table of the accounts database as it is stored, hashes included."""
    with database_for(store).read() as connection:
        return pd.DataFrame(connection.execute(table.select()).mappings().all())


def _hash_of(store: Store, email: str) -> str | None:
    with database_for(store).read() as connection:
        return connection.scalar(select(ACCOUNTS.c.password_hash).where(ACCOUNTS.c.email == email))


def _state(store: Store) -> tuple[list[dict], int]:
    """The accounts and how many events there are: unchanged when a change is refused."""
    return list_users(store).to_dict("records"), len(account_events(store, limit=None))


# ---- roles and pages ------------------------------------------------------------------------------------------


def test_pages_for_each_role() -> None:
    public = ["public", "portal", "methodology", "embed"]
    assert pages_for(ANONYMOUS) == [*public, "sign_in"]
    assert pages_for(VIEWER) == [*public, *STAFF_PAGES]
    assert pages_for(OFFICER) == [*public, *STAFF_PAGES, "home", "upload", "reporting_status"]
    assert pages_for(ADMIN) == [*public, *STAFF_PAGES, "home", "upload", "reporting_status", "review", "reference"]
    assert set(PAGES) == {*public, *STAFF_PAGES, "home", "upload", "reporting_status", "review", "reference", "sign_in"}
    assert all(set(page.roles) <= set(ROLES) for page in PAGES.values())


def test_uploads_only_for_assigned_partnerships() -> None:
    assert can_upload(OFFICER, "att-imago")
    assert not can_upload(OFFICER, "urban-parks-commons")
    assert not can_upload(VIEWER, "att-imago") and not can_upload(ANONYMOUS, "att-imago")
    assert can_upload(ADMIN, "att-imago") and can_upload(ADMIN, "anything-at-all")
    assert can_upload(OFFICER) and not can_upload(VIEWER) and can_upload(ADMIN)
    assert not can_upload(Identity("x@example.org", "officer", frozenset()))
    assert upload_scope(ADMIN) is None and upload_scope(OFFICER) == {"att-imago"} and upload_scope(VIEWER) == set()


@pytest.mark.parametrize(
    ("identity", "staff", "admin"),
    [(ANONYMOUS, False, False), (VIEWER, True, False), (OFFICER, True, False), (ADMIN, True, True)],
)
def test_permission_matrix(identity: Identity, staff: bool, admin: bool) -> None:
    assert can_view_staff_pages(identity) is staff and identity.is_staff is staff
    for check in (can_publish, can_manage_reference, can_manage_users, can_restore):
        assert check(identity) is admin, check.__name__
    assert identity.is_admin is admin


def test_identity_rejects_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        Identity("a@example.org", "superuser", frozenset())


def test_access_denied_messages_say_what_is_needed() -> None:
    assert "Sign in" in access_denied_message("overview", ANONYMOUS)
    viewer_upload = access_denied_message("upload", VIEWER)
    assert "officer" in viewer_upload and "Ask an admin" in viewer_upload
    assert "admin account" in access_denied_message("review", OFFICER)
    assert "already signed in" in access_denied_message("sign_in", ADMIN)


# ---- passwords ------------------------------------------------------------------------------------------------


def test_hashing_is_argon2id_and_verifies() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in first
    assert first != second  # salted
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(
    "weak",
    [
        "short",
        "elevenchars",
        "aaaaaaaaaaaaaaa",
        "abcabcabcabcabc",
        "123456789012",
        "abcdefghijklmn",
        "Password1234!",
        "qwertyuiopasdf",
        "  leading spaces ok?",
    ],
)
def test_weak_passwords_are_refused(weak: str) -> None:
    assert password_problem(weak) is not None


@pytest.mark.parametrize("strong", [PASSWORD, "Tr0ub4dor&3-extended", "mauve lantern 42 river"])
def test_good_passwords_pass(strong: str) -> None:
    assert password_problem(strong) is None


def test_password_must_not_contain_the_email() -> None:
    assert "e-mail" in password_problem("ana.lopez-is-great", email="ana.lopez@example.org")


# ---- accounts -------------------------------------------------------------------------------------------------


def test_create_tables_makes_the_users_table(empty_store: Store) -> None:
    assert empty_store.exists(USERS_TABLE)
    frame = empty_store.read_users()
    assert frame.empty and tuple(frame.columns) == USERS_COLUMNS


def test_a_store_without_the_users_table_keeps_working_and_is_not_seeded_again(
    partnerships_only_store: Store,
) -> None:
    store = partnerships_only_store
    shutil.rmtree(Path(store.root) / USERS_TABLE)  # a store made before the users table existed
    assert not store.exists(USERS_TABLE)
    assert store.is_initialised()
    partnerships_version = store.version("reference/partnerships")
    assert ensure_store(store) is None  # not mistaken for a new store
    assert store.version("reference/partnerships") == partnerships_version
    assert identity_for_email(store, "nobody@example.org") is None
    add_user(store, "ana@example.org", "viewer", None, None, actor="b")
    assert identity_for_email(store, "ana@example.org") == Identity("ana@example.org", "viewer", frozenset())
    assert not store.exists(USERS_TABLE)  # accounts live in the accounts database; the Delta table is not written
    assert (Path(store.root) / LOCAL_DATABASE_FILE).is_file()


def test_add_set_role_disable_round_trip(store: Store) -> None:
    officer = add_user(
        store, "  Ana@Example.ORG ", "officer", ["urban-parks-commons", "att-imago"], PASSWORD, actor="boss"
    )
    assert officer == Identity("ana@example.org", "officer", frozenset({"att-imago", "urban-parks-commons"}))
    row = list_users(store).set_index("email").loc["ana@example.org"]
    assert row["role"] == "officer" and row["partnerships"] == "att-imago;urban-parks-commons"
    assert bool(row["has_password"]) and not bool(row["disabled"]) and row["failed_attempts"] == 0
    assert identity_for_email(store, "ANA@example.org") == officer

    set_role(store, "ana@example.org", "officer", ["solar-skills-kenya"], actor="boss")
    assert identity_for_email(store, "ana@example.org").partnerships == {"solar-skills-kenya"}
    set_role(store, "ana@example.org", "officer", actor="boss")  # keeps the partnerships
    assert identity_for_email(store, "ana@example.org").partnerships == {"solar-skills-kenya"}
    viewer = set_role(store, "ana@example.org", "viewer", actor="boss")
    assert viewer.role == "viewer" and viewer.partnerships == frozenset()
    assert identity_for_email(store, "ana@example.org") == viewer

    assert disable_user(store, "ana@example.org", actor="boss")
    assert not disable_user(store, "ana@example.org", actor="boss")
    assert identity_for_email(store, "ana@example.org") is None
    assert bool(list_users(store).set_index("email").loc["ana@example.org", "disabled"])
    assert enable_user(store, "ana@example.org", actor="boss")
    assert identity_for_email(store, "ana@example.org") == viewer

    mine = account_events(store)
    assert {"users add", "users set-role", "users disable", "users enable"} <= set(mine["action"])
    assert set(mine.loc[mine["action"] != "users add", "user"]) == {"boss"}
    assert set(mine["target"]) == {"boss@example.org", "ana@example.org"}


def test_unknown_partnerships_are_named_and_nothing_is_written(store: Store) -> None:
    before = _state(store)
    with pytest.raises(UserError, match="no-such-partnership") as caught:
        add_user(store, "ana@example.org", "officer", ["att-imago", "no-such-partnership"], PASSWORD, actor="b")
    assert "att-imago," not in str(caught.value).split("Known")[0]
    assert _state(store) == before


@pytest.mark.parametrize(
    ("email", "role", "partnerships", "password", "match"),
    [
        ("ana@example.org", "officer", [], PASSWORD, "at least one partnership"),
        ("ana@example.org", "viewer", ["att-imago"], PASSWORD, "only officers"),
        ("ana@example.org", "superuser", [], PASSWORD, "unknown role"),
        ("not-an-email", "viewer", [], PASSWORD, "e-mail"),
        ("ana@example.org", "viewer", [], "aaaaaaaaaaaaaaaa", "repeats"),
        ("ana@example.org", "viewer", [], "short", "too short"),
        ("BOSS@example.org", "viewer", [], PASSWORD, "already has an account"),
    ],
)
def test_rule_violations_are_refused(
    store: Store, email: str, role: str, partnerships: list[str], password: str, match: str
) -> None:
    before = _state(store)
    with pytest.raises(UserError, match=match):
        add_user(store, email, role, partnerships, password, actor="b")
    assert _state(store) == before


def test_the_only_admin_cannot_be_demoted_or_disabled(store: Store) -> None:
    with pytest.raises(UserError, match="only enabled admin"):
        set_role(store, "boss@example.org", "viewer", actor="b")
    with pytest.raises(UserError, match="only enabled admin"):
        disable_user(store, "boss@example.org", actor="b")
    add_user(store, "second@example.org", "admin", None, PASSWORD, actor="b")
    assert disable_user(store, "boss@example.org", actor="b")


def test_set_role_of_an_unknown_email_is_refused(store: Store) -> None:
    with pytest.raises(UserError, match="no account"):
        set_role(store, "ghost@example.org", "viewer", actor="b")


def test_identity_provider_accounts_have_no_password(store: Store) -> None:
    added = add_user(store, "idp@example.org", "officer", ["att-imago"], None, actor="b")
    assert identity_for_email(store, "IdP@Example.org ") == added
    assert _hash_of(store, "idp@example.org") is None
    assert not bool(list_users(store).set_index("email").loc["idp@example.org", "has_password"])
    assert identity_for_email(store, "stranger@example.org") is None
    assert identity_for_email(store, "") is None and identity_for_email(store, None) is None
    result = sign_in(store, "idp@example.org", "", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    assert not result.ok and result.message == SIGN_IN_FAILED


def test_list_users_has_no_hash_column(store: Store) -> None:
    frame = list_users(store)
    assert "password_hash" not in frame.columns
    assert "argon2" not in _every_cell(frame)


def test_no_password_in_the_database_and_no_hash_outside_its_column(store: Store) -> None:
    add_user(store, "ana@example.org", "officer", ["att-imago"], PASSWORD, actor="b")
    set_password(store, "ana@example.org", "mauve lantern 42 river", actor="b")
    for attempt in range(6):
        sign_in(store, "ana@example.org", f"wrong guess number {attempt}", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    sign_in(store, "boss@example.org", PASSWORD, now=NOW, sleep=Sleeps(), settings=SETTINGS)
    accounts, events = _table(store, ACCOUNTS), _table(store, EVENTS)
    hashes = [h for h in accounts["password_hash"].dropna()]
    assert len(hashes) == 2
    assert "lockout" in set(events.loc[events["action"] == "sign-in", "outcome"])
    for password in (PASSWORD, "mauve lantern 42 river", "wrong guess number 0"):
        assert password not in _every_cell(accounts)
        assert password not in _every_cell(events)
    assert "argon2" not in _every_cell(events)
    assert "argon2" not in _every_cell(accounts.drop(columns=["password_hash"]))
    files = list(Path(store.root).glob(f"{LOCAL_DATABASE_FILE}*")) + list(Path(store.root).rglob("_delta_log/*.json"))
    assert any(path.name == LOCAL_DATABASE_FILE for path in files)
    for path in files:
        data = path.read_bytes()
        for password in (PASSWORD, "mauve lantern 42 river", "wrong guess"):
            assert password.encode() not in data, path


# ---- sign-in --------------------------------------------------------------------------------------------------


def test_sign_in_success_resets_the_failures(store: Store) -> None:
    sleeps = Sleeps()
    for _ in range(3):
        assert not sign_in(
            store, "boss@example.org", "wrong password here", now=NOW, sleep=sleeps, settings=SETTINGS
        ).ok
    assert list_users(store).set_index("email").loc["boss@example.org", "failed_attempts"] == 3
    result = sign_in(store, " Boss@Example.org", PASSWORD, now=NOW, sleep=sleeps, settings=SETTINGS)
    assert result.ok and result.identity == Identity("boss@example.org", "admin", frozenset())
    row = list_users(store).set_index("email").loc["boss@example.org"]
    assert row["failed_attempts"] == 0 and pd.isna(row["locked_until"])
    assert len(sleeps) == 3  # a success is not slowed
    before = list_users(store).to_dict("records")
    assert sign_in(store, "boss@example.org", PASSWORD, now=NOW, sleep=sleeps, settings=SETTINGS).ok
    assert list_users(store).to_dict("records") == before  # nothing to reset, the account unchanged


def test_failures_are_slowed_more_and_more_up_to_a_cap(store: Store) -> None:
    sleeps = Sleeps()
    lenient = AuthSettings(max_failed=10, lockout_minutes=15)
    for _ in range(7):
        sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=sleeps, settings=lenient)
    assert sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert [failure_delay(n) for n in (1, 2, 3, 10)] == [0.25, 0.5, 1.0, 4.0]


def test_lockout_refuses_even_the_right_password_until_it_expires(store: Store) -> None:
    sleeps = Sleeps()
    results = [
        sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=sleeps, settings=SETTINGS)
        for _ in range(5)
    ]
    assert [r.message == SIGN_IN_FAILED for r in results] == [True, True, True, True, False]
    assert "locked until 2026-11-27 09:15 UTC" in results[-1].message
    row = list_users(store).set_index("email").loc["boss@example.org"]
    assert row["locked_until"] == pd.Timestamp("2026-11-27 09:15", tz="UTC")
    last = account_events(store).iloc[0]
    assert (last["action"], last["outcome"], last["target"]) == ("sign-in", "lockout", "boss@example.org")

    later = NOW + timedelta(minutes=14)
    refused = sign_in(store, "boss@example.org", PASSWORD, now=later, sleep=sleeps, settings=SETTINGS)
    assert not refused.ok and refused.identity is None and "locked" in refused.message

    after = NOW + timedelta(minutes=15, seconds=1)
    accepted = sign_in(store, "boss@example.org", PASSWORD, now=after, sleep=sleeps, settings=SETTINGS)
    assert accepted.ok and accepted.identity is not None
    row = list_users(store).set_index("email").loc["boss@example.org"]
    assert row["failed_attempts"] == 0 and pd.isna(row["locked_until"])


def test_an_expired_lock_starts_the_count_again(store: Store) -> None:
    for _ in range(5):
        sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    after = NOW + timedelta(minutes=16)
    result = sign_in(store, "boss@example.org", "wrong password here", now=after, sleep=Sleeps(), settings=SETTINGS)
    assert result.message == SIGN_IN_FAILED
    assert list_users(store).set_index("email").loc["boss@example.org", "failed_attempts"] == 1


def test_settings_come_from_the_environment(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_MAX_FAILED_SIGNINS", "2")
    monkeypatch.setenv("IMPACT_LOCKOUT_MINUTES", "60")
    monkeypatch.setenv("IMPACT_SESSION_MINUTES", "5")
    assert AuthSettings.from_env() == AuthSettings(max_failed=2, lockout_minutes=60.0, session_minutes=5.0)
    sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=Sleeps())
    second = sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=Sleeps())
    assert "locked until 2026-11-27 10:00 UTC" in second.message
    monkeypatch.setenv("IMPACT_LOCKOUT_MINUTES", "soon")
    with pytest.raises(ValueError, match="IMPACT_LOCKOUT_MINUTES"):
        AuthSettings.from_env()


def test_unknown_emails_get_the_same_answers_and_cost_a_hash_check(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_verify = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda h, p: checked.append(h) or real_verify(h, p))

    known, unknown = Sleeps(), Sleeps()
    known_results = [
        sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=known, settings=SETTINGS)
        for _ in range(5)
    ]
    assert len(checked) == 5
    unknown_results = [
        sign_in(store, "ghost@example.org", "wrong password here", now=NOW, sleep=unknown, settings=SETTINGS)
        for _ in range(5)
    ]
    assert len(checked) == 10 and all(h.startswith("$argon2id$") for h in checked)
    assert [r.message for r in unknown_results] == [r.message for r in known_results]
    assert unknown == known
    assert all(not r.ok and r.identity is None for r in unknown_results)
    assert list_users(store)["email"].tolist() == ["boss@example.org"]  # nothing written for strangers


def test_disabled_accounts_cannot_sign_in(store: Store) -> None:
    add_user(store, "ana@example.org", "viewer", None, PASSWORD, actor="b")
    disable_user(store, "ana@example.org", actor="b")
    right = sign_in(store, "ana@example.org", PASSWORD, now=NOW, sleep=Sleeps(), settings=SETTINGS)
    assert not right.ok and right.identity is None and "disabled" in right.message
    wrong = sign_in(store, "ana@example.org", "wrong password here", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    assert not wrong.ok and wrong.message == SIGN_IN_FAILED


def test_a_new_password_lifts_the_lock(store: Store) -> None:
    for _ in range(5):
        sign_in(store, "boss@example.org", "wrong password here", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    set_password(store, "boss@example.org", "mauve lantern 42 river", actor="b")
    result = sign_in(store, "boss@example.org", "mauve lantern 42 river", now=NOW, sleep=Sleeps(), settings=SETTINGS)
    assert result.ok
    assert not sign_in(store, "boss@example.org", PASSWORD, now=NOW, sleep=Sleeps(), settings=SETTINGS).ok
