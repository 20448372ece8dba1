"""Who is asking, on this session: the store the app runs on, the identity (provider or local account, with idle
expiry), the sign-in form, signing out, and the access check every page runs first.

``get_store`` lives here because the session's first questions (who is signed in, may they open this page) are
asked of it; the cached reads take the store a page got from it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.access.accounts import identity_for_email, session_expired, sign_in
from dashboard.access.pages import Page, access_denied_message, pages_for
from dashboard.access.roles import ANONYMOUS, Identity
from dashboard.intake.seed import ensure_store
from dashboard.present.text_safety import markdown_literal
from dashboard.settings import session_minutes
from dashboard.storage.snapshot import SnapshotStore
from dashboard.storage.store import Store

IDENTITY_KEY = "identity"
"""Session state: the :class:`Identity` of a local account signed in on this session."""
LAST_ACTIVE_KEY = "last_active"
"""Session state: when the signed-in person last ran a page (UTC), for the idle expiry."""
EXPIRED_KEY = "session_expired"
"""Session state: set once when an idle session was signed out, so the menu can say so."""


def get_store(*, snapshot: bool = False) -> Store:
    """The store named by ``$IMPACT_STORE`` (or the local default), seeded with the sample data on first use. With
    ``snapshot`` (pages that only read), a :class:`SnapshotStore` for this run."""
    store = (SnapshotStore if snapshot else Store).from_env()
    _ensure_seeded(store.root)
    return store


@st.cache_resource(show_spinner=False)
def _ensure_seeded(root: str) -> bool:
    return ensure_store(Store(root)) is not None


def identity_provider_configured() -> bool:
    """True when ``[auth]`` is set in .streamlit/secrets.toml (sign-in through st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def signed_in() -> bool:
    """True when an identity provider has signed the person in."""
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def current_identity(store: Store) -> Identity:
    """Who is asking: the identity provider's user (role from the users table), a local account signed in on
    this session, or the anonymous visitor. A session idle for longer than the setting is signed out."""
    if identity_provider_configured() and signed_in():
        email = str(st.user.get("email") or "")
        found = identity_for_email(store, email)
        return found if found is not None else ANONYMOUS
    identity = st.session_state.get(IDENTITY_KEY)
    if not isinstance(identity, Identity):
        return ANONYMOUS
    now = datetime.now(UTC)
    last = st.session_state.get(LAST_ACTIVE_KEY, now)
    if session_expired(last, now, session_minutes()):
        sign_out()
        st.session_state[EXPIRED_KEY] = True
        return ANONYMOUS
    st.session_state[LAST_ACTIVE_KEY] = now
    return identity


def current_user() -> str | None:
    """The e-mail of the person signed in (identity provider or local account), for the audit."""
    identity = st.session_state.get(IDENTITY_KEY)
    if isinstance(identity, Identity) and identity.email:
        return identity.email
    if signed_in():
        return str(st.user.get("email") or st.user.get("name"))
    return None


def sign_out() -> None:
    """Forget the local account signed in on this session."""
    st.session_state.pop(IDENTITY_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)


def sign_in_form(key: str = "sign-in") -> None:
    """Sign in here: the identity provider's button when one is set up, else e-mail and password of a local
    account. On success the same page runs again, with its URL and filters, now signed in."""
    if identity_provider_configured():
        st.button("Sign in with your organisation", type="primary", on_click=st.login, icon=":material/login:", key=key)
        return
    with st.form(key):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if submitted:
        now = datetime.now(UTC)
        with st.spinner("Checking…"):
            result = sign_in(get_store(), email, password, now=now)
        if result.ok and result.identity is not None:
            st.session_state[IDENTITY_KEY] = result.identity
            st.session_state[LAST_ACTIVE_KEY] = now
            st.rerun()
        st.error(result.message, icon=":material/lock:")


def require(page: Page) -> Identity:
    """Stop the page with a plain message unless the person asking may open it (checked on every page, so a page
    opened by its URL is as safe as one opened from the menu). A visitor is offered to sign in right there."""
    store = get_store()
    identity = current_identity(store)
    if page.path in pages_for(identity):
        return identity
    st.warning(markdown_literal(access_denied_message(page.path, identity)), icon=":material/lock:")
    if identity.role == "anonymous":
        sign_in_form(key=f"sign-in-{page.path}")
    st.stop()
    raise AssertionError("unreachable")
