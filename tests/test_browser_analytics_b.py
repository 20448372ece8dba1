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

WIDTH = 1400
"""A laptop-sized window."""


ACCOUNT: list[str] = []


def no_column_cut_off(page, box: str) -> None:  # noqa: ANN001 - a Playwright page
    """The table in the box keyed ``box`` shows every column without scrolling sideways."""
    scroller = page.locator(f".st-key-{box} .dvn-scroller").first
    widths = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"the table {box} scrolls sideways at {WIDTH} px: {widths}"


def check_goals_page(page, url: str, screenshot: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/goals", wait_until="domcontentloaded")

    sign_in_here(page, *ACCOUNT)
    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible(timeout=60_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=60_000)
    expect(page.get_by_text("34 of 34 goals, worst score first")).to_be_visible()
    # the answer first: the goals off course, above the one chart of the counts; every column on screen
    off_course = page.locator(".st-key-off-course-table-box")
    expect(page.get_by_role("heading", name="9 of 34 goals are off course")).to_be_in_viewport()
    expect(off_course).to_be_in_viewport()
    assert off_course.bounding_box()["y"] < page.locator(".js-plotly-plot").bounding_box()["y"]
    no_column_cut_off(page, "off-course-table-box")
    no_column_cut_off(page, "goals-table-box")
    page.screenshot(path=str(screenshot.with_name("goals-first-screen.png")))
    open_filters(page)
    page.get_by_test_id("stCheckbox").get_by_text("Only goals off course").click()
    page.wait_for_url("**filter=off_course**", timeout=30_000)
    expect(page.get_by_text("9 of 34 goals, worst score first")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(3)  # off course, the chart's Table, the goals
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    page.get_by_text("How progress is measured").click()
    expect(page.get_by_text("P is observed growth divided by required growth", exact=False)).to_be_visible()
    page.wait_for_timeout(500)  # the expander opens with an animation
    assert page.locator('[data-testid="stException"]').count() == 0
    whole_page_screenshot(page, screenshot, width=WIDTH)


def check_goal_link(page, url: str, screenshot: Path) -> None:
    """A row's link of the Goals page opens the Partnership page scrolled to that goal's card, shown first."""
    from playwright.sync_api import expect

    from dashboard.present.goal_texts import goal_link

    page.goto(
        goal_link(f"{url}/partnership", "pge-green-for-all", "pge-green-for-all-women-hires-2030"),
        wait_until="domcontentloaded",
    )
    card = page.locator(".st-key-opened-goal")
    expect(card.get_by_text("New hires — Women", exact=True)).to_be_visible(timeout=60_000)
    at_top = (
        "() => { const c = document.querySelector('.st-key-opened-goal'); if (!c) return false; "
        "const top = c.getBoundingClientRect().top; return top > -5 && top < 150; }"
    )
    page.wait_for_function(at_top, timeout=30_000)  # scrolled: the card at the top of the window
    page.wait_for_timeout(2000)  # the second scroll, once the charts above have their height
    assert page.evaluate(at_top)
    assert "goal=pge-green-for-all-women-hires-2030" in page.url
    page.screenshot(path=str(screenshot))


def check_partnership_page(page, url: str, screenshot: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/partnership?partnership=pge-green-for-all&indicator=new_hires", wait_until="domcontentloaded")

    sign_in_here(page, *ACCOUNT)
    expect(page.get_by_role("heading", name="PG&E × Green for All")).to_be_visible(timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(7, timeout=60_000)  # five goal charts, the indicator trend and the roadmap
    expect(page.locator('[data-testid="stProgress"]')).to_have_count(5)
    headline = page.locator(".st-key-employment-split")  # direct vs subcontracted workers, above the goals
    expect(headline.get_by_text("Direct employees", exact=True)).to_be_visible()
    expect(headline.get_by_text("Subcontracted workers", exact=True)).to_be_visible()
    breakdown = page.locator('[data-testid="stRadio"]').filter(has_text="Breakdown")
    breakdown.get_by_text("Gender", exact=True).click()
    page.wait_for_url("**breakdown=gender**", timeout=30_000)
    expect(page.get_by_text("New hires per quarter by gender", exact=True)).to_be_visible(timeout=30_000)
    expect(charts).to_have_count(7)
    assert "partnership=pge-green-for-all" in page.url and "bars=stacked" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    whole_page_screenshot(page, screenshot)


def test_goals_and_partnership_pages_in_a_real_browser(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import sync_playwright

    goals, partnership, linked = tmp_path / "goals.png", tmp_path / "partnership.png", tmp_path / "goal-link.png"
    ACCOUNT[:] = add_browser_account(Path(sample_store.root))
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            check_goals_page(browser.new_page(viewport={"width": WIDTH, "height": 1000}), url, goals)
            opened = browser.new_page(viewport={"width": WIDTH, "height": 1000})
            check_partnership_page(opened, url, partnership)
            opened.set_viewport_size({"width": WIDTH, "height": 1000})
            check_goal_link(opened, url, linked)  # the same browser, signed in
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for screenshot in (goals, goals.with_name("goals-first-screen.png"), partnership, linked):
        assert screenshot.stat().st_size > 10_000
        shutil.copy(screenshot, ARTIFACTS / screenshot.name)
