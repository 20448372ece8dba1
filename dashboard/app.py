"""Entry point: ``streamlit run dashboard/app.py``.

Sets up the page, makes sure the store exists (seeding the synthetic sample data on first start), finds out who is
asking and builds the navigation from what their role may open. Every page checks access again itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts dashboard/ on the path, not the repo root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.auth import ROLE_DESCRIPTIONS, pages_for  # noqa: E402
from dashboard.text_safety import markdown_literal  # noqa: E402
from dashboard.ui import (  # noqa: E402
    EXPIRED_KEY,
    current_identity,
    get_store,
    identity_provider_configured,
    sign_out,
    signed_in,
)

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
        st.caption(
            f"Signed in as {markdown_literal(identity.label)} · {identity.role}: {ROLE_DESCRIPTIONS[identity.role]}."
        )
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
