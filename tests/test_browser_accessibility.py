"""Real browser: axe-core (``axe-playwright-python``) over every page of the registry, as a visitor and as an admin,
at a laptop's width (1400×1000) and a phone's (390×844). No page may have a serious or critical violation, nor a
heading that skips a level. A full-page screenshot of every page at both widths is kept as a test artifact
(``a11y-<role>-<page>-<width>.png`` in ``$IMPACT_TEST_ARTIFACTS``).

One test per role, so the two run side by side; in each, one server and one browser: a context per width, the admin
signed in once and the second context given the same cookie.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from dashboard.access.pages import EMBED, PAGES, PUBLIC, Page
from dashboard.public.embed import EmbedRequest, embed_url
from dashboard.storage.store import Store
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    add_browser_account,
    require_browser,
    sign_in_here,
    streamlit_server,
)

pytestmark = pytest.mark.browser

SIZES = {1400: 1000, 390: 844}
FAILING_IMPACTS = {"serious", "critical"}
ALSO_FAILING_RULES = {"heading-order", "page-has-heading-one"}
"""Moderate rules the issue names: headings must not skip a level (h1 → h3)."""
VISITOR_PAGES = [page for page in PAGES.values() if "anonymous" in page.roles]
ADMIN_PAGES = [page for page in PAGES.values() if "anonymous" not in page.roles or page.path == "portal"]
"""The staff pages, and one public page under the staff menu: the other public pages are the visitor's, checked
above with the same content (the suite's time goes where the pages differ)."""
APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


PHONE_WIDTH = 600
SIDEBAR_RIGHT = "document.querySelector('[data-testid=\"stSidebar\"]')?.getBoundingClientRect().right ?? 0"


def _phone(playwright) -> dict:  # noqa: ANN001 - Playwright
    """A phone's browser (iPhone 13: 390×844) without its pixel density, for small screenshots."""
    device = playwright.devices["iPhone 13"]
    return {"user_agent": device["user_agent"], "is_mobile": True, "has_touch": True}


def _sidebar_right(tab) -> float:  # noqa: ANN001 - a Playwright page
    return float(tab.evaluate(SIDEBAR_RIGHT))


def _address(url: str, page: Page, role: str) -> str:
    if page == EMBED:  # an embed shows a chart only when asked for one
        return embed_url(url, EmbedRequest(("att-imago",), "students_reached", "trend"))
    return f"{url}/{page.path}"


def _open(tab, address: str) -> None:  # noqa: ANN001 - a Playwright page
    """Open the page and wait until its script has run and its charts are drawn."""
    tab.goto(address, wait_until="load")
    tab.wait_for_selector('[data-testid="stAppViewContainer"], [data-testid="stApp"]', timeout=60_000)
    tab.wait_for_timeout(300)
    tab.wait_for_selector(APP_READY, timeout=60_000)
    tab.wait_for_function(  # Plotly has drawn every chart on the page
        "Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => p.querySelector('.main-svg'))",
        timeout=60_000,
    )
    tab.wait_for_timeout(500)


def _screenshot(tab, path: Path, width: int) -> None:  # noqa: ANN001 - a Playwright page
    """The whole page: grow the viewport to the content (Streamlit scrolls inside its own container), let Plotly
    redraw at the new size, take the picture."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    height = tab.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('[data-testid=\"stMain\"], section'))"
        ".map(e => e.scrollHeight), 844)"
    )
    tab.set_viewport_size({"width": width, "height": min(int(height) + 60, 9000)})
    tab.wait_for_timeout(700)
    with contextlib.suppress(PlaywrightTimeout):  # charts further down are drawn once in view
        tab.wait_for_function(
            "Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
            ".every(c => c.querySelector('.main-svg'))",
            timeout=3_000,
        )
    tab.screenshot(path=str(path), full_page=True)


def _card_tops(tab) -> list[int]:  # noqa: ANN001 - a Playwright page
    """The top of each of the six headline cards (the KPI metrics), in the page's order."""
    tab.wait_for_function(
        "document.querySelectorAll('.st-key-kpi-cards [data-testid=\"stMetric\"]').length === 6", timeout=30_000
    )
    return tab.evaluate(
        "Array.from(document.querySelectorAll('.st-key-kpi-cards [data-testid=\"stMetric\"]'))"
        ".map(m => Math.round(m.getBoundingClientRect().top))"
    )


def _problems(results: dict, role: str, page: Page, width: int) -> list[str]:
    found = []
    for violation in results["violations"]:
        if violation.get("impact") in FAILING_IMPACTS or violation["id"] in ALSO_FAILING_RULES:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300]
            found.append(
                f"{role} /{page.path} at {width} px: {violation['id']} ({violation.get('impact')}), "
                f"{len(violation['nodes'])} elements, e.g. {targets}: {summary}"
            )
    return found


@pytest.mark.parametrize("role", ["visitor", "admin"])
def test_every_page_passes_axe_core_at_both_widths(sample_store: Store, tmp_path: Path, role: str) -> None:
    """Every page a visitor (or an admin) opens, at a desktop and a phone width; one test per role, so the two run
    side by side."""
    require_browser()
    pages = VISITOR_PAGES if role == "visitor" else ADMIN_PAGES
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    account = add_browser_account(Path(sample_store.root))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    checked = 0
    spent = dict.fromkeys(("open", "axe", "screenshot"), 0.0)
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            admin_state = None
            for width, height in SIZES.items():
                phone = _phone(p) if width < PHONE_WIDTH else {}  # a phone's user agent and touch screen
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    storage_state=admin_state if role == "admin" else None,
                    **phone,
                )
                tab = context.new_page()
                if role == "admin" and admin_state is None:
                    tab.goto(f"{url}/overview", wait_until="load")
                    sign_in_here(tab, *account)
                    admin_state = context.storage_state()
                for page in pages:
                    tab.set_viewport_size({"width": width, "height": height})
                    clock = time.monotonic()
                    _open(tab, _address(url, page, role))
                    spent["open"] += time.monotonic() - clock
                    assert tab.locator('[data-testid="stException"]').count() == 0, f"{role} /{page.path}"
                    assert tab.get_by_text("Page not found").count() == 0, f"{role} /{page.path}"
                    if page == PUBLIC:  # headline cards in reading order: three per row, two on a phone
                        tops = _card_tops(tab)
                        per_row = 2 if phone else 3
                        assert len(tops) == 6 and tops[:per_row] == [tops[0]] * per_row, (width, tops)
                        assert tops[per_row] > tops[0], (width, tops)
                    if phone and page != EMBED:  # the menu is closed, not over the page
                        assert _sidebar_right(tab) <= 0, f"{role} /{page.path}: the menu is open on a phone"
                    if role == "admin" and page.path != "sign_in":
                        assert tab.get_by_test_id("stForm").get_by_label("Password").count() == 0, page.path
                    clock = time.monotonic()
                    problems += _problems(axe.run(tab).response, role, page, width)
                    spent["axe"] += time.monotonic() - clock
                    checked += 1
                    clock = time.monotonic()
                    _screenshot(tab, ARTIFACTS / f"a11y-{role}-{page.path}-{width}.png", width)
                    spent["screenshot"] += time.monotonic() - clock
                if phone and role == "admin":  # choosing a page in the menu closes it
                    _open(tab, f"{url}/methodology")
                    tab.get_by_test_id("stExpandSidebarButton").tap()
                    tab.wait_for_function(f"({SIDEBAR_RIGHT}) > 200", timeout=30_000)
                    tab.get_by_test_id("stSidebar").get_by_role("link", name="Goals").tap()
                    tab.wait_for_url("**/goals**", timeout=60_000)
                    tab.wait_for_function(f"({SIDEBAR_RIGHT}) <= 0", timeout=30_000)
                context.close()
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    print(f"axe-core checked {checked} page views in {elapsed:.0f} s:", {k: round(v) for k, v in spent.items()})
    assert checked == 2 * len(pages)
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
