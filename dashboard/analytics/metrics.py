"""Pure computations behind the pages: the quarters reported, portfolio KPIs, quarterly trends, the partnership list.

Everything here takes and returns plain pandas frames (as read from the store) and knows indicators only by their
catalog ids. Nothing imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.filters import id_mask
from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS, TOTAL, split_list
from data_contracts.quarters import Quarter, quarter_numbers
from data_contracts.units import UNITS, format_value

HEADLINE_KPIS: tuple[str, ...] = (
    "workforce_headcount",
    "new_hires",
    "students_reached",
    "green_skills_trainees",
    "local_supplier_spend",
    "residents_engaged",
)
"""Catalog ids of the overview's KPI cards: additive indicators, so the portfolio figure is a plain sum."""


def periods_in(frames: Iterable[pd.DataFrame]) -> list[Quarter]:
    """Every (year, quarter) present in any of the frames, oldest first."""
    found: set[Quarter] = set()
    for frame in frames:
        if not frame.empty:
            pairs = frame[["year", "quarter"]].drop_duplicates()
            found.update(Quarter(int(y), int(q)) for y, q in pairs.itertuples(index=False))
    return sorted(found)


def latest_period(frames: Iterable[pd.DataFrame]) -> Quarter | None:
    periods = periods_in(frames)
    return periods[-1] if periods else None


def series_label(dimension: str, category: str) -> str:
    """The measured series of a goal or chart: ``Total`` or ``Gender: Women``."""
    if dimension == TOTAL:
        return "Total"
    found = DIMENSIONS.get(dimension)
    if found is None:
        return f"{dimension}: {category}"
    return f"{found.label}: {found.category_label(category)}"


def total_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the headline rows (dimension and category total)."""
    return frame[(frame["dimension"] == TOTAL) & (frame["category"] == TOTAL)]


@dataclass(frozen=True)
class Kpi:
    """A portfolio figure for one quarter, and its change against the same quarter a year earlier like for like.

    ``value`` sums the ``partnerships`` that reported the indicator in the quarter, of the ``partnerships_in_view``
    that report it at all (in view, in this quarter or before). The change is over the ``compared`` partnerships that
    reported it in both quarters only: ``compared_value`` this quarter against ``previous`` a year earlier, so a
    partnership missing from either quarter never moves it."""

    indicator_id: str
    label: str
    unit: str
    period: Quarter
    value: float | None
    previous: float | None
    partnerships: int
    partnerships_in_view: int = 0
    compared: int = 0
    compared_value: float | None = None

    @property
    def change(self) -> float | None:
        if not self.compared or self.compared_value is None or self.previous is None:
            return None
        return self.compared_value - self.previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return 100.0 * self.change / abs(self.previous)

    @property
    def reported_text(self) -> str:
        """``"5 of 8 partnerships reported"``: how many of those in view that report the indicator are summed."""
        noun = "partnership" if self.partnerships_in_view == 1 else "partnerships"
        return f"{self.partnerships} of {self.partnerships_in_view} {noun} reported"


def _values_at(rows: pd.DataFrame, period: Quarter) -> pd.Series:
    """Each partnership's value in a quarter (rows of one indicator with a value), indexed by partnership id."""
    at = rows[(rows["year"] == period[0]) & (rows["quarter"] == period[1])]
    return at.groupby(at["partnership_id"].astype(str), sort=True)["value"].sum()


def _kpi(totals: pd.DataFrame, indicator_id: str, period: Quarter) -> Kpi:
    indicator = INDICATORS[indicator_id]
    rows = totals[(totals["indicator_id"] == indicator_id) & totals["value"].notna()] if not totals.empty else totals
    if rows.empty:
        return Kpi(indicator_id, indicator.short_name, indicator.unit, period, None, None, 0)
    period = Quarter(*period)
    now = _values_at(rows, period)
    before = _values_at(rows, period.year_earlier())
    both = now.index.intersection(before.index)
    so_far = rows[quarter_numbers(rows["year"], rows["quarter"]) <= period.number]
    return Kpi(
        indicator_id,
        indicator.short_name,
        indicator.unit,
        period,
        value=float(now.sum()) if len(now) else None,
        previous=float(before[both].sum()) if len(both) else None,
        partnerships=len(now),
        partnerships_in_view=int(so_far["partnership_id"].astype(str).nunique()),
        compared=len(both),
        compared_value=float(now[both].sum()) if len(both) else None,
    )


def portfolio_kpis(
    frames: Mapping[str, pd.DataFrame], period: Quarter, indicator_ids: Sequence[str] = HEADLINE_KPIS
) -> list[Kpi]:
    """Portfolio sums of additive indicators for a quarter, each with its like-for-like change against the same
    quarter a year earlier (see :class:`Kpi`).

    ``frames`` maps dataset ids to indicator frames (already filtered to the partnerships in view); rows without a
    value (suppressed for the public) count as not reported.
    """
    kpis = []
    totals_of: dict[str, pd.DataFrame] = {}  # each dataset's headline rows, found once for all its KPIs
    for indicator_id in indicator_ids:
        indicator = INDICATORS[indicator_id]
        if not UNITS[indicator.unit].adds_up or not indicator.additive:
            raise ValueError(f"{indicator_id} cannot be summed across partnerships")
        frame = frames.get(indicator.dataset)
        if indicator.dataset not in totals_of:
            totals_of[indicator.dataset] = (
                total_rows(frame) if frame is not None else pd.DataFrame(columns=["indicator_id"])
            )
        kpis.append(_kpi(totals_of[indicator.dataset], indicator_id, period))
    return kpis


# ---- which quarter to show first --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCoverage:
    """How many of the partnerships in view reported each quarter (in any dataset).

    ``in_view`` counts the partnerships in view that reported at least once: one that never reported is not
    awaited."""

    reported: Mapping[Quarter, int]
    """Every quarter of the layer, oldest first, with the partnerships in view that reported it (0 when none)."""
    in_view: int

    def count(self, period: Quarter) -> int:
        return int(self.reported.get(Quarter(*period), 0))

    def is_partial(self, period: Quarter, share: float) -> bool:
        """True when fewer than ``share`` of the partnerships in view reported the quarter."""
        return self.count(period) < _needed(self.in_view, share)

    def option_text(self, period: Quarter, share: float) -> str:
        """The quarter as a choice reads: ``"2026 Q4 partial (1 of 8 reported)"`` when partial, else its label."""
        label = Quarter(*period).label
        if not self.is_partial(period, share):
            return label
        return f"{label} partial ({self.count(period)} of {self.in_view} reported)"


def _needed(in_view: int, share: float) -> int:
    """How many partnerships make ``share`` of ``in_view`` (at least one)."""
    return max(1, math.ceil(share * in_view - 1e-9))


def period_coverage(
    reported: pd.DataFrame, periods: Sequence[Quarter], partnership_ids: Iterable[str] | None = None
) -> PeriodCoverage:
    """:class:`PeriodCoverage` of ``periods`` from the quarters each partnership reported (``reported``: one row
    per partnership_id, year and quarter reported in any dataset), for ``partnership_ids`` (all when None)."""
    rows = reported[["partnership_id", "year", "quarter"]]
    if partnership_ids is not None:
        rows = rows[id_mask(rows["partnership_id"], partnership_ids)]
    rows = rows.drop_duplicates()
    counts = rows.groupby(["year", "quarter"]).size().to_dict() if not rows.empty else {}
    found = {Quarter(int(y), int(q)): int(n) for (y, q), n in counts.items()}
    return PeriodCoverage(
        reported={Quarter(*p): found.get(Quarter(*p), 0) for p in sorted(periods)},
        in_view=int(rows["partnership_id"].astype(str).nunique()),
    )


def default_period(coverage: PeriodCoverage, share: float) -> Quarter | None:
    """The quarter a page opens on: the latest one that at least ``share`` of the partnerships in view reported.

    When no quarter reaches it, the one most of them reported (the latest of equals); None when there is no quarter.
    A later quarter that fewer reported stays a choice, marked partial (:meth:`PeriodCoverage.option_text`)."""
    if not coverage.reported:
        return None
    covered = [p for p in coverage.reported if not coverage.is_partial(p, share)]
    if covered:
        return max(covered)
    return max(coverage.reported, key=lambda p: (coverage.count(p), p))


def quarterly_trend(frame: pd.DataFrame, indicator_id: str, partnerships: pd.DataFrame) -> pd.DataFrame:
    """Total rows of one indicator per partnership and quarter, oldest first, with names and period labels.

    Columns: partnership_id, partnership, year, quarter, period, period_start, value.
    """
    columns = ["partnership_id", "partnership", "year", "quarter", "period", "period_start", "value"]
    rows = total_rows(frame)
    rows = rows[rows["indicator_id"] == indicator_id]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    names = partnerships.set_index("partnership_id")["name"]
    result = rows[["partnership_id", "year", "quarter", "value"]].copy()
    result["partnership"] = result["partnership_id"].map(names).fillna(result["partnership_id"]).astype("string")
    # each distinct quarter worked out once, spread to its rows by position
    distinct, position = np.unique(quarter_numbers(result["year"], result["quarter"]), return_inverse=True)
    quarters = [Quarter.from_number(n) for n in distinct]
    result["period"] = np.array([q.label for q in quarters], dtype=object)[position]
    result["period_start"] = np.array([q.start for q in quarters], dtype=object)[position]
    return result.sort_values(["partnership", "year", "quarter"], ignore_index=True)[columns]


def partnership_overview(partnerships: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per partnership: profile, datasets reported and the latest quarter reported.

    Only the partnership, year and quarter columns of ``frames`` are read (one row per partnership and dataset
    is enough: its latest quarter)."""
    latest: dict[str, Quarter] = {}
    reported: dict[str, list[str]] = {}
    for dataset in DATASETS:
        frame = frames.get(dataset)
        if frame is None or frame.empty:
            continue
        keys = frame[["partnership_id", "year", "quarter"]].dropna(subset=["partnership_id"])
        last = keys.sort_values(["partnership_id", "year", "quarter"], kind="stable").drop_duplicates(
            "partnership_id", keep="last"
        )
        name = DATASET_INFO[dataset].name
        for pid, year, quarter in zip(last["partnership_id"], last["year"], last["quarter"], strict=True):
            found = Quarter(int(year), int(quarter))
            latest[str(pid)] = max(latest.get(str(pid), Quarter(0, 0)), found)
            reported.setdefault(str(pid), []).append(name)
    table = pd.DataFrame(
        {
            "Partnership": partnerships["name"],
            "Partners": partnerships["partner_organisations"].map(lambda s: ", ".join(split_list(s))),
            "Lead sector": partnerships["lead_sector"],
            "Country": partnerships["country"],
            "Region": partnerships["region"],
            "Focus": partnerships["focus_datasets"].map(
                lambda s: ", ".join(DATASET_INFO[d].name for d in split_list(s) if d in DATASET_INFO)
            ),
            "Committed funding (USD)": partnerships["committed_funding_usd"],
            "Visibility": partnerships["visibility"],
            "Data reported": partnerships["partnership_id"].map(lambda p: ", ".join(reported.get(p, [])) or "none"),
            "Latest quarter": partnerships["partnership_id"].map(
                lambda p: latest[p].label if p in latest else "no data yet"
            ),
            "partnership_id": partnerships["partnership_id"],
        }
    )
    return table.sort_values("Partnership", ignore_index=True)


# ---- the KPI cards in words ----------------------------------------------------------------------------------


def kpi_change_text(kpi: Kpi) -> str | None:
    """The KPI's like-for-like change against the same quarter a year earlier, as a signed text for ``st.metric``'s
    delta: ``"+3.2% like for like vs 2025 Q3"`` (the amount when the percentage is undefined). None when no
    partnership reported both quarters. :func:`kpi_reported_text` says over how many."""
    change = kpi.change
    if change is None:
        return None
    if kpi.change_pct is not None:
        amount = f"{kpi.change_pct:+.1f}%"
    else:
        amount = ("+" if change >= 0 else "-") + format_value(abs(change), kpi.unit, compact=True)
    return f"{amount} like for like vs {Quarter(*kpi.period).year_earlier().label}"


def kpi_reported_text(kpi: Kpi) -> str:
    """Under a KPI card: ``"5 of 8 partnerships reported; 4 compared with 2025 Q3"`` (how many are summed, of those
    in view that report the indicator, and how many its change compares); only the first part when none reported."""
    if not kpi.partnerships:
        return kpi.reported_text
    earlier = Quarter(*kpi.period).year_earlier().label
    compared = f"{kpi.compared} compared with {earlier}" if kpi.compared else f"none to compare with {earlier}"
    return f"{kpi.reported_text}; {compared}"


def latest_figures(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The total rows of each dataset's latest reported quarter (one partnership's frames), in catalog order.

    Columns: dataset, year, quarter, indicator_id, indicator, unit, value, value_text.
    """
    columns = ["dataset", "year", "quarter", "indicator_id", "indicator", "unit", "value", "value_text"]
    parts = []
    for dataset in DATASETS:
        frame = frames.get(dataset)
        if frame is None or frame.empty:
            continue
        totals = total_rows(frame)
        if totals.empty:
            continue
        year, quarter = max(zip(totals["year"], totals["quarter"], strict=True))
        rows = totals[(totals["year"] == year) & (totals["quarter"] == quarter)].copy()
        order = {indicator_id: position for position, indicator_id in enumerate(INDICATORS)}
        rows = rows.sort_values("indicator_id", key=lambda s: s.map(order))
        rows["dataset"] = dataset
        rows["indicator"] = rows["indicator_id"].map(lambda i: INDICATORS[i].short_name)
        rows["unit"] = rows["indicator_id"].map(lambda i: INDICATORS[i].unit_label)
        rows["value_text"] = [
            format_value(v, INDICATORS[i].unit) for v, i in zip(rows["value"], rows["indicator_id"], strict=True)
        ]
        parts.append(rows[columns])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
