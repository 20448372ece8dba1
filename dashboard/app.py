"""Entry point: ``streamlit run dashboard/app.py`` (the routes live in :mod:`dashboard.web.routes`)."""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # streamlit puts dashboard/ on the path, not the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.web.routes import run  # noqa: E402

run()
