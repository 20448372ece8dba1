"""Derived tables of the read model: what the portfolio pages read instead of the raw rows, kept per variant.

A variant is a layer as a reader sees it: ``submitted`` and ``published`` for staff (every partnership), ``public``
for visitors (the published layer of public partnerships, suppressed). Each variant is one Delta table,
``derived/summary_<variant>``, of small rows per partnership, one ``part`` per kind (:data:`PARTS`): the quarters a
partnership reported, its latest quarter per dataset, its headline total rows, its goals evaluated, how many rows and
total rows it has. Computing them is the queries layer's job (``queries/read_model.py``); this module only keeps them.

**Never silently stale.** Every write carries in its own commit (one atomic write) the source versions the table
reflects (:class:`Sources`) and the version it was built on. A write that replaces some partnerships' rows is valid
only on top of the version it read (``base``); a full write is valid on its own. A reader takes the newest commit
and trusts it only when its chain holds (:func:`read_state`): a write that raced another is never trusted, and the
next refresh rebuilds the table whole.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, get_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from dashboard.storage.store import KEEP_LOG, Store

Variant = Literal["submitted", "published", "public"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)

Part = Literal["member", "reported", "coverage", "totals", "rows", "headline", "goal"]
PARTS: tuple[Part, ...] = get_args(Part)
"""``member``: a partnership the variant covers (one row each, whether or not it has figures); ``reported``: a
quarter it reported (year, quarter); ``coverage``: its latest quarter in a dataset; ``totals``: how many total rows
(no breakdown) it has (``count``); ``rows``: how many rows (``count``); ``headline``: a total row of a headline
indicator (suppressed in the public variant); ``goal``: one of its goals evaluated (its result in
:data:`GOAL_FIELDS` and the shared key columns)."""

SECTION = "section"
"""A derived table whose schema has this column is partitioned by it before the bucket: a reader that wants one
section opens only its files (the summary keeps its million headline rows apart from the rest)."""

GOAL_FIELDS: tuple[pa.Field, ...] = (
    pa.field("goal_id", pa.string()),
    pa.field("baseline_year", pa.int64()),
    pa.field("baseline_value", pa.float64()),
    pa.field("target_year", pa.int64()),
    pa.field("target_value", pa.float64()),
    pa.field("higher_is_better", pa.bool_()),
    pa.field("status", pa.string()),
    pa.field("status_label", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("progress_value", pa.float64()),
    pa.field("base_year_used", pa.int64()),
    pa.field("base_value_used", pa.float64()),
    pa.field("current_year", pa.int64()),
    pa.field("current_value", pa.float64()),
    pa.field("cagr_observed", pa.float64()),
    pa.field("cagr_required", pa.float64()),
    pa.field("growth_needed", pa.float64()),
    pa.field("projection", pa.float64()),
    pa.field("annual_points", pa.int64()),
    pa.field("off_course", pa.bool_()),
)
"""A goal result's own columns (its partnership, indicator, dimension and category use the shared ones)."""

SUMMARY_SCHEMA = pa.schema(
    [
        pa.field(SECTION, pa.string(), nullable=False),
        pa.field("part", pa.string(), nullable=False),
        pa.field("partnership_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string()),
        pa.field("year", pa.int64()),
        pa.field("quarter", pa.int64()),
        pa.field("indicator_id", pa.string()),
        pa.field("dimension", pa.string()),
        pa.field("category", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("count", pa.int64()),
        *GOAL_FIELDS,
    ]
)
"""One schema for every part; a part fills the columns it needs and leaves the others empty. Its ``section`` is
``headline`` for the headline rows, ``explorer`` for the rows the indicator explorer reads and ``summary`` for the
others (:func:`section_of`)."""

HEADLINE_SECTION = "headline"
SUMMARY_SECTION = "summary"
EXPLORER_SECTION = "explorer"


def section_of(part: str) -> str:
    """The section a summary part is kept in: a part of its own for the headline and explorer rows."""
    return part if part in (HEADLINE_SECTION, EXPLORER_SECTION) else SUMMARY_SECTION


UNCHANGED_OPERATIONS = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END"})
"""Commits that change no row: a derived table stays valid across them."""
BUCKETS = 64
"""A derived table is partitioned by a bucket of the partnership id: replacing a few partnerships' rows rewrites the
files of their buckets only, not the whole table."""
BUCKET = "bucket"
HISTORY_LOOKED_AT = 20
"""How many of a derived table's newest commits are looked at for its last write (compactions stand above it)."""
SOURCES_KEY = "derived_sources"
BASE_KEY = "derived_base"
BUILD_KEY = "derived_build"
"""The whole build a commit belongs to, when the build was written in parts."""
FIRST_KEY = "derived_build_first"
"""The version of a build's first commit, on its last (stamped) commit."""
MAX_PREDICATE_IDS = 2_000
"""Beyond this many partnerships a refresh rewrites the table whole rather than name them all in a predicate."""


LAYOUT = 2
"""The summary's layout: 1 without the explorer section, 2 with it. Raise it when a part changes what it holds."""


@dataclass(frozen=True)
class Sources:
    """The source versions a derived table reflects: the layer's four indicator tables (in ``DATASETS`` order), the
    goals table, and for the public variant the partnerships table and the suppression threshold ``k``."""

    indicators: tuple[int, ...]
    goals: int
    partnerships: int = -1
    k: int | None = None
    layout: int = LAYOUT
    """What the rows hold (:data:`LAYOUT`): a table written by an older layout is built whole again."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Sources:
        found = json.loads(text)
        return cls(
            indicators=tuple(int(v) for v in found["indicators"]),
            goals=int(found["goals"]),
            partnerships=int(found.get("partnerships", -1)),
            k=None if found.get("k") is None else int(found["k"]),
            layout=int(found.get("layout", 1)),
        )


@dataclass(frozen=True)
class DerivedState:
    """The newest trustworthy write of a variant's table: its version and the sources it reflects."""

    version: int
    sources: Sources


def summary_table_name(variant: Variant) -> str:
    """The derived table of a variant (a path under the store's root)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    return f"derived/summary_{variant}"


def figures_table_name(variant: Variant) -> str:
    """The derived table of a variant's portfolio figures (``queries/portfolio_figures.py``)."""
    return summary_table_name(variant).replace("/summary_", "/figures_")


def derived_uri(store: Store, name: str) -> str:
    """Where a derived table lives: beside the store's tables, under ``derived/``."""
    if not name.startswith("derived/"):
        raise ValueError(f"a derived table's name starts with derived/: {name!r}")
    return f"{store.root}/{name}"


def _open(store: Store, name: str, version: int | None = None) -> DeltaTable | None:
    try:
        return DeltaTable(derived_uri(store, name), version=version, storage_options=store.storage_options)
    except TableNotFoundError:
        return None


def _unbroken_build(delta: DeltaTable, written: dict[str, object]) -> bool:
    """Whether every commit from a build's first to its last (``written``) belongs to that build (compactions
    aside): no other write came between its parts."""
    first, last = int(str(written[FIRST_KEY])), int(str(written["version"]))
    if first > last:
        return False
    entries = delta.history(delta.version() - first + 1)
    seen = set()
    for entry in entries:
        version = int(entry.get("version", -1))
        if first <= version <= last:
            seen.add(version)
            if entry.get("operation") not in UNCHANGED_OPERATIONS and entry.get(BUILD_KEY) != written.get(BUILD_KEY):
                return False
    return seen == set(range(first, last + 1))


def read_stamp(store: Store, name: str, schema: pa.Schema) -> tuple[int, str] | None:
    """The version of a derived table and the stamp (what it reflects, as text) its newest commit carries, when that
    commit is trustworthy: written whole, or on top of the version just before it (no other write slipped in
    between), in ``schema``'s columns. None otherwise (not built yet, written by a race, by a program that records no
    stamp, or by a version of this program that kept other columns)."""
    delta = _open(store, name)
    if delta is None:
        return None
    if [f.name for f in delta.schema().fields if f.name != BUCKET] != schema.names:
        return None
    if list(delta.metadata().partition_columns) != partition_columns(schema):
        return None
    version = delta.version()
    entries = delta.history(HISTORY_LOOKED_AT)
    unchanged = {int(e["version"]) for e in entries if e.get("operation") in UNCHANGED_OPERATIONS}
    written = next((e for e in entries if e.get("operation") not in UNCHANGED_OPERATIONS), None)
    if written is None:
        return None
    stamp = written.get(SOURCES_KEY)
    if stamp is None:
        return None
    if written.get(FIRST_KEY) is not None and not _unbroken_build(delta, written):
        return None
    base = written.get(BASE_KEY)
    if base not in (None, "", "whole"):
        between = range(int(base) + 1, int(written["version"]))  # only compactions may stand between
        if int(base) >= int(written["version"]) or any(v not in unchanged for v in between):
            return None
    return version, str(stamp)


def read_rows(
    store: Store,
    name: str,
    version: int,
    schema: pa.Schema,
    *,
    columns: Sequence[str] | None = None,
    filter: pc.Expression | None = None,
    section: str | tuple[str, ...] | None = None,
) -> pa.Table:
    """The rows of a derived table at ``version`` (only ``columns``, the rows matching ``filter`` and those of one
    ``section`` or of a tuple of sections, when given: only their files are opened). A local store's files are read
    straight from the log's file list (making a dataset of a table's files costs more than reading a few thousand
    rows)."""
    wanted = list(columns) if columns is not None else schema.names
    delta = _open(store, name, version)
    if delta is None:
        return schema.empty_table().select(wanted)
    if section is not None and SECTION not in schema.names:
        raise ValueError(f"{name} has no sections")
    sections = [section] if isinstance(section, str) else None if section is None else list(section)
    if sections is not None and len(sections) > 1 and SECTION in wanted:
        raise ValueError("the section column is read from one section at a time")
    if not store.is_local:
        chosen = filter if sections is None else pc.field(SECTION).isin(sections) & (filter or pc.scalar(True))
        return delta.to_pyarrow_dataset().to_table(columns=wanted, filter=chosen)
    files = delta.file_uris(file_pruning_predicate=None if sections is None else [(SECTION, "in", sections)])
    in_files = [c for c in wanted if c not in (SECTION, BUCKET)]
    file_schema = pa.schema([schema.field(c) for c in schema.names if c != SECTION])
    if not files:
        table = file_schema.empty_table().select(in_files)
    else:
        table = pq.read_table(files, columns=in_files, filters=filter, schema=file_schema)
    if SECTION in wanted:  # a partition column: its value is in the path, not the files
        if section is None:
            return delta.to_pyarrow_dataset().to_table(columns=wanted, filter=filter)
        table = table.append_column(SECTION, pa.array(sections * table.num_rows, pa.string()))
    return table.select(wanted)


def partition_columns(schema: pa.Schema) -> list[str]:
    """How a derived table of ``schema`` is partitioned: by its :data:`SECTION` when it has one, then by bucket."""
    return [SECTION, BUCKET] if SECTION in schema.names else [BUCKET]


def _with_buckets(table: pa.Table) -> pa.Table:
    """The rows with their partnership's bucket (``crc32(id) mod BUCKETS``, worked out once per distinct id)."""
    encoded = pc.dictionary_encode(table["partnership_id"]).combine_chunks()
    per_id = pa.array([zlib.crc32(p.encode()) % BUCKETS for p in encoded.dictionary.to_pylist()], type=pa.int32())
    return table.append_column(BUCKET, pc.take(per_id, encoded.indices))


def _buckets_of(partnership_ids: Sequence[str]) -> list[int]:
    return sorted({zlib.crc32(p.encode()) % BUCKETS for p in partnership_ids})


def read_state(store: Store, variant: Variant) -> DerivedState | None:
    """A summary variant's derived state (:func:`read_stamp`), None when it cannot be trusted."""
    found = read_stamp(store, summary_table_name(variant), SUMMARY_SCHEMA)
    return None if found is None else DerivedState(found[0], Sources.from_json(found[1]))


def read_summary_rows(store: Store, variant: Variant, version: int) -> pa.Table:
    """Every row of a variant's derived summary at ``version``."""
    return read_rows(store, summary_table_name(variant), version, SUMMARY_SCHEMA)


def _predicate(partnership_ids: Sequence[str]) -> str:
    """A predicate naming the partnerships (none: one that matches no row, as ids are never blank)."""
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in sorted(set(partnership_ids))) or "''"
    return f"partnership_id IN ({quoted})"


def write_summary_rows(
    store: Store,
    variant: Variant,
    rows: pa.Table | Iterable[pa.Table],
    sources: Sources,
    *,
    partnership_ids: Sequence[str] | None = None,
    base: int | None = None,
) -> int:
    """Write a variant's derived summary (:func:`write_rows` stamped with ``sources``)."""
    return write_rows(
        store,
        summary_table_name(variant),
        SUMMARY_SCHEMA,
        rows,
        sources.to_json(),
        partnership_ids=partnership_ids,
        base=base,
    )


def write_rows(
    store: Store,
    name: str,
    schema: pa.Schema,
    rows: pa.Table | Iterable[pa.Table],
    stamp: str,
    *,
    partnership_ids: Sequence[str] | None = None,
    base: int | None = None,
) -> int:
    """Write a derived table's rows in one commit that carries ``stamp`` (what they reflect): the whole table
    (``partnership_ids`` None), or the rows of those partnerships only on top of version ``base`` (``rows`` holds
    their new rows; a partnership without new rows loses its old ones). Returns the version written.

    A whole table's rows may come as parts, made one at a time as they are written (one part in memory): one commit
    per part, the first replacing the table, each marked with the build it belongs to, and only the last stamped.
    The table is trusted only once that last commit stands on an unbroken chain of its build's commits
    (:func:`read_stamp`), so a build killed or raced in the middle is never read."""
    whole = partnership_ids is None
    if not isinstance(rows, pa.Table):
        if not whole:
            raise ValueError("only a whole table is written from parts")
        return _write_parts(store, name, schema, rows, stamp)
    table = rows.select(schema.names).cast(schema)
    if (
        not whole
        and table.num_rows
        and pc.any(
            pc.invert(pc.is_in(table["partnership_id"], pa.array(list(partnership_ids or ()), type=pa.string())))
        ).as_py()
    ):
        raise ValueError("rows of a partnership that is not being replaced")
    metadata = {SOURCES_KEY: stamp, BASE_KEY: "whole" if whole else str(base)}
    if whole:
        return _commit(store, name, schema, table, metadata, mode="overwrite", replace=True)
    buckets = ", ".join(str(b) for b in _buckets_of(partnership_ids or ())) or "-1"
    predicate = f"{BUCKET} IN ({buckets}) AND {_predicate(partnership_ids or ())}"
    return _commit(store, name, schema, table, metadata, mode="overwrite", predicate=predicate)


def _write_parts(store: Store, name: str, schema: pa.Schema, parts: Iterable[pa.Table], stamp: str) -> int:
    """A whole table written part by part (:func:`write_rows`): each part committed once the next one is made, so the
    last is known when it is written and carries the stamp."""
    build = uuid.uuid4().hex
    first: int | None = None
    pending: pa.Table | None = None
    for part in parts:
        if pending is not None:  # an earlier part: marked with its build, stamped with nothing
            mode = "overwrite" if first is None else "append"
            version = _commit(store, name, schema, pending, {BUILD_KEY: build}, mode=mode, replace=first is None)
            first = version if first is None else first
        pending = part
    last = schema.empty_table() if pending is None else pending
    if first is None:  # one part: an ordinary whole write
        return _commit(
            store, name, schema, last, {SOURCES_KEY: stamp, BASE_KEY: "whole"}, mode="overwrite", replace=True
        )
    metadata = {SOURCES_KEY: stamp, BASE_KEY: "whole", BUILD_KEY: build, FIRST_KEY: str(first)}
    return _commit(store, name, schema, last, metadata, mode="append")


def _commit(
    store: Store,
    name: str,
    schema: pa.Schema,
    rows: pa.Table,
    metadata: dict[str, str],
    *,
    mode: Literal["overwrite", "append"],
    replace: bool = False,
    predicate: str | None = None,
) -> int:
    """One commit of a derived table's rows (bucketed here) carrying ``metadata``; ``replace``: the table made anew
    (its schema too). Returns the version written."""
    write_deltalake(
        derived_uri(store, name),
        _with_buckets(rows.select(schema.names).cast(schema)),
        mode=mode,
        predicate=predicate,
        partition_by=partition_columns(schema),
        schema_mode="overwrite" if replace else None,
        storage_options=store.storage_options,
        commit_properties=CommitProperties(custom_metadata=metadata),
        post_commithook_properties=KEEP_LOG,
    )
    delta = _open(store, name)
    assert delta is not None
    return delta.version()


def changed_partnerships_in(store: Store, table: str, since: int, until: int) -> set[str] | None:
    """The partnerships named by the commits of a store table after version ``since`` up to ``until`` (their audit
    records' slices); None when a commit may have changed rows without naming them (a restore, a table made again,
    another program's write), or ``until`` is before ``since``."""
    if until == since:
        return set()
    if until < since:
        return None
    changed: set[str] = set()
    delta = DeltaTable(store.uri(table), storage_options=store.storage_options)
    for entry in delta.history(delta.version() - since):
        version = int(entry.get("version", -1))
        if version <= since or version > until or entry.get("operation") in UNCHANGED_OPERATIONS:
            continue
        slices = entry.get("slices")
        if slices is None or entry.get("action") in (None, "restore", "create"):
            return None
        changed |= {str(s).rsplit(":", 1)[0] for s in json.loads(slices)}
    return changed
