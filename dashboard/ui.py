"""The Streamlit edge shared by every page: the store, cached reads keyed by table version, chart blocks.

Only pages and the app import this module; everything that computes lives in plain modules below it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.auth import ANONYMOUS, Identity, access_denied_message, pages_for
from dashboard.charts import PLOTLY_CONFIG, status_summary_figure
from dashboard.embed import EmbedRequest, embed_snippet, embed_url
from dashboard.exports import csv_bytes
from dashboard.goals import evaluate_goals
from dashboard.progress import STATUS_LABELS
from dashboard.public_data import PublicGoal, last_updated, public_goals, public_partnerships, public_rows
from dashboard.seed import ensure_store, shows_sample_data
from dashboard.settings import min_cell_count, public_url, session_minutes
from dashboard.store import AUDIT_TABLE, GOALS_TABLE, PARTNERSHIPS_TABLE, Layer, Store, indicator_table
from dashboard.text_safety import markdown_literal
from dashboard.users import identity_for_email, session_expired, sign_in
from data_contracts import DATASETS, findings_frame

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


def require(page: str) -> Identity:
    """Stop the page with a plain message unless the person asking may open it (checked on every page, so a page
    opened by its URL is as safe as one opened from the menu). A visitor is offered to sign in right there."""
    store = get_store()
    identity = current_identity(store)
    if page in pages_for(identity):
        return identity
    st.warning(markdown_literal(access_denied_message(page, identity)), icon=":material/lock:")
    if identity.role == "anonymous":
        sign_in_form(key=f"sign-in-{page}")
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


def get_store() -> Store:
    """The store named by ``$IMPACT_STORE`` (or the local default), seeded with the sample data on first use."""
    store = Store.from_env()
    _ensure_seeded(store.root)
    return store


@st.cache_resource(show_spinner=False)
def _ensure_seeded(root: str) -> bool:
    return ensure_store(Store(root)) is not None


@st.cache_data(show_spinner=False, max_entries=128)
def _read_table(root: str, table: str, version: int) -> pd.DataFrame:
    return Store(root).read(table, version=version)


def read_table(store: Store, table: str) -> pd.DataFrame:
    """A whole table, cached by its current version: a new commit is seen on the next rerun."""
    return _read_table(store.root, table, store.version(table))


def read_indicators(store: Store, layer: Layer) -> dict[str, pd.DataFrame]:
    """Every dataset's indicator table of one layer."""
    return {dataset: read_table(store, indicator_table(dataset, layer)) for dataset in DATASETS}


@st.cache_data(show_spinner=False, max_entries=16)
def _all_indicators(root: str, layer: str, versions: tuple[int, ...]) -> pd.DataFrame:
    store = Store(root)
    frames = [store.read(indicator_table(d, layer)) for d in DATASETS]  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True)


def read_all_indicators(store: Store, layer: Layer) -> pd.DataFrame:
    """Every dataset's rows of one layer in one frame (what annual roll-ups and goals need), cached by version."""
    versions = tuple(store.version(indicator_table(d, layer)) for d in DATASETS)
    return _all_indicators(store.root, layer, versions)


@st.cache_data(show_spinner=False, max_entries=16)
def _evaluated_goals(root: str, layer: str, versions: tuple[int, ...]) -> pd.DataFrame:
    store = Store(root)
    return evaluate_goals(store.read_goals(), read_all_indicators(store, layer))  # type: ignore[arg-type]


def evaluated_goals(store: Store, layer: Layer = "submitted") -> pd.DataFrame:
    """Every goal with its progress status and workings (dashboard.goals.evaluate_goals), cached by version."""
    versions = (store.version(GOALS_TABLE), *(store.version(indicator_table(d, layer)) for d in DATASETS))
    return _evaluated_goals(store.root, layer, versions)


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
    return shows_sample_data(Store(root))


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
) -> None:
    """A chart with a Table view of exactly the same numbers and a CSV download of them; with ``embed`` (charts of
    public partnerships) also an Embed button that gives the iframe snippet of this view."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.plotly_chart(figure, config=PLOTLY_CONFIG, key=f"{key}-chart", alt=alt)
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=dict(column_config or {}), key=f"{key}-table")
    actions = st.columns([1, 1, 4]) if embed is not None else [st.container()]
    with actions[0]:
        st.download_button(
            "Download CSV",
            data=csv_bytes(table),
            file_name=file_name,
            mime="text/csv",
            key=f"{key}-csv",
            icon=":material/download:",
            help="The numbers shown in this chart, as a CSV file.",
        )
    if embed is not None:
        with actions[1]:
            embed_popover(embed, embed_title or alt, key=key)


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


@st.cache_data(show_spinner=False, max_entries=8)
def _public(root: str, versions: tuple[int, ...], k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = Store(root)
    partnerships = store.read(PARTNERSHIPS_TABLE)
    published = _all_indicators(root, "published", versions[1:])
    return public_rows(published, partnerships, k), public_partnerships(partnerships)


def read_public(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the public may see: published rows of public partnerships with small counts suppressed (every dataset
    in one frame, with a ``suppression`` column), and the public partnerships. Cached by table versions."""
    versions = (store.version(PARTNERSHIPS_TABLE), *(store.version(indicator_table(d, "published")) for d in DATASETS))
    return _public(store.root, versions, min_cell_count())


@st.cache_data(show_spinner=False, max_entries=8)
def _public_goals(root: str, versions: tuple[int, ...], k: int) -> list[PublicGoal]:
    store = Store(root)
    published = _all_indicators(root, "published", versions[2:])
    return public_goals(store.read(GOALS_TABLE), published, store.read(PARTNERSHIPS_TABLE), k)


def read_public_goals(store: Store) -> list[PublicGoal]:
    """Goals of public partnerships with status from the published layer and annual points made safe."""
    versions = (
        store.version(PARTNERSHIPS_TABLE),
        store.version(GOALS_TABLE),
        *(store.version(indicator_table(d, "published")) for d in DATASETS),
    )
    return _public_goals(store.root, versions, min_cell_count())


@st.cache_data(show_spinner=False, max_entries=8)
def _last_updated(root: str, version: int, ids: tuple[str, ...]) -> dict[str, datetime | None]:
    return last_updated(Store(root).read_audit(), ids)


def read_last_updated(store: Store, partnership_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each partnership's published figures last changed (from the audit of publishing)."""
    return _last_updated(store.root, store.version(AUDIT_TABLE), tuple(sorted(partnership_ids)))
