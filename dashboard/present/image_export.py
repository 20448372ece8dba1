"""A chart as an image to download (PNG or SVG), made on the server by kaleido in headless Chromium, carrying what
Our World in Data's images carry: the title and subtitle, the source line, and a footer naming the site, the date
and the licence.

Kaleido 1.x drives a Chromium that must be installed apart (Debian's ``chromium``): ``BROWSER_PATH`` names it, else
``/usr/bin/chromium`` or the first ``chromium``/``google-chrome`` on the ``PATH``. One browser is started on the first
export and kept for the next ones (starting it takes seconds); :func:`export_available` says whether an export can be
made, so a page can say so instead of failing.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import importlib.util
import os
import shutil
import threading
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go

from dashboard.present.chart_style import CHART_HEIGHT, source_annotation
from dashboard.present.text_safety import plotly_literal

EXPORT_WIDTH = 1000
"""Width of an exported image in pixels (a PNG has twice as many: :data:`PNG_SCALE`)."""

PNG_SCALE = 2
"""A PNG is drawn at twice the size, sharp on high-density screens and in print."""

FOOTER = 20
"""Pixels added below the source line for the footer line."""


START_SECONDS = 60.0
RENDER_SECONDS = 60.0
"""How long starting the browser and drawing one image may take before the export gives up."""

BROWSER_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
BROWSER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")

MIME_TYPES: Mapping[str, str] = {"png": "image/png", "svg": "image/svg+xml"}

ImageFormat = Literal["png", "svg"]


class ImageExportUnavailable(RuntimeError):
    """No image can be made here: kaleido or a Chromium browser is missing, or the browser does not start."""


def browser_path() -> str | None:
    """The Chromium that draws the images: ``BROWSER_PATH`` (kaleido's own variable) when it names a program, else
    Debian's ``/usr/bin/chromium``, else the first Chromium or Chrome on the ``PATH``; None when there is none."""
    configured = (os.environ.get("BROWSER_PATH") or "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in BROWSER_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """Why no image can be made here, in a sentence for people; None when an export can be tried."""
    if importlib.util.find_spec("kaleido") is None:
        return "Image download is not available on this server: the kaleido package is not installed."
    if browser_path() is None:
        return "Image download is not available on this server: it needs the Chromium browser installed."
    if _RENDERER.failure is not None:
        return f"Image download is not available on this server: {_RENDERER.failure}"
    return None


def export_available() -> bool:
    """Whether an image export can be tried (kaleido, a browser, and the browser did not fail to start)."""
    return unavailable_reason() is None


def footer_text(site_name: str, licence: str, made_on: date) -> str:
    """The footer of an exported image: ``"Partnership Impact Dashboard · 27 November 2026 · CC BY 4.0"``."""
    parts = [site_name.strip(), f"{made_on.day} {made_on:%B %Y}", licence.strip()]
    return " · ".join(part for part in parts if part)


def export_spec(figure: go.Figure, footer: str) -> dict[str, Any]:
    """The figure as a dict ready to draw as an image: a copy (the figure itself, maybe shared, is not changed) at
    :data:`EXPORT_WIDTH` pixels wide, with ``footer`` (plain text, made literal here) on a line of its own below the
    source line. The bottom margin and the height grow by :data:`FOOTER` pixels, so the plot keeps its size and
    the legend and source line their places."""
    spec = copy.deepcopy(figure.to_dict())
    layout = spec.setdefault("layout", {})
    margin = layout.setdefault("margin", {})
    bottom = int(margin.get("b", 80) or 0) + FOOTER
    left = int(margin.get("l", 80) or 0)
    margin["b"] = bottom
    margin["autoexpand"] = False
    layout["height"] = int(layout.get("height") or CHART_HEIGHT) + FOOTER
    layout["width"] = EXPORT_WIDTH
    layout.setdefault("paper_bgcolor", "white")
    title = layout.get("title")
    if isinstance(title, dict) and title.get("x", 0.5) == 0 and title.get("xanchor") == "left":
        title.setdefault("pad", {}).setdefault("l", 10)  # in line with the source line and footer, off the edge
    layout["annotations"] = [
        *layout.get("annotations", []),
        source_annotation(plotly_literal(footer), left=left, bottom=bottom),
    ]
    return spec


def export_figure(figure: go.Figure, *, site_name: str, licence: str, made_on: date, fmt: ImageFormat = "png") -> bytes:
    """The figure as a PNG (:data:`EXPORT_WIDTH` × height at scale :data:`PNG_SCALE`) or SVG file, with its title,
    subtitle and source line and the footer "<site name> · <date> · <licence>" (:func:`export_spec`).

    Raises :class:`ImageExportUnavailable` when kaleido or the browser is missing or does not start."""
    if fmt not in MIME_TYPES:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {sorted(MIME_TYPES)}")
    reason = unavailable_reason()
    if reason is not None:
        raise ImageExportUnavailable(reason)
    spec = export_spec(figure, footer_text(site_name, licence, made_on))
    options = {
        "format": fmt,
        "width": EXPORT_WIDTH,
        "height": spec["layout"]["height"],
        "scale": PNG_SCALE if fmt == "png" else 1,
    }
    image = _RENDERER.render(spec, options)
    return image.encode("utf-8") if isinstance(image, str) else bytes(image)


class _Renderer:
    """One kaleido browser for the process, started on the first export and kept: its own thread runs an event loop
    that kaleido's calls are handed to, so exports from several sessions (threads) are drawn one after another on the
    same browser. A browser that fails is closed and started again on the next export."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None
        self.failure: str | None = None
        """Why the browser could not be started, once it could not (the next start is not tried)."""

    def _start(self) -> None:
        import kaleido

        path = browser_path()
        if path is None:
            raise ImageExportUnavailable("no Chromium browser found")
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="image-export", daemon=True).start()

        async def open_browser() -> Any:
            browser = kaleido.Kaleido(n=1, path=path, mathjax=False, timeout=RENDER_SECONDS)
            await browser.open()
            return browser

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(timeout=START_SECONDS)
        except Exception as error:
            loop.call_soon_threadsafe(loop.stop)
            self.failure = f"the Chromium browser at {Path(path)} did not start ({type(error).__name__})."
            raise ImageExportUnavailable(self.failure) from error
        self._loop = loop

    def render(self, spec: dict[str, Any], options: dict[str, Any]) -> bytes | str:
        with self._lock:
            if self._kaleido is None:
                self._start()
            browser, loop = self._kaleido, self._loop
        assert loop is not None
        future = asyncio.run_coroutine_threadsafe(browser.calc_fig(spec, opts=options), loop)
        try:
            return future.result(timeout=RENDER_SECONDS)
        except Exception:
            future.cancel()
            self.close()  # a browser that failed once is not trusted again: the next export starts a new one
            raise

    def close(self) -> None:
        with self._lock:
            browser, loop = self._kaleido, self._loop
            self._kaleido, self._loop = None, None
        if browser is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=START_SECONDS)
        except Exception:  # closing a broken browser: nothing more to do
            pass
        finally:
            loop.call_soon_threadsafe(loop.stop)


_RENDERER = _Renderer()
atexit.register(_RENDERER.close)


def close_browser() -> None:
    """Close the export browser if one is running (the next export starts a new one)."""
    _RENDERER.close()
