"""The Streamlit edge shared by every page: the store, cached reads keyed by table version, chart blocks.

Only pages and the app import this module; everything that computes lives in plain modules below it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.access.accounts import identity_for_email, session_expired, sign_in
from dashboard.access.pages import Page, access_denied_message, pages_for
from dashboard.access.roles import ANONYMOUS, Identity
from dashboard.analytics.comparison import PARTICIPANTS_INDICATOR
from dashboard.analytics.filters import PortfolioFilter, apply_filter
from dashboard.analytics.goals import GOAL_RESULT_COLUMNS, evaluate_goal, evaluate_goals, filter_goals
from dashboard.analytics.metrics import Kpi, Period
from dashboard.analytics.progress import STATUS_LABELS, SeriesResult
from dashboard.analytics.trend_distribution import distribution_table, shows_spread, trend_distribution
from dashboard.intake.review import pending_slices, slices_summary
from dashboard.intake.seed import ensure_store, shows_sample_data
from dashboard.present.chart_style import PLOTLY_CONFIG
from dashboard.present.charts import spread_figure, trend_figure
from dashboard.present.comparison_texts import goals_on_indicator
from dashboard.present.exports import csv_bytes
from dashboard.present.goal_charts import status_summary_figure
from dashboard.present.goal_texts import goals_table
from dashboard.present.text_safety import markdown_literal
from dashboard.public.embed import EmbedContent, EmbedRequest, embed_snippet, embed_url
from dashboard.public.published import (
    PublicGoal,
    download_bytes,
    download_frame,
    last_updated,
    public_goals,
    public_partnerships,
    public_rows,
    what_the_public_sees,
)
from dashboard.queries import compare, explorer, portal, portfolio
from dashboard.settings import UploadSettings, min_cell_count, public_url, session_minutes
from dashboard.storage import reads
from dashboard.storage.reads import Versions
from dashboard.storage.store import Store, StoreError
from dashboard.storage.tables import AUDIT_TABLE, GOALS_TABLE, PARTNERSHIPS_TABLE, Layer, indicator_table
from data_contracts import DATASETS, Indicator, findings_frame

SAMPLE_NOTE = "synthetic sample data"
IDENTITY_KEY = "identity"
LAST_ACTIVE_KEY = "last_active"
EXPIRED_KEY = "session_expired"


def identity_provider_configured() -> bool:
    """True when ``[auth]`` is set in .streamlit/secrets.toml (sign-in through st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_identity(store: Store) -> Identity:
    """Who is asking: the identity provider's user (role from the users table), a local account signed in on
    this session, or the anonymous visitor. A session idle for longer than the setting is signed out."""
    if identity_provider_configured() and signed_in():
        email = str(st.user.get("email") or "")
        found = identity_for_email(store, email)
        return found if found is not None else ANONYMOUS
    identity = st.session_state.get(IDENTITY_KEY)
    if not isinstance(identity, Identity):
        return ANONYMOUS
    now = datetime.now(UTC)
    last = st.session_state.get(LAST_ACTIVE_KEY, now)
    if session_expired(last, now, session_minutes()):
        sign_out()
        st.session_state[EXPIRED_KEY] = True
        return ANONYMOUS
    st.session_state[LAST_ACTIVE_KEY] = now
    return identity


def sign_out() -> None:
    st.session_state.pop(IDENTITY_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)


def sign_in_form(key: str = "sign-in") -> None:
    """Sign in here: the identity provider's button when one is set up, else e-mail and password of a local
    account. On success the same page runs again, with its URL and filters, now signed in."""
    if identity_provider_configured():
        st.button("Sign in with your organisation", type="primary", on_click=st.login, icon=":material/login:", key=key)
        return
    with st.form(key):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if submitted:
        now = datetime.now(UTC)
        with st.spinner("Checking…"):
            result = sign_in(get_store(), email, password, now=now)
        if result.ok and result.identity is not None:
            st.session_state[IDENTITY_KEY] = result.identity
            st.session_state[LAST_ACTIVE_KEY] = now
            st.rerun()
        st.error(result.message, icon=":material/lock:")


def require(page: Page) -> Identity:
    """Stop the page with a plain message unless the person asking may open it (checked on every page, so a page
    opened by its URL is as safe as one opened from the menu). A visitor is offered to sign in right there."""
    store = get_store()
    identity = current_identity(store)
    if page.path in pages_for(identity):
        return identity
    st.warning(markdown_literal(access_denied_message(page.path, identity)), icon=":material/lock:")
    if identity.role == "anonymous":
        sign_in_form(key=f"sign-in-{page.path}")
    st.stop()
    raise AssertionError("unreachable")


def signed_in() -> bool:
    """True when an identity provider has signed the person in."""
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def current_user() -> str | None:
    """The e-mail of the person signed in (identity provider or local account), for the audit."""
    identity = st.session_state.get(IDENTITY_KEY)
    if isinstance(identity, Identity) and identity.email:
        return identity.email
    if signed_in():
        return str(st.user.get("email") or st.user.get("name"))
    return None


def findings_table(findings: list) -> pd.DataFrame:
    """Findings as a table with readable headers."""
    frame = findings_frame(findings)
    return frame.rename(
        columns={
            "row": "Row",
            "column": "Column",
            "value": "Value",
            "rule": "Rule",
            "message": "What to do",
            "severity": "Severity",
        }
    )


class SnapshotStore(Store):
    """The store as one run of a reading page sees it: each table's version is looked up once and remembered for
    the run (a page asks for the same versions many times; each look-up opens the table's log), so every cached
    read of the run belongs to the same snapshot. For pages that only read: a page that writes needs
    :func:`get_store`, whose versions follow its own commits."""

    def version(self, table: str) -> int:
        seen: dict[str, int] = self.__dict__.setdefault("_seen_versions", {})
        if table not in seen:
            seen[table] = super().version(table)
        return seen[table]


def get_store(*, snapshot: bool = False) -> Store:
    """The store named by ``$IMPACT_STORE`` (or the local default), seeded with the sample data on first use. With
    ``snapshot`` (pages that only read), a :class:`SnapshotStore` for this run."""
    store = (SnapshotStore if snapshot else Store).from_env()
    _ensure_seeded(store.root)
    return store


@st.cache_resource(show_spinner=False)
def _ensure_seeded(root: str) -> bool:
    return ensure_store(Store(root)) is not None


@st.cache_data(show_spinner=False, max_entries=128)
def _read_table(root: str, table: str, version: int) -> pd.DataFrame:
    return Store(root).read(table, version=version)


def read_table(store: Store, table: str) -> pd.DataFrame:
    """A whole table, cached by its current version: a new commit is seen on the next rerun. For the small tables
    (partnerships, goals); indicator tables are read by what a view needs (:func:`read_rows`, :func:`read_summary`)."""
    return _read_table(store.root, table, store.version(table))


# ---- indicator rows: only what a view needs, cached by table version ---------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _rows(
    root: str,
    layer: str,
    versions: Versions,
    partnership_ids: tuple[str, ...] | None,
    indicator_ids: tuple[str, ...] | None,
) -> dict[str, pd.DataFrame]:
    return reads.read_rows(
        Store(root),
        layer,  # type: ignore[arg-type]
        versions,
        partnership_ids=partnership_ids,
        indicator_ids=indicator_ids,
    )


def read_rows(
    store: Store,
    layer: Layer,
    *,
    partnership_ids: Sequence[str] | None = None,
    indicator_ids: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The rows of some partnerships and/or indicators, one frame per dataset, read with the filter pushed down to
    the files and cached by the tables' versions (``reads.read_rows``)."""
    return _rows(
        store.root,
        layer,
        reads.layer_versions(store, layer),
        None if partnership_ids is None else tuple(sorted(set(partnership_ids))),
        None if indicator_ids is None else tuple(sorted(set(indicator_ids))),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _slices(root: str, table: str, version: int) -> pd.DataFrame:
    rows = Store(root).read(table, version=version, columns=["partnership_id", "year", "quarter"])
    return rows.drop_duplicates(ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=4)
def _audit(root: str, version: int) -> pd.DataFrame:
    audit = Store(root).read(AUDIT_TABLE, version=version)
    return audit.sort_values("committed_at", ascending=False, ignore_index=True)


def read_audit(store: Store) -> pd.DataFrame:
    """The audit log, newest first (``Store.read_audit``), read once per version of the audit table."""
    return _audit(store.root, store.version(AUDIT_TABLE))


@st.cache_data(show_spinner=False, max_entries=4)
def _publishing_history(root: str, version: int) -> pd.DataFrame:
    audit = _audit(root, version)
    history = audit[audit["action"].isin(["publish", "reject", "unpublish"])]
    history = history[["committed_at", "user", "action", "dataset", "slices", "message"]]
    return history.assign(slices=history["slices"].map(slices_summary))  # a seed's publish names thousands


def read_publishing_history(store: Store) -> pd.DataFrame:
    """Publish, reject and unpublish actions, newest first, each action's slices summarised (``slices_summary``)."""
    return _publishing_history(store.root, store.version(AUDIT_TABLE))


@st.cache_data(show_spinner=False, max_entries=4)
def _pending(root: str, versions: tuple[tuple[str, int], ...], change_factor: float) -> pd.DataFrame:
    return pending_slices(Store(root))


def read_pending(store: Store) -> pd.DataFrame:
    """``review.pending_slices`` of the store, worked out once per version of the indicator and audit tables."""
    tables = [indicator_table(d, layer) for d in DATASETS for layer in ("submitted", "published")]
    versions = tuple(store.versions([*tables, AUDIT_TABLE]).items())
    with st.spinner("Comparing the submitted quarters with the published ones…"):  # shown after half a second
        return _pending(store.root, versions, UploadSettings.from_env().change_factor)


def read_slices(store: Store, dataset: str, layer: Layer) -> pd.DataFrame:
    """The (partnership, year, quarter) slices a table holds: partnership_id, year, quarter (three columns read)."""
    table = indicator_table(dataset, layer)
    return _slices(store.root, table, store.version(table))


# ---- the portfolio: one pass over a layer, then small results per view ---------------------------------------------


@st.cache_data(show_spinner=False, max_entries=4)
def _summary(root: str, layer: str, key: tuple[object, ...]) -> portfolio.LayerSummary:
    versions, goals_version, partnerships_version, k = key
    store = Store(root)
    goals = store.read(GOALS_TABLE, version=goals_version)
    ids = None
    if partnerships_version is not None:  # the public's summary: public partnerships only
        ids = portfolio.public_ids(store.read(PARTNERSHIPS_TABLE, version=partnerships_version))
    return portfolio.layer_summary(
        store,
        layer,  # type: ignore[arg-type]
        versions,  # type: ignore[arg-type]
        goals,
        partnership_ids=ids,
        k=k,  # type: ignore[arg-type]
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _summary_part(root: str, layer: str, key: tuple[object, ...], part: str) -> object:
    return getattr(_summary(root, layer, key), part)


def _summary_key(store: Store, layer: Layer, *, public: bool) -> tuple[object, ...]:
    """What a summary depends on: the layer's versions, the goals table's, and for the public the public
    partnerships (their ids, from the partnerships table's current version) and k."""
    versions = reads.layer_versions(store, layer)
    goals_version = store.version(GOALS_TABLE)
    if not public:
        return (versions, goals_version, None, None)
    return (versions, goals_version, store.version(PARTNERSHIPS_TABLE), min_cell_count())


SUMMARY_SPINNER = "Reading every partnership's figures (once after each change to the data)…"


class Summary:
    """The portfolio summary of a layer (``portfolio.LayerSummary``), each part read from the cache on its own so
    that a page pays only for the parts it shows."""

    def __init__(self, store: Store, layer: Layer, *, public: bool = False) -> None:
        self.root, self.layer = store.root, layer
        self.key = _summary_key(store, layer, public=public)

    def part(self, name: str):  # noqa: ANN201
        with st.spinner(SUMMARY_SPINNER):  # shown only when it takes over half a second: once per data change
            return _summary_part(self.root, self.layer, self.key, name)

    @property
    def periods(self) -> list[Period]:
        return self.part("periods")  # type: ignore[return-value]

    @property
    def coverage(self) -> pd.DataFrame:
        return self.part("coverage")  # type: ignore[return-value]

    @property
    def total_rows(self) -> dict[str, int]:
        return self.part("total_rows")  # type: ignore[return-value]

    @property
    def goals(self) -> pd.DataFrame:
        """Every goal evaluated (``goals.evaluate_goals``; public partnerships' goals for the public)."""
        return self.part("goals")  # type: ignore[return-value]


def read_summary(store: Store, layer: Layer = "submitted") -> Summary:
    """The staff portfolio summary of a layer: quarters reported, each partnership's latest quarter per dataset,
    headline rows and every goal evaluated, from one pass over the layer, cached by the tables' versions."""
    return Summary(store, layer)


def read_public_summary(store: Store) -> Summary:
    """The same for the public: the published layer of public partnerships, headline rows suppressed, goals of
    public partnerships."""
    return Summary(store, "published", public=True)


def incomplete_year_frame(summary: Summary) -> pd.DataFrame:
    """The quarters of a layer as (year, quarter) rows: what ``goal_views.incomplete_year_note`` needs of it."""
    return pd.DataFrame(summary.periods, columns=["year", "quarter"], dtype="int64")


# ---- the portfolio overview: its figures per filter and quarter, cached ----------------------------------------------


def _overview_partnerships(root: str, partnerships_version: int, public: bool) -> pd.DataFrame:
    partnerships = _read_table(root, PARTNERSHIPS_TABLE, partnerships_version)
    return public_partnerships(partnerships) if public else partnerships


def _chosen(root: str, partnerships_version: int, public: bool, chosen: tuple[tuple[str, ...], ...]) -> pd.DataFrame:
    return apply_filter(_overview_partnerships(root, partnerships_version, public), PortfolioFilter(*chosen))


def _overview_goals(root: str, layer: str, key: tuple[object, ...], public: bool) -> pd.DataFrame:
    return _public_goal_rows(root, key) if public else _summary(root, layer, key).goals


@st.cache_data(show_spinner=False, max_entries=32)
def _overview(
    root: str,
    layer: str,
    key: tuple[object, ...],
    partnerships_version: int,
    public: bool,
    chosen: tuple[tuple[str, ...], ...],
    period: Period,
) -> tuple[list[Kpi], pd.DataFrame, pd.DataFrame]:
    summary = _summary(root, layer, key)
    partnerships = _chosen(root, partnerships_version, public, chosen)
    ids = set(partnerships["partnership_id"])
    goals = _overview_goals(root, layer, key, public)
    goals = goals[goals["partnership_id"].isin(ids)]
    kpis = portfolio.overview_kpis(summary, ids, period)
    return kpis, goals, portfolio.overview_table(summary, partnerships, goals)


@st.cache_data(show_spinner=False, max_entries=16)
def _overview_trends(
    root: str,
    layer: str,
    key: tuple[object, ...],
    partnerships_version: int,
    public: bool,
    chosen: tuple[tuple[str, ...], ...],
) -> dict[str, pd.DataFrame]:
    partnerships = _chosen(root, partnerships_version, public, chosen)
    return portfolio.overview_trends(_summary(root, layer, key), partnerships)


# ---- compare ------------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _compare(
    root: str,
    key: tuple[Versions, int],
    partnerships_version: int,
    partnership_ids: tuple[str, ...],
    indicator_id: str,
    mode: str,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    versions, goals_version = key
    needed = tuple(sorted({indicator_id, PARTICIPANTS_INDICATOR}))
    frame = reads.concat_rows(_rows(root, "submitted", versions, tuple(sorted(partnership_ids)), needed))  # type: ignore[arg-type]
    partnerships = _read_table(root, PARTNERSHIPS_TABLE, partnerships_version).sort_values("name", ignore_index=True)
    # the chosen partnerships' goals on their own rows (the same results as each one's page gives), read once
    goals = _partnership_goals(root, "submitted", versions, goals_version, tuple(sorted(partnership_ids)))
    return compare.compare_indicator(frame, partnerships, goals, indicator_id, partnership_ids, mode)  # type: ignore[arg-type]


def read_comparison(
    store: Store, partnership_ids: Sequence[str], indicator_id: str, mode: str
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``compare.compare_indicator`` of the chosen partnerships (only their rows of the indicator and the
    headcount, and their goals, are read), cached by version and choices."""
    return _compare(
        store.root,
        data_versions(store, "submitted"),
        store.version(PARTNERSHIPS_TABLE),
        tuple(partnership_ids),
        indicator_id,
        mode,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _total_row_counts(root: str, layer: str, versions: Versions) -> dict[str, int]:
    return reads.total_row_counts(Store(root), layer, versions)  # type: ignore[arg-type]


def read_total_row_counts(store: Store, layer: Layer = "submitted") -> dict[str, int]:
    """Total rows per partnership in a layer (``reads.total_row_counts``: one column of the total rows read),
    cached by the layer's versions."""
    return _total_row_counts(store.root, layer, reads.layer_versions(store, layer))


# ---- the goals page ------------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _goals_table(
    root: str,
    layer: str,
    key: tuple[object, ...],
    partnerships_version: int,
    off_course: bool,
    partnerships: tuple[str, ...],
    statuses: tuple[str, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    evaluated = _summary_part(root, layer, key, "goals")
    shown = filter_goals(
        evaluated,  # type: ignore[arg-type]
        off_course_only=off_course,
        partnerships=partnerships,
        statuses=statuses,
    )
    profiles = _read_table(root, PARTNERSHIPS_TABLE, partnerships_version)
    names = dict(zip(profiles["partnership_id"], profiles["name"], strict=True))
    return shown, goals_table(shown, names) if not shown.empty else pd.DataFrame()


def read_goals_table(
    store: Store,
    summary: Summary,
    *,
    off_course: bool,
    partnerships: Sequence[str],
    statuses: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The goals the Goals page lists for its filters (``goal_views.filter_goals``) and their table
    (``goal_views.goals_table``, names from the partnerships table), cached by version and filters."""
    return _goals_table(
        summary.root,
        summary.layer,
        summary.key,
        store.version(PARTNERSHIPS_TABLE),
        off_course,
        tuple(partnerships),
        tuple(statuses),
    )


# ---- one partnership ---------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _partnership_goals(
    root: str, layer: str, versions: Versions, goals_version: int, partnership_ids: tuple[str, ...]
) -> pd.DataFrame:
    goals = Store(root).read(GOALS_TABLE, version=goals_version)
    mine = goals[goals["partnership_id"].isin(list(partnership_ids))].reset_index(drop=True)
    rows = reads.concat_rows(_rows(root, layer, versions, partnership_ids, None))
    return evaluate_goals(mine, rows)  # a goal's points need only its partnership's rows


def data_versions(store: Store, layer: Layer = "submitted") -> tuple[Versions, int]:
    """What rows and goals results depend on: the layer's table versions and the goals table's version."""
    return reads.layer_versions(store, layer), store.version(GOALS_TABLE)


def read_partnership_goals(
    store: Store, partnership_id: str, layer: Layer = "submitted"
) -> tuple[pd.DataFrame, tuple[object, ...]]:
    """One partnership's goals evaluated (``goals.evaluate_goals`` on its rows only, the same rows as the
    portfolio's evaluation gives it), and what they depend on (the layer's and goals table's versions)."""
    versions, goals_version = data_versions(store, layer)
    evaluated = _partnership_goals(store.root, layer, versions, goals_version, (partnership_id,))
    return evaluated, (store.root, layer, versions, goals_version)


@st.cache_data(show_spinner=False, max_entries=64)
def _goal_workings(
    root: str, layer: str, versions: Versions, goals_version: int, partnership_id: str
) -> dict[str, tuple[SeriesResult, pd.DataFrame]]:
    rows = reads.concat_rows(_rows(root, layer, versions, (partnership_id,), None))
    mine = _partnership_goals(root, layer, versions, goals_version, (partnership_id,))
    return {str(goal["goal_id"]): evaluate_goal(pd.Series(goal), rows) for goal in mine.to_dict("records")}


def read_goal_workings(
    store: Store, partnership_id: str, layer: Layer = "submitted"
) -> dict[str, tuple[SeriesResult, pd.DataFrame]]:
    """Each goal of a partnership (by goal id) with its progress result and the annual points it was computed
    from (``goals.evaluate_goal`` on the partnership's rows), cached by version."""
    versions, goals_version = data_versions(store, layer)
    return _goal_workings(store.root, layer, versions, goals_version, partnership_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _public_view(
    root: str, layer: str, versions: Versions, partnership_id: str, indicator_id: str, dimension: str, k: int
) -> tuple[pd.DataFrame, int]:
    rows = reads.concat_rows(_rows(root, layer, versions, (partnership_id,), None))
    return what_the_public_sees(rows, indicator_id, dimension, k)


def read_what_the_public_sees(
    store: Store, partnership_id: str, indicator_id: str, dimension: str, k: int, layer: Layer = "submitted"
) -> tuple[pd.DataFrame, int]:
    """``public_data.what_the_public_sees`` of one partnership's rows of every dataset, cached by version."""
    versions = reads.layer_versions(store, layer)
    return _public_view(store.root, layer, versions, partnership_id, indicator_id, dimension, k)


# ---- the indicator explorer: one indicator across every partnership ----------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _explorer(
    root: str, layer: str, versions: Versions, partnerships_version: int, indicator_id: str, part: str, args: tuple
) -> object:
    """One result of the explorer, from the rows of the indicator and of the components its annual values need
    (every partnership, every breakdown): nothing else is read."""
    frame = reads.concat_rows(_rows(root, layer, versions, None, tuple(explorer.components_of([indicator_id]))))
    partnerships = _read_table(root, PARTNERSHIPS_TABLE, partnerships_version).sort_values("name", ignore_index=True)
    return explorer.explorer_part(frame, partnerships, indicator_id, part, *args)


@st.cache_data(show_spinner=False, max_entries=32)
def _goals_on_indicator(
    root: str, key: tuple[object, ...], partnerships_version: int, indicator_id: str
) -> pd.DataFrame:
    partnerships = _read_table(root, PARTNERSHIPS_TABLE, partnerships_version).sort_values("name", ignore_index=True)
    return goals_on_indicator(_summary_part(root, "submitted", key, "goals"), indicator_id, partnerships)  # type: ignore[arg-type]


def read_goals_on_indicator(store: Store, indicator_id: str) -> pd.DataFrame:
    """``comparison.goals_on_indicator`` of the evaluated goals (staff), cached by version."""
    summary = read_summary(store, "submitted")
    return _goals_on_indicator(store.root, summary.key, store.version(PARTNERSHIPS_TABLE), indicator_id)


class ExplorerView:
    """What the indicator explorer shows of one indicator, each part computed once per table version."""

    def __init__(self, store: Store, indicator_id: str, layer: Layer = "submitted") -> None:
        self.root, self.layer, self.indicator_id = store.root, layer, indicator_id
        self.versions = reads.layer_versions(store, layer)
        self.partnerships_version = store.version(PARTNERSHIPS_TABLE)

    def key(self) -> tuple[object, ...]:
        """What the explorer's results depend on: the store, the layer's versions, the partnerships, the indicator."""
        return (self.root, self.layer, self.versions, self.partnerships_version, self.indicator_id)

    def part(self, name: str, *args: object):  # noqa: ANN201
        with st.spinner("Reading this indicator across every partnership…"):  # shown after half a second
            return _explorer(
                self.root, self.layer, self.versions, self.partnerships_version, self.indicator_id, name, args
            )


class PortfolioView:
    """What the portfolio overview shows for one filter and quarter, each part cached by the tables' versions."""

    def __init__(self, store: Store, summary: Summary, *, public: bool) -> None:
        self.store, self.summary, self.public = store, summary, public
        self.partnerships_version = store.version(PARTNERSHIPS_TABLE)

    def partnerships(self) -> pd.DataFrame:
        """Every partnership the overview may show (the public partnerships, for the public)."""
        return _overview_partnerships(self.store.root, self.partnerships_version, self.public)

    def figures(self, chosen: PortfolioFilter, period: Period) -> tuple[list[Kpi], pd.DataFrame, pd.DataFrame]:
        """KPIs of the quarter, goals of the partnerships in view, and the partnership list."""
        return _overview(
            self.summary.root,
            self.summary.layer,
            self.summary.key,
            self.partnerships_version,
            self.public,
            _filter_key(chosen),
            period,
        )

    def key(self, chosen: PortfolioFilter) -> tuple[object, ...]:
        """What the figures of a filter depend on: the summary, the partnerships table and the filter."""
        return (
            self.store.root,
            self.summary.layer,
            self.summary.key,
            self.partnerships_version,
            self.public,
            _filter_key(chosen),
        )

    def trends(self, chosen: PortfolioFilter) -> dict[str, pd.DataFrame]:
        """Each dataset's headline trend of the partnerships in view."""
        return _overview_trends(
            self.summary.root,
            self.summary.layer,
            self.summary.key,
            self.partnerships_version,
            self.public,
            _filter_key(chosen),
        )


def _filter_key(chosen: PortfolioFilter) -> tuple[tuple[str, ...], ...]:
    return (chosen.regions, chosen.countries, chosen.sectors, chosen.focus)


def source_note(store: Store, partnerships: int | Sequence[str], dataset: str | None = None) -> str:
    """The source line under a chart: the partnerships (named when there are three or fewer), the dataset, and
    whether it is sample data."""
    what = f"{dataset.replace('_', ' ')} dataset" if dataset else "partnership data"
    sample = f" · {SAMPLE_NOTE}" if is_sample(store) else ""
    if isinstance(partnerships, int):
        who = f"{partnerships} partnership{'' if partnerships == 1 else 's'}"
    elif len(partnerships) <= 3:
        who = ", ".join(partnerships)
    else:
        who = f"{len(partnerships)} partnerships"
    return f"Source: {who}, {what}{sample}."


def read_partnerships(store: Store) -> pd.DataFrame:
    return read_table(store, PARTNERSHIPS_TABLE)


def read_goals(store: Store) -> pd.DataFrame:
    return read_table(store, GOALS_TABLE)


@st.cache_data(show_spinner=False, ttl=60)
def _is_sample(root: str, version: int) -> bool:
    store = Store(root)
    try:
        audit = _audit(root, store.version(AUDIT_TABLE))  # the audit read once per version, shared by pages
    except StoreError:
        return False
    return shows_sample_data(store, audit)


def is_sample(store: Store) -> bool:
    """True while the store shows the bundled synthetic sample data."""
    return _is_sample(store.root, store.version(PARTNERSHIPS_TABLE))


def sample_badge(store: Store) -> None:
    if is_sample(store):
        st.badge(
            "Synthetic sample data",
            icon=":material/science:",
            color="orange",
            help="These figures are invented for demonstration. Real data replaces them once officers upload it.",
        )


def status_chart(store: Store, counts: Mapping[str, int], *, partnerships: int, key: str) -> None:
    """Goals per progress status: a bar per status, coloured and labelled with its name and count, and its table."""
    table = pd.DataFrame({"Status": list(STATUS_LABELS.values()), "Goals": [counts.get(s, 0) for s in STATUS_LABELS]})
    figure = status_summary_figure(counts, title="Goals by progress status", source=source_note(store, partnerships))
    chart_block(
        figure, table, key=key, file_name="goals_by_status.csv", alt="Bar chart of the number of goals per status."
    )


DEFERRED_ROWS = 2_000
"""A chart's table with more rows than this is written as CSV when someone downloads it, not on every run."""


def _json_ready(figure: dict) -> dict:
    """The figure dict as Plotly's JSON writer would clean it before writing: ``plotly.io.to_json`` first tries
    orjson on the dict as it is and, when that fails (arrays of text or dates), cleans it in Python, a few seconds
    for thousands of lines. Cleaning once here gives the same JSON without the failed try and the cleaning."""
    try:
        import orjson
        from _plotly_utils.optional_imports import get_module
        from plotly.io._json import clean_to_json_compatible, config
    except ImportError:  # another plotly: leave the dict as it is
        return figure
    if config.default_engine not in ("auto", "orjson"):
        return figure
    try:
        orjson.dumps(figure, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        return figure
    except TypeError:
        pass
    modules = {
        "sage_all": get_module("sage.all", should_load=False),
        "np": get_module("numpy", should_load=False),
        "pd": get_module("pandas", should_load=False),
        "image": get_module("PIL.Image", should_load=False),
    }
    return clean_to_json_compatible(figure, numpy_allowed=True, datetime_allowed=True, modules=modules)


class DrawnFigure(go.Figure):
    """A figure drawn once and shared (see :func:`drawn_figure`): ``st.plotly_chart`` asks a figure for its dict on
    every run (a deep copy with every array encoded, about a second for a few hundred lines) and writes it as JSON,
    so the dict is made once, ready for the JSON writer, when the figure is drawn. Never change a drawn figure."""

    def to_dict(self) -> dict:
        drawn = self.__dict__.get("_drawn_dict")
        if drawn is None:
            drawn = _json_ready(super().to_dict())
            self.__dict__["_drawn_dict"] = drawn
        return drawn


@st.cache_resource(show_spinner=False, max_entries=12)
def _drawn(key: tuple[object, ...], _draw: Callable[[], go.Figure]) -> go.Figure:
    figure = _draw()
    figure.__class__ = DrawnFigure  # same object, its dict now made once
    figure.to_dict()
    return figure


@st.cache_resource(show_spinner=False, max_entries=32)
def _drawn_embed(key: tuple[object, ...], _draw: Callable[[], EmbedContent | None]) -> EmbedContent | None:
    content = _draw()
    if content is not None:
        content.figure.__class__ = DrawnFigure
        content.figure.to_dict()
    return content


def drawn_embed(store: Store, key: tuple[object, ...], draw: Callable[[], EmbedContent | None]) -> EmbedContent | None:
    """What ``embed.embed_content`` gives (``draw``), made once per published snapshot and ``key`` (the request,
    source line, size) and shared; the content returned must not be changed."""
    snapshot = (
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        store.version(GOALS_TABLE),
        min_cell_count(),
    )
    return _drawn_embed((*snapshot, *key), draw)


def drawn_figure(key: tuple[object, ...], draw: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``draw`` makes, made once per ``key`` and shared by every session: ``key`` names everything the
    figure shows (table versions, choices, source line). For charts of many partnerships, whose drawing takes
    seconds; the figure returned must not be changed."""
    return _drawn(key, draw)


def chart_block(
    figure: go.Figure,
    table: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    alt: str,
    column_config: Mapping[str, object] | None = None,
    embed: EmbedRequest | None = None,
    embed_title: str = "",
    everything: tuple[str, pd.DataFrame, str] | None = None,
) -> None:
    """A chart with a Table view of exactly the same numbers and a CSV download of them; with ``embed`` (charts of
    public partnerships) also an Embed button that gives the iframe snippet of this view; with ``everything``
    (label, table, file name) a second download of the fuller data a summary chart stands for."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.plotly_chart(figure, config=PLOTLY_CONFIG, key=f"{key}-chart", alt=alt)
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=dict(column_config or {}), key=f"{key}-table")
    widths = [1.0, *([1.7] if everything is not None else []), *([1.0] if embed is not None else [])]
    wanted = len(widths)
    actions = st.columns([*widths, max(1.0, 6 - sum(widths))]) if wanted > 1 else [st.container()]
    with actions[0]:
        st.download_button(
            "Download CSV",
            # a big table's CSV is made on the click, not on every run (thousands of rows of text to make safe)
            data=partial(csv_bytes, table) if len(table) > DEFERRED_ROWS else csv_bytes(table),
            file_name=file_name,
            mime="text/csv",
            key=f"{key}-csv",
            icon=":material/download:",
            help="The numbers shown in this chart, as a CSV file.",
        )
    if everything is not None:
        label, full, full_name = everything
        with actions[1]:
            st.download_button(
                label,
                data=partial(csv_bytes, full) if len(full) > DEFERRED_ROWS else csv_bytes(full),
                file_name=full_name,
                mime="text/csv",
                key=f"{key}-csv-all",
                icon=":material/download:",
                help="Every partnership's own values behind this chart, as a CSV file.",
            )
    if embed is not None:
        with actions[wanted - 1]:
            embed_popover(embed, embed_title or alt, key=key)


@dataclass(frozen=True)
class _DrawnTrend:
    """What :func:`trend_block` shows, made once per key: the figure, its table, every partnership's values (the
    second download of a spread), whether it is a spread and of how many partnerships."""

    figure: go.Figure
    table: pd.DataFrame
    everyone: pd.DataFrame
    spread: bool
    partnerships: int


@st.cache_resource(show_spinner=False, max_entries=12)
def _drawn_trend(key: tuple[object, ...], _draw: Callable[[], _DrawnTrend]) -> _DrawnTrend:
    drawn = _draw()
    drawn.figure.__class__ = DrawnFigure
    drawn.figure.to_dict()
    return drawn


def trend_block(
    trend: pd.DataFrame,
    indicator: Indicator,
    *,
    draw_key: tuple[object, ...],
    source: str,
    colours: Mapping[str, str],
    key: str,
    file_name: str,
    value_header: str,
    period_header: str = "Quarter",
    title: str | None = None,
    annual: bool = False,
) -> None:
    """A trend of one indicator across partnerships (``metrics.quarterly_trend`` columns) with its table: a line per
    partnership up to ``trend_distribution.MAX_TREND_LINES`` of them, beyond that their spread (median, middle half
    and the largest named), whose table holds the chart's numbers and a second download every partnership's values.
    Everything is made once per ``draw_key`` (everything it shows) and shared by every session."""

    def draw() -> _DrawnTrend:
        everyone = trend[["partnership", "period", "value"]].rename(
            columns={"partnership": "Partnership", "period": period_header, "value": value_header}
        )
        spread = shows_spread(trend)
        if spread:
            distribution = trend_distribution(trend)
            figure = spread_figure(distribution, indicator, source=source, title=title)
            table = distribution_table(distribution, period_header=period_header, unit_label=indicator.unit_label)
        else:
            figure = trend_figure(trend, indicator, source=source, colours=dict(colours), title=title)
            table = everyone
        if annual:
            figure.update_xaxes(tickformat="%Y", hoverformat="%Y", ticklabelmode="instant")
        return _DrawnTrend(figure, table, everyone, spread, int(trend["partnership_id"].nunique()))

    drawn = _drawn_trend((*draw_key, period_header, value_header), draw)
    figure, table, everyone, spread = drawn.figure, drawn.table, drawn.everyone, drawn.spread
    what = indicator.short_name.lower()
    chart_block(
        figure,
        table,
        key=key,
        file_name=file_name.replace("_by_partnership", "_spread") if spread else file_name,
        alt=(
            f"Chart of {what}: median and middle half of {drawn.partnerships:,} partnerships per "
            f"{period_header.lower()}, with the largest named."
            if spread
            else f"Line chart of {what} per {period_header.lower()} for each partnership."
        ),
        everything=("Download every partnership (CSV)", everyone, file_name) if spread else None,
    )


def app_base_url() -> str:
    """The app's public address: ``IMPACT_PUBLIC_URL`` when set, else the scheme, host and base path the visitor
    opened."""
    configured = public_url()
    if configured:
        return configured
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser context (tests, bare mode)
        parts = urlsplit("")
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"
    return f"{origin}/{base_path}" if base_path else origin


def embed_popover(request: EmbedRequest, title: str, *, key: str) -> None:
    """The Embed button: the iframe snippet of this view, ready to paste, and the plain link."""
    base = app_base_url()
    with st.popover("Embed", icon=":material/code:", help="Put this chart on your own web page."):
        st.markdown("Paste this into your web page. The chart shows published figures only and follows new quarters.")
        st.code(embed_snippet(base, request, title), language="html", wrap_lines=True)
        st.caption("Or link to the chart on its own:")
        st.code(embed_url(base, request), language=None, wrap_lines=True)


# ---- the public side ---------------------------------------------------------------------------------------------


def read_public_partnerships(store: Store) -> pd.DataFrame:
    """The partnerships whose figures the public may see, sorted by name."""
    return public_partnerships(read_partnerships(store))


@st.cache_data(show_spinner=False, max_entries=32)
def _public_rows(
    root: str, versions: Versions, partnerships_version: int, ids: tuple[str, ...], k: int
) -> pd.DataFrame:
    store = Store(root)
    partnerships = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    published = reads.concat_rows(reads.read_rows(store, "published", versions, partnership_ids=ids))
    return public_rows(published, partnerships, k)


def read_public_rows(store: Store, partnership_ids: Sequence[str]) -> pd.DataFrame:
    """What the public may see of some partnerships: their published rows (every dataset in one frame) if they are
    public, small counts suppressed, with a ``suppression`` column (``public_data.public_rows`` of just their rows,
    which is what it gives them among all rows: suppression never looks beyond a partnership). Cached by version."""
    return _public_rows(
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        tuple(sorted(set(partnership_ids))),
        min_cell_count(),
    )


def read_public(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every public row (all public partnerships, suppressed) and the public partnerships. Pages read what they
    show instead (:func:`read_public_rows`, :func:`read_public_summary`); kept for scripts and tests."""
    partnerships = read_public_partnerships(store)
    return read_public_rows(store, list(partnerships["partnership_id"])), partnerships


@st.cache_data(show_spinner=False, max_entries=8)
def _public_goal_rows(root: str, key: tuple[object, ...]) -> pd.DataFrame:
    evaluated = _summary(root, "published", key).goals
    return pd.DataFrame(evaluated.to_dict("records"), columns=GOAL_RESULT_COLUMNS)


def read_public_goal_rows(store: Store) -> pd.DataFrame:
    """Every goal of a public partnership evaluated on the published layer (its true values), as the overview and
    the portal list them: one row per goal (``PublicGoal.row``), columns ``goals.GOAL_RESULT_COLUMNS``."""
    summary = read_public_summary(store)
    return _public_goal_rows(summary.root, summary.key)


@st.cache_data(show_spinner=False, max_entries=32)
def _public_goals(root: str, key: tuple[object, ...], ids: tuple[str, ...]) -> list[PublicGoal]:
    versions, goals_version, partnerships_version, k = key
    store = Store(root)
    partnerships = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)  # type: ignore[arg-type]
    goals = store.read(GOALS_TABLE, version=goals_version)  # type: ignore[arg-type]
    evaluated = _summary(root, "published", key).goals
    wanted = goals[goals["partnership_id"].isin(list(portfolio.public_ids(partnerships)))]
    chosen = wanted["partnership_id"].isin(list(ids)).to_numpy()
    rows = reads.concat_rows(
        reads.read_rows(store, "published", versions, partnership_ids=ids)  # type: ignore[arg-type]
    )
    return public_goals(
        wanted[chosen],
        rows,
        partnerships,
        k,
        evaluated=evaluated[chosen].reset_index(drop=True),  # type: ignore[arg-type]
    )


def read_public_goals(store: Store, partnership_ids: Sequence[str]) -> list[PublicGoal]:
    """Goals of some public partnerships with status from the published layer and annual points made safe
    (``public_data.public_goals``, each goal's row as it is among every public goal). Cached by version."""
    summary = read_public_summary(store)
    return _public_goals(summary.root, summary.key, tuple(sorted(set(partnership_ids))))


@st.cache_data(show_spinner=False, max_entries=8)
def _portal_index(
    root: str, key: tuple[object, ...], partnerships_version: int, audit_version: int
) -> portal.PortalIndex:
    partnerships = public_partnerships(_read_table(root, PARTNERSHIPS_TABLE, partnerships_version))
    coverage = _summary_part(root, "published", key, "coverage")
    reported = set(coverage["partnership_id"])  # type: ignore[index]
    reporting = [pid for pid in partnerships["partnership_id"] if pid in reported]
    updated = last_updated(_audit(root, audit_version), reporting)
    return portal.portal_index(partnerships, coverage, _public_goal_rows(root, key), updated)  # type: ignore[arg-type]


def read_portal_index(store: Store) -> portal.PortalIndex:
    """The portal's list of public partnerships that report (``portal.portal_index``), cached by version."""
    summary = read_public_summary(store)
    return _portal_index(store.root, summary.key, store.version(PARTNERSHIPS_TABLE), store.version(AUDIT_TABLE))


@st.cache_data(show_spinner=False, max_entries=32)
def _public_download_table(
    root: str, versions: Versions, partnerships_version: int, partnership_id: str, k: int
) -> pd.DataFrame:
    rows = _public_rows(root, versions, partnerships_version, (partnership_id,), k)
    partnerships = public_partnerships(_read_table(root, PARTNERSHIPS_TABLE, partnerships_version))
    return download_frame(rows, partnerships, k)


def read_public_download_table(store: Store, partnership_id: str) -> pd.DataFrame:
    """A public partnership's download (``public_data.download_frame`` of its public rows), cached by version."""
    return _public_download_table(
        store.root,
        reads.layer_versions(store, "published"),
        store.version(PARTNERSHIPS_TABLE),
        partnership_id,
        min_cell_count(),
    )


def _public_download(
    root: str, versions: Versions, partnerships_version: int, fmt: str, about: pd.DataFrame, k: int
) -> bytes:
    """Every published figure of every public partnership as a public download (made when someone asks for it,
    from the versions the page showed)."""
    store = Store(root)
    every = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    partnerships = public_partnerships(every)
    ids = list(partnerships["partnership_id"])
    published = reads.concat_rows(reads.read_rows(store, "published", versions, partnership_ids=ids))
    table = download_frame(public_rows(published, every, k), partnerships, k)
    return download_bytes(table, fmt, about=about)


def public_download(store: Store, fmt: str, about: pd.DataFrame, k: int) -> Callable[[], bytes]:
    """The download of every public figure in ``fmt``, for ``st.download_button(data=...)``: made on the click,
    not on every run of the page (at scale it is the whole published layer)."""
    versions = reads.layer_versions(store, "published")
    return partial(_public_download, store.root, versions, store.version(PARTNERSHIPS_TABLE), fmt, about, k)


@st.cache_data(show_spinner=False, max_entries=8)
def _last_updated(root: str, version: int, digest: str, _ids: tuple[str, ...]) -> dict[str, datetime | None]:
    return last_updated(_audit(root, version), _ids)


def read_last_updated(store: Store, partnership_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each partnership's published figures last changed (from the audit of publishing). Cached by the audit
    table's version and the ids (keyed by a digest of them: thousands of ids are slow to hash one by one)."""
    ids = tuple(sorted(partnership_ids))
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    return _last_updated(store.root, store.version(AUDIT_TABLE), digest, ids)
