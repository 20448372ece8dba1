"""Real browser: the Compare page and the Indicator explorer in Debian's Chromium against `streamlit run`."""

from __future__ import annotations

import re
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
    pick_option,
    require_browser,
    sign_in_here,
    still_signed_in,
    streamlit_server,
    whole_page_screenshot,
)

pytestmark = pytest.mark.browser

WIDTH = 1440


ACCOUNT: list[str] = []


def _choose(page, label: str, option: str) -> None:
    """Open the multiselect or selectbox named ``label`` and pick ``option``."""
    box = page.get_by_role("combobox", name=label, exact=True)
    pick_option(page, box, option.split(" · ")[-1], option)  # long lists are virtualised: filter first


def test_compare_and_indicator_explorer_in_a_real_browser(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    shots = {"compare.png": tmp_path / "compare.png", "indicator-explorer.png": tmp_path / "indicator-explorer.png"}
    ACCOUNT[:] = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 1000})

            page.goto(f"{url}/compare?p=att-imago,pge-green-for-all,solar-skills-kenya&i=new_hires", wait_until="load")

            sign_in_here(page, *ACCOUNT)
            expect(page.get_by_role("heading", name="Compare partnerships")).to_be_visible(timeout=60_000)
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=60_000)
            open_filters(page)
            _choose(page, "Indicators (1 to 4)", "Workforce · Headcount")
            expect(page).to_have_url(re.compile(re.escape("workforce_headcount")), timeout=30_000)
            expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=60_000)
            page.get_by_text("Per USD 1M of committed funding").click()
            expect(page).to_have_url(re.compile(re.escape("norm=per_usd_million")), timeout=30_000)
            expect(page.get_by_text("number per USD 1M of committed funding, 2026 Q3").first).to_be_visible(
                timeout=30_000
            )
            assert "p=att-imago%2Cpge-green-for-all%2Csolar-skills-kenya" in page.url or "p=att-imago," in page.url
            assert page.locator('[data-testid="stException"]').count() == 0
            whole_page_screenshot(page, shots["compare.png"])

            page.set_viewport_size({"width": WIDTH, "height": 1000})
            page.goto(f"{url}/indicator?indicator=workforce_headcount", wait_until="load")
            still_signed_in(page)
            expect(page.get_by_role("heading", name="Indicator explorer")).to_be_visible(timeout=60_000)
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
            open_filters(page)
            _choose(page, "Indicator", "Education · Teachers trained")
            expect(page).to_have_url(re.compile(re.escape("indicator=teachers_trained")), timeout=30_000)
            expect(page.get_by_text("Teachers trained per quarter").first).to_be_visible(timeout=30_000)
            page.get_by_text("Annual (complete years)").click()
            expect(page).to_have_url(re.compile(re.escape("view=annual")), timeout=30_000)
            expect(page.get_by_text("Teachers trained per year").first).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            whole_page_screenshot(page, shots["indicator-explorer.png"])
            page.set_viewport_size({"width": WIDTH, "height": 1000})
            for tab in ("Breakdowns", "Metadata", "Goals"):
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(600)
                whole_page_screenshot(page, tmp_path / f"indicator-explorer-{tab.lower()}.png")
                page.set_viewport_size({"width": WIDTH, "height": 1000})
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in shots.items():
        assert path.stat().st_size > 10_000
        shutil.copy(path, ARTIFACTS / name)
    for tab in ("breakdowns", "metadata", "goals"):
        shutil.copy(tmp_path / f"indicator-explorer-{tab}.png", ARTIFACTS / f"indicator-explorer-{tab}.png")
