"""Real browser: Debian's Chromium driven by Playwright against `streamlit run` on a loopback port."""

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


def test_overview_renders_its_charts_in_a_real_browser(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    screenshot = tmp_path / "overview.png"
    email, password = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{url}/overview", wait_until="domcontentloaded")
            sign_in_here(page, email, password)
            expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible(timeout=60_000)
            charts = page.locator(".js-plotly-plot")
            expect(charts).to_have_count(5, timeout=60_000)
            expect(page.get_by_text("Synthetic sample data").first).to_be_visible()
            expect(page.locator('[data-testid="stMetric"]')).to_have_count(6)
            expect(page.get_by_text("Headcount at quarter end").first).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
            # change a filter: the URL follows and the charts still render
            open_filters(page)  # the partnership filters sit in a collapsed block
            region = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Region")
            pick_option(page, region.locator("input"), "Sub-Saharan", "Sub-Saharan Africa")
            page.wait_for_url("**region=Sub-Saharan+Africa**", timeout=30_000)
            expect(page.get_by_text("Showing 1 of 8 partnerships")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Filters · 1 region")).to_be_visible()  # the label sums up the choice
            expect(region).to_be_visible()  # and the block stays open while its label changes
            expect(charts.first).to_be_visible()
            page.goto(f"{url}/overview", wait_until="domcontentloaded")  # the whole portfolio for the picture
            still_signed_in(page)
            expect(charts).to_have_count(5, timeout=60_000)
            whole_page_screenshot(page, screenshot)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "overview.png")


def test_an_officer_fixes_a_rejected_file_and_commits_it(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from dashboard.present.exports import csv_bytes

    rows = sample_store.read_indicators("workforce", "submitted", partnership_ids=["att-imago"], years=[2026])
    rows = rows[rows["quarter"] == 3].assign(quarter=4).reset_index(drop=True)
    good = tmp_path / "att-imago-2026Q4.csv"
    good.write_bytes(csv_bytes(rows))
    broken = rows.copy()
    broken.loc[0, "value"] = -4
    bad = tmp_path / "att-imago-2026Q4-draft.csv"
    bad.write_bytes(csv_bytes(broken))
    before = sample_store.version("submitted/workforce")
    email, password = add_browser_account(Path(sample_store.root))

    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 2200})
            page.goto(f"{url}/upload", wait_until="domcontentloaded")
            sign_in_here(page, email, password)
            expect(page.get_by_role("heading", name="Upload quarterly figures")).to_be_visible(timeout=60_000)
            page.locator('input[type="file"]').set_input_files(str(bad))
            expect(page.get_by_text("Not committed").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Errors by rule")).to_be_visible()
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "upload-rejected.png"), full_page=True)
            assert sample_store.version("submitted/workforce") == before

            page.locator('input[type="file"]').set_input_files(str(good))
            expect(page.get_by_text("Preview", exact=True)).to_be_visible(timeout=60_000)
            commit = page.get_by_role("button", name="Commit")
            expect(commit).to_be_enabled(timeout=30_000)
            page.screenshot(path=str(tmp_path / "upload-preview.png"), full_page=True)
            commit.click()
            expect(page.get_by_text("Committed").first).to_be_visible(timeout=60_000)
            expect(page.get_by_role("link", name="Open AT&T × Imago Foundation")).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "upload-committed.png"), full_page=True)

            # the public sees nothing of it until an admin publishes the quarter
            public = browser.new_page(viewport={"width": 1440, "height": 1200})
            public.goto(url, wait_until="domcontentloaded")
            expect(public.get_by_text("Headline figures, 2026 Q3")).to_be_visible(timeout=60_000)
            page.goto(f"{url}/review", wait_until="domcontentloaded")
            still_signed_in(page)
            expect(page.get_by_role("heading", name="Review and publish")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Largest changes").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("more indicators").first).to_be_visible(timeout=60_000)
            expect(page.locator('[data-testid="stDataFrame"] canvas').nth(1)).to_be_visible(timeout=60_000)
            page.wait_for_timeout(2500)
            page.screenshot(path=str(tmp_path / "review-pending.png"), full_page=True)
            choice = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Quarters to act on")
            pick_option(page, choice.locator("input"), "2026 Q4", re.compile("Imago Foundation · 2026 Q4"))
            page.get_by_role("button", name=re.compile("^Publish 1 quarter")).click()
            expect(page.get_by_text("Published 1 quarter(s).")).to_be_visible(timeout=60_000)
            page.screenshot(path=str(tmp_path / "review-published.png"), full_page=True)
            public.goto(url, wait_until="domcontentloaded")  # a fresh visit: no quarter in the link
            # one partnership's quarter does not make the portfolio's: the page stays on the quarter most reported
            expect(public.get_by_text("Headline figures, 2026 Q3")).to_be_visible(timeout=60_000)
            public.goto(f"{url}/?period=2026+Q4", wait_until="domcontentloaded")  # still there to choose
            expect(public.get_by_text("Headline figures, 2026 Q4")).to_be_visible(timeout=60_000)
            expect(public.get_by_text("Only 1 of 7 partnerships have reported 2026 Q4")).to_be_visible()
            public.screenshot(path=str(tmp_path / "public-after-publishing.png"), full_page=True)
        finally:
            browser.close()
    assert sample_store.version("submitted/workforce") == before + 1
    assert sample_store.read_audit().iloc[0]["user"] == email
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in (
        "upload-rejected.png",
        "upload-preview.png",
        "upload-committed.png",
        "review-pending.png",
        "review-published.png",
        "public-after-publishing.png",
    ):
        shutil.copy(tmp_path / name, ARTIFACTS / name)
