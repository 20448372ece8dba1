"""Pure computations behind the pages: the quarters reported, portfolio KPIs, quarterly trends, the partnership list.

Everything here takes and returns plain pandas frames (as read from the store) and knows indicators only by their
catalog ids. Nothing imports streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from data_contracts import DATASET_INFO, DATASETS, DIMENSIONS, INDICATORS, TOTAL, split_list
from data_contracts.quarters import Quarter
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
    """A portfolio figure for one quarter, with the same quarter a year earlier."""

    indicator_id: str
    label: str
    unit: str
    period: Quarter
    value: float | None
    previous: float | None
    partnerships: int

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return 100.0 * self.change / abs(self.previous)


def _portfolio_value(totals: pd.DataFrame, indicator_id: str, period: Quarter) -> tuple[float | None, int]:
    rows = totals[
        (totals["indicator_id"] == indicator_id) & (totals["year"] == period[0]) & (totals["quarter"] == period[1])
    ]
    if rows.empty:
        return None, 0
    return float(rows["value"].sum()), int(rows["partnership_id"].nunique())


def portfolio_kpis(
    frames: Mapping[str, pd.DataFrame], period: Quarter, indicator_ids: Sequence[str] = HEADLINE_KPIS
) -> list[Kpi]:
    """Portfolio sums of additive indicators for a quarter and the same quarter a year earlier.

    ``frames`` maps dataset ids to indicator frames (already filtered to the partnerships in view).
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
        totals = totals_of[indicator.dataset]
        if totals.empty:
            value, count, previous = None, 0, None
        else:
            value, count = _portfolio_value(totals, indicator_id, period)
            previous, _ = _portfolio_value(totals, indicator_id, Quarter(*period).year_earlier())
        kpis.append(Kpi(indicator_id, indicator.short_name, indicator.unit, period, value, previous, count))
    return kpis


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
    periods = [Quarter(int(y), int(q)) for y, q in zip(result["year"], result["quarter"], strict=True)]
    labels = {p: p.label for p in set(periods)}  # each distinct quarter worked out once
    starts = {p: p.start for p in labels}
    result["period"] = [labels[p] for p in periods]
    result["period_start"] = [starts[p] for p in periods]
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
    """The KPI's change against the same quarter a year earlier, as a signed text for ``st.metric``'s delta."""
    if kpi.change is None:
        return None
    sign = "+" if kpi.change >= 0 else "-"
    amount = format_value(abs(kpi.change), kpi.unit, compact=True)
    pct = f" ({kpi.change_pct:+.1f}%)" if kpi.change_pct is not None else ""
    return f"{sign}{amount}{pct} vs {Quarter(*kpi.period).year_earlier().label}"


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
