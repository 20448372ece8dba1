"""Annual points from quarterly data, by each indicator's year rule.

- ``sum`` (flows): the four quarters added up.
- ``last`` (stocks): the value at the end of the fourth quarter.
- ``recompute`` (rates, shares, ratios, averages): from annual components, never an average of quarterly rates:
  ``ratio`` annual(numerator) / annual(denominator) × scale; ``weighted_mean`` quarterly values weighted by the
  denominator indicator; ``per_last`` quarterly values × the denominator, summed, over the denominator at year end;
  ``share_of_implied_total`` numerator summed over the total it implies (numerator × scale / share) summed.

Only complete years count: a year enters when all four quarters of the series (and of its components) are
reported, so an incomplete latest year is never compared as if it were complete (:data:`INCOMPLETE_YEAR_RULE`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_contracts import INDICATORS, TOTAL

INCOMPLETE_YEAR_RULE = (
    "Annual figures and goal progress use complete years only: a year counts once all four of its quarters are "
    "reported. The latest year, while incomplete, is shown quarter by quarter but left out of annual figures."
)

ANNUAL_COLUMNS = ["partnership_id", "year", "value"]


def _quarters(frame: pd.DataFrame, indicator_id: str, dimension: str, category: str) -> pd.DataFrame:
    """Quarterly values of one series per partnership: columns partnership_id, year, and 1..4 (NaN if missing)."""
    rows = frame[
        (frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension) & (frame["category"] == category)
    ]
    if rows.empty:
        return pd.DataFrame(columns=["partnership_id", "year", 1, 2, 3, 4])
    table = rows.pivot_table(index=["partnership_id", "year"], columns="quarter", values="value", aggfunc="first")
    table = table.reindex(columns=[1, 2, 3, 4])
    table.columns = [1, 2, 3, 4]
    return table.reset_index()


def _complete(table: pd.DataFrame) -> pd.Series:
    return table[[1, 2, 3, 4]].notna().all(axis=1)


def _simple(frame: pd.DataFrame, indicator_id: str, dimension: str, category: str) -> pd.DataFrame:
    item = INDICATORS[indicator_id]
    table = _quarters(frame, indicator_id, dimension, category)
    if table.empty:
        return pd.DataFrame(columns=ANNUAL_COLUMNS)
    table = table[_complete(table)]
    values = table[[1, 2, 3, 4]].sum(axis=1) if item.year_rule == "sum" else table[4]
    return pd.DataFrame({"partnership_id": table["partnership_id"], "year": table["year"], "value": values})


def _joined(frame: pd.DataFrame, ids: tuple[str, str], dimension: str, category: str) -> pd.DataFrame:
    left = _quarters(frame, ids[0], dimension, category)
    right = _quarters(frame, ids[1], dimension, category)
    if left.empty or right.empty:
        return pd.DataFrame()
    joined = left.merge(right, on=["partnership_id", "year"], suffixes=("_v", "_w"))
    complete = joined[[f"{q}_{s}" for q in (1, 2, 3, 4) for s in ("v", "w")]].notna().all(axis=1)
    return joined[complete]


def _recompute(frame: pd.DataFrame, indicator_id: str, dimension: str, category: str) -> pd.DataFrame:
    spec = INDICATORS[indicator_id].recompute
    assert spec is not None
    if spec.method == "ratio":
        numerator = annual_series(frame, spec.numerator, dimension=dimension, category=category)
        denominator = annual_series(frame, spec.denominator, dimension=dimension, category=category)
        joined = numerator.merge(denominator, on=["partnership_id", "year"], suffixes=("_n", "_d"))
        value = joined["value_n"] / joined["value_d"].replace(0, np.nan) * spec.scale
        return pd.DataFrame({"partnership_id": joined["partnership_id"], "year": joined["year"], "value": value})
    values_id = indicator_id if spec.method != "share_of_implied_total" else spec.numerator
    weights_id = spec.denominator if spec.method != "share_of_implied_total" else indicator_id
    joined = _joined(frame, (values_id, weights_id), dimension, category)
    if joined.empty:
        return pd.DataFrame(columns=ANNUAL_COLUMNS)
    v = joined[[f"{q}_v" for q in (1, 2, 3, 4)]].to_numpy(dtype=float)
    w = joined[[f"{q}_w" for q in (1, 2, 3, 4)]].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.method == "weighted_mean":
            value = (v * w).sum(axis=1) / w.sum(axis=1)
        elif spec.method == "per_last":
            value = (v * w).sum(axis=1) / w[:, 3]
        else:  # share_of_implied_total: v = spend, w = share (%)
            implied_total = np.where(w > 0, v * spec.scale / w, np.nan)
            value = v.sum(axis=1) / implied_total.sum(axis=1) * spec.scale
    value = np.where(np.isfinite(value), value, np.nan)
    return pd.DataFrame({"partnership_id": joined["partnership_id"], "year": joined["year"], "value": value})


def annual_series(
    frame: pd.DataFrame, indicator_id: str, *, dimension: str = TOTAL, category: str = TOTAL
) -> pd.DataFrame:
    """Annual values of one series for every partnership with complete years: partnership_id, year, value.

    ``frame`` holds indicator rows of every dataset the rule may need (recomputed indicators use components that
    can sit in another dataset, e.g. training hours per worker uses the workforce headcount).
    """
    item = INDICATORS[indicator_id]
    if item.year_rule == "recompute":
        result = _recompute(frame, indicator_id, dimension, category)
    else:
        result = _simple(frame, indicator_id, dimension, category)
    result = result.dropna(subset=["value"])
    if result.empty:
        return pd.DataFrame(
            {
                "partnership_id": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
                "value": pd.Series(dtype="float64"),
            }
        )
    return result.astype({"year": "int64", "value": "float64"}).sort_values(
        ["partnership_id", "year"], ignore_index=True
    )
