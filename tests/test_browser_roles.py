"""Each role's menu in a real browser: visitor, viewer, officer and admin see what their role may open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.access.accounts import add_user
from dashboard.storage.store import Store
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser, sign_in_here, streamlit_server

pytestmark = pytest.mark.browser

PUBLIC_MENU = ["Public view", "Partnerships", "Methodology"]
MENUS = {
    "anonymous": [*PUBLIC_MENU, "Sign in"],
    "viewer": ["Overview", "Partnership", "Compare", "Indicator explorer", "Goals", *PUBLIC_MENU],
    "officer": ["Overview", "Partnership", "Compare", "Indicator explorer", "Goals", "My reporting", "Upload",
                "Reporting status", *PUBLIC_MENU],
    "admin": ["Overview", "Partnership", "Compare", "Indicator explorer", "Goals", "My reporting", "Upload",
              "Reporting status", "Review and publish", "Reference data", *PUBLIC_MENU],
}  # fmt: skip


def test_each_role_sees_its_own_menu(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    import secrets

    from playwright.sync_api import expect, sync_playwright

    password = "Rl-" + secrets.token_urlsafe(16)
    for role in ("viewer", "officer", "admin"):
        partnerships = ["att-imago"] if role == "officer" else []
        add_user(sample_store, f"{role}@example.org", role, partnerships, password, actor="tests")
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for role, menu in MENUS.items():
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                if role == "anonymous":
                    page.goto(url, wait_until="domcontentloaded")
                    expect(page.get_by_role("heading", name="Partnership impact")).to_be_visible(timeout=60_000)
                else:
                    page.goto(f"{url}/goals", wait_until="domcontentloaded")
                    sign_in_here(page, f"{role}@example.org", password)
                    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible(timeout=60_000)
                nav = page.get_by_test_id("stSidebarNav")
                expect(nav).to_be_visible(timeout=30_000)
                links = [text.strip() for text in nav.get_by_role("link").all_inner_texts()]
                assert [link.split("\n")[-1] for link in links] == menu, (role, links)
                page.screenshot(path=str(tmp_path / f"menu-{role}.png"))
                if role != "admin":  # a fresh tab of the admin page: refused, with sign-in offered on the spot
                    page.goto(f"{url}/review", wait_until="domcontentloaded")
                    expect(page.get_by_text("Review and publish needs an admin account").first).to_be_visible(
                        timeout=60_000
                    )
                assert page.locator('[data-testid="stException"]').count() == 0
                page.close()
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for role in MENUS:
        shutil.copy(tmp_path / f"menu-{role}.png", ARTIFACTS / f"menu-{role}.png")
