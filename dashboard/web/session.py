"""Who is asking, on this session: the store the app runs on, the identity (identity provider, or a local account's
server-side session), the sign-in form, signing out, and the access check every page runs first.

A local sign-in starts a session record in the accounts database (``dashboard.access.sessions``). This Streamlit
session keeps its token in session state, and the browser gets it as an HttpOnly cookie through a one-time hand-off
(``dashboard.web.session_routes``), so a reload or a new tab stays signed in. Every run asks the database again,
so disabling, demoting or resetting an account takes effect on the person's next click.

``get_store`` lives here because the session's first questions (who is signed in, may they open this page) are
asked of it; the cached reads take the store a page got from it.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from dashboard.access.accounts import identity_for_email, sign_in
from dashboard.access.pages import Page, access_denied_message, pages_for
from dashboard.access.roles import ANONYMOUS, Identity
from dashboard.access.sessions import SESSION_COOKIE, end_session, issue_handoff, resolve_session, start_session
from dashboard.intake.seed import ensure_store
from dashboard.present.text_safety import markdown_literal
from dashboard.storage.snapshot import SnapshotStore
from dashboard.storage.store import Store
from dashboard.web.session_routes import END_PATH, ESTABLISH_PATH, SIGNED_IN_PARAMETER

SESSION_TOKEN_KEY = "session_token"
"""Session state: the token of the local session signed in on this Streamlit session (the cookie carries it to
reloads and other tabs). Only the database says whom it stands for, and whether it still does."""
HANDOFF_KEY = "session_handoff"
"""Session state: a hand-off code waiting to become the browser's cookie (set by a sign-in, used on the next run)."""
SIGN_OUT_KEY = "session_sign_out"
"""Session state: set by Sign out, so the next run clears the browser's cookie."""
ENDED_KEY = "session_ended"
"""Session state: the token of a session found ended, so the menu says so once and the stale cookie is ignored."""
EXPIRED_KEY = "session_expired"
"""Session state: set once when this session's sign-in ended (idle, expired, signed out elsewhere, account
changed), so the menu can say so."""


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


def _session_token() -> str | None:
    """The token of the local session: this Streamlit session's, else the browser's cookie (a reload, a new tab)."""
    token = st.session_state.get(SESSION_TOKEN_KEY)
    if token:
        return str(token)
    try:
        cookie = st.context.cookies.get(SESSION_COOKIE)
    except (AttributeError, RuntimeError):  # no browser behind this run (AppTest)
        return None
    if not cookie or cookie == st.session_state.get(ENDED_KEY):
        return None
    return str(cookie)


def current_identity(store: Store) -> Identity:
    """Who is asking: the identity provider's user (role from the accounts), a local account's session, or the
    anonymous visitor. Asked of the database on every run, so a disabled, demoted or re-passworded account, an
    ended or idle session, is refused on its next click."""
    if identity_provider_configured() and signed_in():
        email = str(st.user.get("email") or "")
        found = identity_for_email(store, email)
        return found if found is not None else ANONYMOUS
    token = _session_token()
    if token is None:
        return ANONYMOUS
    identity = resolve_session(store, token)
    if identity is None:  # ended, idle, expired, or the account was disabled or its password reset
        st.session_state.pop(SESSION_TOKEN_KEY, None)
        st.session_state[ENDED_KEY] = token
        st.session_state[EXPIRED_KEY] = True
        return ANONYMOUS
    return identity


def current_user() -> str | None:
    """The e-mail of the person signed in (identity provider or local account), for the audit."""
    if not (identity_provider_configured() and signed_in()):
        identity = current_identity(get_store())
        return identity.email or None
    return str(st.user.get("email") or st.user.get("name"))


def sign_out() -> None:
    """End the local session signed in here (the record in the database, so every tab and reload of this browser
    is signed out) and clear the browser's cookie on the next run."""
    token = _session_token()
    if token is not None:
        end_session(get_store(), token)
        st.session_state[ENDED_KEY] = token
    st.session_state.pop(SESSION_TOKEN_KEY, None)
    st.session_state.pop(HANDOFF_KEY, None)
    st.session_state[SIGN_OUT_KEY] = True


def _post_from_page(path: str, fields: dict[str, str]) -> None:
    """Post a small form from the top page (not the component's frame), so the browser follows the answer: the
    route sets or clears the HttpOnly cookie and sends the browser back to the page."""
    script = f"""<script>
const top_document = window.parent.document;
const form = top_document.createElement("form");
form.method = "post";
form.action = {json.dumps(path)};
form.style.display = "none";
for (const [name, value] of Object.entries({json.dumps(fields)})) {{
  const input = top_document.createElement("input");
  input.type = "hidden"; input.name = name;
  const here = window.parent.location.pathname + window.parent.location.search;
  input.value = name === "next" && !value ? here : value;
  form.appendChild(input);
}}
top_document.body.appendChild(form);
form.submit();
</script>"""
    components.html(script, height=0)


def carry_session_to_browser() -> None:
    """Run once per page run, before the page: hand a fresh sign-in to the browser as its cookie, clear the cookie
    after a sign-out, and say "Signed in as …" once after the browser came back signed in."""
    handoff = st.session_state.pop(HANDOFF_KEY, None)
    if handoff:
        code, heading_for = handoff
        _post_from_page(ESTABLISH_PATH, {"code": code, "next": heading_for or ""})
    if st.session_state.pop(SIGN_OUT_KEY, False):
        _post_from_page(END_PATH, {"next": ""})
    if st.query_params.get(SIGNED_IN_PARAMETER):
        del st.query_params[SIGNED_IN_PARAMETER]
        identity = current_identity(get_store())
        if identity.is_staff:
            st.toast(f"Signed in as {markdown_literal(identity.label)}.", icon=":material/how_to_reg:")


def sign_in_form(key: str = "sign-in", *, heading_for: str | None = None) -> None:
    """Sign in here: the identity provider's button when one is set up, else e-mail and password of a local
    account. On success the same page runs again, with its URL and filters, now signed in (or the browser goes to
    ``heading_for``, a path on this site, once it has its cookie)."""
    if identity_provider_configured():
        st.button("Sign in with your organisation", type="primary", on_click=st.login, icon=":material/login:", key=key)
        return
    with st.form(key, clear_on_submit=True):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if submitted:
        store = get_store()
        with st.spinner("Checking…"):
            result = sign_in(store, email, password)
        if result.ok and result.identity is not None:
            token = start_session(store, result.identity.email)
            st.session_state[SESSION_TOKEN_KEY] = token
            st.session_state[HANDOFF_KEY] = (issue_handoff(store, token), heading_for)
            st.session_state.pop(ENDED_KEY, None)
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
