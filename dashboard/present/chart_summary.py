"""A chart in one or two sentences, for people who cannot see it (the chart's ``aria-label``) and as a caption for
everyone: what it shows (title and subtitle), how many partnerships, and its latest values.

"New hires per quarter, people, 2022 Q1 – 2026 Q3; 8 partnerships. Latest in 2026 Q3, New hires (people):
Alpha 1,234; Beta 567; …; and 5 more."

It reads the figure's title and subtitle and the chart's table (the Table tab's numbers), whatever their shape:
long tables (a label column such as Partnership, Series or Status, an optional period column and a value column)
and wide ones (a period column and a value column per series).
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd
import plotly.graph_objects as go

PERIOD_HEADERS: tuple[str, ...] = ("Quarter", "Year", "Period")
"""Headers of a table's period column, the first one found."""

MAX_ITEMS = 6
"""The most latest values named; the rest are counted ("and 5 more")."""

_TAG = re.compile(r"<br\s*/?>|<[^<>]*>", re.IGNORECASE)
_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*Q([1-4]))?\s*$")


def plain_text(plotly_text: object) -> str:
    """A Plotly text as plain words: line breaks and tags become spaces, entities their characters."""
    if plotly_text is None:
        return ""
    text = _TAG.sub(" ", str(plotly_text))
    return " ".join(html.unescape(text).split())


def figure_title(figure: go.Figure) -> tuple[str, str]:
    """The figure's title and subtitle as plain text (empty when it has none)."""
    title = figure.layout.title
    return plain_text(title.text), plain_text(title.subtitle.text if title.subtitle is not None else None)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def value_text(value: object) -> str:
    """A value as people read it: thousands separators, at most one decimal for numbers (two below 10), text as
    it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return " ".join(str(value).split())
    number = float(value)
    if not math.isfinite(number):
        return "–"
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.2f}" if abs(number) < 10 else f"{number:,.1f}"


def period_key(value: object) -> tuple[int, int]:
    """Sort key of a period ("2024 Q3", "2024" or 2024); anything else sorts first."""
    match = _PERIOD.match(str(value))
    if not match:
        return (-1, 0)
    return int(match.group(1)), int(match.group(2) or 0)


def _is_value_column(table: pd.DataFrame, column: str) -> bool:
    """A column of values: numbers, or a header naming a unit ("Headcount (people)", public tables' values as text)."""
    return pd.api.types.is_numeric_dtype(table[column]) or str(column).rstrip().endswith(")")


def _items_text(items: list[tuple[str, object, object]]) -> tuple[str | None, str]:
    """``(name, period, value)`` items as text, and the period they share (said once then, else after each value;
    None without periods or when they differ)."""
    periods = {str(period) for _, period, _ in items}
    shared = periods.pop() if len(periods) == 1 and items[0][1] is not None else None
    shown = items[:MAX_ITEMS]
    parts = [
        f"{name} {value_text(value)}" if shared or period is None else f"{name} {value_text(value)} ({period})"
        for name, period, value in shown
    ]
    if len(items) > len(shown):
        parts.append(f"and {len(items) - len(shown):,} more")
    return shared, "; ".join(parts)


def _present(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[[not _missing(v) for v in frame[column]]]


def table_latest(table: pd.DataFrame) -> tuple[str, int | None]:
    """The latest values of a chart's table as a clause ("Latest in 2026 Q3, Headcount (people): A 1,234; B 567"),
    and how many partnerships it holds (None without a Partnership column). Empty when it has no values."""
    columns = [str(c) for c in table.columns]
    table = table.set_axis(columns, axis=1)
    period = next((c for c in PERIOD_HEADERS if c in columns), None)
    values = [c for c in columns if c != period and _is_value_column(table, c)]
    labels = [c for c in columns if c != period and c not in values]
    partnerships = int(table["Partnership"].nunique()) if "Partnership" in columns else None
    if table.empty or not values:
        return "", partnerships
    ordered = table
    if period is not None:
        ordered = table.iloc[sorted(range(len(table)), key=lambda i: period_key(table[period].iat[i]))]
    when = ordered[period] if period is not None else pd.Series([None] * len(ordered), index=ordered.index)
    items: list[tuple[str, object, object]] = []
    if labels:  # long: a row per label (and period); what the chart draws is the last value column
        label = next((c for c in labels if table[c].nunique() > 1), labels[0])
        value = values[-1]
        last = _present(ordered.assign(_when=when), value).drop_duplicates(subset=[label], keep="last")
        first_seen = {name: i for i, name in enumerate(dict.fromkeys(table[label].astype(str)))}
        last = last.iloc[sorted(range(len(last)), key=lambda i: first_seen[str(last[label].iat[i])])]
        items = list(zip(last[label].astype(str), last["_when"], last[value], strict=True))
        what = ": " if value == "Value" else f", {value}: "  # a header that says more than "Value" is named
    else:  # wide: a column per series, a row per period
        for column in values:
            present = _present(ordered.assign(_when=when), column)
            if not present.empty:
                items.append((column, present["_when"].iat[-1], present[column].iat[-1]))
        what = ": "
    if not items:
        return "", partnerships
    shared, text = _items_text(items)
    if shared is not None:
        return f"Latest in {shared}{what}{text}", partnerships
    if period is not None:
        return f"Latest{what}{text}", partnerships
    return f"{what.lstrip(', ')}{text}" if labels else text, partnerships


def chart_summary(figure: go.Figure, table: pd.DataFrame) -> str:
    """What the chart shows and its latest values, in plain words (see the module's docstring)."""
    title, sub = figure_title(figure)
    what = ", ".join(part for part in (title, sub) if part) or "Chart"
    latest, partnerships = table_latest(table)
    if partnerships is not None:
        what += f"; {partnerships:,} partnership{'' if partnerships == 1 else 's'}"
    return f"{what}. {latest}." if latest else f"{what}."
