"""Chart images (PNG, SVG) drawn by kaleido in real Chromium, with title, subtitle, source line and a footer naming
the site, date and licence; the chart blocks' visible "Download image" buttons, made only on the click.

The kaleido tests skip with a reason when Chromium is missing, unless ``IMPACT_REQUIRE_BROWSER=1`` (CI). One browser
is started for the module (the first export) and closed at its end.
"""

from __future__ import annotations

import os
import struct
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard.analytics.metrics import quarterly_trend
from dashboard.present import image_export
from dashboard.present.charts import trend_figure
from dashboard.present.image_export import FOOTER, export_figure, export_spec, footer_text
from dashboard.public.published import PRODUCT
from dashboard.storage.store import Store
from data_contracts import indicator
from tests.conftest import app_as
from tests.test_metrics import PARTNERSHIPS, WORKFORCE

SOURCE = "Source: Alpha Schools, A&B <Jobs>, workforce dataset · synthetic sample data."
MADE_ON = date(2026, 11, 27)


def figure() -> go.Figure:
    """A real trend figure of two partnerships, one with a name full of markup characters."""
    partnerships = PARTNERSHIPS.assign(name=["Alpha Schools", "A&B <Jobs>"])
    trend = quarterly_trend(WORKFORCE, "workforce_headcount", partnerships)
    return trend_figure(trend, indicator("workforce_headcount"), source=SOURCE)


@pytest.fixture(scope="module")
def browser() -> Iterator[None]:
    """Chromium for kaleido, or a skip (a failure in CI); the export browser is closed after the module."""
    problem = None if image_export.export_available() else image_export.unavailable_reason()
    if problem:
        if os.environ.get("IMPACT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"image export is required (IMPACT_REQUIRE_BROWSER=1) but: {problem}")
        pytest.skip(problem)
    yield
    image_export.close_browser()


def svg_text(svg: bytes) -> str:
    """Every text an SVG draws, as one line of plain words."""
    root = ElementTree.fromstring(svg)
    return " ".join(" ".join(root.itertext()).split())


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR header."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_footer_names_the_site_the_date_and_the_licence() -> None:
    assert footer_text("Partnership Impact Dashboard", "CC BY 4.0", MADE_ON) == (
        "Partnership Impact Dashboard · 27 November 2026 · CC BY 4.0"
    )


def test_the_export_adds_a_footer_below_the_source_line_and_leaves_the_figure_alone() -> None:
    shown = figure()
    before, original = shown.to_json(), shown.to_dict()["layout"]
    spec = export_spec(shown, footer_text("Site <b>", "CC BY 4.0", MADE_ON))
    assert shown.to_json() == before  # a shared, drawn figure is never changed
    layout = spec["layout"]
    assert layout["width"] == image_export.EXPORT_WIDTH
    assert layout["height"] == original["height"] + FOOTER
    assert layout["margin"]["b"] == original["margin"]["b"] + FOOTER  # the plot keeps its height
    source, footer = layout["annotations"][-2:]
    assert source == original["annotations"][-1]
    assert footer["text"] == "Site &lt;b&gt; · 27 November 2026 · CC BY 4.0"  # literal for Plotly
    assert footer["yshift"] < source["yshift"]  # below the source line


def test_an_svg_carries_title_subtitle_source_site_date_and_licence(browser: None) -> None:
    started = time.perf_counter()
    svg = export_figure(
        figure(), site_name="Partnership Impact Dashboard", licence="CC BY 4.0", made_on=MADE_ON, fmt="svg"
    )
    first = time.perf_counter() - started
    text = svg_text(svg)
    assert "Headcount at quarter end" in text
    assert "number, 2023 Q3 – 2024 Q3" in text
    assert SOURCE in text  # markup in data drawn as typed
    assert "A&B <Jobs>" in text
    assert "Partnership Impact Dashboard · 27 November 2026 · CC BY 4.0" in text
    root = ElementTree.fromstring(svg)
    assert root.get("width") == str(image_export.EXPORT_WIDTH)
    assert first < 60, f"the first export (browser start included) took {first:.1f} s"


def test_a_png_is_twice_the_export_width_with_room_for_the_footer(browser: None) -> None:
    shown = figure()
    started = time.perf_counter()
    png = export_figure(
        shown, site_name="Partnership Impact Dashboard", licence="CC BY 4.0", made_on=MADE_ON, fmt="png"
    )
    took = time.perf_counter() - started
    width, height = png_size(png)
    assert width == image_export.EXPORT_WIDTH * image_export.PNG_SCALE
    assert height == (shown.layout.height + FOOTER) * image_export.PNG_SCALE
    assert took < 20, f"a PNG with the browser running took {took:.1f} s"


def test_the_chart_blocks_image_names_this_dashboard_today_and_the_configured_licence(
    browser: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.web.blocks import chart_image

    monkeypatch.setenv("IMPACT_DATA_LICENCE", "CC BY-SA 4.0")
    today = datetime.now(UTC).date()
    text = svg_text(chart_image(figure(), "svg"))
    assert f"{PRODUCT} · {today.day} {today:%B %Y} · CC BY-SA 4.0" in text


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown image format"):
        export_figure(figure(), site_name="x", licence="y", made_on=MADE_ON, fmt="gif")  # type: ignore[arg-type]


# ---- the chart blocks in real Streamlit ------------------------------------------------------------------------------


def image_buttons(app) -> list:  # noqa: ANN001
    return [b.proto for b in app.get("download_button") if b.proto.label.startswith("Download image")]


def test_every_chart_block_shows_png_and_svg_buttons_made_only_on_the_click(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store
) -> None:
    image_export.close_browser()
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin").run()  # the overview: the status chart and a trend per dataset
    assert not app.exception
    charts = app.get("plotly_chart")
    buttons = image_buttons(app)
    assert len(charts) == 5
    assert [b.label for b in buttons] == ["Download image (PNG)", "Download image (SVG)"] * len(charts)
    assert all(b.ignore_rerun for b in buttons)  # a click downloads, the page does not run again
    if image_export.export_available():
        assert not any(b.disabled for b in buttons)
        assert all(b.deferred_file_id and not b.url for b in buttons)  # a function to call on the click, no bytes
        assert image_export._RENDERER._kaleido is None  # no image was drawn for the page: only a click draws one
    csv = [b.proto.label for b in app.get("download_button") if b.proto.label == "Download CSV"]
    assert len(csv) == len(charts)  # the CSV download stays


def test_without_a_browser_the_image_buttons_are_greyed_out_and_say_why(
    monkeypatch: pytest.MonkeyPatch, sample_store: Store, tmp_path: Path
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))
    monkeypatch.setenv("IMPACT_STORE", sample_store.root)
    app = app_as("admin").run()
    assert not app.exception
    buttons = image_buttons(app)
    assert buttons and all(b.disabled for b in buttons)
    assert all("needs the Chromium browser" in b.help for b in buttons)
    assert len(app.get("plotly_chart")) == 5  # nothing else is missing
