"""Display helpers of the Goals and Partnership pages: growth as percentages, progress toward a target, card and
workings texts, status summaries, the goals table, a partnership's profile and the options of its pickers.

Pure functions over the frames of ``dashboard.analytics.goals`` and the store; nothing here imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import SupportsFloat, SupportsInt, cast
from urllib.parse import quote_plus, urlencode

import numpy as np
import pandas as pd

from dashboard.analytics.goals import GoalPath
from dashboard.analytics.metrics import series_label, total_rows
from dashboard.analytics.progress import STATUS_LABELS, STATUSES, SeriesResult
from dashboard.present.narrative_texts import explanation_text, latest_explanations
from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS, TOTAL, Indicator, split_list
from data_contracts.quarters import Quarter
from data_contracts.units import UNITS, format_value
from data_contracts.vocabularies import BREAKDOWN_DIMENSIONS, SECTORS

# ---- small formatting helpers ------------------------------------------------------------------------------------


def missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def as_float(value: object) -> float:
    """A number cell of a goal row (a float, an integer or a numpy number) as a float; NaN stays NaN."""
    return float(cast("SupportsFloat", value))


def as_int(value: object) -> int:
    """A whole-number cell of a goal row (a year, a count) as an int."""
    return int(cast("SupportsInt", value))


def growth_percent(rate: float | None) -> float | None:
    """An annual growth rate (0.0523) in percent with one decimal (5.2); None when unknown."""
    if missing(rate):
        return None
    value = round(as_float(rate) * 100, 1)
    return 0.0 if value == 0 else value


def format_growth(rate: float | None, *, per_year: bool = False) -> str:
    """An annual growth rate as people read it: ``+5.2%`` (``+5.2% a year`` with ``per_year``); ``–`` if unknown."""
    value = growth_percent(rate)
    if value is None:
        return "–"
    text = f"{value:+.1f}%" if value != 0 else "0.0%"
    return f"{text} a year" if per_year else text


def round_value(value: float | None, unit: str) -> float | None:
    """A value rounded as tables show it: whole dollars, two decimals for ratios, one decimal otherwise."""
    if missing(value):
        return None
    digits = 0 if UNITS[unit].money else 2 if unit == "ratio" else 1
    return round(as_float(value), digits)


# ---- series and status labels -----------------------------------------------------------------------------------


def _label_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, dimension in DIMENSIONS.items():
        if code != TOTAL:
            for label in dimension.categories.values():
                counts[label] = counts.get(label, 0) + 1
    return counts


_LABEL_USES: Mapping[str, int] = _label_counts()
"""How many dimensions use each category label: ``Undisclosed`` is in several, so it needs its dimension."""

_VAGUE_LABELS: frozenset[str] = frozenset({"Other", "Undisclosed"})
"""Category labels that do not say which group they are without their dimension."""


def category_name(dimension: str, category: str) -> str:
    """A breakdown category as a goal's name says it: the vocabulary's label when it names the group on its own
    (``Women``, ``Under 30``, ``Direct employees``), else with its dimension (``Age band 30–50``,
    ``Gender: Undisclosed``); ``Total`` for the total."""
    if dimension == TOTAL:
        return "Total"
    found = DIMENSIONS.get(dimension)
    if found is None:
        return series_label(dimension, category)
    label = found.category_label(category)
    words = any(character.isalpha() for character in label)
    if words and _LABEL_USES.get(label, 0) == 1 and label not in _VAGUE_LABELS:
        return label
    return f"{found.label}: {label}" if words else f"{found.label} {label}"


def goal_name(indicator_id: str, dimension: str, category: str) -> str:
    """The goal's name, the one place it is made: the indicator's short name, and for a goal on one breakdown
    category that category (``New hires — Women``); a goal on the total is the indicator's name alone.

    Every goal chart title, card heading, goals table row and embed uses it.
    """
    name = INDICATORS[indicator_id].short_name if indicator_id in INDICATORS else indicator_id
    return name if dimension == TOTAL else f"{name} — {category_name(dimension, category)}"


STATUS_BADGE_COLOURS: Mapping[str, str] = {
    "target_achieved": "green",
    "substantial_progress": "green",
    "moderate_progress": "yellow",
    "limited_progress": "orange",
    "deterioration": "red",
    "not_available": "gray",
}
"""Streamlit badge colour of each status (the label is always written beside it)."""

STATUS_ICONS: Mapping[str, str] = {
    "target_achieved": ":material/check_circle:",
    "substantial_progress": ":material/speed:",
    "moderate_progress": ":material/speed:",
    "limited_progress": ":material/warning:",
    "deterioration": ":material/error:",
    "not_available": ":material/help:",
}

STATUS_MEANINGS: Mapping[str, str] = {
    "target_achieved": "The latest complete year already meets the target.",
    "substantial_progress": "Growing at 95% or more of the pace the target needs.",
    "moderate_progress": "Growing at 60–95% of the pace the target needs.",
    "limited_progress": "Moving the right way, but at less than 60% of the pace the target needs.",
    "deterioration": "Moving away from the target.",
    "not_available": "Not enough data to judge: fewer than two complete years, or no pace can be computed.",
}


def status_badge(status: str) -> str:
    """A Streamlit Markdown badge with the status colour, icon and label, e.g. ``:red-badge[… Deterioration]``."""
    return f":{STATUS_BADGE_COLOURS[status]}-badge[{STATUS_ICONS[status]} {STATUS_LABELS[status]}]"


def status_summary_table(counts: Mapping[str, int]) -> pd.DataFrame:
    """Goals per status, every status in the method's order (the numbers of the status summary chart)."""
    return pd.DataFrame(
        {
            "Status": [STATUS_LABELS[status] for status in STATUSES],
            "Goals": [int(counts.get(status, 0)) for status in STATUSES],
        }
    )


# ---- URL parameters ----------------------------------------------------------------------------------------------

GOAL_FILTERS: tuple[str, str] = ("all", "off_course")
"""The Goals page's ``filter`` parameter: every goal, or only those off course (its toggle off and on)."""


# ---- the goals table ---------------------------------------------------------------------------------------------


GOAL_TABLE_COLUMNS: tuple[str, ...] = (
    "Partnership",
    "Goal",
    "Status",
    "Growth so far (%/yr)",
    "Growth needed (%/yr)",
    "Explanation",
    "Score",
    "Base year",
    "Base value",
    "Current year",
    "Current value",
    "Target year",
    "Target value",
    "Projected at target year",
    "Unit",
    "Indicator",
    "Series",
    "Partnership id",
    "Goal id",
)
"""Columns of the goals table (and its CSV): who and which goal, the answer (status, growth so far and needed), the
explanation beside those numbers, then every number of the goal. The page shows :data:`GOAL_TABLE_SHOWN` of them."""

GOAL_TABLE_SHOWN: tuple[str, ...] = (
    "Partnership",
    "Goal",
    "Status",
    "Growth so far (%/yr)",
    "Growth needed (%/yr)",
    "Explanation",
)
"""The columns the Goals page shows (then a link to each goal's card), narrow enough for a laptop screen."""

NO_EXPLANATION = "No explanation yet"
"""The Explanation cell of a goal nobody has explained yet."""


def goal_explanations(evaluated: pd.DataFrame, texts: pd.DataFrame | None = None) -> Mapping[str, str]:
    """Why each goal stands where it does, in the partnership's own words, by goal id: the newest explanation of
    each goal of ``evaluated`` among ``texts`` (narratives and explanations of a layer,
    ``dashboard.storage.narratives.read_texts``), as ``"2026 Q3: …"``. Goals without one are left out (they read
    :data:`NO_EXPLANATION`); without ``texts``, nothing is explained."""
    if texts is None or texts.empty or evaluated.empty:
        return {}
    latest = latest_explanations(texts)
    found = {}
    for partnership_id, goal_id in zip(evaluated["partnership_id"], evaluated["goal_id"], strict=True):
        note = latest.get((str(partnership_id), str(goal_id)))
        if note is not None:
            found[str(goal_id)] = explanation_text(*note)
    return found


def goal_link(page_url: str, partnership_id: str, goal_id: str) -> str:
    """The address of a goal's card: the Partnership page (``page_url``) opened on the partnership with the goal
    (``?goal=``), whose card it shows first and scrolls to."""
    return f"{page_url}?{urlencode({'partnership': partnership_id, 'goal': goal_id})}"


def goal_links(table: pd.DataFrame, page_url: str) -> list[str]:
    """The address of each row's goal card (:func:`goal_link`) for a table of :func:`goals_table`."""
    quoted: dict[str, str] = {}  # thousands of goals share few partnerships: each id quoted once

    def quote(value: object) -> str:
        text = str(value)
        if text not in quoted:
            quoted[text] = quote_plus(text)
        return quoted[text]

    return [
        f"{page_url}?partnership={quote(partnership_id)}&goal={quote(goal_id)}"
        for partnership_id, goal_id in zip(table["Partnership id"], table["Goal id"], strict=True)
    ]


def _number(value: object) -> float | None:
    """A number cell of a goal row that may be missing (a growth rate, a base value): None when it is."""
    return None if missing(value) else as_float(value)


def _year(value: object) -> int | None:
    return None if missing(value) else as_int(value)


def lower_is_better_note(indicator_ids: Iterable[str]) -> str:
    """How to read negative growth of the listed indicators where lower is better (empty when there are none)."""
    names = sorted({INDICATORS[i].short_name.lower() for i in indicator_ids if not INDICATORS[i].higher_is_better})
    if not names:
        return ""
    return f"Where lower is better ({', '.join(names)}), a fall is progress."


def goals_table(evaluated: pd.DataFrame, names: Mapping[str, str], texts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per goal as the Goals page shows it (columns :data:`GOAL_TABLE_COLUMNS`), worst score first.

    The goal is named by :func:`goal_name` (with its breakdown category); the explanation comes from
    :func:`goal_explanations` of ``texts``. Base year and value
    are the ones the method used (the goal's baseline unless data starts later); growth rates are in percent with one
    decimal; values are rounded by unit. Goals without a score come last.
    """
    rows = []
    ordered = evaluated.assign(_missing=evaluated["score"].isna()).sort_values(
        ["_missing", "score", "partnership_id", "goal_id"], kind="stable"
    )
    explanations = goal_explanations(evaluated, texts)
    for goal in ordered.to_dict("records"):
        indicator = INDICATORS[goal["indicator_id"]]
        unit = indicator.unit
        base_year = goal["base_year_used"] if not missing(goal["base_year_used"]) else goal["baseline_year"]
        base_value = goal["base_value_used"] if not missing(goal["base_value_used"]) else goal["baseline_value"]
        current_year = _year(goal["current_year"])
        rows.append(
            {
                "Partnership": names.get(goal["partnership_id"], goal["partnership_id"]),
                "Goal": goal_name(goal["indicator_id"], goal["dimension"], goal["category"]),
                "Status": goal["status_label"],
                "Growth so far (%/yr)": growth_percent(goal["cagr_observed"]),
                "Growth needed (%/yr)": growth_percent(goal["growth_needed"]),
                "Explanation": explanations.get(str(goal["goal_id"]), NO_EXPLANATION),
                "Score": None if missing(goal["score"]) else round(float(goal["score"]), 1),
                "Base year": _year(base_year),
                "Base value": round_value(base_value, unit),
                "Current year": current_year,
                "Current value": round_value(goal["current_value"], unit),
                "Target year": _year(goal["target_year"]),
                "Target value": round_value(goal["target_value"], unit),
                "Projected at target year": round_value(goal["projection"], unit),
                "Unit": indicator.unit_label,
                "Indicator": indicator.short_name,
                "Series": series_label(goal["dimension"], goal["category"]),
                "Partnership id": goal["partnership_id"],
                "Goal id": goal["goal_id"],
            }
        )
    table = pd.DataFrame(rows, columns=list(GOAL_TABLE_COLUMNS))
    for column in ("Base year", "Current year", "Target year"):
        table[column] = table[column].astype("Int64")
    for column in (
        "Base value",
        "Current value",
        "Target value",
        "Score",
        "Growth so far (%/yr)",
        "Growth needed (%/yr)",
        "Projected at target year",
    ):
        table[column] = table[column].astype("float64")
    return table.reset_index(drop=True)


# ---- one goal: progress, card texts, workings --------------------------------------------------------------------


def progress_fraction(
    base: float | None, current: float | None, target: float | None, *, higher_is_better: bool
) -> float | None:
    """How far the current value has come from the base toward the target, clipped to 0..1.

    ``(current - base) / (target - base)`` works for both directions; when the base already equals the target the
    goal is all the way there (1) if the current value meets the target, else nowhere (0). None without a current
    value.
    """
    if missing(base) or missing(current) or missing(target):
        return None
    base, current, target = as_float(base), as_float(current), as_float(target)
    if target == base:
        met = current >= target if higher_is_better else current <= target
        return 1.0 if met else 0.0
    return min(max((current - base) / (target - base), 0.0), 1.0)


def progress_text(
    fraction: float | None,
    *,
    unit: str,
    base_year: int,
    base_value: float,
    current_year: int | None,
    current_value: float | None,
    target_year: int,
    target_value: float,
) -> str:
    """The label of a progress bar: how far, from what to what, and where it stands now."""
    base = format_value(base_value, unit, compact=True)
    target = format_value(target_value, unit, compact=True)
    if fraction is None or current_year is None or missing(current_value):
        return f"No complete year of data yet · target {target} by {target_year} (baseline {base} in {base_year})"
    current = format_value(current_value, unit, compact=True)
    return (
        f"{fraction:.0%} of the way from {base} ({base_year}) to {target} ({target_year}): {current} in {current_year}"
    )


def enough_years(annual_points: int, base_year: int | None, current_year: int | None) -> bool:
    """True when there are at least two complete years from the base on, so a pace can be measured."""
    return annual_points >= 2 and base_year is not None and current_year is not None and current_year > base_year


@dataclass(frozen=True)
class GoalCard:
    """Everything a goal card says, as plain text (the page only places it)."""

    goal_id: str
    title: str
    status: str
    status_label: str
    badge: str
    fraction: float | None
    progress_text: str
    current_label: str
    current: str
    current_help: str
    observed: str
    required: str
    needed: str
    observed_help: str
    required_help: str
    needed_help: str
    enough_years: bool
    empty_message: str | None


def goal_card(goal: Mapping[str, object]) -> GoalCard:
    """The texts of one goal's card from its row of ``dashboard.analytics.goals.evaluate_goals``."""
    indicator = INDICATORS[str(goal["indicator_id"])]
    base_year = _year(goal["base_year_used"]) or as_int(goal["baseline_year"])
    base_value = goal["base_value_used"] if not missing(goal["base_value_used"]) else goal["baseline_value"]
    current_year = _year(goal["current_year"])
    current_value = None if missing(goal["current_value"]) else as_float(goal["current_value"])
    target_year = as_int(goal["target_year"])
    target_value = as_float(goal["target_value"])
    status = str(goal["status"])
    fraction = progress_fraction(
        _number(base_value), current_value, target_value, higher_is_better=indicator.higher_is_better
    )
    annual_points = as_int(goal["annual_points"])
    enough = enough_years(annual_points, base_year, current_year)
    empty = None
    if not enough:
        empty = (
            f"Not enough years yet: a pace needs at least two complete years from the {base_year} baseline on, "
            f"and there is {annual_points} so far. The status appears once another full year "
            "is reported."
        )
    if status == "target_achieved":
        needed, needed_help = "Target met", "The latest complete year already meets the target."
    else:
        needed = format_growth(_number(goal["growth_needed"]))
        needed_help = (
            f"Annual growth needed from {current_year} to reach the target by {target_year}."
            if current_year is not None
            else "Needs a complete year of data."
        )
    return GoalCard(
        goal_id=str(goal["goal_id"]),
        title=goal_name(str(goal["indicator_id"]), str(goal["dimension"]), str(goal["category"])),
        status=status,
        status_label=STATUS_LABELS[status],
        badge=status_badge(status),
        fraction=fraction,
        progress_text=progress_text(
            fraction,
            unit=indicator.unit,
            base_year=base_year,
            base_value=as_float(base_value),
            current_year=current_year,
            current_value=current_value,
            target_year=target_year,
            target_value=target_value,
        ),
        current_label="Latest complete year" if current_year is None else f"Value in {current_year}",
        current=format_value(current_value, indicator.unit, compact=True),
        current_help=(
            f"Target {format_value(target_value, indicator.unit)} by {target_year}; baseline "
            f"{format_value(as_float(base_value), indicator.unit)} in {base_year}."
        ),
        observed=format_growth(_number(goal["cagr_observed"])),
        required=format_growth(_number(goal["cagr_required"])),
        needed=needed,
        observed_help=(
            f"Compound annual growth from {base_year} to {current_year}."
            if current_year is not None and current_year > base_year
            else "Needs two complete years."
        ),
        required_help=f"Compound annual growth from {base_year} that reaches the target in {target_year}.",
        needed_help=needed_help,
        enough_years=enough,
        empty_message=empty,
    )


def _p_formula(result: SeriesResult) -> str:
    if result.cagr_required is None:
        return "P = sign × direction × observed growth"
    return "P = sign × direction × observed growth ÷ |required growth|"


def workings_table(result: SeriesResult, indicator: Indicator) -> pd.DataFrame:
    """The workings of a goal's status, one line each (Item, Value), as the method's display asks."""
    unit = indicator.unit
    direction = "higher is better (+1)" if indicator.higher_is_better else "lower is better (−1)"
    thresholds = "–"
    if result.high is not None and result.med is not None and result.low is not None:
        thresholds = (
            f"substantial if P ≥ {result.high:g}; moderate if P ≥ {result.med:g}; limited if P ≥ {result.low:g}; "
            f"deterioration below {result.low:g}"
        )
    rows = [
        ("Base year", "–" if result.base_year is None else str(result.base_year)),
        ("Base value", format_value(result.base_value, unit)),
        ("Current year (latest complete year)", "–" if result.current_year is None else str(result.current_year)),
        ("Current value", format_value(result.current_value, unit)),
        ("Target year", "–" if result.target_year is None else str(result.target_year)),
        ("Target value", format_value(result.target, unit)),
        ("Direction", direction),
        ("Sign (−1 when the base value is negative)", f"{result.sign:+d}"),
        ("Observed annual growth (base to current)", format_growth(result.cagr_observed)),
        ("Required annual growth (base to target)", format_growth(result.cagr_required)),
        ("Progress ratio P", "–" if result.progress_value is None else f"{result.progress_value:.2f}"),
        ("How P is computed", _p_formula(result)),
        ("Thresholds used", thresholds),
        ("Status", result.label),
        ("Score (−5 to 5)", "–" if result.score is None else f"{result.score:.1f}"),
    ]
    return pd.DataFrame(rows, columns=["Item", "Value"])


def goal_chart_table(points: pd.DataFrame, path: GoalPath) -> pd.DataFrame:
    """The numbers of a goal progress chart (Series, Year, Value): annual values, the required path, the projection
    at the current pace (when there is one) and the target."""
    observed = points.sort_values("year")
    pairs = zip(observed["year"], observed["value"], strict=True)
    rows: list[tuple[str, int, float]] = [("Annual value", int(year), float(value)) for year, value in pairs]
    rows += [
        ("Required path", int(path.base_year), float(path.base_value)),
        ("Required path", path.target_year, path.target_value),
    ]
    if path.current_year is not None and not missing(path.current_value) and not missing(path.projection):
        rows += [
            ("Projection at the current pace", int(path.current_year), as_float(path.current_value)),
            ("Projection at the current pace", path.target_year, as_float(path.projection)),
        ]
    rows.append(("Target", path.target_year, path.target_value))
    table = pd.DataFrame(rows, columns=["Series", "Year", "Value"])
    return table.astype({"Year": "int64", "Value": "float64"})


def scorecard_badges(off_course: int, on_course: int, not_assessable: int) -> str:
    """A partnership's goals counted where they stand, as Markdown badges, off course first:
    ``":red-badge[2 off course] :green-badge[3 on course] :gray-badge[1 not assessable]"`` (an off-course count of 0
    is grey: nothing to look at)."""
    return " ".join(
        [
            f":{'red' if off_course else 'gray'}-badge[{off_course:,} off course]",
            f":green-badge[{on_course:,} on course]",
            f":gray-badge[{not_assessable:,} not assessable]",
        ]
    )


def combined_text(goals: int, score: float | None, off_course: int) -> str:
    """A sentence about a partnership's combined goal status."""
    if score is None or missing(score):
        return f"{goals} goal{'' if goals == 1 else 's'}; none can be scored yet."
    return (
        f"Mean score {score:.1f} on a scale from −5 to 5 over {goals} goal{'' if goals == 1 else 's'}; "
        f"{off_course} off course (limited progress or deterioration)."
    )


def incomplete_year_note(frame: pd.DataFrame) -> str | None:
    """Which year of ``frame`` (quarterly rows) is incomplete and what that means; None when the latest is complete."""
    if frame.empty:
        return None
    latest = int(frame["year"].max())
    quarters = sorted(int(q) for q in frame.loc[frame["year"] == latest, "quarter"].unique())
    if len(quarters) >= 4:
        return None
    listed = ", ".join(f"Q{q}" for q in quarters)
    return (
        f"{latest} is not complete yet ({listed} reported), so goal progress runs to {latest - 1}, "
        "the latest complete year."
    )


# ---- indicator trends of one partnership ------------------------------------------------------------------------


def dataset_options(focus_datasets: object) -> list[str]:
    """The partnership's focus datasets in display order (every dataset when none is recorded)."""
    focus = set(split_list(focus_datasets))
    chosen = [dataset for dataset in DATASETS if dataset in focus]
    return chosen or list(DATASETS)


def indicator_options(rows: pd.DataFrame, dataset: str) -> list[str]:
    """Indicators of ``dataset`` that have rows in ``rows`` (one partnership's data), in catalog order."""
    present = set(rows["indicator_id"].unique()) if not rows.empty else set()
    return [i.id for i in INDICATORS.values() if i.dataset == dataset and i.id in present]


def breakdown_options(indicator: Indicator) -> list[str]:
    """``total`` and the breakdowns the catalog allows for the indicator, in vocabulary order."""
    return [TOTAL, *(d for d in BREAKDOWN_DIMENSIONS if d in indicator.breakdowns)]


def breakdown_label(dimension: str) -> str:
    return "Total" if dimension == TOTAL else DIMENSIONS[dimension].label


BAR_LABELS: Mapping[str, str] = {"stacked": "Stacked", "grouped": "Side by side"}


def bar_modes(indicator: Indicator) -> tuple[str, ...]:
    """Bar layouts that make sense for the indicator: stacked only when its categories add up."""
    return ("stacked", "grouped") if indicator.additive else ("grouped",)


def breakdown_table(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The numbers of a breakdown chart as people read them: one row per quarter, one column per category."""
    if rows.empty:
        return pd.DataFrame(columns=["Quarter"])
    labels = list(dict.fromkeys(rows["category_label"]))
    wide = rows.pivot_table(
        index=["year", "quarter", "period"], columns="category_label", values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=labels).reset_index().sort_values(["year", "quarter"], ignore_index=True)
    wide = wide.drop(columns=["year", "quarter"]).rename(columns={"period": "Quarter"})
    wide.columns.name = None
    return wide.rename(columns={label: f"{label} ({indicator.unit_label})" for label in labels})


def total_table(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The quarterly total of one indicator (one partnership's rows): Quarter and the value with its unit."""
    totals = total_rows(rows)
    totals = totals[totals["indicator_id"] == indicator.id].sort_values(["year", "quarter"])
    return pd.DataFrame(
        {
            "Quarter": [Quarter(int(y), int(q)).label for y, q in zip(totals["year"], totals["quarter"], strict=True)],
            f"{indicator.short_name} ({indicator.unit_label})": totals["value"].astype("float64").to_numpy(),
        }
    )


# ---- the profile of a partnership -------------------------------------------------------------------------------


def sector_label(code: object) -> str:
    """The lead sector as people read it (``ngo`` -> ``Non-profit organisation``)."""
    text = "" if missing(code) else str(code)
    return SECTORS.get(text, text.replace("_", " ").capitalize() or "not recorded")


def profile_lines(profile: Mapping[str, object]) -> list[tuple[str, str]]:
    """Partners, focus datasets and region of a partnership as (label, plain text) pairs."""
    partners = ", ".join(split_list(profile.get("partner_organisations"))) or "not recorded"
    focus = [d for d in split_list(profile.get("focus_datasets")) if d in DATASET_INFO]
    datasets = ", ".join(DATASET_INFO[d].name for d in DATASETS if d in focus) or "not recorded"
    region = profile.get("region")
    return [
        ("Partners", partners),
        ("Focus datasets", datasets),
        ("Region", "not recorded" if missing(region) else str(region)),
    ]
