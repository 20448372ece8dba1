"""Real browser: Debian's Chromium driven by Playwright against `streamlit run` on a loopback port."""

from __future__ import annotations

import re
import secrets
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


def _fill_template(template: Path, target: Path, *, mistake: bool) -> int:
    """Fill a downloaded Excel template as an officer would: each row that had a value last quarter gets it again
    (the rest stay blank, to be skipped); with ``mistake`` the first figure is typed as -4. Returns the rows filled."""
    from openpyxl import load_workbook

    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    last, value = header.index("last_quarter_value") + 1, header.index("value") + 1
    filled = 0
    for row in range(2, sheet.max_row + 1):
        before = sheet.cell(row, last).value
        if before is not None and sheet.cell(row, 1).value:
            sheet.cell(row, value).value = -4 if mistake and filled == 0 else before
            filled += 1
    book.save(target)
    return filled


def test_an_officer_reports_a_quarter_from_a_prefilled_template(sample_store: Store, tmp_path: Path) -> None:
    """The officer's path: My reporting → template → fill → upload with one mistake → fix → commit → waiting for
    review; then an administrator publishes it and the public sees it."""
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from dashboard.access.accounts import add_user

    before = sample_store.version("submitted/workforce")
    officer_email, officer_password = "officer@example.org", "Tst-" + secrets.token_urlsafe(18)
    add_user(sample_store, officer_email, "officer", ["att-imago"], officer_password, actor="tests")
    email, password = add_browser_account(Path(sample_store.root))
    clock = {"IMPACT_TODAY": "2026-12-20"}  # 2026 Q4 is the current quarter, whatever the real date
    log = tmp_path / "streamlit.log"
    with streamlit_server(Path(sample_store.root), log, env=clock) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            officer = browser.new_context(viewport={"width": 1440, "height": 2200}, accept_downloads=True)
            page = officer.new_page()
            page.goto(f"{url}/home", wait_until="domcontentloaded")
            sign_in_here(page, officer_email, officer_password)
            expect(page.get_by_role("heading", name="My reporting")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Due next")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("as of 20 December 2026").first).to_be_visible()  # the server's fixed clock
            expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "officer-home.png"), full_page=True)

            page.get_by_role("link", name="Upload quarterly figures").first.click()
            expect(page.get_by_role("heading", name="Upload quarterly figures")).to_be_visible(timeout=60_000)
            page.get_by_text("Download template for partnerships and a quarter, pre-filled").click()
            block = page.locator('[data-testid="stExpander"]').filter(has_text="pre-filled")
            expect(block.get_by_text("AT&T × Imago Foundation").first).to_be_visible(timeout=30_000)  # theirs, chosen
            quarter = block.locator('[data-testid="stSelectbox"]').filter(has_text="Quarter")
            pick_option(page, quarter.locator("input"), "2026 Q4", re.compile("^2026 Q4"))
            dataset = block.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset")
            pick_option(page, dataset.locator("input"), "Workforce", "Workforce")
            expect(block.get_by_text(re.compile(r"rows for 1 partnership, Workforce, 2026 Q4"))).to_be_visible(
                timeout=30_000
            )
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "officer-template.png"), full_page=True)
            with page.expect_download(timeout=60_000) as download:
                block.get_by_role("button", name="Download the Excel template").click()
            template = tmp_path / download.value.suggested_filename
            download.value.save_as(template)
            assert template.suffix == ".xlsx"
            bad, good = tmp_path / "att-imago-2026Q4-draft.xlsx", tmp_path / "att-imago-2026Q4.xlsx"
            filled = _fill_template(template, bad, mistake=True)
            assert _fill_template(template, good, mistake=False) == filled > 20

            page.locator('input[type="file"]').set_input_files(str(bad))
            expect(page.get_by_text("Not committed").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Errors by rule")).to_be_visible()
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "upload-rejected.png"), full_page=True)
            assert sample_store.version("submitted/workforce") == before

            page.locator('input[type="file"]').set_input_files(str(good))
            expect(page.get_by_text("Preview", exact=True)).to_be_visible(timeout=60_000)
            skipped = page.get_by_text(re.compile(r"rows? with a blank value (was|were) skipped"))
            expect(skipped.first).to_be_attached()  # the blank rows are skipped, said in the warnings table
            commit = page.get_by_role("button", name=re.compile(rf"^Commit {filled:,} rows"))
            expect(commit).to_be_enabled(timeout=30_000)
            page.screenshot(path=str(tmp_path / "upload-preview.png"), full_page=True)
            commit.click()
            expect(page.get_by_text("Committed").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Waiting for review by an administrator.").first).to_be_visible(timeout=60_000)
            expect(commit).to_have_count(0, timeout=30_000)
            expect(page.get_by_role("button", name="Commit", exact=True)).to_be_disabled()  # until the file changes
            expect(page.get_by_role("link", name="Open AT&T × Imago Foundation")).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "upload-committed.png"), full_page=True)
            page.goto(f"{url}/home", wait_until="domcontentloaded")  # home lists the upload, waiting for review
            expect(page.get_by_role("heading", name="My last uploads")).to_be_visible(timeout=60_000)
            assert page.get_by_text("Page not found").count() == 0  # a landing page keeps its own address
            expect(page.get_by_text("att-imago-2026Q4.xlsx").first).to_be_attached(timeout=30_000)
            expect(page.get_by_text("waiting for review", exact=True).first).to_be_attached()
            page.wait_for_timeout(800)
            page.screenshot(path=str(tmp_path / "officer-home-after.png"), full_page=True)
            officer.close()

            page = browser.new_page(viewport={"width": 1440, "height": 2200})  # an administrator, elsewhere
            page.goto(f"{url}/review", wait_until="domcontentloaded")
            sign_in_here(page, email, password)
            # the public sees nothing of it until an admin publishes the quarter
            public = browser.new_page(viewport={"width": 1440, "height": 1200})
            public.goto(url, wait_until="domcontentloaded")
            expect(public.get_by_text("Headline figures, 2026 Q3")).to_be_visible(timeout=60_000)
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
    uploads = sample_store.read_audit()
    assert uploads[uploads["action"] == "upload"].iloc[0]["user"] == officer_email
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in (
        "officer-home.png",
        "officer-template.png",
        "officer-home-after.png",
        "upload-rejected.png",
        "upload-preview.png",
        "upload-committed.png",
        "review-pending.png",
        "review-published.png",
        "public-after-publishing.png",
    ):
        shutil.copy(tmp_path / name, ARTIFACTS / name)
