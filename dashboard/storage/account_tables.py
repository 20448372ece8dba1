"""The accounts database's tables (SQLAlchemy Core): accounts, sessions, sign-in handoffs and events.

The schema itself is made by the Alembic migrations in ``dashboard/storage/migrations/``; these definitions are what
the code reads and writes through, and a test checks that the migrated database matches them.

Times are stored in UTC. SQLite keeps them as text without a zone, PostgreSQL as ``timestamptz``; either way
:class:`UTCDateTime` hands back aware UTC datetimes and takes any aware datetime (naive ones are taken as UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp always in UTC: aware datetimes in and out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


METADATA = MetaData()

ACCOUNTS = Table(
    "accounts",
    METADATA,
    Column("email", String(254), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("partnerships", Text, nullable=False, default=""),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("password_changed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
"""One row per account: role, partnerships (ids separated by ``;``), Argon2 hash (None: identity provider only),
lockout state."""

SESSIONS = Table(
    "sessions",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254), ForeignKey("accounts.email", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("via", String(32), nullable=False),
)
"""One row per signed-in session; only the SHA-256 of its token is kept."""

HANDOFFS = Table(
    "handoffs",
    METADATA,
    Column("code_hash", String(64), primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)
"""One-time codes that hand a session over to a new one (only the SHA-256 of the code is kept)."""

EVENTS = Table(
    "events",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("user", String(254), nullable=False),
    Column("action", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("target", String(254), nullable=True, index=True),
    Column("message", Text, nullable=True),
    Column("via", String(32), nullable=True),
    Column("details", Text, nullable=True),
)
"""What happened without writing data: sign-ins (success, failure, lockout), account changes, uploads rejected or
unchanged. ``details`` holds an upload's file, its SHA-256, dataset, slices and rows as JSON. Never a password or a
hash."""

EVENT_COLUMNS: tuple[str, ...] = ("at", "user", "action", "outcome", "target", "message", "via", "details")
