"""Shared fixtures: a fixed clock, empty and sample-seeded stores in temporary folders (real Delta tables)."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access.accounts import add_user, identity_for_email, set_role
from dashboard.access.sessions import start_session
from dashboard.intake.seed import seed_sample
from dashboard.storage.store import Store
from dashboard.web.session import SESSION_TOKEN_KEY

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")

TODAY = date(2026, 11, 27)
"""The injected clock: 2026 Q4 is the current quarter."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """How ``pytest -n auto`` (pytest-xdist, ``--dist loadgroup``) shares the tests out: the browser journeys one
    after another on one worker and the accessibility pass on another (each starts a server and a browser), every
    other module whole on one worker, so its module fixtures are made once."""
    for item in items:
        module = item.nodeid.split("::")[0]
        if item.get_closest_marker("browser"):  # the accessibility pass (3 min) apart from the journeys (4 min)
            group = "browser-accessibility" if module.endswith("test_browser_accessibility.py") else "browser"
        else:
            group = module
        item.add_marker(pytest.mark.xdist_group(group))
    # the two browser groups are the longest: handed out first, one to each worker, so neither starts last
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.create_tables()
    return store


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeded") / "store"
    seed_sample(Store(root), today=TODAY)
    from dashboard.queries.read_model import refresh_all
    from dashboard.settings import min_cell_count
    from dashboard.storage import derived_audit
    from dashboard.storage.layer_fingerprints import layer_fingerprints
    from data_contracts import DATASETS

    # the read model as a running app keeps it, copied with the store, so no test pays for building it again
    store = Store(root)
    refresh_all(store, k=min_cell_count())
    for dataset in DATASETS:
        for layer in ("submitted", "published"):
            layer_fingerprints(store, dataset, layer)
    derived_audit.keep(store)
    return root


@pytest.fixture
def sample_store(_seeded_template: Path, tmp_path: Path) -> Store:
    """A private copy of a store seeded with the sample data (seeding runs once per test session)."""
    root = tmp_path / "sample-store"
    shutil.copytree(_seeded_template, root)
    return Store(root)


@pytest.fixture
def partnerships_only_store(tmp_path: Path) -> Store:
    """A store that holds the sample partnerships but no indicator data yet."""
    from dashboard.intake.ingest import ingest_partnerships_frame, read_plain_csv
    from dashboard.intake.seed import SAMPLE_DIR

    store = Store(tmp_path / "partnerships-only")
    store.create_tables()
    partnerships = read_plain_csv(SAMPLE_DIR / "partnerships.csv")
    outcome = ingest_partnerships_frame(store, partnerships, user="t", source_name="p.csv", source_sha256="0")
    assert outcome.accepted
    return store


def indicator_rows(*rows: dict) -> pd.DataFrame:
    """A raw indicator table (all cells text, as read from a CSV) from partial rows with sensible defaults."""
    defaults = {
        "partnership_id": "att-imago",
        "year": "2024",
        "quarter": "1",
        "indicator_id": "new_hires",
        "dimension": "total",
        "category": "total",
        "value": "10",
        "note": "",
    }
    return pd.DataFrame([{**defaults, **{k: str(v) for k, v in row.items()}} for row in rows])


def staff_session(store: Store, role: str, *, partnerships: tuple[str, ...] = (), email: str | None = None) -> str:
    """A real session of a real account (made, or given this role, if needed): the token a sign-in leaves."""
    email = email or f"{role}@example.org"
    found = identity_for_email(store, email)
    if found is None:
        add_user(store, email, role, list(partnerships), actor="tests")
    elif (found.role, found.partnerships) != (role, frozenset(partnerships)):
        set_role(store, email, role, list(partnerships), actor="tests")
    return start_session(store, email)


def app_as(
    role: str = "admin", *, partnerships: tuple[str, ...] = (), email: str | None = None, page: str | None = None
) -> AppTest:
    """The app in AppTest with someone signed in on this session, as the sign-in form leaves it: a real account
    and session in the store named by ``$IMPACT_STORE`` (set it first). ``page`` runs one page script directly, as
    opening its URL does (the menu may not list it)."""
    script = APP if page is None else str(Path(APP).parent / "web" / "views" / f"{page}.py")
    app = AppTest.from_file(script, default_timeout=120)
    if role != "anonymous":
        if not os.environ.get("IMPACT_STORE"):
            raise RuntimeError("set IMPACT_STORE before app_as: the session lives in that store's accounts")
        app.session_state[SESSION_TOKEN_KEY] = staff_session(
            Store.from_env(), role, partnerships=partnerships, email=email
        )
    return app
