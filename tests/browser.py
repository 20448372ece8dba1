"""Real-browser test support: a `streamlit run` server on a free loopback port and Debian's Chromium.

Browser tests skip with a reason when Chromium or Playwright is missing, unless ``IMPACT_REQUIRE_BROWSER=1`` (set by
CI), which turns the skip into a failure. Screenshots go to ``$IMPACT_TEST_ARTIFACTS`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("IMPACT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(os.environ.get("IMPACT_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def require_browser() -> None:
    """Skip (or, in CI, fail) when there is no browser to drive."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if os.environ.get("IMPACT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (IMPACT_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    store_root: Path, log_path: Path, timeout: float = 90.0, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Run ``streamlit run dashboard/app.py`` on a free loopback port over the given store, with ``env`` added to
    the environment (settings such as ``IMPACT_TODAY``); yield its URL."""
    port = free_port()
    env = {**os.environ, **(env or {}), "IMPACT_STORE": str(store_root)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited early; see {log_path}:\n{log_path.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer within {timeout} s; see {log_path}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


BROWSER_EMAIL = "admin@example.org"


def add_browser_account(store_root: Path, role: str = "admin", partnerships: tuple[str, ...] = ()) -> tuple[str, str]:
    """A local account in the test's own store, with a password made up for this run; returns (e-mail, password)."""
    from dashboard.access.accounts import add_user
    from dashboard.storage.store import Store

    password = "Tst-" + secrets.token_urlsafe(18)
    add_user(Store(store_root), BROWSER_EMAIL, role, list(partnerships), password, actor="tests")
    return BROWSER_EMAIL, password


def sign_in_here(page, email: str, password: str) -> None:  # noqa: ANN001 - a Playwright page
    """Fill the sign-in form the page shows to a visitor; the browser then gets its session cookie, comes back to
    the same page (URL and filters kept) and runs it signed in."""
    from playwright.sync_api import expect

    form = page.get_by_test_id("stForm")
    expect(form).to_be_visible(timeout=60_000)
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(form).to_have_count(0, timeout=60_000)
    wait_for_session_cookie(page)
    page.wait_for_url(lambda address: "signed_in=" not in address, timeout=60_000)  # the page ran again, signed in
    expect(page.get_by_text(re.compile(r"^Signed in as ")).first).to_be_visible(timeout=60_000)


def still_signed_in(page) -> None:  # noqa: ANN001 - a Playwright page
    """The page, opened again (a reload, a link, a new tab), runs signed in from the session cookie: no form."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^Signed in as "))).to_be_visible(timeout=60_000)
    assert page.get_by_test_id("stForm").count() == 0


def session_cookie(page) -> dict | None:  # noqa: ANN001 - a Playwright page
    """The browser's session cookie, if it has one."""
    return next((c for c in page.context.cookies() if c["name"] == "impact_session"), None)


def wait_for_session_cookie(page, timeout: float = 60.0) -> dict:  # noqa: ANN001 - a Playwright page
    deadline = time.monotonic() + timeout
    while (cookie := session_cookie(page)) is None:
        if time.monotonic() > deadline:
            raise AssertionError("the browser got no session cookie after signing in")
        page.wait_for_timeout(200)
    return cookie


def whole_page_screenshot(page, path: Path, width: int = 1440) -> None:  # noqa: ANN001 - a Playwright page
    """Grow the viewport to the content (Streamlit scrolls inside its own container), then take the whole page."""
    height = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('[data-testid=\"stMain\"], section'))"
        ".map(e => e.scrollHeight), 1000)"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 100, 9000)})
    page.wait_for_timeout(1500)  # let Plotly redraw at the new size before the picture
    page.screenshot(path=str(path), full_page=True)


def open_filters(page) -> None:  # noqa: ANN001 - a Playwright page
    """Open the page's collapsed "Filters" block (its label sums up the choices: "Filters · …")."""
    from playwright.sync_api import expect

    summary = page.locator('[data-testid="stExpander"] summary').filter(has_text=re.compile(r"Filters · "))
    expect(summary.first).to_be_visible(timeout=60_000)
    summary.first.click()
    page.wait_for_timeout(400)  # the block opens with an animation


def pick_option(page, box, typed: str, option) -> None:  # noqa: ANN001 - Playwright page and locator
    """Pick ``option`` (a name or pattern) in a multiselect/selectbox whose text input is ``box``, typing ``typed``.

    A busy machine can re-render the widget between the click and the keystrokes (the list then never opens),
    so the pick is tried again from a fresh click, up to three times, before the test fails.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wanted = page.get_by_role("option", name=option, exact=isinstance(option, str))
    for attempt in range(3):
        box.click()
        box.fill("")
        box.press_sequentially(typed)
        try:
            wanted.first.wait_for(state="visible", timeout=15_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            if attempt == 2:
                raise
            page.wait_for_timeout(1000)
            continue
        wanted.first.click()
        page.keyboard.press("Escape")
        return
