"""Real browser: Debian's Chromium driven by Playwright against `streamlit run` on a loopback port."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.store import Store
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser, streamlit_server

pytestmark = pytest.mark.browser


def test_overview_renders_its_charts_in_a_real_browser(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    screenshot = tmp_path / "overview.png"
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible(timeout=60_000)
            charts = page.locator(".js-plotly-plot")
            expect(charts).to_have_count(4, timeout=60_000)
            expect(page.get_by_text("Synthetic sample data").first).to_be_visible()
            expect(page.locator('[data-testid="stMetric"]')).to_have_count(6)
            expect(page.get_by_text("Headcount at quarter end").first).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
            # Streamlit scrolls inside its own container: grow the viewport to the content for a whole-page picture
            height = page.evaluate(
                "Math.max(...Array.from(document.querySelectorAll('[data-testid=\"stMain\"], section'))"
                ".map(e => e.scrollHeight), 1000)"
            )
            page.set_viewport_size({"width": 1440, "height": min(int(height) + 100, 6000)})
            page.wait_for_timeout(1500)  # let Plotly redraw at the new size before the screenshot
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "overview.png")
