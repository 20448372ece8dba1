"""Sign in: a local account (e-mail and password), or the organisation's identity provider when one is set up."""

from __future__ import annotations

import streamlit as st

from dashboard.web.session import sign_in_form

st.title("Sign in")
st.caption(
    "Staff sign in to see every partnership and every accepted upload; officers upload for their partnerships; "
    "admins review and publish. Visitors see published figures without signing in."
)
sign_in_form()
st.caption("No account yet? An admin creates one with `python -m dashboard users add EMAIL --role ROLE` (see README).")
