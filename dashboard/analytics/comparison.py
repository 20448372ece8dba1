"""Pure computations behind the Compare and Indicator explorer pages.

Choosing partnerships and indicators from URL values, normalising quarterly series (per USD 1 million of committed
funding, per participant), the side-by-side comparison table, the latest values of an indicator across
partnerships, breakdown rows, annual trends, goals on an indicator and the indicator's metadata and framework
references. Everything takes and returns plain pandas frames; nothing imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.analytics.annual import annual_series
from dashboard.analytics.metrics import (
    format_value,
    period_label,
    quarterly_trend,
    series_label,
    total_rows,
)
from data_contracts import DATASET_INFO, DIMENSIONS, INDICATORS, TOTAL, Indicator
from data_contracts.catalog import FRAMEWORKS

NORMALISATIONS: dict[str, str] = {
    "none": "As reported",
    "per_usd_million": "Per USD 1M of committed funding",
    "per_participant": "Per participant (headcount at quarter end)",
}
"""Normalisation modes (the ``norm`` URL value) and their labels, in display order."""

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

PARTICIPANTS_INDICATOR = "workforce_headcount"
"""Participants are the people working on the partnership at quarter end (its headcount)."""

NORMALISABLE_UNITS: tuple[str, ...] = ("count", "hours", "currency_usd")
"""Units of amounts that can be divided by funding or people; percentages and ratios cannot."""

DEFAULT_INDICATORS: tuple[str, ...] = ("workforce_headcount", "new_hires")
MAX_PARTNERSHIPS = 8
MIN_PARTNERSHIPS = 2
MAX_INDICATORS = 4

UNIT_WORDS: dict[str, str] = {
    "count": "number",
    "percent": "percent (0–100)",
    "hours": "hours",
    "currency_usd": "US dollars",
    "ratio": "ratio",
}

_YEAR_RULE_WORDS = {"sum": "Sum", "last": "Last", "recompute": "Recompute"}
"""The catalog's year rule codes as the metadata tab names them."""

NONE_VERIFIED = "none verified"


# ---- choices from the URL -------------------------------------------------------------------------------------


def indicator_label(indicator_id: str) -> str:
    """``"Workforce · Headcount"``: the dataset and the short name, as pickers show an indicator."""
    item = INDICATORS[indicator_id]
    return f"{DATASET_INFO[item.dataset].name} · {item.short_name}"


def parse_ids(text: str | None, valid: Sequence[str], limit: int) -> list[str]:
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


def parse_choice(text: str | None, options: Sequence[str], default: str) -> str:
    """A URL value when it is one of ``options``, else ``default``."""
    return text if text in options else default


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
    if indicator.additive and indicator.unit in NORMALISABLE_UNITS:
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


def normalised_unit(indicator: Indicator, mode: str) -> str:
    """The catalog unit used to format normalised values: US dollars stay dollars, other amounts become ratios."""
    if not applies(indicator, mode) or indicator.unit == "currency_usd":
        return indicator.unit
    return "ratio"


def unit_text(indicator: Indicator, mode: str = "none") -> str:
    """What the numbers are, in words: ``"number per USD 1M of committed funding"``."""
    base = UNIT_WORDS[indicator.unit] if indicator.unit != "percent" else "%"
    if not applies(indicator, mode):
        return base
    if mode == "per_usd_million":
        return f"{base} per USD 1M of committed funding"
    return f"{base} per participant (headcount at quarter end)"


def normalised_indicator(indicator: Indicator, mode: str) -> Indicator:
    """The catalog entry with the unit of its normalised values, so figure builders format axes and hover text to
    match (the name stays: the subtitle says what the values are divided by)."""
    if not applies(indicator, mode):
        return indicator
    return replace(indicator, unit=normalised_unit(indicator, mode))  # type: ignore[arg-type]


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
    return ",.0f" if unit == "currency_usd" else f",.{decimals}f"


def format_normalised(value: float | None, unit: str, decimals: int) -> str:
    """A normalised value as people read it: US dollars in full, other amounts with the given decimals."""
    if value is None or math.isnan(value):
        return "–"
    if unit == "currency_usd":
        return format_value(value, unit)
    return f"{value:,.{decimals}f}"


def value_column(indicator: Indicator, mode: str = "none") -> str:
    """Header of a value column: ``"New hires (number)"``, ``"New hires per USD 1M of committed funding"``."""
    if applies(indicator, mode):
        unit = " (USD)" if indicator.unit == "currency_usd" else ""
        return f"{indicator.short_name} {NORMALISATION_SUFFIX[mode]}{unit}"
    return f"{indicator.short_name} ({indicator.unit_label})"


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
    keyed["period"] = keyed["year"] * 4 + keyed["quarter"]
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
    labels = {p: period_label(p) for p in {*now, *before}}
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
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def ranking_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Partnership and compared value of the partnerships with a latest value (for ``charts.ranking_figure``)."""
    rows = table.dropna(subset=["Normalised value"])
    return pd.DataFrame(
        {
            "partnership": rows["Partnership"].astype(str),
            "period": rows["Latest quarter"].astype(str),
            "value": rows["Normalised value"].astype(float),
        }
    ).reset_index(drop=True)


def periods_text(periods: Sequence[str]) -> str:
    """``"2026 Q3"`` when every partnership's latest quarter is the same, else the distinct quarters listed."""
    distinct = sorted(set(periods), key=lambda p: (int(p[:4]), int(p[-1])))
    if not distinct:
        return "no data"
    if len(distinct) == 1:
        return distinct[0]
    return "latest quarter each reported: " + ", ".join(distinct)


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


def annual_title(indicator: Indicator) -> str:
    """A plain sentence for an annual chart of the indicator, by its year rule."""
    if indicator.year_rule == "sum":
        return f"{indicator.short_name} per year"
    if indicator.year_rule == "last":
        return f"{indicator.short_name} at year end"
    return f"{indicator.short_name} per year (recomputed from annual figures)"


def breakdown_rows(frame: pd.DataFrame, indicator_id: str, dimension: str, partnership_id: str) -> pd.DataFrame:
    """One partnership's quarterly values of a breakdown: period, period_start, category, category_label, value.

    Categories follow the vocabulary's order (so colours and legends stay the same everywhere), quarters oldest
    first.
    """
    columns = ["period", "period_start", "category", "category_label", "value"]
    rows = frame[
        (frame["indicator_id"] == indicator_id)
        & (frame["dimension"] == dimension)
        & (frame["partnership_id"] == partnership_id)
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    found = DIMENSIONS.get(dimension)
    order = {code: position for position, code in enumerate(found.categories if found else [])}
    result = rows[["year", "quarter", "category", "value"]].copy()
    result["order"] = result["category"].map(lambda c: order.get(c, len(order)))
    result = result.sort_values(["order", "year", "quarter"], ignore_index=True)
    result["period"] = [period_label((int(y), int(q))) for y, q in zip(result["year"], result["quarter"], strict=True)]
    result["period_start"] = [
        pd.Timestamp(year=int(y), month=3 * (int(q) - 1) + 1, day=1)
        for y, q in zip(result["year"], result["quarter"], strict=True)
    ]
    result["category_label"] = result["category"].map(lambda c: found.category_label(c) if found else c)
    result["category"] = result["category"].astype(str)
    return result[columns]


def partnerships_with_breakdown(
    frame: pd.DataFrame, indicator_id: str, dimension: str, partnerships: pd.DataFrame
) -> list[str]:
    """Ids of the partnerships that report the indicator by this dimension, in name order."""
    rows = frame[(frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension)]
    ids = set(rows["partnership_id"].astype(str))
    ordered = partnerships.sort_values("name")
    return [pid for pid in ordered["partnership_id"].astype(str) if pid in ids]


def latest_breakdown(
    frame: pd.DataFrame, indicator_id: str, dimension: str, partnerships: pd.DataFrame
) -> pd.DataFrame:
    """Each partnership's latest quarter reported by a dimension: Partnership, Quarter, Total and one column per
    category (vocabulary order, labels as headers). Numbers stay numbers; a category not reported is missing."""
    found = DIMENSIONS.get(dimension)
    labels = dict(found.categories) if found else {}
    rows = frame[(frame["indicator_id"] == indicator_id) & (frame["dimension"] == dimension)]
    totals = total_rows(frame)
    totals = totals[totals["indicator_id"] == indicator_id]
    names = partnerships.set_index("partnership_id")["name"].astype(str).to_dict()
    columns = ["Partnership", "Quarter", "Total", *labels.values()]
    if rows.empty:
        table = pd.DataFrame([], columns=columns)
    else:  # every partnership at once: its latest quarter, that quarter's total and categories
        keyed = _keyed(rows).assign(category=rows["category"].astype(str).to_numpy(dtype=object))
        order = pd.unique(keyed["pid"])  # first appearance, as the rows were gathered
        latest = keyed.groupby("pid", sort=False)["period"].max().loc[order]
        chosen = keyed[keyed["period"].to_numpy() == keyed["pid"].map(latest).to_numpy()]
        # of a category given twice in that quarter, the later row counts (as a dict of categories keeps)
        by_category = chosen.drop_duplicates(["pid", "category"], keep="last").pivot(
            index="pid", columns="category", values="value"
        )
        total_keyed = _keyed(totals).drop_duplicates(["pid", "period"], keep="first").set_index(["pid", "period"])
        total = total_keyed["value"].reindex(pd.MultiIndex.from_arrays([latest.index, latest.to_numpy()]))
        year, quarter = np.divmod(latest.to_numpy() - 1, 4)
        quarters = {(int(y), int(q) + 1) for y, q in zip(year, quarter, strict=True)}
        label_of = {period: period_label(period) for period in quarters}
        data: dict[str, object] = {
            "Partnership": [names.get(str(p), str(p)) for p in order],
            "Quarter": [label_of[(int(y), int(q) + 1)] for y, q in zip(year, quarter, strict=True)],
            "Total": total.to_numpy(dtype=float),
        }
        for code, label in labels.items():
            data[label] = (
                by_category[code].reindex(order).to_numpy(dtype=float)
                if code in by_category.columns
                else np.full(len(order), math.nan)
            )
        table = pd.DataFrame(data, columns=columns)
    present = [label for code, label in labels.items() if table[label].notna().any()]
    return table[["Partnership", "Quarter", "Total", *present]].sort_values("Partnership", ignore_index=True)


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    """Partnership id (text), quarter as one increasing number (year * 4 + quarter) and value of indicator rows."""
    year = rows["year"].to_numpy(dtype="int64")
    return pd.DataFrame(
        {
            "pid": rows["partnership_id"].astype(str).to_numpy(dtype=object),
            "period": year * 4 + rows["quarter"].to_numpy(dtype="int64"),
            "value": rows["value"].to_numpy(dtype=float),
        }
    )


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
        if number is None or year is None or (isinstance(year, float) and math.isnan(year)):
            return "–"
        return f"{format_value(number, unit)} ({int(year)})"  # type: ignore[call-overload]

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


def _breakdowns_text(indicator: Indicator) -> str:
    if not indicator.breakdowns:
        return "None: reported as a total only"
    parts = []
    for code in indicator.breakdowns:
        dimension = DIMENSIONS[code]
        parts.append(f"{dimension.label} ({', '.join(dimension.categories.values())})")
    return "; ".join(parts)


def indicator_metadata(indicator: Indicator) -> list[tuple[str, str]]:
    """The indicator's definition as (field, text) pairs, in plain words, for a metadata tab."""
    rule = f"{_YEAR_RULE_WORDS[indicator.year_rule]}: {indicator.year_rule_text}"
    pairs = [
        ("Indicator", indicator.name),
        ("Short name", indicator.short_name),
        ("Id", indicator.id),
        ("Dataset", DATASET_INFO[indicator.dataset].name),
        ("Description", indicator.description),
        ("Unit", UNIT_WORDS[indicator.unit]),
        ("Direction", "Higher is better" if indicator.higher_is_better else "Lower is better"),
        ("Year rule", rule),
    ]
    if indicator.recompute is not None:
        spec = indicator.recompute
        pairs.append(
            (
                "Recomputed from",
                f"{INDICATORS[spec.numerator].short_name} and {INDICATORS[spec.denominator].short_name} "
                f"({spec.method.replace('_', ' ')})",
            )
        )
    pairs += [
        (
            "Whole numbers",
            "Yes: values are whole numbers" if indicator.whole_number else "No: decimals are allowed",
        ),
        (
            "Sign",
            "May be negative (a net change)" if indicator.signed else "Never negative",
        ),
        (
            "Additive",
            "Yes: breakdown categories add up to at most the total, and partnerships can be summed"
            if indicator.additive
            else "No: a rate, share, ratio or average; categories and partnerships do not add up",
        ),
        ("Breakdowns", _breakdowns_text(indicator)),
    ]
    if indicator.breakdowns and indicator.breakdown_of == "owners":
        pairs.append(("Breakdowns describe", "The owners of the supplier firms, not people served"))
    return pairs


def references_table(indicator: Indicator) -> pd.DataFrame:
    """Framework references grouped by framework in the order GRI, IRIS+, SDG, WEF, ESRS: Framework, Reference,
    Note. A framework without a verified reference has one row saying so."""
    rows = []
    for framework, label in FRAMEWORKS.items():
        found = indicator.references_for(framework)
        if not found:
            rows.append({"Framework": label, "Reference": NONE_VERIFIED, "Note": ""})
        for reference in found:
            rows.append({"Framework": label, "Reference": f"{label} {reference.code}", "Note": reference.note or ""})
    return pd.DataFrame(rows, columns=["Framework", "Reference", "Note"])


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
    return period_label((year, quarter))


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
