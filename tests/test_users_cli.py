"""`python -m dashboard users …`: accounts through the command line, the password on standard input (or a prompt),
never echoed, never an argument; exit codes 0 done, 1 refused, 2 usage error."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import cli
from dashboard.access.accounts import account_events, identity_for_email, list_users, verify_password
from dashboard.cli import main
from dashboard.storage.account_tables import ACCOUNTS
from dashboard.storage.database import database_for
from dashboard.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "mauve lantern 42 river"
OFFICER_PASSWORD = "quiet orchard 17 falcon"


def run(store: Store, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "users", *args, "--store", store.root],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def stored_hashes(store: Store) -> dict[str, str | None]:
    """Each account's password hash as the accounts database holds it."""
    with database_for(store).read() as connection:
        return dict(connection.execute(select(ACCOUNTS.c.email, ACCOUNTS.c.password_hash)).all())


def hashes(store: Store) -> list[str]:
    return [str(h) for h in stored_hashes(store).values() if h is not None]


def test_round_trip_through_the_command_line(partnerships_only_store: Store) -> None:
    store = partnerships_only_store
    added = run(store, "add", "Boss@Example.org", "--role", "admin", "--user", "ops", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added boss@example.org as admin" in added.stdout

    officer = run(
        store,
        "add",
        "ana@example.org",
        "--role",
        "officer",
        "--partnership",
        "urban-parks-commons",
        "--partnership",
        "att-imago",
        stdin=OFFICER_PASSWORD + "\n",
    )
    assert officer.returncode == 0, officer.stderr

    text = run(store, "list")
    assert text.returncode == 0, text.stderr
    assert "boss@example.org" in text.stdout and "att-imago, urban-parks-commons" in text.stdout

    listed = run(store, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    records = {r["email"]: r for r in json.loads(listed.stdout)}
    assert set(records["ana@example.org"]) == {
        "email",
        "role",
        "partnerships",
        "disabled",
        "has_password",
        "locked_until",
    }
    assert records["ana@example.org"]["partnerships"] == ["att-imago", "urban-parks-commons"]
    assert records["ana@example.org"]["role"] == "officer"
    assert records["boss@example.org"]["has_password"] is True and records["boss@example.org"]["disabled"] is False

    stored = stored_hashes(store)
    assert verify_password(stored["boss@example.org"], PASSWORD)
    assert verify_password(stored["ana@example.org"], OFFICER_PASSWORD)
    everything = added.stdout + added.stderr + officer.stdout + officer.stderr + text.stdout + listed.stdout
    for secret in (PASSWORD, OFFICER_PASSWORD, *hashes(store), "argon2"):
        assert secret not in everything

    moved = run(store, "set-role", "ana@example.org", "viewer")
    assert moved.returncode == 0, moved.stderr
    assert identity_for_email(store, "ana@example.org").role == "viewer"
    disabled = run(store, "disable", "ana@example.org")
    assert disabled.returncode == 0, disabled.stderr
    assert identity_for_email(store, "ana@example.org") is None

    mine = account_events(store)
    assert set(mine["action"]) == {"users add", "users set-role", "users disable"}
    assert "ops" in set(mine["user"])


def test_a_weak_password_is_refused_and_never_echoed(partnerships_only_store: Store) -> None:
    weak = "aaaaaaaaaaaaaaaa"
    result = run(partnerships_only_store, "add", "ana@example.org", "--role", "viewer", stdin=weak + "\n")
    assert result.returncode == 1
    assert "repeats" in result.stderr
    assert weak not in result.stdout + result.stderr
    assert list_users(partnerships_only_store).empty


def test_a_bad_role_is_a_usage_error(partnerships_only_store: Store) -> None:
    result = run(partnerships_only_store, "add", "ana@example.org", "--role", "boss", stdin=PASSWORD + "\n")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_the_password_is_never_an_argument(partnerships_only_store: Store) -> None:
    store = partnerships_only_store
    with pytest.raises(SystemExit) as caught:
        main(["users", "add", "a@example.org", "--role", "viewer", "--password", PASSWORD, "--store", store.root])
    assert caught.value.code == 2
    assert list_users(store).empty


def in_process(monkeypatch: pytest.MonkeyPatch, store: Store, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", *args, "--store", store.root])


def test_unknown_partnerships_and_rule_violations_exit_1(
    partnerships_only_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    store = partnerships_only_store
    code = in_process(
        monkeypatch, store, "add", "ana@example.org", "--role", "officer", "--partnership", "nowhere", stdin=PASSWORD
    )
    err = capsys.readouterr().err
    assert code == 1 and "nowhere" in err and PASSWORD not in err
    assert in_process(monkeypatch, store, "add", "ana@example.org", "--role", "officer", stdin=PASSWORD) == 1
    assert "at least one partnership" in capsys.readouterr().err
    assert in_process(monkeypatch, store, "add", "ana@example.org", "--role", "viewer", stdin=PASSWORD + "\r\n") == 0
    assert identity_for_email(store, "ana@example.org").role == "viewer"
    assert verify_password(hashes(store)[0], PASSWORD)  # the line ending is not part of the password
    assert in_process(monkeypatch, store, "add", "ANA@example.org", "--role", "viewer", stdin=PASSWORD) == 1
    assert "already has an account" in capsys.readouterr().err
    assert in_process(monkeypatch, store, "set-role", "ghost@example.org", "viewer") == 1
    assert in_process(monkeypatch, store, "add", "bob@example.org", "--role", "viewer", stdin="") == 2
    assert "no password on standard input" in capsys.readouterr().err
    assert list_users(store)["email"].tolist() == ["ana@example.org"]


def test_identity_provider_accounts_need_no_password(
    partnerships_only_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    store = partnerships_only_store
    args = ("add", "idp@example.org", "--role", "officer", "--partnership", "att-imago", "--no-password")
    assert in_process(monkeypatch, store, *args, stdin="should not be read\n") == 0
    assert "without a password" in capsys.readouterr().out
    assert hashes(store) == []
    assert identity_for_email(store, "idp@example.org").partnerships == {"att-imago"}
    assert in_process(monkeypatch, store, "list", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["has_password"] is False


def test_at_a_terminal_the_password_is_asked_twice(
    partnerships_only_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    store = partnerships_only_store
    answers = iter([PASSWORD, PASSWORD + "typo", PASSWORD, PASSWORD])
    prompts: list[str] = []
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: prompts.append(prompt) or next(answers))
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", terminal)
    assert main(["users", "add", "ana@example.org", "--role", "admin", "--store", store.root]) == 1
    assert "differ" in capsys.readouterr().err and list_users(store).empty
    assert main(["users", "add", "ana@example.org", "--role", "admin", "--store", store.root]) == 0
    assert len(prompts) == 4 and "ana@example.org" in prompts[0]
    assert verify_password(hashes(store)[0], PASSWORD)
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
