"""The units of the indicator catalog: how each is named for people, what its amounts allow, how a value is written.

Every indicator has one unit (``unit`` in ``indicators.yaml``). Everything that depends on the unit asks it here:
the words in a header, a chart subtitle or an error message, whether amounts add up (so they can be summed across
partnerships and categories, or divided by funding or people), whether it is money, and how a value is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

UnitCode = Literal["count", "percent", "hours", "currency_usd", "ratio"]


@dataclass(frozen=True)
class Unit:
    """One unit of the catalog and its words."""

    code: UnitCode
    label: str
    """Beside a value or in a column header: ``"New hires (number)"``, ``"Spend (USD)"``."""
    words: str
    """What the numbers are, in a definition: ``"percent (0–100)"``, ``"US dollars"``."""
    subtitle: str
    """The unit in a chart's subtitle: ``"US dollars, 2022 Q1 – 2026 Q3"``."""
    noun: str
    """What a value is, in an error message: ``"new_hires is a count and cannot be negative"``."""
    adds_up: bool
    """Amounts that add up (counts, hours, US dollars): they sum across partnerships and categories and can be
    divided by funding or people; percentages and ratios cannot."""
    money: bool
    """US dollars: written in full in tables, with k/M on axes."""
    example: float
    """A plausible value for templates."""
    largest: float
    """The largest value (in size: a negative net change too) the unit allows: counts of people stay below ten
    million, percentages at 100; beyond it a figure is a typing error, and sums of such figures would overflow."""


UNITS: Mapping[str, Unit] = MappingProxyType(
    {
        "count": Unit("count", "number", "number", "number", "count", True, False, 120, 10_000_000),
        "percent": Unit("percent", "%", "percent (0–100)", "%", "percentage", False, False, 42.5, 100),
        "hours": Unit("hours", "hours", "hours", "hours", "number of hours", True, False, 1250, 1_000_000_000),
        "currency_usd": Unit(
            "currency_usd", "USD", "US dollars", "US dollars", "amount in USD", True, True, 250000, 1_000_000_000_000
        ),
        "ratio": Unit("ratio", "ratio", "ratio", "ratio", "ratio", False, False, 1.05, 1_000),
    }
)
"""Every unit of the catalog by its code, in the catalog's order."""


def compact_number(value: float) -> str:
    """``12,345,678`` as ``12.3M``, ``1,500`` as ``1.5k`` (thousands, millions, billions; one decimal at most)."""
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if magnitude >= threshold:
            return f"{value / threshold:,.1f}".removesuffix(".0") + suffix
    return f"{value:,.0f}"


def format_value(value: float | None, unit: str, *, compact: bool = False) -> str:
    """A value as people read it: thousands separators, percentages with one decimal, USD with k/M when compact;
    ``"–"`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "ratio":
        return f"{value:,.2f}"
    if unit in UNITS and UNITS[unit].money:
        return f"USD {compact_number(value)}" if compact else f"USD {value:,.0f}"
    if unit == "hours":
        return f"{compact_number(value)} h" if compact else f"{value:,.0f} h"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"
