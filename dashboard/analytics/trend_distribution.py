"""A trend of many partnerships as its spread: the median and middle half of the partnerships each period, with the
few largest drawn by name.

A line per partnership reads well up to about a dozen lines; a network office with hundreds or thousands of
partnerships gets an unreadable tangle (and a legend taller than the page). Beyond :data:`MAX_TREND_LINES`, charts
of "one indicator across partnerships" show this summary instead, and their table gives exactly its numbers; every
partnership's own values stay downloadable.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MAX_TREND_LINES = 12
"""Up to this many partnerships a trend chart draws a line for each; beyond it, their spread."""

NAMED_LINES = 5
"""How many partnerships the spread chart names: the largest in the latest period."""

QUANTILES = (0.25, 0.5, 0.75)
"""The band (25th to 75th percentile, pandas' linear interpolation) and the median line."""

BAND_COLUMNS = ["period", "period_start", "partnerships", "p25", "median", "p75"]


@dataclass(frozen=True)
class TrendDistribution:
    """The spread of a trend (``metrics.quarterly_trend`` rows, or yearly rows with the same columns).

    ``bands``: one row per period, oldest first — period label and start, how many partnerships have a value, the
    25th percentile, median and 75th percentile of their values. ``named``: the trend rows of the partnerships
    drawn by name, ``named_order`` their ids and names, largest first. ``partnerships``: how many partnerships the trend
    holds; ``ranked_in``: the period whose values chose the named ones."""

    bands: pd.DataFrame
    named: pd.DataFrame
    named_order: list[tuple[str, str]]
    partnerships: int
    ranked_in: str


def shows_spread(trend: pd.DataFrame) -> bool:
    """Whether a trend has too many partnerships for a line each."""
    return not trend.empty and int(trend["partnership_id"].nunique()) > MAX_TREND_LINES


def trend_distribution(trend: pd.DataFrame, *, named: int = NAMED_LINES) -> TrendDistribution:
    """Median, quartiles and count of values per period, and the ``named`` partnerships with the largest value in
    the latest period that has values (ties: by name). Missing values (suppressed for the public) count nowhere."""
    values = trend.dropna(subset=["value"])
    partnerships = int(trend["partnership_id"].nunique()) if not trend.empty else 0
    if values.empty:
        return TrendDistribution(pd.DataFrame(columns=BAND_COLUMNS), trend.iloc[:0], [], partnerships, "")
    grouped = values.groupby(["period_start", "period"], sort=True)["value"]
    quantiles = grouped.quantile(list(QUANTILES)).unstack()
    bands = pd.DataFrame(
        {
            "partnerships": grouped.count(),
            "p25": quantiles[QUANTILES[0]],
            "median": quantiles[QUANTILES[1]],
            "p75": quantiles[QUANTILES[2]],
        }
    ).reset_index()[BAND_COLUMNS]
    latest_start = values["period_start"].max()
    latest = values[values["period_start"] == latest_start]
    ranked = latest.sort_values(["value", "partnership"], ascending=[False, True]).head(named)
    order = [(str(i), str(name)) for i, name in zip(ranked["partnership_id"], ranked["partnership"], strict=True)]
    rows = trend[trend["partnership_id"].isin(set(ranked["partnership_id"]))]
    return TrendDistribution(bands, rows, order, partnerships, str(latest["period"].iloc[0]))


def distribution_table(distribution: TrendDistribution, *, period_header: str, unit_label: str) -> pd.DataFrame:
    """The numbers the spread chart draws, one row per period: partnerships reporting, the quartiles and median,
    and each named partnership's value (a column each, largest first)."""
    bands = distribution.bands
    table = pd.DataFrame(
        {
            period_header: bands["period"].astype("string"),
            "Partnerships reporting": bands["partnerships"].astype("int64"),
            f"25th percentile ({unit_label})": bands["p25"].astype("float64"),
            f"Median ({unit_label})": bands["median"].astype("float64"),
            f"75th percentile ({unit_label})": bands["p75"].astype("float64"),
        }
    )
    named = distribution.named
    for partnership_id, name in distribution.named_order:
        own = named[named["partnership_id"].astype(str) == partnership_id].set_index("period")["value"]
        column = f"{name} ({unit_label})"
        if column in table:  # a partnership named like a column already there, or two of the same name
            column = f"{name} [{partnership_id}] ({unit_label})"
        table[column] = table[period_header].map(own).astype("float64").to_numpy()
    return table
