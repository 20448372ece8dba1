"""Sign in: a local account (e-mail and password), or the organisation's identity provider when one is set up."""

from __future__ import annotations

import streamlit as st

from dashboard.access.pages import OVERVIEW
from dashboard.access.roles import ROLE_DESCRIPTIONS
from dashboard.present.text_safety import markdown_literal
from dashboard.web.session import current_identity, get_store, sign_in_form
from dashboard.web.session_routes import safe_next

st.title("Sign in")
identity = current_identity(get_store())
if identity.is_staff:  # just signed in here (or came back to this page): say so, and offer the way on
    st.success(
        f"Signed in as {markdown_literal(identity.label)} · {identity.role}: {ROLE_DESCRIPTIONS[identity.role]}.",
        icon=":material/how_to_reg:",
    )
    st.page_link(OVERVIEW.view, label="Go to the portfolio overview", icon=":material/arrow_forward:")
    st.stop()
st.caption(
    "Staff sign in to see every partnership and every accepted upload; officers upload for their partnerships; "
    "admins review and publish. Visitors see published figures without signing in."
)
heading_for = st.query_params.get("next")
sign_in_form(heading_for=safe_next(heading_for) if heading_for else "/")
st.caption(
    "No account yet, or forgot your password? Ask an administrator: they create accounts, give each person a role "
    "and can set a new password."
)
