"""The tables of a store: their names (paths under the store's root), Arrow schemas and partitioning.

Layout under one root (a local folder or an object-store URI)::

    submitted/<dataset>     every accepted upload (staff see it)
    published/<dataset>     what a reviewer approved (the public sees only this)
    submitted/narratives    narratives and goal explanations as written (created on first use)
    published/narratives    the texts published with their quarters (created on first use)
    reference/partnerships  one row per partnership
    reference/goals         one row per goal
    reference/milestones    one row per milestone of a partnership's roadmap (created on first use)
    audit/commits           one row per commit attempt
    auth/users              one row per account: role, partnerships, Argon2 password hash, lockout state
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pyarrow as pa

from data_contracts import (
    DATASETS,
    GOAL_COLUMN_SPECS,
    INDICATOR_COLUMN_SPECS,
    MILESTONE_COLUMN_SPECS,
    PARTNERSHIP_COLUMN_SPECS,
    arrow_schema,
)

Layer = Literal["submitted", "published"]
LAYERS: tuple[Layer, ...] = ("submitted", "published")

INDICATOR_SCHEMA = arrow_schema(INDICATOR_COLUMN_SPECS)
PARTNERSHIP_SCHEMA = arrow_schema(PARTNERSHIP_COLUMN_SPECS)
GOAL_SCHEMA = arrow_schema(GOAL_COLUMN_SPECS)
MILESTONE_SCHEMA = arrow_schema(MILESTONE_COLUMN_SPECS)
AUDIT_SCHEMA = pa.schema(
    [
        ("commit_id", pa.string()),
        ("committed_at", pa.timestamp("us", tz="UTC")),
        ("user", pa.string()),
        ("action", pa.string()),
        ("outcome", pa.string()),
        ("table", pa.string()),
        ("dataset", pa.string()),
        ("source_name", pa.string()),
        ("source_sha256", pa.string()),
        ("slices", pa.string()),
        ("rows", pa.int64()),
        ("table_version", pa.int64()),
        ("message", pa.string()),
    ]
)
AUDIT_COLUMNS: tuple[str, ...] = tuple(AUDIT_SCHEMA.names)
USERS_SCHEMA = pa.schema(
    [
        ("email", pa.string()),
        ("role", pa.string()),
        ("partnerships", pa.string()),
        ("password_hash", pa.string()),
        ("disabled", pa.bool_()),
        ("failed_attempts", pa.int64()),
        ("locked_until", pa.timestamp("us", tz="UTC")),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
USERS_COLUMNS: tuple[str, ...] = tuple(USERS_SCHEMA.names)
USERS_STATS_COLUMNS = ",".join(c for c in USERS_COLUMNS if c != "password_hash")
"""The users table keeps file statistics (min/max values in the Delta log) of these columns only, so no part of a
password hash is ever copied into the transaction log."""

PARTNERSHIPS_TABLE = "reference/partnerships"
GOALS_TABLE = "reference/goals"
MILESTONES_TABLE = "reference/milestones"
AUDIT_TABLE = "audit/commits"
STATS_COLUMNS_KEY = "delta.dataSkippingStatsColumns"
USERS_TABLE = "auth/users"
NARRATIVE_SCHEMA = pa.schema(
    [
        ("partnership_id", pa.string()),
        ("year", pa.int64()),
        ("quarter", pa.int64()),
        ("kind", pa.string()),
        ("goal_id", pa.string()),
        ("text", pa.string()),
        ("waived", pa.bool_()),
        ("author", pa.string()),
        ("written_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""Narratives and goal explanations (``data_contracts.narratives``): one row per (partnership_id, year, quarter, kind,
goal_id); ``kind`` narrative or explanation, ``goal_id`` empty for a narrative; ``waived`` marks an admin's waiver of
a required explanation (its text empty)."""
NARRATIVE_TABLES: Mapping[str, str] = {layer: f"{layer}/narratives" for layer in LAYERS}
"""The texts table of each layer."""
LAZY_TABLES: frozenset[str] = frozenset({USERS_TABLE, MILESTONES_TABLE, *NARRATIVE_TABLES.values()})
"""Tables added after the first stores were made: created on first use, not needed for a store to count as set up
(so an existing store without them is never mistaken for a new one and seeded again). Its read gives no rows
while it does not exist (``Store.read_milestones``), and ``Store.versions`` gives it version -1."""
REFERENCE_TABLES: tuple[str, ...] = (PARTNERSHIPS_TABLE, GOALS_TABLE, MILESTONES_TABLE)
"""The tables an admin replaces whole (``Store.replace_reference``)."""


def indicator_table(dataset: str, layer: Layer) -> str:
    """Name (path under the root) of an indicator table."""
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    if layer not in LAYERS:
        raise KeyError(f"unknown layer {layer!r}; expected submitted or published")
    return f"{layer}/{dataset}"


TABLE_SCHEMAS: Mapping[str, pa.Schema] = {
    **{indicator_table(d, layer): INDICATOR_SCHEMA for d in DATASETS for layer in LAYERS},
    PARTNERSHIPS_TABLE: PARTNERSHIP_SCHEMA,
    GOALS_TABLE: GOAL_SCHEMA,
    MILESTONES_TABLE: MILESTONE_SCHEMA,
    AUDIT_TABLE: AUDIT_SCHEMA,
    USERS_TABLE: USERS_SCHEMA,
    **{table: NARRATIVE_SCHEMA for table in NARRATIVE_TABLES.values()},
}
PARTITIONS: Mapping[str, list[str] | None] = {
    name: (["year"] if name.split("/")[0] in LAYERS and name not in NARRATIVE_TABLES.values() else None)
    for name in TABLE_SCHEMAS
}
