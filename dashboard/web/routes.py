"""The app's routes, run by ``dashboard/app.py`` (``streamlit run dashboard/app.py``) on every rerun.

Sets up the page, makes sure the store exists (seeding the synthetic sample data on first start), finds out who is
asking and builds the navigation from what their role may open. Every page checks access again itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.access.pages import HOME, OVERVIEW, PAGES, PUBLIC, pages_for
from dashboard.access.roles import ROLE_DESCRIPTIONS
from dashboard.present.text_safety import markdown_literal
from dashboard.settings import setting_problems
from dashboard.web.page_style import apply_page_style
from dashboard.web.session import (
    EXPIRED_KEY,
    carry_session_to_browser,
    current_identity,
    get_store,
    identity_provider_configured,
    sign_out,
    signed_in,
)

APP_FOLDER = Path(__file__).parent.parent
"""``dashboard/``, where ``app.py`` runs: the registry's view paths are relative to it."""


def run() -> None:
    """One run of the app: set up the page, find out who is asking, build the menu and run the page."""
    st.set_page_config(
        page_title="Partnership Impact Dashboard",
        page_icon=":material/eco:",
        layout="wide",
        initial_sidebar_state="auto",  # open on a laptop; on a phone closed, and closed again after choosing a page
    )
    apply_page_style()
    problems = setting_problems()
    if problems:  # one clear message naming each bad setting, instead of an error on every page
        st.error(
            "The dashboard cannot start: "
            + " ".join(markdown_literal(problem) for problem in problems)
            + " Fix the environment variable and restart the app (see docs/running/settings.md).",
            icon=":material/settings_alert:",
        )
        st.stop()

    store = get_store()
    identity = current_identity(store)

    embedded = bool(st.context.is_embedded)
    allowed = pages_for(identity)
    landing = HOME if identity.role == "officer" else OVERVIEW if OVERVIEW.path in allowed else PUBLIC
    # Every page is routable, so a copied link works after signing in on it; the menu lists only what the role may
    # open (the staff pages first), and each page checks access again itself. Streamlit serves its default page at
    # "/" only, so no real page is the default (its own address would then be "not found"): the default is a hidden
    # start page that switches to the role's landing page, keeping the address's query.
    pages = {
        page.path: st.Page(
            APP_FOLDER / page.view,
            title=page.title,
            icon=page.icon,
            url_path=page.path,
            visibility="visible" if page.path in allowed and page.in_menu else "hidden",
        )
        for page in sorted(PAGES.values(), key=lambda entry: entry.public)
    }

    def start() -> None:
        st.switch_page(pages[landing.path], query_params=st.query_params.to_dict())

    start_page = st.Page(start, title=landing.title, icon=landing.icon, url_path="start", default=True,
                         visibility="hidden")  # fmt: skip
    navigation = st.navigation(
        [start_page, *pages.values()],
        position="hidden" if embedded else "sidebar",
        expanded=True,  # every page the role may open is listed, never folded under "View more"
    )
    if embedded:  # an iframe on a partner's site: the chart and nothing else
        navigation.run()
        st.stop()
    carry_session_to_browser()

    with st.sidebar:
        if st.session_state.pop(EXPIRED_KEY, False):
            st.warning(
                "Your sign-in has ended: you were signed out, were inactive for too long, or an admin changed your "
                "account. Sign in again to go on.",
                icon=":material/timer_off:",
            )
        if identity.is_staff:
            role = f"{identity.role}: {ROLE_DESCRIPTIONS[identity.role]}"
            st.caption(f"Signed in as {markdown_literal(identity.label)} · {role}.")
            if st.button("Sign out", icon=":material/logout:", key="sign-out"):
                sign_out()
                if identity_provider_configured() and signed_in():
                    st.logout()
                st.rerun()
        elif identity_provider_configured() and signed_in():
            st.warning(
                "You are signed in, but your e-mail has no staff account: you see the public view. Ask an admin.",
                icon=":material/person_off:",
            )
        st.caption("Partnership Impact Dashboard · inclusive green growth partnerships")
    navigation.run()
