"""A page's state in its URL, so that a copied link reopens the same view: every widget that a query parameter
holds is bound to it here, in one way.

Before the widget is drawn, its state (``st.session_state[key]``) is set from the URL when it is absent or no longer
one of the options; an invalid URL value falls back to the default. After the widget, the value chosen is written
back to the URL. The parsing of URL values (:func:`parse_choice`, :func:`parse_ids`) is plain and tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.analytics.filters import FILTER_KEYS, PortfolioFilter, filter_options
from data_contracts import DATASET_INFO, INDICATORS

Widget = Callable[..., Any]
"""A Streamlit widget function (``st.selectbox``, ``columns[0].radio``, a ``functools.partial`` of one with its
label): called with ``options=`` (not for a toggle) and ``key=``."""


def parse_choice(text: str | None, options: Sequence[str], default: str) -> str:
    """A URL value when it is one of ``options``, else ``default``."""
    return text if text is not None and text in options else default


def parse_ids(text: str | None, valid: Iterable[str], limit: int | None = None) -> list[str]:
    """The known ids of a comma-separated URL value, in the given order, without repeats, at most ``limit``."""
    if not text:
        return []
    known = set(valid)
    chosen: list[str] = []
    for part in str(text).split(","):
        item = part.strip()
        if item in known and item not in chosen:
            chosen.append(item)
    return chosen[:limit]


def join_ids(ids: Iterable[str]) -> str:
    """Ids as one comma-separated URL value."""
    return ",".join(ids)


# ---- reading and writing the URL -----------------------------------------------------------------------------------


def params() -> dict[str, str]:
    """Every parameter of the URL (the last value of a repeated one)."""
    return st.query_params.to_dict()


def has(param: str) -> bool:
    """True when the URL holds ``param``."""
    return param in st.query_params


def write(param: str, value: str) -> None:
    """Put ``value`` in the URL as ``param``."""
    st.query_params[param] = value


def drop(param: str) -> None:
    """Take ``param`` out of the URL."""
    st.query_params.pop(param, None)


def known_id(param: str, valid: Iterable[str]) -> str | None:
    """The URL's ``param`` when it is one of ``valid`` (a goal of the partnership shown); otherwise None, and the
    parameter leaves the URL."""
    value = st.query_params.get(param)
    if value is not None and value in set(valid):
        return value
    drop(param)
    return None


# ---- widgets bound to a parameter ------------------------------------------------------------------------------------


def _start_choice(key: str, options: Sequence[object], initial: object) -> None:
    if st.session_state.get(key) not in options:  # absent, or no longer an option
        st.session_state[key] = initial


def _start_list(key: str, options: Sequence[str], initial: list[str]) -> None:
    current = st.session_state.get(key)
    if not isinstance(current, list) or not set(current) <= set(options):
        st.session_state[key] = initial


def choice(
    widget: Widget, label: str, *, param: str, options: Sequence[str], default: str, key: str, **kwargs: Any
) -> str:
    """One of ``options`` (a selectbox or radio) held by ``param``: from the URL when valid, else ``default``."""
    options = list(options)
    _start_choice(key, options, parse_choice(st.query_params.get(param), options, default))
    chosen = widget(label, options=options, key=key, **kwargs)
    write(param, chosen)
    return chosen


def id_list(
    widget: Widget,
    label: str,
    *,
    param: str,
    options: Sequence[str],
    key: str,
    default: Sequence[str] = (),
    limit: int | None = None,
    keep_empty: bool = False,
    **kwargs: Any,
) -> list[str]:
    """Some of ``options`` (a multiselect) held by ``param`` as comma-separated ids: the known ids of the URL, at
    most ``limit``, else ``default``. An empty choice leaves ``param`` out of the URL, or empty with
    ``keep_empty``."""
    options = list(options)
    _start_list(key, options, parse_ids(st.query_params.get(param), options, limit) or list(default))
    chosen = widget(label, options=options, key=key, **kwargs)
    if chosen or keep_empty:
        write(param, join_ids(chosen))
    else:
        drop(param)
    return chosen


def toggle(widget: Widget, label: str, *, param: str, values: tuple[str, str], key: str, **kwargs: Any) -> bool:
    """A toggle held by ``param``: ``values`` are the URL's words for off and on; anything else reads as off."""
    off, on = values
    _start_choice(key, (False, True), st.query_params.get(param) == on)
    value = bool(widget(label, key=key, **kwargs))
    write(param, on if value else off)
    return value


def partnership_choice(
    widget: Widget, options: Sequence[str], names: Mapping[str, str], *, key: str, **kwargs: Any
) -> str:
    """A partnership chosen by its name, held by ``?partnership=``: the first of ``options`` unless the URL names
    another of them."""
    return choice(
        widget,
        "Partnership",
        param="partnership",
        options=options,
        default=options[0],
        key=key,
        format_func=lambda pid: names.get(pid, pid),
        **kwargs,
    )


def dataset_choice(widget: Widget, options: Sequence[str], *, key: str, **kwargs: Any) -> str:
    """A dataset chosen by its name, held by ``?dataset=``: the first of ``options`` unless the URL names another."""
    return choice(
        widget,
        "Dataset",
        param="dataset",
        options=options,
        default=options[0],
        key=key,
        format_func=lambda dataset: DATASET_INFO[dataset].name,
        **kwargs,
    )


def indicator_choice(widget: Widget, options: Sequence[str], *, key: str, **kwargs: Any) -> str:
    """An indicator chosen by its short name, held by ``?indicator=``: the first of ``options`` unless the URL names
    another of them."""
    return choice(
        widget,
        "Indicator",
        param="indicator",
        options=options,
        default=options[0],
        key=key,
        format_func=lambda indicator_id: INDICATORS[indicator_id].short_name,
        **kwargs,
    )


def portfolio_filter(partnerships: pd.DataFrame, *, key: str, widgets: Mapping[str, Widget]) -> PortfolioFilter:
    """The portfolio's filter set (``filters.FILTER_KEYS``) held by the URL: ``widgets`` gives the multiselect of
    each parameter (keyed ``{key}_{param}``); their state comes from ``PortfolioFilter.from_query`` (only values of
    these partnerships), and the filters chosen replace the old ones in the URL (``PortfolioFilter.to_query``)."""
    options = filter_options(partnerships)
    from_url = dict(zip(FILTER_KEYS, astuple(PortfolioFilter.from_query(params(), partnerships)), strict=True))
    chosen = []
    for param in FILTER_KEYS:
        _start_list(f"{key}_{param}", options[param], list(from_url[param]))
        chosen.append(tuple(widgets[param](options=options[param], key=f"{key}_{param}")))
    portfolio_filter = PortfolioFilter(*chosen)
    for param in FILTER_KEYS:
        drop(param)
    st.query_params.update(portfolio_filter.to_query())
    return portfolio_filter
