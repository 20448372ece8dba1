"""Cached reads of the portfolio: one pass over a layer (``portfolio.LayerSummary``) with each of its parts cached
on its own, the overview's figures per filter and quarter, and the Goals page's table per filters.

Each result is cached by a :class:`LayerSnapshot` (staff) or :class:`PublicSnapshot` (the public), which name the
table versions and, for the public, k.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard.analytics.filters import PortfolioFilter, apply_filter, id_mask
from dashboard.analytics.goals import GOAL_RESULT_COLUMNS, filter_goals
from dashboard.analytics.metrics import Kpi, PeriodCoverage
from dashboard.analytics.trend_distribution import MAX_TREND_LINES, TrendDistribution
from dashboard.present.goal_texts import goals_table
from dashboard.public.published import public_partnerships
from dashboard.queries import portfolio, read_model
from dashboard.queries.portfolio_figures import figure_kpis, figure_trend, figure_trend_size
from dashboard.settings import min_cell_count
from dashboard.storage import derived_audit
from dashboard.storage.derived import Sources, Variant
from dashboard.storage.narratives import read_texts, texts_version
from dashboard.storage.store import Store
from dashboard.storage.tables import PARTNERSHIPS_TABLE, Layer
from dashboard.web.table_reads import LayerSnapshot, PublicSnapshot, layer_snapshot, public_snapshot, table_at
from data_contracts import DATASETS
from data_contracts.quarters import Quarter

T = TypeVar("T")
LOG = logging.getLogger(__name__)

SUMMARY_SPINNER = "Reading every partnership's figures (once after each change to the data)…"


def snapshot_sources(key: LayerSnapshot) -> tuple[Variant, Sources]:
    """The read model's variant and sources of a snapshot (staff: a layer; the public: its partnerships and k)."""
    if isinstance(key, PublicSnapshot):
        return "public", Sources(key.versions, key.goals_version, key.partnerships_version, key.k)
    return key.layer, Sources(key.versions, key.goals_version)


@st.cache_data(show_spinner=False, max_entries=4)
def whole_summary(key: LayerSnapshot) -> portfolio.LayerSummary:
    """The summary of a layer at its versions: of every partnership for staff, of the public partnerships for the
    public (a :class:`PublicSnapshot`), without its headline rows (:func:`summary_headline`). Read from the read
    model's derived table (``queries/read_model.py``), which is brought forward first when a commit left it
    behind."""
    variant, sources = snapshot_sources(key)
    return read_model.summary_at(Store(key.root), variant, sources, headline=False)


@st.cache_resource(show_spinner=False, max_entries=2)
def summary_headline(key: LayerSnapshot) -> dict[str, pd.DataFrame]:
    """The summary's headline rows per dataset (suppressed for the public): what the KPI cards and trends of a
    filtered view, and the download of every partnership's values, read. Shared by every session as it is (a
    million rows at 5,000 partnerships: never copied per run); nothing may change it."""
    variant, sources = snapshot_sources(key)
    return read_model.headline_at(Store(key.root), variant, sources)


@st.cache_data(show_spinner=False, max_entries=4)
def portfolio_figures(key: LayerSnapshot, partnerships_version: int) -> pd.DataFrame:
    """The figures of every partnership of the layer (``queries/portfolio_figures.py``): what the overview of the
    whole portfolio shows, from a small derived table."""
    variant, sources = snapshot_sources(key)
    return read_model.figures_at(Store(key.root), variant, sources, partnerships_version)


def keep_read_model(store: Store) -> None:
    """After a commit, publish, withdraw or reject: bring the read model's derived tables forward for the
    partnerships the write changed, so the next page (in any process) reads them instead of the raw rows. A failure
    is logged and left to the next reader, which brings them forward itself or reads the source."""
    with st.spinner("Updating the dashboard's figures…"):
        try:
            read_model.refresh_all(store, k=min_cell_count())
        except Exception:  # noqa: BLE001 - the write itself is done; readers compute from the source meanwhile
            LOG.warning("the read model could not be brought forward after a write", exc_info=True)
        try:
            derived_audit.keep(store)
        except Exception:  # noqa: BLE001 - readers read the tables' histories meanwhile
            LOG.warning("the audit's derived table could not be brought forward after a write", exc_info=True)


@st.cache_data(show_spinner=False, max_entries=8)
def summary_periods(key: LayerSnapshot) -> list[Quarter]:
    """Every (year, quarter) the layer reports, oldest first."""
    return whole_summary(key).periods


@st.cache_data(show_spinner=False, max_entries=8)
def summary_coverage(key: LayerSnapshot) -> pd.DataFrame:
    """The latest quarter each partnership reported in each dataset (``LayerSummary.coverage``)."""
    return whole_summary(key).coverage


@st.cache_data(show_spinner=False, max_entries=8)
def summary_total_rows(key: LayerSnapshot) -> dict[str, int]:
    """Headline rows per partnership."""
    return whole_summary(key).total_rows


@st.cache_data(show_spinner=False, max_entries=8)
def summary_goals(key: LayerSnapshot) -> pd.DataFrame:
    """Every goal evaluated (``goals.evaluate_goals``; public partnerships' goals for the public)."""
    return whole_summary(key).goals


@st.cache_data(show_spinner=False, max_entries=8)
def summary_rows(key: LayerSnapshot) -> int:
    """How many rows the summary read."""
    return whole_summary(key).rows


class Summary:
    """The portfolio summary of a layer (``portfolio.LayerSummary``), each part read from the cache on its own so
    that a page pays only for the parts it shows."""

    def __init__(self, key: LayerSnapshot) -> None:
        self.key = key

    def _part(self, read: Callable[[LayerSnapshot], T]) -> T:
        with st.spinner(SUMMARY_SPINNER):  # shown only when it takes over half a second: once per data change
            return read(self.key)

    @property
    def periods(self) -> list[Quarter]:
        return self._part(summary_periods)

    @property
    def coverage(self) -> pd.DataFrame:
        return self._part(summary_coverage)

    @property
    def total_rows(self) -> dict[str, int]:
        return self._part(summary_total_rows)

    @property
    def goals(self) -> pd.DataFrame:
        """Every goal evaluated (``goals.evaluate_goals``; public partnerships' goals for the public)."""
        return self._part(summary_goals)

    @property
    def rows(self) -> int:
        return self._part(summary_rows)


def read_summary(store: Store, layer: Layer = "submitted") -> Summary:
    """The staff portfolio summary of a layer: quarters reported, each partnership's latest quarter per dataset,
    headline rows and every goal evaluated, from one pass over the layer, cached by the tables' versions."""
    return Summary(layer_snapshot(store, layer))


def read_public_summary(store: Store) -> Summary:
    """The same for the public: the published layer of public partnerships, headline rows suppressed, goals of
    public partnerships."""
    return Summary(public_snapshot(store))


def incomplete_year_frame(summary: Summary) -> pd.DataFrame:
    """The quarters of a layer as (year, quarter) rows: what ``goal_texts.incomplete_year_note`` needs of it."""
    return pd.DataFrame(summary.periods, columns=["year", "quarter"], dtype="int64")


@st.cache_data(show_spinner=False, max_entries=8)
def public_goal_rows(key: PublicSnapshot) -> pd.DataFrame:
    """Every goal of a public partnership evaluated on the published layer, one row per goal
    (``PublicGoal.row``), columns ``goals.GOAL_RESULT_COLUMNS``."""
    evaluated = whole_summary(key).goals
    return pd.DataFrame(evaluated.to_dict("records"), columns=GOAL_RESULT_COLUMNS)


# ---- the portfolio overview: its figures per filter and quarter, cached ----------------------------------------------


@dataclass(frozen=True)
class OverviewKey:
    """What the overview's figures of a filter depend on: the summary (staff, or the public's), the partnerships
    table's version and the filter."""

    summary: LayerSnapshot
    partnerships_version: int
    chosen: PortfolioFilter

    @property
    def public(self) -> bool:
        """True for the public's overview."""
        return isinstance(self.summary, PublicSnapshot)


def _overview_partnerships(root: str, partnerships_version: int, public: bool) -> pd.DataFrame:
    partnerships = table_at(root, PARTNERSHIPS_TABLE, partnerships_version)
    return public_partnerships(partnerships) if public else partnerships


def _chosen(key: OverviewKey) -> pd.DataFrame:
    return apply_filter(_overview_partnerships(key.summary.root, key.partnerships_version, key.public), key.chosen)


def _overview_goals(summary: LayerSnapshot) -> pd.DataFrame:
    return public_goal_rows(summary) if isinstance(summary, PublicSnapshot) else whole_summary(summary).goals


def _whole_portfolio(key: OverviewKey) -> bool:
    """True when the view holds every partnership (no filter): its figures are the kept portfolio figures."""
    return not key.chosen.active


@st.cache_data(show_spinner=False, max_entries=32)
def _overview(key: OverviewKey, period: Quarter) -> tuple[list[Kpi], pd.DataFrame, pd.DataFrame]:
    summary = whole_summary(key.summary)
    partnerships = _chosen(key)
    ids = set(partnerships["partnership_id"])
    goals = _overview_goals(key.summary)
    goals = goals[id_mask(goals["partnership_id"], ids)]
    if _whole_portfolio(key):
        kpis = figure_kpis(portfolio_figures(key.summary, key.partnerships_version), period)
    else:
        kpis = portfolio.overview_kpis(summary_headline(key.summary), ids, period)
    return kpis, goals, portfolio.overview_table(summary, partnerships, goals)


@st.cache_data(show_spinner=False, max_entries=32)
def _overview_coverage(key: OverviewKey) -> PeriodCoverage:
    return portfolio.overview_coverage(whole_summary(key.summary), set(_chosen(key)["partnership_id"]))


@dataclass(frozen=True)
class PortfolioTrend:
    """A dataset's trend of the partnerships in view, as the page draws it: every partnership's rows (``trend``,
    ``metrics.quarterly_trend`` columns), or for the whole portfolio beyond ``MAX_TREND_LINES`` partnerships only
    its spread (``distribution``) with ``trend`` None, every partnership's rows read when downloaded."""

    partnerships: int
    trend: pd.DataFrame | None
    distribution: TrendDistribution | None = None


@st.cache_data(show_spinner=False, max_entries=16)
def _overview_trends(key: OverviewKey) -> dict[str, PortfolioTrend]:
    figures = portfolio_figures(key.summary, key.partnerships_version) if _whole_portfolio(key) else None
    trends: dict[str, PortfolioTrend] = {}
    for dataset in DATASETS:
        if figures is not None and figure_trend_size(figures, dataset) > MAX_TREND_LINES:
            spread = figure_trend(figures, dataset)
            trends[dataset] = PortfolioTrend(spread.partnerships, None, spread)
            continue
        trend = _overview_trend(key, dataset)
        trends[dataset] = PortfolioTrend(int(trend["partnership_id"].nunique()), trend)
    return trends


def _overview_trend(key: OverviewKey, dataset: str) -> pd.DataFrame:
    """Every partnership's rows of a dataset's trend (``portfolio.overview_trends``)."""
    return portfolio.overview_trends(summary_headline(key.summary), _chosen(key), (dataset,))[dataset]


class PortfolioView:
    """What the portfolio overview shows for one filter and quarter, each part cached by the tables' versions
    (staff or public, as the summary is)."""

    def __init__(self, store: Store, summary: Summary) -> None:
        self.summary = summary
        self.partnerships_version = store.version(PARTNERSHIPS_TABLE)

    def partnerships(self) -> pd.DataFrame:
        """Every partnership the overview may show (the public partnerships, for the public)."""
        key = self.summary.key
        return _overview_partnerships(key.root, self.partnerships_version, isinstance(key, PublicSnapshot))

    def key(self, chosen: PortfolioFilter) -> OverviewKey:
        """What the figures of a filter depend on: the summary, the partnerships table and the filter."""
        return OverviewKey(self.summary.key, self.partnerships_version, chosen)

    def figures(self, chosen: PortfolioFilter, period: Quarter) -> tuple[list[Kpi], pd.DataFrame, pd.DataFrame]:
        """KPIs of the quarter, goals of the partnerships in view, and the partnership list."""
        return _overview(self.key(chosen), period)

    def coverage(self, chosen: PortfolioFilter) -> PeriodCoverage:
        """How many of the partnerships in view reported each quarter (``portfolio.overview_coverage``)."""
        return _overview_coverage(self.key(chosen))

    def trends(self, chosen: PortfolioFilter) -> dict[str, PortfolioTrend]:
        """Each dataset's headline trend of the partnerships in view (its spread alone for the whole portfolio)."""
        return _overview_trends(self.key(chosen))

    def every_partnership(self, chosen: PortfolioFilter, dataset: str) -> pd.DataFrame:
        """Every partnership's rows of a dataset's trend: what the spread's second download holds."""
        return _overview_trend(self.key(chosen), dataset)


# ---- the goals page ------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _goals_table(
    summary: LayerSnapshot,
    partnerships_version: int,
    off_course: bool,
    partnerships: tuple[str, ...],
    statuses: tuple[str, ...],
    texts_version: int = -1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    evaluated = summary_goals(summary)
    shown = filter_goals(evaluated, off_course_only=off_course, partnerships=partnerships, statuses=statuses)
    if shown.empty:
        return shown, pd.DataFrame()
    table = _every_goal_table(summary, partnerships_version, texts_version)
    # the table of every goal is in a total order (score, then ids), so its rows of the goals shown are their table
    wanted = set(zip(shown["partnership_id"].astype(str), shown["goal_id"].astype(str), strict=True))
    keys = zip(table["Partnership id"].astype(str), table["Goal id"].astype(str), strict=True)
    return shown, table[[key in wanted for key in keys]].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _every_goal_table(summary: LayerSnapshot, partnerships_version: int, texts_version: int) -> pd.DataFrame:
    """``goal_texts.goals_table`` of every goal of the layer: made once per version, each filter takes its rows."""
    evaluated = summary_goals(summary)
    profiles = table_at(summary.root, PARTNERSHIPS_TABLE, partnerships_version)
    names = dict(zip(profiles["partnership_id"], profiles["name"], strict=True))
    texts = read_texts(Store(summary.root), summary.layer, version=texts_version)  # each goal's latest "why"
    return goals_table(evaluated, names, texts) if not evaluated.empty else pd.DataFrame()


def read_goals_table(
    store: Store,
    summary: Summary,
    *,
    off_course: bool,
    partnerships: Sequence[str],
    statuses: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The goals the Goals page lists for its filters (``goals.filter_goals``) and their table
    (``goal_texts.goals_table``, names from the partnerships table, explanations from the layer's texts), cached by
    version and filters."""
    return _goals_table(
        summary.key,
        store.version(PARTNERSHIPS_TABLE),
        off_course,
        tuple(partnerships),
        tuple(statuses),
        texts_version(store, summary.key.layer),
    )
