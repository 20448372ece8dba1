"""Each role in real Streamlit: what opens, what is refused by URL, signing in and lockout through the form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.access.accounts import add_user
from dashboard.access.sessions import resolve_session
from dashboard.intake.ingest import ingest_file
from dashboard.present.exports import csv_bytes
from dashboard.storage.slices import Slice
from dashboard.storage.store import Store
from dashboard.web.session import SESSION_TOKEN_KEY
from tests.conftest import TODAY, app_as

STAFF_PAGES = ["overview", "partnership", "compare", "indicator", "goals"]
PASSWORD = "Rv-" + datetime.now(UTC).strftime("%H%M%S") + "-ledger-Quartz"


@pytest.mark.parametrize("page", [*STAFF_PAGES, "upload", "review", "reference"])
def test_a_visitor_opening_a_staff_url_is_refused_and_offered_sign_in(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, page: str
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("anonymous", page=page).run()
    assert not app.exception
    assert "Sign in to open it" in app.warning[0].value
    assert len(app.get("form")) == 1
    assert not app.get("plotly_chart") and not app.dataframe


@pytest.mark.parametrize(("role", "page"), [("viewer", "upload"), ("viewer", "review"), ("officer", "review"),
                                            ("officer", "reference")])  # fmt: skip
def test_staff_without_the_right_role_are_refused(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, role: str, page: str
) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as(role, partnerships=("att-imago",) if role == "officer" else (), page=page).run()
    assert not app.exception
    assert f"is {'an' if role == 'officer' else 'a'} {role}" in app.warning[0].value or "viewer" in app.warning[0].value
    assert not app.get("form") and not app.file_uploader


@pytest.mark.parametrize("role", ["viewer", "officer", "admin"])
def test_staff_open_the_staff_pages(monkeypatch: pytest.MonkeyPatch, sample_store: Store, role: str) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as(role, partnerships=("att-imago",) if role == "officer" else ()).run()
    for page in STAFF_PAGES:
        app.switch_page(f"web/views/{page}.py").run()
        assert not app.exception and not app.warning, (role, page)


def test_signing_in_through_the_form_opens_the_page(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    add_user(sample_store, "viewer@example.org", "viewer", [], PASSWORD, actor="test")
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("anonymous", page="goals").run()
    app.text_input[0].input("viewer@example.org")
    app.text_input[1].input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    identity = resolve_session(sample_store, app.session_state[SESSION_TOKEN_KEY])
    assert identity is not None and identity.role == "viewer"
    assert not app.get("form")  # the page now runs signed in: no form left on screen
    assert app.title[0].value == "Goals"


def test_repeated_failures_lock_the_account(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    monkeypatch.setenv("IMPACT_MAX_FAILED_SIGNINS", "2")
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    add_user(sample_store, "ana@example.org", "viewer", [], PASSWORD, actor="test")
    app = app_as("anonymous", page="sign_in").run()
    for attempt in ("wrong-password-1", "wrong-password-2", PASSWORD):
        app.text_input[0].input("ana@example.org")
        app.text_input[1].input(attempt)
        app.button[0].click().run()
    assert "locked" in app.error[0].value
    assert SESSION_TOKEN_KEY not in app.session_state


def test_publish_and_withdraw_through_the_review_page(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(quarter=4)
    ingest_file(sample_store, csv_bytes(rows), "q4.csv", dataset="workforce", user="ana@example.org", today=TODAY)
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin", page="review").run()
    assert not app.exception
    app.multiselect(key="review_choice").select("workforce|att-imago:2026Q4").run()
    next(b for b in app.button if b.label.startswith("Publish")).click().run()
    assert "Published 1 quarter" in app.success[0].value
    published = sample_store.read_indicators("workforce", "published", partnership_ids=["att-imago"], years=[2026])
    assert 4 in set(published["quarter"])
    app.selectbox(key="withdraw_dataset").select("workforce").run()
    app.selectbox(key="withdraw_partnership").select("att-imago").run()
    quarters = app.selectbox(key="withdraw_slice").options  # shown as quarters of the chosen partnership
    own = sample_store.read_indicators("workforce", "published", partnership_ids=["att-imago"])
    assert len(quarters) == len(own[["year", "quarter"]].drop_duplicates())  # its own only ...
    assert quarters[:2] == ["2026 Q4", "2026 Q3"]  # ... newest first
    app.selectbox(key="withdraw_slice").select(str(Slice("att-imago", 2026, 4))).run()
    app.text_input(key="withdraw_reason").input("figures under revision").run()
    app.button(key="withdraw").click().run()
    published = sample_store.read_indicators("workforce", "published", partnership_ids=["att-imago"], years=[2026])
    assert 4 not in set(published["quarter"])
    assert sample_store.read_audit().iloc[0][["action", "message"]].tolist() == ["unpublish", "figures under revision"]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("disable", "Your sign-in has ended"),
        ("demote", "Ask an admin to make you an officer"),
        ("password", "Your sign-in has ended"),
    ],
)
def test_an_account_change_reaches_the_open_session_on_its_next_run(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, change: str, refusal: str
) -> None:
    from dashboard.access.accounts import disable_user, set_password, set_role

    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("officer", partnerships=("att-imago",), email="officer@example.org").run()
    app.switch_page("web/views/upload.py").run()
    assert not app.exception and app.title[0].value == "Upload quarterly figures"
    if change == "disable":
        disable_user(sample_store, "officer@example.org", actor="admin@example.org")
    elif change == "demote":
        set_role(sample_store, "officer@example.org", "viewer", actor="admin@example.org")
    else:
        set_password(sample_store, "officer@example.org", "Rt-" + PASSWORD, actor="admin@example.org")
    app.run()  # the officer's next click
    assert not app.exception
    shown = " ".join(w.value for w in app.warning)
    assert refusal in shown
    assert not app.file_uploader


def test_sign_out_ends_the_session_record(monkeypatch: pytest.MonkeyPatch, sample_store: Store) -> None:
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("viewer").run()
    token = app.session_state[SESSION_TOKEN_KEY]
    app.button(key="sign-out").click().run()
    assert not app.exception
    assert resolve_session(sample_store, token) is None  # a copy of the cookie is worth nothing now
    assert SESSION_TOKEN_KEY not in app.session_state
