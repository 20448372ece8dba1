"""Entry point: ``streamlit run dashboard/app.py``.

Sets up the page, makes sure the store exists (seeding the synthetic sample data on first start) and builds the
navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts dashboard/ on the path, not the repo root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.ui import get_store  # noqa: E402

st.set_page_config(page_title="Partnership Impact Dashboard", page_icon=":material/eco:", layout="wide")

get_store()

PAGES_DIR = Path(__file__).parent / "views"
navigation = st.navigation(
    [
        st.Page(PAGES_DIR / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES_DIR / "partnership.py", title="Partnership", icon=":material/handshake:"),
        st.Page(PAGES_DIR / "compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page(PAGES_DIR / "indicator.py", title="Indicator explorer", icon=":material/query_stats:"),
        st.Page(PAGES_DIR / "goals.py", title="Goals", icon=":material/flag:"),
        st.Page(PAGES_DIR / "upload.py", title="Upload", icon=":material/upload_file:"),
    ]
)
st.sidebar.caption("Partnership Impact Dashboard · inclusive green growth partnerships")
navigation.run()
