"""What the Compare and Indicator explorer pages write: values with their units, normalised values and their
notes, the side-by-side and latest-value tables as people read them and as CSV."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import SupportsFloat, cast

import pandas as pd

from dashboard.analytics.comparison import applies, normalised_unit
from dashboard.analytics.metrics import series_label
from data_contracts import INDICATORS, Indicator
from data_contracts.quarters import Quarter
from data_contracts.units import UNITS, format_value

NORMALISATION_COLUMNS: dict[str, str] = {
    "per_usd_million": "Per USD 1M committed",
    "per_participant": "Per participant",
}
"""Short headers of the normalised column of the side-by-side table."""


NORMALISATION_SUFFIX: dict[str, str] = {
    "none": "",
    "per_usd_million": "per USD 1M of committed funding",
    "per_participant": "per participant",
}


def not_applicable_reason(indicator: Indicator, mode: str) -> str | None:
    """Why a normalisation does not apply to an indicator (None when it applies or nothing is asked)."""
    if mode == "none" or applies(indicator, mode):
        return None
    if indicator.unit in ("percent", "ratio"):
        kind = "a percentage" if indicator.unit == "percent" else "a ratio"
        why = f"is {kind}, which does not scale with funding or people"
    elif not indicator.additive:
        why = "is an average, which does not scale with funding or people"
    else:
        why = "is the participant count itself"
    return f"{indicator.short_name} {why}: values are shown as reported."


def unit_text(indicator: Indicator, mode: str = "none") -> str:
    """What the numbers are, in words: ``"number per USD 1M of committed funding"``."""
    words = UNITS[indicator.unit]
    base = words.words if indicator.unit != "percent" else words.label
    if not applies(indicator, mode):
        return base
    if mode == "per_usd_million":
        return f"{base} per USD 1M of committed funding"
    return f"{base} per participant (headcount at quarter end)"


def decimals_for(values: Sequence[float]) -> int:
    """Decimals that keep normalised values apart: 4 below 0.1, 3 below 1, 2 below 100, none from 100 up."""
    finite = [abs(float(v)) for v in values if v is not None and not math.isnan(float(v))]
    largest = max(finite, default=0.0)
    if largest < 0.1:
        return 4
    if largest < 1:
        return 3
    return 2 if largest < 100 else 0


def number_format(unit: str, decimals: int) -> str:
    """The d3 format of a Plotly axis or hover text that matches :func:`format_normalised`."""
    return ",.0f" if UNITS[unit].money else f",.{decimals}f"


def format_normalised(value: float | None, unit: str, decimals: int) -> str:
    """A normalised value as people read it: US dollars in full, other amounts with the given decimals."""
    if value is None or math.isnan(value):
        return "–"
    if UNITS[unit].money:
        return format_value(value, unit)
    return f"{value:,.{decimals}f}"


def value_column(indicator: Indicator, mode: str = "none") -> str:
    """Header of a value column: ``"New hires (number)"``, ``"New hires per USD 1M of committed funding"``."""
    if applies(indicator, mode):
        unit = " (USD)" if UNITS[indicator.unit].money else ""
        return f"{indicator.short_name} {NORMALISATION_SUFFIX[mode]}{unit}"
    return f"{indicator.short_name} ({indicator.unit_label})"


def format_change(change: float | None, change_pct: float | None, unit: str) -> str:
    """``"+120 (+5.3%)"``; ``"–"`` without an earlier value. Percentages change in percentage points."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    sign = "+" if change >= 0 else "-"
    if unit == "percent":
        return f"{sign}{abs(change):,.1f} pts"
    amount = format_value(abs(change), unit)
    pct = "" if change_pct is None or math.isnan(change_pct) else f" ({change_pct:+.1f}%)"
    return f"{sign}{amount}{pct}"


def comparison_display(table: pd.DataFrame, indicator: Indicator, mode: str = "none") -> pd.DataFrame:
    """The comparison table as people read it: values written with their unit, the normalised column named after
    the normalisation (dropped when none applies), ids left out."""
    unit = indicator.unit
    shown = pd.DataFrame(
        {
            "Partnership": table["Partnership"],
            "Quarter": table["Latest quarter"],
            "Value": [format_value(_number(v), unit) for v in table["Latest value"]],
            "A year earlier": [format_value(_number(v), unit) for v in table["A year earlier"]],
            "Change over a year": [
                format_change(_number(c), _number(p), unit)
                for c, p in zip(table["Change over a year"], table["Change over a year (%)"], strict=True)
            ],
        }
    )
    if applies(indicator, mode):
        label = NORMALISATION_COLUMNS[mode]
        norm_unit = normalised_unit(indicator, mode)
        decimals = decimals_for(table["Normalised value"].tolist())
        shown[label] = [format_normalised(_number(v), norm_unit, decimals) for v in table["Normalised value"]]
    shown["Goal status"] = table["Goal status"]
    shown["Funding"] = [format_value(_number(v), "currency_usd") for v in table["Committed funding (USD)"]]
    return shown


def comparison_csv(table: pd.DataFrame, indicator: Indicator, mode: str = "none") -> pd.DataFrame:
    """The comparison table's numbers for download, headers naming the unit (no normalised column when none)."""
    unit = indicator.unit_label
    change_unit = "percentage points" if indicator.unit == "percent" else unit
    renamed = table.drop(columns=["partnership_id"]).rename(
        columns={
            "Latest value": f"Latest value ({unit})",
            "A year earlier": f"A year earlier ({unit})",
            "Change over a year": f"Change over a year ({change_unit})",
            "Normalised value": value_column(indicator, mode),
        }
    )
    if not applies(indicator, mode):
        renamed = renamed.drop(columns=[value_column(indicator, mode)])
    return renamed


def _number(value: object) -> float | None:
    """A number cell as a float; None when it is missing (None or NaN)."""
    if value is None:
        return None
    number = float(cast("SupportsFloat", value))
    return None if math.isnan(number) else number


def periods_text(periods: Sequence[str]) -> str:
    """``"2026 Q3"`` when every partnership's latest quarter is the same, else the distinct quarters listed."""
    distinct = sorted(set(periods), key=lambda p: (int(p[:4]), int(p[-1])))
    if not distinct:
        return "no data"
    if len(distinct) == 1:
        return distinct[0]
    return "latest quarter each reported: " + ", ".join(distinct)


def goals_on_indicator(goals_evaluated: pd.DataFrame, indicator_id: str, partnerships: pd.DataFrame) -> pd.DataFrame:
    """The goals set on an indicator with their progress: Partnership, Series, Baseline, Target, Current, Status,
    Score (baseline, target and current written with unit and year), best score first."""
    columns = ["Partnership", "Series", "Baseline", "Target", "Current", "Status", "Score"]
    if goals_evaluated.empty:
        return pd.DataFrame(columns=columns)
    rows = goals_evaluated[goals_evaluated["indicator_id"] == indicator_id]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    unit = INDICATORS[indicator_id].unit
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()

    def at(value: object, year: object) -> str:
        number = _number(value)
        whole_year = _number(year)
        if number is None or whole_year is None:
            return "–"
        return f"{format_value(number, unit)} ({int(whole_year)})"

    table = pd.DataFrame(
        {
            "Partnership": [names.get(str(p), str(p)) for p in rows["partnership_id"]],
            "Series": [series_label(str(d), str(c)) for d, c in zip(rows["dimension"], rows["category"], strict=True)],
            "Baseline": [at(v, y) for v, y in zip(rows["baseline_value"], rows["baseline_year"], strict=True)],
            "Target": [at(v, y) for v, y in zip(rows["target_value"], rows["target_year"], strict=True)],
            "Current": [at(v, y) for v, y in zip(rows["current_value"], rows["current_year"], strict=True)],
            "Status": rows["status_label"].astype(str).to_list(),
            "Score": pd.to_numeric(rows["score"], errors="coerce").astype(float).round(2).to_list(),
        }
    )
    return table.sort_values(["Score", "Partnership"], ascending=[False, True], na_position="last", ignore_index=True)


def span_text(rows: pd.DataFrame) -> str:
    """``"2022 Q1 – 2026 Q3"``: the first and last quarter of a series (rows with period and period_start)."""
    if rows.empty:
        return "no data"
    ordered = rows.sort_values("period_start")
    first, last = str(ordered["period"].iloc[0]), str(ordered["period"].iloc[-1])
    return first if first == last else f"{first} – {last}"


def series_table(normalised: pd.DataFrame, indicator: Indicator, mode: str = "none") -> pd.DataFrame:
    """The numbers of a small-multiples chart: Partnership, Quarter, the value as reported and, when normalised,
    the normalised value (headers name the units)."""
    table = pd.DataFrame(
        {
            "Partnership": normalised["partnership"].astype(str),
            "Quarter": normalised["period"].astype(str),
            value_column(indicator): normalised["raw_value"].astype(float),
        }
    )
    if applies(indicator, mode):
        table[value_column(indicator, mode)] = normalised["value"].astype(float)
    return table.reset_index(drop=True)


def normalisation_note(indicator: Indicator, mode: str, missing: Sequence[str] = ()) -> str | None:
    """What a normalised chart shows, and for whom there was nothing to divide by (None when not normalised)."""
    if not applies(indicator, mode):
        return None
    if mode == "per_usd_million":
        text = "Each value is divided by the partnership's committed funding in millions of US dollars."
        what = "committed funding"
    else:
        text = "Each value is divided by the people working on the partnership at the same quarter end (headcount)."
        what = "headcount"
    if missing:
        text += f" No {what} to divide by for {', '.join(missing)}: left blank."
    return text


def latest_quarter(latest: pd.DataFrame) -> str:
    """The most recent quarter any partnership reported (``latest_values`` rows), or ``"none"``."""
    if latest.empty:
        return "none"
    year, quarter = max(zip(latest["year"].astype(int), latest["quarter"].astype(int), strict=True))
    return Quarter(year, quarter).label


def latest_display(latest: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """``latest_values`` as people read it: Partnership, Latest quarter, Value, A year earlier, Change over a year."""
    unit = indicator.unit
    return pd.DataFrame(
        {
            "Partnership": latest["partnership"].astype(str),
            "Latest quarter": latest["period"].astype(str),
            "Value": [format_value(_number(v), unit) for v in latest["value"]],
            "A year earlier": [format_value(_number(v), unit) for v in latest["previous"]],
            "Change over a year": [
                format_change(_number(c), _number(p), unit)
                for c, p in zip(latest["change"], latest["change_pct"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def latest_csv(latest: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """``latest_values`` numbers for download, headers naming the unit."""
    unit = indicator.unit_label
    change_unit = "percentage points" if indicator.unit == "percent" else unit
    return pd.DataFrame(
        {
            "Partnership": latest["partnership"].astype(str),
            "Latest quarter": latest["period"].astype(str),
            f"Value ({unit})": latest["value"].astype(float),
            "Quarter a year earlier": latest["previous_period"].astype(str),
            f"Value a year earlier ({unit})": latest["previous"].astype(float),
            f"Change over a year ({change_unit})": latest["change"].astype(float),
            "Change over a year (%)": latest["change_pct"].astype(float).round(1),
        }
    ).reset_index(drop=True)


def format_columns(table: pd.DataFrame, columns: Sequence[str], unit: str) -> pd.DataFrame:
    """A copy with the given number columns written with their unit (``format_value``); missing values as "–"."""
    shown = table.copy()
    for column in columns:
        shown[column] = [format_value(_number(v), unit) for v in table[column]]
    return shown


def panel_columns(partnerships: int) -> int:
    """Columns of small multiples on a full-width row: 1–3 side by side, 2 × 2 for four, then three a row."""
    if partnerships <= 3:
        return max(1, partnerships)
    return 2 if partnerships == 4 else 3
