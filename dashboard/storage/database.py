"""The accounts database: accounts, sessions, sign-in handoffs and events in a relational database (SQLAlchemy 2).

Which database: ``IMPACT_DATABASE_URL`` when set (e.g. ``postgresql+psycopg://user:pw@host/db``, which replicas of
the app must share), else a SQLite file beside the store: ``<store folder>/accounts.sqlite3`` for a local store, and
``.impact_accounts.sqlite3`` in the working folder for an object-store root (``s3://…``), which is why a deployment
on object storage should set ``IMPACT_DATABASE_URL``.

One engine per URL per process. On SQLite (no connection pool) every connection uses WAL and a 30-second busy
timeout, and write transactions begin ``IMMEDIATE``, so concurrent writers queue instead of failing. The schema
comes from the Alembic migrations in ``dashboard/storage/migrations/``, run on first use in each process (under a
lock, so two processes starting at once do it once) and by ``python -m dashboard db upgrade``. The first use also
copies the accounts of the store's old Delta table ``auth/users`` once, when the database has none.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from dashboard.storage.account_tables import ACCOUNTS, EVENT_COLUMNS, EVENTS
from dashboard.storage.audit import audit_frame
from dashboard.storage.store import Store
from dashboard.storage.tables import USERS_TABLE

DATABASE_ENV = "IMPACT_DATABASE_URL"
LOCAL_DATABASE_FILE = "accounts.sqlite3"
"""The default database of a local store: this file in the store's folder."""
REMOTE_DATABASE_FILE = ".impact_accounts.sqlite3"
"""The default database of an object-store root: this file in the working folder (set IMPACT_DATABASE_URL instead)."""
BUSY_TIMEOUT_SECONDS = 30
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
IMPORT_ACTION = "accounts import"
"""The event that records the one-time copy of the Delta table ``auth/users``."""
_PG_MIGRATION_LOCK = 7_201_634_551
"""PostgreSQL advisory lock key held while the schema is upgraded."""


def database_url(store: Store) -> str:
    """The accounts database of a store: ``IMPACT_DATABASE_URL``, else a SQLite file beside the store."""
    configured = (os.environ.get(DATABASE_ENV) or "").strip()
    if configured:
        return configured
    if store.is_local:
        return f"sqlite:///{Path(store.root) / LOCAL_DATABASE_FILE}"
    return f"sqlite:///{Path.cwd() / REMOTE_DATABASE_FILE}"


@dataclass(frozen=True, eq=False)
class Database:
    """One database: its URL and its engine (shared by the process)."""

    url: str
    engine: Engine

    @property
    def display_url(self) -> str:
        """The URL without its password, for people."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed at the end (rolled back on an error); on SQLite it begins IMMEDIATE, so it
        holds the write lock from the start and concurrent writers wait their turn."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite a deferred one, which never waits for writers)."""
        with self.engine.connect() as connection:
            connection.execution_options(impact_read_only=True)
            with connection.begin():
                yield connection

    def revision(self) -> str | None:
        """The schema's current Alembic revision (None before the first migration)."""
        with self.read() as connection:
            return MigrationContext.configure(connection).get_current_revision()


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # No pool: a SQLite connection costs well under a millisecond to open, and none stays open between uses (so no
    # file handles pile up in a process that opens many stores, and nothing holds the file when it is copied).
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}, poolclass=NullPool
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
        dbapi_connection.isolation_level = None  # the driver begins nothing itself; "begin" below does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get("impact_read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=30, pool_timeout=60)


_DATABASES: dict[str, Database] = {}
_READY: set[tuple[str, str]] = set()
_LOCK = threading.RLock()


def open_database(url: str) -> Database:
    """The process's one :class:`Database` of a URL (its schema not checked; :func:`database_for` does that)."""
    with _LOCK:
        database = _DATABASES.get(url)
        if database is None:
            database = _DATABASES[url] = Database(url, _engine(url))
        return database


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, store: Store | None = None) -> str | None:
    """Bring the schema to the newest migration, then (given a store) copy its Delta accounts once; returns the
    revision. Safe when several processes do it at once: they take turns (PostgreSQL advisory lock; SQLite's write
    lock)."""
    with database.write() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        command.upgrade(_alembic_config(connection), "head")
        if store is not None:
            _import_delta_users(connection, store)
        return MigrationContext.configure(connection).get_current_revision()


def database_for(store: Store) -> Database:
    """The accounts database of a store (:func:`database_url`), its schema brought up to date on first use."""
    database = open_database(database_url(store))
    key = (database.url, store.root)
    if key not in _READY:
        with _LOCK:
            if key not in _READY:
                upgrade(database, store)
                _READY.add(key)
    return database


def forget_databases() -> None:
    """Close every engine of this process and forget which schemas were checked (tests use it between
    databases)."""
    with _LOCK:
        for database in _DATABASES.values():
            database.engine.dispose()
        _DATABASES.clear()
        _READY.clear()


# ---- the one-time copy of the Delta accounts ---------------------------------------------------------------------


def _when(value: object) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _import_delta_users(connection: Connection, store: Store) -> int:
    """Copy the accounts of the store's Delta table ``auth/users`` (made before the accounts database), hashes and
    lockouts included, when the database has no account and never imported any. Returns the accounts copied."""
    if connection.scalar(select(func.count()).select_from(ACCOUNTS)):
        return 0
    if connection.scalar(select(func.count()).select_from(EVENTS).where(EVENTS.c.action == IMPORT_ACTION)):
        return 0
    try:
        if not store.exists(USERS_TABLE):
            return 0
        frame = store.read_users()
    except Exception:  # noqa: BLE001 - an unreadable or unreachable old table: nothing to copy
        return 0
    if frame.empty:
        return 0
    now = datetime.now(UTC)
    rows = []
    for record in frame.to_dict("records"):
        hashed = record.get("password_hash")
        rows.append(
            {
                "email": str(record["email"]).strip().lower(),
                "role": str(record["role"]),
                "partnerships": ""
                if record.get("partnerships") is None or pd.isna(record["partnerships"])
                else str(record["partnerships"]),
                "password_hash": None if hashed is None or pd.isna(hashed) else str(hashed),
                "disabled": bool(record.get("disabled") or False),
                "failed_attempts": int(0 if pd.isna(record.get("failed_attempts")) else record["failed_attempts"]),
                "locked_until": _when(record.get("locked_until")),
                "password_changed_at": None,
                "created_at": _when(record.get("created_at")) or now,
                "updated_at": _when(record.get("updated_at")) or now,
            }
        )
    connection.execute(insert(ACCOUNTS), rows)
    insert_event(
        connection,
        user="migration",
        action=IMPORT_ACTION,
        outcome="done",
        target=None,
        message=f"copied {len(rows)} account(s) from the Delta table {USERS_TABLE} of {store.root}",
        now=now,
    )
    return len(rows)


# ---- events ------------------------------------------------------------------------------------------------------


def insert_event(
    connection: Connection,
    *,
    user: str,
    action: str,
    outcome: str,
    target: str | None = None,
    message: str | None = None,
    via: str | None = None,
    details: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> None:
    """Add one event within an open transaction (so it commits, or not, with the change it describes). ``details``
    (an upload's file, SHA-256, dataset, slices, rows) is kept as JSON."""
    connection.execute(
        insert(EVENTS).values(
            at=now or datetime.now(UTC),
            user=(user or "unknown")[:254],
            action=action[:64],
            outcome=outcome[:32],
            target=None if target is None else target[:254],
            message=message,
            via=None if via is None else via[:32],
            details=None if details is None else json.dumps(dict(details), default=str),
        )
    )


def record_event(
    store: Store,
    *,
    user: str,
    action: str,
    outcome: str,
    target: str | None = None,
    message: str | None = None,
    via: str | None = None,
    details: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> None:
    """Record something that writes no data (a sign-in, an account change, an upload rejected) in the store's
    accounts database. ``message`` is for people: never put a password, a token or a hash in it."""
    with database_for(store).write() as connection:
        insert_event(
            connection,
            user=user,
            action=action,
            outcome=outcome,
            target=target,
            message=message,
            via=via,
            details=details,
            now=now,
        )


def read_events(
    store: Store,
    *,
    actions: Iterable[str] | None = None,
    target: str | None = None,
    limit: int | None = 1000,
) -> pd.DataFrame:
    """Events, the last recorded first: at, user, action, outcome, target, message, via, details (JSON text; only
    the given actions or target)."""
    query = select(*(EVENTS.c[c] for c in EVENT_COLUMNS)).order_by(EVENTS.c.id.desc())
    if actions is not None:
        query = query.where(EVENTS.c.action.in_(list(actions)))
    if target is not None:
        query = query.where(EVENTS.c.target == target)
    if limit is not None:
        query = query.limit(limit)
    with database_for(store).read() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(EVENT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


ATTEMPT_ACTIONS: tuple[str, ...] = ("upload",)
"""Actions whose attempts may write no data (a file rejected, or identical to what is there): recorded as events."""


def record_attempt(
    store: Store,
    *,
    user: str,
    action: str,
    outcome: str,
    table: str | None,
    message: str,
    dataset: str | None = None,
    source_name: str | None = None,
    source_sha256: str | None = None,
    slices: Iterable[object] = (),
    rows: int = 0,
    table_version: int | None = None,
) -> None:
    """Record an upload that wrote no data (``outcome`` rejected or unchanged) as an event with its file, SHA-256,
    dataset, slices and rows, so the upload history shows it beside the commits."""
    record_event(
        store,
        user=user,
        action=action,
        outcome=outcome,
        target=table,
        message=message,
        via=store.via,
        details={
            "dataset": dataset,
            "source_name": source_name,
            "source_sha256": source_sha256,
            "slices": [str(s) for s in slices],
            "rows": rows,
            "table_version": table_version,
        },
    )


def read_attempts(store: Store, *, limit: int | None = 1000) -> pd.DataFrame:
    """The uploads that wrote no data, newest first, as rows shaped like the audit's (``AUDIT_READ_COLUMNS``), so a
    page lists them with the commits."""
    events = read_events(store, actions=ATTEMPT_ACTIONS, limit=limit)
    rows = []
    for row in events.itertuples(index=False):
        details = json.loads(row.details) if isinstance(row.details, str) and row.details else {}
        rows.append(
            {
                "commit_id": None,
                "committed_at": row.at.to_pydatetime(),
                "user": row.user,
                "action": row.action,
                "outcome": row.outcome,
                "table": row.target,
                "dataset": details.get("dataset"),
                "source_name": details.get("source_name"),
                "source_sha256": details.get("source_sha256"),
                "slices": json.dumps(details.get("slices") or []),
                "rows": details.get("rows"),
                "table_version": details.get("table_version"),
                "message": row.message,
                "via": row.via,
            }
        )
    return audit_frame(rows)
