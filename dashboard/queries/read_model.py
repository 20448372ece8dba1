"""The read model: the portfolio summary of a layer kept in a small derived table, refreshed for the partnerships
that changed, so the portfolio pages never aggregate the raw rows after a commit.

:func:`summary_at` is what the pages call: the :class:`~dashboard.queries.portfolio.LayerSummary` of a variant at
given source versions. When the derived table (``storage/derived.py``) reflects exactly those versions it is read
from there; when it is behind, it is first brought forward (:func:`refresh`): only the partnerships the commits in
between name are computed again from the source (``portfolio.layer_summary`` on their rows) and replaced. When the
table cannot be brought forward in parts (a restore, a change of ``k``, a race), or the versions asked for are not
the newest, the summary is computed from the source as before. Either way the numbers are those of
``portfolio.layer_summary`` over the whole layer: a test checks it on random stores after random changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.analytics.goals import GOAL_RESULT_COLUMNS, numbers_as_floats
from dashboard.public.published import public_partnerships
from dashboard.queries import portfolio
from dashboard.queries.portfolio_figures import FIGURES_SCHEMA, FigureStamp, compute_figures
from dashboard.storage import derived
from dashboard.storage.derived import SUMMARY_SCHEMA, Sources, Variant
from dashboard.storage.reads import layer_versions
from dashboard.storage.store import Store
from dashboard.storage.tables import GOALS_TABLE, PARTNERSHIPS_TABLE, Layer, indicator_table
from data_contracts import DATASETS, FIGURE_COLUMNS, INDICATORS
from data_contracts.quarters import Quarter, quarter_numbers

LOG = logging.getLogger(__name__)


EXPLORER_VARIANTS: tuple[Variant, ...] = ("submitted",)
"""The variants whose summary keeps the indicator explorer's rows (a staff page of the submitted layer)."""


def layer_of(variant: Variant) -> Layer:
    """The layer a variant reads."""
    return "submitted" if variant == "submitted" else "published"


def current_sources(store: Store, variant: Variant, k: int | None = None) -> Sources:
    """The sources a variant's derived table must reflect to be current (``k`` for the public variant)."""
    public = variant == "public"
    return Sources(
        indicators=layer_versions(store, layer_of(variant)),
        goals=store.version(GOALS_TABLE),
        partnerships=store.version(PARTNERSHIPS_TABLE) if public else -1,
        k=k if public else None,
    )


# ---- between the summary and its rows -----------------------------------------------------------------------------


def _column(values: Iterable[object], kind: pa.DataType) -> pa.Array:
    return pa.array(list(values), type=kind)


def _part(part: str, frame: pd.DataFrame | None = None, **columns: Sequence[object]) -> pa.Table:
    """Rows of one part: the given columns, the others empty."""
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for field in SUMMARY_SCHEMA:
        if field.name == "part":
            arrays.append(pa.array([part] * n, type=pa.string()))
        elif field.name == derived.SECTION:
            arrays.append(pa.array([derived.section_of(part)] * n, type=pa.string()))
        elif field.name in columns:
            values = columns[field.name]
            arrays.append(_column(values.tolist() if hasattr(values, "tolist") else values, field.type))
            # a Python list keeps NaN a number and None a missing value, as the results hold them
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=SUMMARY_SCHEMA)


def summary_rows(summary: portfolio.LayerSummary, members: Iterable[str]) -> pa.Table:
    """A summary as derived rows (:data:`~dashboard.storage.derived.PARTS`); ``members`` are the partnerships it
    covers (each gets a ``member`` row, with or without figures)."""
    parts = [_part("member", partnership_id=sorted(set(members)))]
    reported = summary.reported
    parts.append(
        _part("reported", partnership_id=reported["partnership_id"], year=reported["year"], quarter=reported["quarter"])
    )
    coverage = summary.coverage
    parts.append(
        _part(
            "coverage",
            partnership_id=coverage["partnership_id"],
            dataset=coverage["dataset"],
            year=coverage["year"],
            quarter=coverage["quarter"],
        )
    )
    parts.append(_part("totals", partnership_id=list(summary.total_rows), count=list(summary.total_rows.values())))
    counts = summary.row_counts
    parts.append(_part("rows", partnership_id=list(counts), count=list(counts.values())))
    for frame in summary.headline.values():
        if len(frame):
            parts.append(_part("headline", **{c: frame[c] for c in FIGURE_COLUMNS}))
    goals = summary.goals
    parts.append(_part("goal", **{c: goals[c].astype(object).tolist() for c in GOAL_RESULT_COLUMNS}))
    if summary.explorer is not None:
        parts.append(_arrow_part(derived.EXPLORER_SECTION, summary.explorer))
    return pa.concat_tables(parts)


def _arrow_part(part: str, table: pa.Table) -> pa.Table:
    """Rows of one part from an Arrow table of some of the summary's columns (the others empty), column by column."""
    n = table.num_rows
    arrays = []
    for field in SUMMARY_SCHEMA:
        if field.name == "part":
            arrays.append(pa.repeat(pa.scalar(part, pa.string()), n))
        elif field.name == derived.SECTION:
            arrays.append(pa.repeat(pa.scalar(derived.section_of(part), pa.string()), n))
        elif field.name in table.column_names:
            arrays.append(table[field.name].combine_chunks().cast(field.type))
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=SUMMARY_SCHEMA)


STRINGS = {pa.string(): pd.StringDtype()}.get
"""Arrow text as the store's frames type it (``string``)."""


def _part_of(rows: pa.Table, part: str, columns: Sequence[str]) -> pa.Table:
    return rows.filter(pc.equal(rows["part"], part)).select(list(columns))


def headline_frames(headline: pa.Table) -> dict[str, pd.DataFrame]:
    """Headline rows (:data:`FIGURE_COLUMNS`) as ``LayerSummary.headline``: per dataset, in the canonical order."""
    distinct = headline["indicator_id"].unique()
    dataset_of = pa.array([INDICATORS[i].dataset if i in INDICATORS else None for i in distinct.to_pylist()])
    datasets = pc.take(dataset_of, pc.index_in(headline["indicator_id"], distinct))
    return {
        d: portfolio.canonical_headline(headline.filter(pc.equal(datasets, d)).to_pandas(types_mapper=STRINGS))
        for d in DATASETS
    }


def goal_results(rows: pa.Table, goals: pd.DataFrame) -> pd.DataFrame:
    """``LayerSummary.goals`` from the goal part of derived rows: in the goals table's order (as ``evaluate_goals``
    gives them), typed as it types them."""
    evaluated = _part_of(rows, "goal", GOAL_RESULT_COLUMNS)
    order = pc.index_in(evaluated["goal_id"], pa.array(goals["goal_id"].astype(str).tolist(), type=pa.string()))
    evaluated = evaluated.take(pc.sort_indices(pa.table({"o": order}), [("o", "ascending", "at_end")]))
    found = {c: evaluated[c].to_pylist() for c in GOAL_RESULT_COLUMNS}
    return (
        numbers_as_floats(pd.DataFrame(found, columns=GOAL_RESULT_COLUMNS))
        if evaluated.num_rows
        else pd.DataFrame([], columns=GOAL_RESULT_COLUMNS)
    )


def summary_of(rows: pa.Table, goals: pd.DataFrame, partnership_ids: tuple[str, ...] | None) -> portfolio.LayerSummary:
    """The :class:`~dashboard.queries.portfolio.LayerSummary` the derived rows hold: parts in a fixed order (goals in
    the goals table's order, as ``evaluate_goals`` gives them), typed as ``portfolio.layer_summary`` types them."""
    reported = _part_of(rows, "reported", portfolio.REPORTED_COLUMNS).to_pandas(types_mapper=STRINGS)
    reported = reported.sort_values(portfolio.REPORTED_COLUMNS, ignore_index=True, kind="stable")
    coverage = _part_of(rows, "coverage", portfolio.COVERAGE_COLUMNS).to_pandas(types_mapper=STRINGS)
    coverage = portfolio.canonical_coverage(coverage.astype({"dataset": str}))
    totals = _part_of(rows, "totals", ["partnership_id", "count"]).to_pydict()
    counts = _part_of(rows, "rows", ["partnership_id", "count"]).to_pydict()
    by_dataset = headline_frames(_part_of(rows, "headline", FIGURE_COLUMNS))
    results = goal_results(rows, goals)
    periods = [Quarter.from_number(n) for n in np.unique(quarter_numbers(reported["year"], reported["quarter"]))]
    row_counts = dict(zip(counts["partnership_id"], counts["count"], strict=True))
    return portfolio.LayerSummary(
        periods=periods,
        coverage=coverage,
        total_rows=dict(zip(totals["partnership_id"], totals["count"], strict=True)),
        headline=by_dataset,
        goals=results,
        rows=sum(row_counts.values()),
        partnership_ids=partnership_ids,
        reported=reported,
        row_counts=row_counts,
    )


# ---- which partnerships changed ------------------------------------------------------------------------------------


def _goal_changes(store: Store, since: int, until: int) -> set[str]:
    """The partnerships whose goals differ between two versions of the goals table (a row added, removed or
    changed)."""
    if since == until:
        return set()
    new = store.read(GOALS_TABLE, version=until)
    old = store.read(GOALS_TABLE, version=since).reindex(columns=new.columns)
    both = pd.concat([old, new], ignore_index=True).astype(str)
    only_once = both[~both.duplicated(keep=False)]
    return set(only_once["partnership_id"])


def changed_partnerships(
    store: Store, variant: Variant, old: Sources, new: Sources, old_members: set[str], new_members: set[str]
) -> set[str] | None:
    """The partnerships whose derived rows may differ between two sets of sources; None when that cannot be told
    (then the table is built whole)."""
    if old.k != new.k or old.layout != new.layout:
        return None
    changed: set[str] = set(old_members ^ new_members)
    for dataset, since, until in zip(DATASETS, old.indicators, new.indicators, strict=True):
        found = derived.changed_partnerships_in(store, indicator_table(dataset, layer_of(variant)), since, until)
        if found is None:
            return None
        changed |= found
    if old.goals > new.goals:
        return None
    changed |= _goal_changes(store, old.goals, new.goals)
    return changed


# ---- refresh and read ----------------------------------------------------------------------------------------------


def members_at(store: Store, variant: Variant, sources: Sources) -> tuple[str, ...] | None:
    """The partnerships a variant covers at its sources: the public ones for ``public``, None (all) otherwise."""
    if variant != "public":
        return None
    return portfolio.public_ids(store.read(PARTNERSHIPS_TABLE, version=sources.partnerships))


def compute_summary(
    store: Store,
    variant: Variant,
    sources: Sources,
    partnership_ids: Sequence[str] | None = None,
    goals: pd.DataFrame | None = None,
) -> portfolio.LayerSummary:
    """``portfolio.layer_summary`` of a variant at its sources, of ``partnership_ids`` only when given (``goals``:
    the goals table at ``sources.goals``, when the caller has it)."""
    if goals is None:
        goals = store.read(GOALS_TABLE, version=sources.goals)
    return portfolio.layer_summary(
        store,
        layer_of(variant),
        sources.indicators,
        goals,
        partnership_ids=partnership_ids,
        k=sources.k if variant == "public" else None,
        explorer=variant in EXPLORER_VARIANTS,
    )


def _all_members(summary: portfolio.LayerSummary, goals: pd.DataFrame) -> set[str]:
    """Every partnership a staff summary covers: with rows or with goals."""
    return set(summary.row_counts) | set(goals["partnership_id"].astype(str))


WHOLE_BUILD_CHUNK = 2_000
"""A whole build summarises this many partnerships per pass (in id order, so on a store clustered by partnership
each pass reads only their files): its memory stays that of a pass, whatever the store's size."""


def _partnerships_with_rows(store: Store, variant: Variant, sources: Sources) -> set[str]:
    """Every partnership with a row in the variant's layer at ``sources`` (one column read, as codes)."""
    found: set[str] = set()
    for dataset, version in zip(DATASETS, sources.indicators, strict=True):
        table = store.dataset(
            indicator_table(dataset, layer_of(variant)), version, dictionary_columns=frozenset({"partnership_id"})
        )
        column = table.to_table(columns=["partnership_id"])["partnership_id"]
        found |= {str(p) for p in pc.unique(column.combine_chunks().dictionary_decode()).to_pylist()}
    return found


def whole_summary_rows(
    store: Store, variant: Variant, sources: Sources, goals: pd.DataFrame, *, chunk: int = WHOLE_BUILD_CHUNK
) -> tuple[Iterator[pa.Table], int]:
    """The derived rows of every partnership of a variant (:func:`summary_rows`), summarised ``chunk``
    partnerships at a time as they are asked for (a writer holds one part at a time), and how many partnerships
    they cover."""
    ids = members_at(store, variant, sources)
    if ids is None:  # staff: every partnership with rows or goals
        ids = tuple(sorted(_partnerships_with_rows(store, variant, sources) | set(goals["partnership_id"].astype(str))))

    def parts() -> Iterator[pa.Table]:
        if not ids:
            yield summary_rows(compute_summary(store, variant, sources, (), goals), ())
        for start in range(0, len(ids), chunk):
            some = ids[start : start + chunk]
            yield summary_rows(compute_summary(store, variant, sources, some, goals), some)

    return parts(), len(ids)


@dataclass(frozen=True)
class Refresh:
    """What a refresh did: ``"current"`` (nothing to do), ``"parts"`` (some partnerships computed again) or
    ``"whole"`` (the table built whole); the partnerships computed again, and the version written."""

    how: str
    partnerships: int
    version: int


_REFRESHING: dict[tuple[str, str], threading.Lock] = {}
_REFRESHING_LOCK = threading.Lock()


def _refresh_lock(store: Store, variant: Variant) -> threading.Lock:
    """One refresh of a variant at a time in this process (two at once would break each other's chain)."""
    with _REFRESHING_LOCK:
        return _REFRESHING.setdefault((store.root, variant), threading.Lock())


def refresh(store: Store, variant: Variant, *, k: int | None = None, whole: bool = False) -> Refresh:
    """Bring a variant's derived table to the store's current sources: the partnerships changed since it was last
    written are computed again, or everything when that cannot be told (or ``whole``)."""
    with _refresh_lock(store, variant):
        return _refresh(store, variant, k=k, whole=whole)


def _refresh(store: Store, variant: Variant, *, k: int | None, whole: bool) -> Refresh:
    sources = current_sources(store, variant, k)
    state = None if whole else derived.read_state(store, variant)
    if state is not None and state.sources == sources:
        return Refresh("current", 0, state.version)
    changed: set[str] | None = None
    old_members: set[str] = set()
    if state is not None:
        new_ids = members_at(store, variant, sources)
        new_members: set[str] = set()
        if new_ids is not None:  # the public's: who joined or left since, read from the member rows
            members = derived.read_rows(
                store,
                derived.summary_table_name(variant),
                state.version,
                SUMMARY_SCHEMA,
                columns=["partnership_id"],
                filter=pc.field("part") == "member",
                section=derived.SUMMARY_SECTION,
            )
            old_members = set(members["partnership_id"].to_pylist())
            new_members = set(new_ids)
        # staff variants cover every partnership with rows or goals: their changes are named by the commits
        changed = changed_partnerships(store, variant, state.sources, sources, old_members, new_members)
        if changed is not None and variant == "public":
            changed &= old_members | new_members
        if changed is not None and len(changed) > derived.MAX_PREDICATE_IDS:
            changed = None
    goals = store.read(GOALS_TABLE, version=sources.goals)
    if changed is None:
        rows, covered = whole_summary_rows(store, variant, sources, goals)
        version = derived.write_summary_rows(store, variant, rows, sources)
        return Refresh("whole", covered, version)
    assert state is not None
    ids = members_at(store, variant, sources)
    wanted = sorted(changed if ids is None else changed & set(ids))
    if wanted:
        summary = compute_summary(store, variant, sources, wanted, goals)
        members = set(wanted) & _all_members(summary, goals) if ids is None else set(wanted)
        rows = summary_rows(summary, members)
    else:
        rows = SUMMARY_SCHEMA.empty_table()
    version = derived.write_summary_rows(
        store, variant, rows, sources, partnership_ids=sorted(changed), base=state.version
    )
    return Refresh("parts", len(changed), version)


def _current_state(store: Store, variant: Variant, sources: Sources) -> derived.DerivedState | None:
    """The variant's derived state, brought forward first when it is behind and ``sources`` are the store's current
    ones; None when the table cannot serve ``sources``."""
    state = derived.read_state(store, variant)
    behind = state is None or state.sources != sources
    if behind and sources == current_sources(store, variant, sources.k):
        try:
            refresh(store, variant, k=sources.k)
        except Exception:  # noqa: BLE001 - a refresh that fails (a race, a read-only store) leaves the source path
            LOG.warning("the %s read model could not be brought forward; reading the source", variant, exc_info=True)
        state = derived.read_state(store, variant)
    return state if state is not None and state.sources == sources else None


def summary_at(store: Store, variant: Variant, sources: Sources, *, headline: bool = True) -> portfolio.LayerSummary:
    """The summary of a variant at ``sources``: from the derived table, brought forward first when it is behind and
    ``sources`` are the store's current ones; computed from the source when the table cannot serve them. Without
    ``headline`` its headline rows are not read from the derived table (``headline`` is then empty: pages that show
    the KPIs and trends read :func:`headline_at` or :func:`figures_at`)."""
    ids = members_at(store, variant, sources)
    goals = store.read(GOALS_TABLE, version=sources.goals)
    state = _current_state(store, variant, sources)
    if state is not None:
        rows = derived.read_rows(
            store,
            derived.summary_table_name(variant),
            state.version,
            SUMMARY_SCHEMA,
            columns=[c for c in SUMMARY_SCHEMA.names if c != derived.SECTION],
            section=(derived.SUMMARY_SECTION, derived.HEADLINE_SECTION) if headline else derived.SUMMARY_SECTION,
        )
        return summary_of(rows, goals, ids)
    return compute_summary(store, variant, sources, ids, goals)


def _headline_rows(store: Store, variant: Variant, sources: Sources) -> pa.Table:
    """The headline total rows of a variant at ``sources`` (:data:`FIGURE_COLUMNS`), from the derived table when it
    serves them, else from the source."""
    state = _current_state(store, variant, sources)
    if state is not None:
        return derived.read_rows(
            store,
            derived.summary_table_name(variant),
            state.version,
            SUMMARY_SCHEMA,
            columns=list(FIGURE_COLUMNS),
            section=derived.HEADLINE_SECTION,
        )
    summary = compute_summary(store, variant, sources, members_at(store, variant, sources))
    frames = [frame for frame in summary.headline.values() if len(frame)]
    if not frames:
        return SUMMARY_SCHEMA.empty_table().select(list(FIGURE_COLUMNS))
    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True)[list(FIGURE_COLUMNS)], preserve_index=False)


def headline_at(store: Store, variant: Variant, sources: Sources) -> dict[str, pd.DataFrame]:
    """``LayerSummary.headline`` of a variant at ``sources`` alone: per dataset, the headline total rows."""
    return headline_frames(_headline_rows(store, variant, sources))


def goals_at(store: Store, variant: Variant, sources: Sources, indicator_id: str) -> pd.DataFrame:
    """The goals set on one indicator, evaluated (``LayerSummary.goals`` of that indicator, in the same order): only
    their rows of the goal part are read from the derived table, or the whole summary computed from the source when
    the table cannot serve ``sources``."""
    goals = store.read(GOALS_TABLE, version=sources.goals)
    state = _current_state(store, variant, sources)
    if state is None:
        every = compute_summary(store, variant, sources, members_at(store, variant, sources), goals).goals
        return every[every["indicator_id"] == indicator_id].reset_index(drop=True) if len(every) else every
    rows = derived.read_rows(
        store,
        derived.summary_table_name(variant),
        state.version,
        SUMMARY_SCHEMA,
        columns=["part", *GOAL_RESULT_COLUMNS],
        filter=(pc.field("part") == "goal") & (pc.field("indicator_id") == indicator_id),
        section=derived.SUMMARY_SECTION,
    )
    return goal_results(rows, goals)


def explorer_rows_at(
    store: Store, variant: Variant, sources: Sources, indicator_ids: Sequence[str]
) -> pd.DataFrame | None:
    """What the read model keeps of the rows of ``indicator_ids`` for the indicator explorer (``explorer.kept_rows``,
    typed like the store's frames, in no particular order) at ``sources``; None when the derived table cannot serve
    them (the caller reads the source rows)."""
    if variant not in EXPLORER_VARIANTS:
        raise ValueError(f"the {variant} read model keeps no explorer rows")
    state = _current_state(store, variant, sources)
    if state is None:
        return None
    rows = derived.read_rows(
        store,
        derived.summary_table_name(variant),
        state.version,
        SUMMARY_SCHEMA,
        columns=list(FIGURE_COLUMNS),
        filter=pc.field("indicator_id").isin(list(indicator_ids)),
        section=derived.EXPLORER_SECTION,
    )
    return rows.to_pandas(types_mapper=STRINGS)


# ---- the portfolio's figures: aggregated over every partnership ----------------------------------------------------


def _portfolio_names(store: Store, variant: Variant, partnerships_version: int) -> pd.DataFrame:
    """The partnerships a variant's portfolio figures cover (the public ones for the public), with their names."""
    partnerships = store.read(PARTNERSHIPS_TABLE, version=partnerships_version)
    return public_partnerships(partnerships) if variant == "public" else partnerships


def figures_at(
    store: Store, variant: Variant, sources: Sources, partnerships_version: int, *, rebuild: bool = False
) -> pd.DataFrame:
    """The portfolio figures (``portfolio_figures.FIGURES_SCHEMA``) of every partnership of a variant at ``sources``
    and the partnerships table's version: read from ``derived/figures_<variant>`` when it reflects exactly them,
    else computed from the headline rows (and kept, when they are the store's current sources); ``rebuild``:
    computed and kept whatever the table holds."""
    stamp = FigureStamp(sources.to_json(), partnerships_version).to_json()
    name = derived.figures_table_name(variant)
    found = None if rebuild else derived.read_stamp(store, name, FIGURES_SCHEMA)
    if found is not None and found[1] == stamp:
        return derived.read_rows(store, name, found[0], FIGURES_SCHEMA).to_pandas(types_mapper=STRINGS)
    figures = compute_figures(
        _headline_rows(store, variant, sources), _portfolio_names(store, variant, partnerships_version)
    )
    current = sources == current_sources(store, variant, sources.k)
    if current and partnerships_version == store.version(PARTNERSHIPS_TABLE):
        try:
            derived.write_rows(store, name, FIGURES_SCHEMA, figures, stamp)
        except Exception:  # noqa: BLE001 - a reader that cannot keep them still has them
            LOG.warning("the %s portfolio figures could not be kept", variant, exc_info=True)
    return figures.to_pandas(types_mapper=STRINGS)


def keep_figures(store: Store, variant: Variant, k: int | None = None, *, rebuild: bool = False) -> None:
    """Bring a variant's portfolio figures to the store's current sources (:func:`figures_at`)."""
    sources = current_sources(store, variant, k)
    figures_at(store, variant, sources, store.version(PARTNERSHIPS_TABLE), rebuild=rebuild)


def refresh_all(store: Store, *, k: int | None = None) -> dict[str, Refresh]:
    """Bring every variant's derived tables to the store's current sources (after a commit, publish, withdraw or
    restore), ``k`` the public's threshold: the summary, then the portfolio figures aggregated from it."""
    done = {variant: refresh(store, variant, k=k) for variant in derived.VARIANTS}
    for variant in derived.VARIANTS:
        keep_figures(store, variant, k)
    return done


def rebuild_all(store: Store, *, k: int | None = None) -> dict[str, Refresh]:
    """Build every variant's derived tables whole from the source tables."""
    done = {variant: refresh(store, variant, k=k, whole=True) for variant in derived.VARIANTS}
    for variant in derived.VARIANTS:
        keep_figures(store, variant, k, rebuild=True)
    return done
