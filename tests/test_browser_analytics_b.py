"""Real browser: the Goals and Partnership pages in Debian's Chromium against `streamlit run` on a loopback port.

One server and one browser serve both pages (starting them is most of the cost); each page gets its own tab.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.storage.store import Store
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    add_browser_account,
    open_filters,
    require_browser,
    sign_in_here,
    streamlit_server,
    whole_page_screenshot,
)

pytestmark = pytest.mark.browser

WIDTH = 1440
"""A laptop-sized window."""


ACCOUNT: list[str] = []


def check_goals_page(page, url: str, screenshot: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/goals", wait_until="domcontentloaded")

    sign_in_here(page, *ACCOUNT)
    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible(timeout=60_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=60_000)
    expect(page.get_by_text("30 of 30 goals, worst score first")).to_be_visible()
    open_filters(page)
    page.get_by_test_id("stCheckbox").get_by_text("Only goals off course").click()
    page.wait_for_url("**filter=off_course**", timeout=30_000)
    expect(page.get_by_text("9 of 30 goals, worst score first")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(2)  # the chart's Table tab and the goals
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    page.get_by_text("How progress is measured").click()
    expect(page.get_by_text("P is observed growth divided by required growth", exact=False)).to_be_visible()
    page.wait_for_timeout(500)  # the expander opens with an animation
    assert page.locator('[data-testid="stException"]').count() == 0
    whole_page_screenshot(page, screenshot)


def check_partnership_page(page, url: str, screenshot: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/partnership?partnership=pge-green-for-all&indicator=new_hires", wait_until="domcontentloaded")

    sign_in_here(page, *ACCOUNT)
    expect(page.get_by_role("heading", name="PG&E × Green for All")).to_be_visible(timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(5, timeout=60_000)  # four goal charts and the indicator trend
    expect(page.locator('[data-testid="stProgress"]')).to_have_count(4)
    breakdown = page.locator('[data-testid="stRadio"]').filter(has_text="Breakdown")
    breakdown.get_by_text("Gender", exact=True).click()
    page.wait_for_url("**breakdown=gender**", timeout=30_000)
    expect(page.get_by_text("New hires per quarter by gender")).to_be_visible(timeout=30_000)
    expect(charts).to_have_count(5)
    assert "partnership=pge-green-for-all" in page.url and "bars=stacked" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    whole_page_screenshot(page, screenshot)


def test_goals_and_partnership_pages_in_a_real_browser(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import sync_playwright

    goals, partnership = tmp_path / "goals.png", tmp_path / "partnership.png"
    ACCOUNT[:] = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            check_goals_page(browser.new_page(viewport={"width": WIDTH, "height": 1000}), url, goals)
            check_partnership_page(browser.new_page(viewport={"width": WIDTH, "height": 1000}), url, partnership)
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for screenshot in (goals, partnership):
        assert screenshot.stat().st_size > 10_000
        shutil.copy(screenshot, ARTIFACTS / screenshot.name)
