"""A visitor downloads a chart as PNG and SVG from the portal in a real browser: the visible buttons work on a
touch-size screen too, and the files carry the chart's title, source line and the dashboard's footer."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from dashboard.present import image_export
from dashboard.public.published import PRODUCT
from dashboard.settings import DEFAULT_LICENCE
from dashboard.storage.store import Store
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser, streamlit_server

pytestmark = pytest.mark.browser


def test_a_visitor_downloads_a_chart_as_png_and_svg_on_a_phone(sample_store: Store, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    screenshot, wide = tmp_path / "chart-image-buttons-390.png", tmp_path / "chart-image-buttons-1400.png"
    with streamlit_server(Path(sample_store.root), tmp_path / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True, has_touch=True)
            page.goto(f"{url}/portal?partnership=att-imago", wait_until="domcontentloaded")
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
            png_button = page.get_by_role("button", name="Download image (PNG)").first
            expect(png_button).to_be_visible(timeout=30_000)  # there without hovering the chart
            png_button.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot))
            with page.expect_download(timeout=90_000) as download:
                png_button.click()
            png = tmp_path / "chart.png"
            download.value.save_as(png)
            assert download.value.suggested_filename.endswith(".png")
            data = png.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">I", data[16:20])[0] == image_export.EXPORT_WIDTH * image_export.PNG_SCALE
            with page.expect_download(timeout=90_000) as download:
                page.get_by_role("button", name="Download image (SVG)").first.click()
            svg = download.value.path().read_text(encoding="utf-8")
            assert download.value.suggested_filename.endswith(".svg")
            assert "Source: " in svg and f"{PRODUCT} · " in svg and DEFAULT_LICENCE in svg
            assert page.locator('[data-testid="stException"]').count() == 0
            page.set_viewport_size({"width": 1400, "height": 1000})
            page.wait_for_timeout(1500)
            page.get_by_role("button", name="Download image (PNG)").first.scroll_into_view_if_needed()
            page.screenshot(path=str(wide))
        finally:
            browser.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for picture in (screenshot, wide):
        shutil.copy(picture, ARTIFACTS / picture.name)
