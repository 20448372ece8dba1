"""Figures drawn once and shared by every session: a chart of many partnerships takes seconds to draw and to write
as JSON, so it is drawn once per key (everything it shows) and its dict made once, ready for Plotly's JSON writer.

A figure returned from here is shared: never change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.public.embed import EmbedContent
from dashboard.settings import min_cell_count
from dashboard.storage import reads
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE


def _json_ready(figure: dict) -> dict:
    """The figure dict as Plotly's JSON writer would clean it before writing: ``plotly.io.to_json`` first tries
    orjson on the dict as it is and, when that fails (arrays of text or dates), cleans it in Python, a few seconds
    for thousands of lines. Cleaning once here gives the same JSON without the failed try and the cleaning."""
    try:
        import orjson
        from _plotly_utils.optional_imports import get_module
        from plotly.io._json import clean_to_json_compatible, config
    except ImportError:  # another plotly: leave the dict as it is
        return figure
    if config.default_engine not in ("auto", "orjson"):
        return figure
    try:
        orjson.dumps(figure, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        return figure
    except TypeError:
        pass
    modules = {
        "sage_all": get_module("sage.all", should_load=False),
        "np": get_module("numpy", should_load=False),
        "pd": get_module("pandas", should_load=False),
        "image": get_module("PIL.Image", should_load=False),
    }
    return clean_to_json_compatible(figure, numpy_allowed=True, datetime_allowed=True, modules=modules)


class DrawnFigure(go.Figure):
    """A figure drawn once and shared (see :func:`drawn_figure`): ``st.plotly_chart`` asks a figure for its dict on
    every run (a deep copy with every array encoded, about a second for a few hundred lines) and writes it as JSON,
    so the dict is made once, ready for the JSON writer, when the figure is drawn. Never change a drawn figure."""

    def to_dict(self) -> dict:
        drawn = self.__dict__.get("_drawn_dict")
        if drawn is None:
            drawn = _json_ready(super().to_dict())
            self.__dict__["_drawn_dict"] = drawn
        return drawn


def _make_drawn(figure: go.Figure) -> None:
    """Make ``figure`` a :class:`DrawnFigure` (the same object) with its dict made now."""
    figure.__class__ = DrawnFigure
    figure.to_dict()


@st.cache_resource(show_spinner=False, max_entries=12)
def _drawn(key: tuple[object, ...], _draw: Callable[[], go.Figure]) -> go.Figure:
    figure = _draw()
    _make_drawn(figure)
    return figure


def drawn_figure(key: tuple[object, ...], draw: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``draw`` makes, made once per ``key`` and shared by every session: ``key`` names everything the
    figure shows (table versions, choices, source line). For charts of many partnerships, whose drawing takes
    seconds; the figure returned must not be changed."""
    return _drawn(key, draw)


@st.cache_resource(show_spinner=False, max_entries=32)
def _drawn_embed(key: tuple[object, ...], _draw: Callable[[], EmbedContent | None]) -> EmbedContent | None:
    content = _draw()
    if content is not None:
        _make_drawn(content.figure)
    return content


def drawn_embed(store: Store, key: tuple[object, ...], draw: Callable[[], EmbedContent | None]) -> EmbedContent | None:
    """What ``embed.embed_content`` gives (``draw``), made once per published snapshot and ``key`` (the request,
    source line, size) and shared; the content returned must not be changed."""
    snapshot = (
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        store.version(GOALS_TABLE),
        min_cell_count(),
    )
    return _drawn_embed((*snapshot, *key), draw)


@dataclass(frozen=True)
class DrawnTrend:
    """What the trend block shows, made once per key: the figure, its table, every partnership's values (the
    second download of a spread; None when the spread was drawn from its figures alone), whether it is a spread and
    of how many partnerships."""

    figure: go.Figure
    table: pd.DataFrame
    everyone: pd.DataFrame | None
    spread: bool
    partnerships: int


@st.cache_resource(show_spinner=False, max_entries=12)
def _drawn_trend(key: tuple[object, ...], _draw: Callable[[], DrawnTrend]) -> DrawnTrend:
    drawn = _draw()
    _make_drawn(drawn.figure)
    return drawn


def drawn_trend(key: tuple[object, ...], draw: Callable[[], DrawnTrend]) -> DrawnTrend:
    """The trend ``draw`` makes, made once per ``key`` (everything it shows) and shared by every session; nothing
    of it may be changed."""
    return _drawn_trend(key, draw)
