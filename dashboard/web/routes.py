"""The app's routes, run by ``dashboard/app.py`` (``streamlit run dashboard/app.py``) on every rerun.

Sets up the page, makes sure the store exists (seeding the synthetic sample data on first start), finds out who is
asking and builds the navigation from what their role may open. Every page checks access again itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.access.roles import ROLE_DESCRIPTIONS, pages_for
from dashboard.present.text_safety import markdown_literal
from dashboard.web.ui import (
    EXPIRED_KEY,
    current_identity,
    get_store,
    identity_provider_configured,
    sign_out,
    signed_in,
)


def run() -> None:
    """One run of the app: set up the page, find out who is asking, build the menu and run the page."""
    st.set_page_config(page_title="Partnership Impact Dashboard", page_icon=":material/eco:", layout="wide")

    store = get_store()
    identity = current_identity(store)

    VIEWS = Path(__file__).parent / "views"
    PAGES = {
        "overview": ("overview.py", "Overview", ":material/dashboard:"),
        "partnership": ("partnership.py", "Partnership", ":material/handshake:"),
        "compare": ("compare.py", "Compare", ":material/compare_arrows:"),
        "indicator": ("indicator.py", "Indicator explorer", ":material/query_stats:"),
        "goals": ("goals.py", "Goals", ":material/flag:"),
        "upload": ("upload.py", "Upload", ":material/upload_file:"),
        "review": ("review.py", "Review and publish", ":material/fact_check:"),
        "reference": ("reference.py", "Reference data", ":material/table_edit:"),
        "public": ("public.py", "Public view", ":material/public:"),
        "portal": ("portal.py", "Partnerships", ":material/travel_explore:"),
        "methodology": ("methodology.py", "Methodology", ":material/menu_book:"),
        "embed": ("embed_chart.py", "Embedded chart", ":material/code:"),
        "sign_in": ("sign_in.py", "Sign in", ":material/login:"),
    }
    MENU_HIDDEN = {"embed"}  # routable by URL but never in the menu
    embedded = bool(st.context.is_embedded)
    allowed = pages_for(identity)
    default = "overview" if "overview" in allowed else "public"
    # Every page is routable, so a copied link works after signing in on it; the menu lists only what the role may
    # open, and each page checks access again itself.
    navigation = st.navigation(
        [
            st.Page(
                VIEWS / PAGES[key][0],
                title=PAGES[key][1],
                icon=PAGES[key][2],
                default=key == default,
                url_path=key,
                visibility="visible" if key in allowed and key not in MENU_HIDDEN else "hidden",
            )
            for key in PAGES
        ],
        position="hidden" if embedded else "sidebar",
    )
    if embedded:  # an iframe on a partner's site: the chart and nothing else
        navigation.run()
        st.stop()

    with st.sidebar:
        if st.session_state.pop(EXPIRED_KEY, False):
            st.warning("You were signed out after a period of inactivity.", icon=":material/timer_off:")
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
