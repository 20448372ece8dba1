"""With an identity provider configured, roles come from the users table; strangers get the public view."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access.accounts import add_user
from dashboard.present.text_safety import markdown_literal
from dashboard.storage.store import Store
from tests.conftest import APP

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only"}


def signed_in_with_provider(monkeypatch: pytest.MonkeyPatch, store: Store, email: str) -> AppTest:
    monkeypatch.setenv("IMPACT_STORE", store.root)
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets["auth"] = AUTH
    app.user["is_logged_in"] = True
    app.user["email"] = email
    return app.run()


def test_a_known_email_gets_its_role(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    add_user(sample_store, "exec@example.org", "viewer", [], None, actor="test")
    app = signed_in_with_provider(monkeypatch, sample_store, "exec@example.org")
    assert not app.exception
    assert app.title[0].value == "Portfolio overview"
    assert markdown_literal("exec@example.org") in app.sidebar.caption[0].value  # shown as text, not a mail link


def test_an_email_not_in_the_users_table_gets_the_public_view(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    app = signed_in_with_provider(monkeypatch, sample_store, "stranger@example.org")
    assert not app.exception
    assert app.title[0].value == "Partnership impact"
    assert "no staff account" in app.warning[0].value


def test_a_disabled_account_gets_the_public_view(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    from dashboard.access.accounts import disable_user

    add_user(sample_store, "admin@example.org", "admin", [], None, actor="test")
    add_user(sample_store, "gone@example.org", "viewer", [], None, actor="test")
    disable_user(sample_store, "gone@example.org", actor="admin@example.org")
    app = signed_in_with_provider(monkeypatch, sample_store, "gone@example.org")
    assert app.title[0].value == "Partnership impact"
