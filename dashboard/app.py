"""Entry point: ``streamlit run dashboard/app.py`` (the routes live in :mod:`dashboard.web.routes`).

Started by ``streamlit run``, this file is an ASGI app (``st.App``): the Streamlit pages plus the two session routes
that set and clear the sign-in cookie (:mod:`dashboard.web.session_routes`). Each page run executes it again as a
script, and then it runs the pages.
"""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # streamlit puts dashboard/ on the path, not the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

if get_script_run_ctx(suppress_warning=True) is None:  # imported by the server: build the ASGI app
    from dashboard.web.session_routes import SESSION_ROUTES

    app = st.App(__file__, routes=SESSION_ROUTES)
else:  # a page run
    from dashboard.web.routes import run

    run()
