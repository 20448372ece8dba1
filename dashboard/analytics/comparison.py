"""Pure computations behind the Compare and Indicator explorer pages.

The default partnerships to compare, normalising quarterly series (per USD 1 million of committed funding, per
participant), the side-by-side comparison table, the latest values of an indicator across partnerships and annual
trends. Everything takes and returns plain pandas frames; nothing imports streamlit. What the pages write about
them is in ``dashboard.present.comparison_texts``; breakdowns are in ``dashboard.analytics.breakdowns``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.analytics.annual import annual_series
from dashboard.analytics.metrics import quarterly_trend, series_label, total_rows
from data_contracts import INDICATORS, TOTAL, Indicator
from data_contracts.quarters import Quarter, quarter_numbers
from data_contracts.units import UNITS, UnitCode

NORMALISATIONS: dict[str, str] = {
    "none": "As reported",
    "per_usd_million": "Per USD 1M of committed funding",
    "per_participant": "Per participant (headcount at quarter end)",
}
"""Normalisation modes (the ``norm`` URL value) and their labels, in display order."""


PARTICIPANTS_INDICATOR = "workforce_headcount"
"""Participants are the people working on the partnership at quarter end (its headcount)."""

DEFAULT_INDICATORS: tuple[str, ...] = ("workforce_headcount", "new_hires")
MAX_PARTNERSHIPS = 8
MIN_PARTNERSHIPS = 2
MAX_INDICATORS = 4


# ---- default choices ------------------------------------------------------------------------------------------


def default_partnerships(
    frame: pd.DataFrame, partnerships: pd.DataFrame, n: int = 4, *, minimum: int = MIN_PARTNERSHIPS
) -> list[str]:
    """The ``n`` partnerships with the most headline figures (total rows), at least ``minimum`` when there are.

    Ties go to the partnership whose name comes first; partnerships without data fill up to ``minimum``.
    The result is in name order.
    """
    counts: dict[str, int] = {}
    if not frame.empty:
        counts = total_rows(frame).groupby("partnership_id").size().astype(int).to_dict()
    return default_partnerships_from_counts(counts, partnerships, n, minimum=minimum)


def default_partnerships_from_counts(
    counts: Mapping[str, int], partnerships: pd.DataFrame, n: int = 4, *, minimum: int = MIN_PARTNERSHIPS
) -> list[str]:
    """:func:`default_partnerships` from the number of headline rows of each partnership (``counts``), so a page
    needs no rows to choose."""
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()
    counts = {str(pid): int(count) for pid, count in counts.items() if pid in names}
    ranked = sorted(names, key=lambda pid: (-counts.get(pid, 0), names[pid]))
    with_data = [pid for pid in ranked if counts.get(pid, 0) > 0][:n]
    for pid in ranked:
        if len(with_data) >= min(minimum, len(names)):
            break
        if pid not in with_data:
            with_data.append(pid)
    return sorted(with_data, key=lambda pid: names[pid])


# ---- normalisation --------------------------------------------------------------------------------------------


def normalisation_options(indicator: Indicator) -> list[str]:
    """Normalisations that make sense for the indicator: always ``none``; per USD 1M and per participant only for
    amounts that add up (counts, hours, US dollars); never per participant for the participant count itself."""
    options = ["none"]
    if indicator.additive and UNITS[indicator.unit].adds_up:
        options.append("per_usd_million")
        if indicator.id != PARTICIPANTS_INDICATOR:
            options.append("per_participant")
    return options


def available_normalisations(indicators: Sequence[Indicator]) -> list[str]:
    """Modes that apply to at least one of the indicators, in display order (``none`` first, always)."""
    found = {mode for item in indicators for mode in normalisation_options(item)}
    return [mode for mode in NORMALISATIONS if mode in found or mode == "none"]


def applies(indicator: Indicator, mode: str) -> bool:
    return mode != "none" and mode in normalisation_options(indicator)


def normalised_unit(indicator: Indicator, mode: str) -> UnitCode:
    """The catalog unit used to format normalised values: US dollars stay dollars, other amounts become ratios."""
    if not applies(indicator, mode) or UNITS[indicator.unit].money:
        return indicator.unit
    return "ratio"


def normalised_indicator(indicator: Indicator, mode: str) -> Indicator:
    """The catalog entry with the unit of its normalised values, so figure builders format axes and hover text to
    match (the name stays: the subtitle says what the values are divided by)."""
    if not applies(indicator, mode):
        return indicator
    return replace(indicator, unit=normalised_unit(indicator, mode))


def _divisors(trend: pd.DataFrame, partnerships: pd.DataFrame, frame: pd.DataFrame, mode: str) -> pd.Series:
    if mode == "per_usd_million":
        funding = partnerships.set_index("partnership_id")["committed_funding_usd"].astype(float) / 1e6
        return trend["partnership_id"].map(funding).astype(float)
    headcount = total_rows(frame)
    headcount = headcount[headcount["indicator_id"] == PARTICIPANTS_INDICATOR]
    people = {
        (str(p), int(y), int(q)): float(v)
        for p, y, q, v in headcount[["partnership_id", "year", "quarter", "value"]].itertuples(index=False)
    }
    keys = zip(trend["partnership_id"], trend["year"], trend["quarter"], strict=True)
    return pd.Series([people.get((str(p), int(y), int(q)), math.nan) for p, y, q in keys], index=trend.index)


def normalise(
    trend: pd.DataFrame, partnerships: pd.DataFrame, frame: pd.DataFrame, mode: str, indicator: Indicator
) -> pd.DataFrame:
    """The quarterly series of ``metrics.quarterly_trend`` with ``value`` normalised as asked (rounded to 6 decimals).

    Adds ``raw_value`` (as reported) and ``divisor`` (USD millions of committed funding, or the headcount at the same
    quarter end). A missing or zero divisor gives a missing value. A mode that does not apply to the indicator leaves
    the values as reported (divisor 1).
    """
    result = trend.copy()
    result["raw_value"] = result["value"].astype(float)
    if result.empty or not applies(indicator, mode):
        result["divisor"] = 1.0
        return result
    divisor = _divisors(result, partnerships, frame, mode)
    result["divisor"] = divisor
    valid = divisor.notna() & (divisor != 0)
    values = result["raw_value"].where(valid) / divisor.where(valid)
    result["value"] = values.round(6)
    return result


def missing_divisors(normalised: pd.DataFrame) -> list[str]:
    """Names of partnerships whose normalised series has no value at all (no headcount or funding to divide by)."""
    if normalised.empty or "divisor" not in normalised:
        return []
    missing = normalised.groupby("partnership")["value"].apply(lambda s: s.isna().all())
    return sorted(str(name) for name, gone in missing.items() if gone)


# ---- latest values and the side-by-side table -----------------------------------------------------------------

LATEST_COLUMNS = [
    "partnership_id",
    "partnership",
    "year",
    "quarter",
    "period",
    "value",
    "previous_period",
    "previous",
    "change",
    "change_pct",
]


def latest_from_trend(trend: pd.DataFrame) -> pd.DataFrame:
    """Each partnership's latest quarter of a quarterly series, with the same quarter a year earlier and the change.

    ``trend`` has the columns of ``metrics.quarterly_trend``; rows with a missing value are skipped (of a quarter
    given twice, the later row counts). Columns :data:`LATEST_COLUMNS`, partnerships in name order;
    ``change_pct`` is against the absolute earlier value. Computed for every partnership at once.
    """
    present = trend.dropna(subset=["value"]) if not trend.empty else trend
    if present.empty:
        return _latest_table({column: [] for column in LATEST_COLUMNS})
    ids = present["partnership_id"].astype(str).to_numpy(dtype=object)
    year = present["year"].to_numpy(dtype="int64")
    quarter = present["quarter"].to_numpy(dtype="int64")
    keyed = pd.DataFrame({"pid": ids, "year": year, "quarter": quarter, "value": present["value"].to_numpy(float)})
    keyed = keyed.drop_duplicates(["pid", "year", "quarter"], keep="last")  # as a dict of quarters keeps the last
    keyed["period"] = quarter_numbers(keyed["year"], keyed["quarter"])
    order = pd.unique(ids)  # first appearance, as the rows were gathered
    first_name = present["partnership"].astype(str).groupby(ids, sort=False).first()
    latest = keyed.loc[keyed.groupby("pid", sort=False)["period"].idxmax()].set_index("pid").loc[order]
    earlier = keyed.set_index(["pid", "year", "quarter"])["value"]
    wanted = pd.MultiIndex.from_arrays([latest.index, latest["year"] - 1, latest["quarter"]])
    previous = earlier.reindex(wanted).to_numpy(dtype=float)
    value = latest["value"].to_numpy(dtype=float)
    change = value - previous
    with np.errstate(divide="ignore", invalid="ignore"):
        change_pct = np.where(np.isnan(previous) | (previous == 0), np.nan, 100.0 * change / np.abs(previous))
    years, quarters = latest["year"].tolist(), latest["quarter"].tolist()
    now = list(zip(years, quarters, strict=True))
    before = [(y - 1, q) for y, q in now]
    labels = {p: Quarter(*p).label for p in {*now, *before}}
    return _latest_table(
        {
            "partnership_id": [str(p) for p in order],
            "partnership": [first_name[p] for p in order],
            "year": years,
            "quarter": quarters,
            "period": [labels[p] for p in now],
            "value": value,
            "previous_period": [labels[p] for p in before],
            "previous": previous,
            "change": change,
            "change_pct": change_pct,
        }
    )


def _latest_table(columns: dict[str, object]) -> pd.DataFrame:
    table = pd.DataFrame(columns, columns=LATEST_COLUMNS)
    for column in ("value", "previous", "change", "change_pct"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.sort_values("partnership", ignore_index=True)


def latest_values(frame: pd.DataFrame, indicator_id: str, partnerships: pd.DataFrame) -> pd.DataFrame:
    """The latest quarter each partnership reported for an indicator (headline figure), with the change over a year.

    Columns :data:`LATEST_COLUMNS`; only partnerships that reported the indicator.
    """
    return latest_from_trend(quarterly_trend(frame, indicator_id, partnerships))


def goal_status_text(goals_evaluated: pd.DataFrame, partnership_id: str, indicator_id: str) -> str:
    """The progress status of a partnership's goals on an indicator (the series named when it is a breakdown)."""
    if goals_evaluated.empty:
        return "no goal"
    rows = goals_evaluated[
        (goals_evaluated["partnership_id"] == partnership_id) & (goals_evaluated["indicator_id"] == indicator_id)
    ]
    if rows.empty:
        return "no goal"
    parts = []
    for dimension, category, label in rows[["dimension", "category", "status_label"]].itertuples(index=False):
        series = series_label(str(dimension), str(category)).split(": ")[-1]
        parts.append(str(label) if dimension == TOTAL else f"{label} ({series})")
    return "; ".join(parts)


COMPARISON_COLUMNS = [
    "partnership_id",
    "Partnership",
    "Latest quarter",
    "Latest value",
    "A year earlier",
    "Change over a year",
    "Change over a year (%)",
    "Normalised value",
    "Goal status",
    "Committed funding (USD)",
]


def comparison_table(
    frame: pd.DataFrame,
    partnerships: pd.DataFrame,
    goals_evaluated: pd.DataFrame,
    indicator_id: str,
    partnership_ids: Sequence[str],
    mode: str = "none",
) -> pd.DataFrame:
    """Side by side, one row per chosen partnership (those without data too): the latest quarter it reported, the
    value then and a year earlier, the change, the normalised latest value, its goal status and committed funding.

    Numbers stay numbers (columns :data:`COMPARISON_COLUMNS`; ``Normalised value`` is the value itself when the
    mode does not apply); sorted by the compared value, largest first, partnerships without data last.
    """
    indicator = INDICATORS[indicator_id]
    profile = partnerships.set_index("partnership_id")
    trend = quarterly_trend(frame, indicator_id, partnerships)
    trend = trend[trend["partnership_id"].isin(partnership_ids)]
    latest = latest_from_trend(trend).set_index("partnership_id")
    normalised = latest_from_trend(normalise(trend, partnerships, frame, mode, indicator)).set_index("partnership_id")
    rows = []
    for pid in partnership_ids:
        if pid not in profile.index:
            continue
        found = pid in latest.index
        row = latest.loc[pid] if found else None
        normalised_value = math.nan
        if found and pid in normalised.index and normalised.loc[pid, "period"] == row["period"]:
            normalised_value = float(normalised.loc[pid, "value"])
        rows.append(
            {
                "partnership_id": pid,
                "Partnership": str(profile.loc[pid, "name"]),
                "Latest quarter": row["period"] if found else "no data",
                "Latest value": row["value"] if found else math.nan,
                "A year earlier": row["previous"] if found else math.nan,
                "Change over a year": row["change"] if found else math.nan,
                "Change over a year (%)": round(row["change_pct"], 1) if found else math.nan,
                "Normalised value": normalised_value,
                "Goal status": goal_status_text(goals_evaluated, pid, indicator_id),
                "Committed funding (USD)": float(profile.loc[pid, "committed_funding_usd"]),
            }
        )
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for column in COMPARISON_COLUMNS[3:8]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.sort_values(
        ["Normalised value", "Partnership"], ascending=[False, True], na_position="last", ignore_index=True
    )


def ranking_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Partnership and compared value of the partnerships with a latest value (for ``ranking_figure``)."""
    rows = table.dropna(subset=["Normalised value"])
    return pd.DataFrame(
        {
            "partnership": rows["Partnership"].astype(str),
            "period": rows["Latest quarter"].astype(str),
            "value": rows["Normalised value"].astype(float),
        }
    ).reset_index(drop=True)


# ---- indicator explorer ---------------------------------------------------------------------------------------


def annual_trend(frame: pd.DataFrame, indicator_id: str, partnerships: pd.DataFrame) -> pd.DataFrame:
    """Complete-year values of an indicator per partnership, shaped like ``metrics.quarterly_trend`` (period is the
    year as text, period_start the first of January) so the same figure builder draws them."""
    columns = ["partnership_id", "partnership", "year", "period", "period_start", "value"]
    series = annual_series(frame, indicator_id)
    if series.empty:
        return pd.DataFrame(columns=columns)
    names = partnerships.set_index("partnership_id")["name"]
    result = series.copy()
    result["partnership"] = result["partnership_id"].map(names).fillna(result["partnership_id"]).astype(str)
    result["period"] = result["year"].astype(int).astype(str)
    result["period_start"] = [pd.Timestamp(year=int(y), month=1, day=1) for y in result["year"]]
    return result.sort_values(["partnership", "year"], ignore_index=True)[columns]
