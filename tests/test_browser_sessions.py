"""Real browser: a sign-in lasts through reloads and new tabs, ends everywhere on sign-out, and an account that an
admin disables is refused on its next click (its open tab cannot commit an upload)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.storage.store import Store
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    add_browser_account,
    require_browser,
    session_cookie,
    sign_in_here,
    streamlit_server,
)

pytestmark = pytest.mark.browser
SIGNED_IN = re.compile(r"^Signed in as ")


def test_a_reload_and_a_new_tab_keep_the_session_until_sign_out(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    email, password = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(f"{url}/goals?filter=off_course", wait_until="domcontentloaded")
            sign_in_here(page, email, password)
            assert "/goals" in page.url and "filter=off_course" in page.url  # back where the person was heading
            expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible(timeout=60_000)
            cookie = session_cookie(page)
            assert cookie is not None
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
            assert cookie["value"] not in page.content()  # never written into the page

            page.reload(wait_until="domcontentloaded")  # F5
            expect(page.get_by_test_id("stSidebar").get_by_text(SIGNED_IN)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible()
            assert page.get_by_test_id("stForm").count() == 0

            second = context.new_page()  # a second tab on a staff page
            second.goto(f"{url}/review", wait_until="domcontentloaded")
            expect(second.get_by_role("heading", name="Review and publish")).to_be_visible(timeout=60_000)
            expect(second.get_by_test_id("stSidebar").get_by_text(SIGNED_IN)).to_be_visible()

            second.get_by_role("button", name="Sign out").click()  # ends the session record, clears the cookie
            expect(second.get_by_test_id("stForm")).to_be_visible(timeout=60_000)
            second.wait_for_timeout(500)
            assert session_cookie(second) is None

            page.get_by_role("link", name="Overview").click()  # the first tab's next click is a visitor's
            expect(page.get_by_test_id("stForm")).to_be_visible(timeout=60_000)
            assert page.get_by_test_id("stSidebar").get_by_text(SIGNED_IN).count() == 0
        finally:
            browser.close()


def test_a_disabled_officers_open_tab_is_refused_on_its_next_click(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from dashboard.access.accounts import disable_user
    from dashboard.present.exports import csv_bytes

    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    good = tmp_path / "att-imago-2026Q4.csv"
    good.write_bytes(csv_bytes(rows[rows["quarter"] == 3].assign(quarter=4)))
    email, password = add_browser_account(Path(sample_store.root), role="officer", partnerships=("att-imago",))
    before = sample_store.version("submitted/workforce")
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.goto(f"{url}/upload", wait_until="domcontentloaded")
            sign_in_here(page, email, password)
            expect(page.get_by_role("heading", name="Upload quarterly figures")).to_be_visible(timeout=60_000)
            page.locator('input[type="file"]').set_input_files(str(good))
            commit = page.get_by_role("button", name="Commit")
            expect(commit).to_be_enabled(timeout=60_000)

            disable_user(Store(sample_store.root), email, actor="admin@example.org")  # an admin, meanwhile
            commit.click()
            expect(page.get_by_text("Your sign-in has ended").first).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stForm")).to_be_visible()  # offered to sign in again
            assert page.get_by_text("Committed").count() == 0
            assert page.get_by_test_id("stSidebar").get_by_text(SIGNED_IN).count() == 0
        finally:
            browser.close()
    assert Store(sample_store.root).version("submitted/workforce") == before  # nothing was committed
