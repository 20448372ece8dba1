"""Real browser: a partner's page on another loopback port embeds a chart in an iframe, and it renders; the public
portal works for a visitor without an account."""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dashboard.public.embed import EmbedRequest, embed_snippet
from dashboard.storage.store import Store
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser, streamlit_server, whole_page_screenshot

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def partner_site(body: str) -> Iterator[str]:
    """A plain HTML page served on its own loopback port, as a partner's website would be."""
    page = f"<!doctype html><html><head><title>Partner site</title></head><body>{body}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_partner_page_embeds_a_chart_in_an_iframe(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    screenshot = tmp_path / "embed-in-partner-page.png"
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as app_url:
        trend = embed_snippet(app_url, EmbedRequest(("att-imago",), "students_reached", "trend"), "Students reached")
        private = embed_snippet(app_url, EmbedRequest(("circular-jobs-berlin",), "new_hires", "trend"), "Private")
        dark = embed_snippet(
            app_url,
            EmbedRequest(("pge-green-for-all",), "new_hires", "breakdown", theme="dark", breakdown="gender"),
            "New hires by gender",
        )
        body = (
            "<h1>Our impact</h1><p>Figures from the Partnership Impact Dashboard:</p>"
            f"{trend}<p>A private partnership asked for by URL:</p>{private}<p>Dark, a breakdown:</p>{dark}"
            f"<p>Snippet: <code>{html.escape(trend)}</code></p>"
        )
        with partner_site(body) as site, sync_playwright() as p:
            assert site.split(":")[2] != app_url.split(":")[2]  # another port: another origin
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 900, "height": 1500})
                page.goto(site, wait_until="domcontentloaded")
                frames = page.frame_locator("iframe")
                chart_frame = frames.nth(0)
                expect(chart_frame.locator(".js-plotly-plot")).to_have_count(1, timeout=90_000)
                expect(chart_frame.get_by_text("Students reached per quarter").first).to_be_visible(timeout=30_000)
                expect(chart_frame.get_by_role("tab", name="Table")).to_be_visible()
                expect(chart_frame.get_by_text("Full view")).to_be_visible()
                assert chart_frame.locator('[data-testid="stSidebar"]').count() == 0
                assert chart_frame.locator('[data-testid="stException"]').count() == 0
                private_frame = frames.nth(1)
                expect(private_frame.get_by_text("This chart is not available.")).to_be_visible(timeout=60_000)
                assert private_frame.locator(".js-plotly-plot").count() == 0
                assert private_frame.get_by_text("Circular Jobs Berlin").count() == 0
                dark_frame = frames.nth(2)
                expect(dark_frame.locator(".js-plotly-plot")).to_have_count(1, timeout=90_000)
                expect(dark_frame.get_by_text(re.compile(r"New hires.* by gender")).first).to_be_visible(timeout=30_000)
                box = page.locator("iframe").first.bounding_box()
                assert box is not None and (round(box["width"]), round(box["height"])) == (600, 400)
                # the table alternative inside the frame
                chart_frame.get_by_role("tab", name="Table").click()
                expect(chart_frame.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=30_000)
                chart_frame.get_by_role("tab", name="Chart").click()
                expect(chart_frame.locator(".js-plotly-plot")).to_be_visible()
                page.wait_for_timeout(1500)
                whole_page_screenshot(page, screenshot, width=900)
            finally:
                browser.close()
    assert screenshot.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / screenshot.name)


def test_a_visitor_opens_the_portal_and_downloads_a_partnership(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    screenshot = tmp_path / "portal.png"
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page.goto(f"{url}/portal?partnership=att-imago", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Partnerships")).to_be_visible(timeout=60_000)
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.get_by_role("button", name="Embed").first.click()
            expect(page.get_by_text("<iframe src=").first).to_be_visible(timeout=30_000)
            page.keyboard.press("Escape")
            # a table's own toolbar offers no CSV of its raw cells (a spreadsheet would run =HYPERLINK(…) there);
            # the page's download buttons give the same numbers made safe
            page.get_by_role("tab", name="Table").first.click()
            table = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
            expect(table).to_be_visible(timeout=30_000)
            table.hover()
            search = page.locator('[data-testid="stBaseButton-elementToolbar"][aria-label="Search"]').filter(
                visible=True
            )
            expect(search).to_be_visible(timeout=10_000)  # the table's toolbar is shown ...
            assert page.get_by_role("button", name="Download as CSV").count() == 0  # ... without a CSV download
            with page.expect_download() as download:
                page.get_by_role("button", name="All figures (CSV)").click()
            saved = tmp_path / "portal.csv"
            download.value.save_as(saved)
            text = saved.read_text(encoding="utf-8")
            assert text.startswith("partnership_id,partnership,dataset,indicator_id")
            assert "circular-jobs-berlin" not in text
            whole_page_screenshot(page, screenshot)
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / screenshot.name)
