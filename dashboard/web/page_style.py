"""How every page fits a laptop and a phone: one constant style sheet added once per run, the collapsed "Filters"
block of the analytics pages with a label that says what is chosen, and tables whose first column stays in view.

The style sheet is our own fixed text (no data ever goes into it). What the theme of ``.streamlit/config.toml``
cannot do is done here: captions fade their text but not their links (Streamlit fades the whole caption, which
puts a link at 3:1), and, for narrow screens only (Streamlit stacks columns below 640 px):

- KPI cards (``st.metric`` in ``st.columns``) two per row instead of one under the other;
- ``st.table`` fits the width (cells wrap) instead of scrolling sideways, as a region no keyboard can scroll.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.analytics.filters import FILTER_KEYS, filter_options
from dashboard.web import url_state

NARROW = "640px"
"""Streamlit's own breakpoint: below it, the columns of ``st.columns`` are stacked."""

_METRIC_ROW = (
    '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] > [data-testid="stVerticalBlock"] '
    '> [data-testid="stElementContainer"] > [data-testid="stMetric"])'
)

PAGE_CSS = f"""<style>
/* captions: the text colour at 60 % (as Streamlit draws them), but without fading their links to 3:1 too */
[data-testid="stCaptionContainer"] {{
  opacity: 1;
  color: color-mix(in srgb, currentColor 60%, transparent);
}}
/* the headline cards (kpi_cards): one row that wraps, in reading order; three per row, two on a phone */
.st-key-kpi-cards {{
  display: grid !important;
  grid-template-columns: repeat(3, minmax(0, 1fr));
}}
.st-key-kpi-cards > * {{
  min-width: 0 !important;
  max-width: none !important;
}}
@media (max-width: {NARROW}) {{
  .st-key-kpi-cards {{
    grid-template-columns: repeat(2, minmax(0, 1fr));
  }}
  .st-key-kpi-cards [data-testid="stMetricValue"] {{
    font-size: 1.5rem;
  }}
  .st-key-kpi-cards [data-testid="stMetricLabel"] *,
  .st-key-kpi-cards [data-testid="stMetricDelta"] * {{
    white-space: normal !important;
    overflow: visible !important;
    text-overflow: clip !important;
  }}
  .st-key-kpi-cards [data-testid="stMetricDelta"] {{
    height: auto;
  }}
  /* KPI cards two per row: the cards of every column become the cells of one two-column grid */
  {_METRIC_ROW} {{
    display: grid !important;
    grid-template-columns: repeat(2, minmax(0, 1fr));
    gap: 0.5rem;
  }}
  {_METRIC_ROW} > [data-testid="stColumn"],
  {_METRIC_ROW} > [data-testid="stColumn"] > [data-testid="stVerticalBlock"] {{
    display: contents;
  }}
  {_METRIC_ROW} [data-testid="stMetric"] {{
    padding: 0.5rem 0.6rem;
  }}
  {_METRIC_ROW} [data-testid="stMetricValue"] {{
    font-size: 1.5rem;
  }}
  /* on half a phone's width, a card's label and change wrap instead of ending in "…" */
  {_METRIC_ROW} [data-testid="stMetricLabel"] *,
  {_METRIC_ROW} [data-testid="stMetricDelta"] * {{
    white-space: normal !important;
    overflow: visible !important;
    text-overflow: clip !important;
  }}
  {_METRIC_ROW} [data-testid="stMetricDelta"] {{
    height: auto;
  }}
  /* tables fit the width: long words and numbers wrap inside their cells */
  [data-testid="stTable"] table {{
    width: 100%;
    font-size: 0.8rem;
  }}
  [data-testid="stTable"] th, [data-testid="stTable"] td {{
    padding: 0.25rem 0.3rem;
  }}
  [data-testid="stTable"] th, [data-testid="stTable"] td,
  [data-testid="stTable"] th *, [data-testid="stTable"] td * {{
    overflow-wrap: anywhere !important;
    word-break: break-word;
    min-width: 0 !important;
  }}
}}
</style>"""
"""The one style sheet of the app: constant text, never data."""


def apply_page_style() -> None:
    """Add :data:`PAGE_CSS` to this run's page (once per run, from the routes)."""
    st.html(PAGE_CSS)


# ---- the Filters block ----------------------------------------------------------------------------------------------


def kpi_cards():  # noqa: ANN201 - an st.container
    """The row of headline cards: one horizontal container that wraps, so the cards keep their reading order, three
    per row on a laptop and two on a phone (the style sheet's ``.st-key-kpi-cards``). Put one bordered container per
    card in it."""
    return st.container(horizontal=True, gap="small", key="kpi-cards")


def pending_choice(key: str, param: str, options: Sequence[str], default: str) -> str:
    """The value the ``url_state.choice`` widget keyed ``key`` is about to show: its state when still an option, else
    the URL's value when valid, else ``default`` (the same rule as ``url_state.choice``, read before the widget)."""
    current = st.session_state.get(key)
    if current in options:
        return str(current)
    return url_state.parse_choice(st.query_params.get(param), list(options), default)


def pending_list(
    key: str, param: str, options: Sequence[str], default: Sequence[str] = (), limit: int | None = None
) -> list[str]:
    """The values the ``url_state.id_list`` multiselect keyed ``key`` is about to show (its state, else the URL's
    known ids, else ``default``), read before the widget."""
    current = st.session_state.get(key)
    if isinstance(current, list) and set(current) <= set(options):
        return current
    return url_state.parse_ids(st.query_params.get(param), options, limit) or list(default)


def pending_toggle(key: str, param: str, on: str) -> bool:
    """The value the ``url_state.toggle`` keyed ``key`` is about to show, read before the widget."""
    current = st.session_state.get(key)
    if current in (False, True):
        return bool(current)
    return st.query_params.get(param) == on


def counted(count: int, one: str, many: str | None = None) -> str:
    """``1 region``, ``3 regions``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def filters_label(parts: Sequence[str]) -> str:
    """``Filters · 2026 Q3 · 2 regions``: what the block holds, readable while it is closed."""
    return " · ".join(["Filters", *[part for part in parts if part]])


FILTER_WORDS = {
    "region": ("region", "regions"),
    "country": ("country", "countries"),
    "sector": ("sector", "sectors"),
    "focus": ("focus dataset", "focus datasets"),
}
"""How the Filters label counts the choices of each portfolio filter (``filters.FILTER_KEYS``)."""


def portfolio_filter_parts(partnerships: pd.DataFrame, key: str) -> list[str]:
    """The label's parts for the portfolio filters of ``url_state.portfolio_filter(..., key=key)``: ``2 regions``,
    ``1 sector``; ``all partnerships`` when none is chosen."""
    options = filter_options(partnerships)
    parts = []
    for param in FILTER_KEYS:
        count = len(pending_list(f"{key}_{param}", param, options[param]))
        if count:
            parts.append(counted(count, *FILTER_WORDS[param]))
    return parts or ["all partnerships"]


def filters_block(key: str, parts: Sequence[str]):  # noqa: ANN201 - an st.expander
    """A collapsed "Filters" block (``st.expander``) whose label sums up the choices inside it, so a phone's first
    screen shows the answer, not the widgets. Keyed, so that it stays open while the choices (and so its label)
    change."""
    return st.expander(filters_label(parts), expanded=False, icon=":material/filter_list:", key=f"{key}-filters")


# ---- tables ---------------------------------------------------------------------------------------------------------


def pinned_first(frame: pd.DataFrame, config: dict | None = None) -> dict:
    """``column_config`` for ``st.dataframe`` whose first column stays in view while the table scrolls sideways
    (the other columns as ``config`` says)."""
    config = dict(config or {})
    if len(frame.columns):
        first = str(frame.columns[0])
        column = config.get(first)
        if column is None:
            config[first] = st.column_config.Column(pinned=True)
        elif isinstance(column, dict):
            config[first] = {**column, "pinned": True}
    return config
