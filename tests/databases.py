"""The accounts database of a test, on SQLite (a file in the test's folder) and on PostgreSQL (a schema of its own in
the database of ``IMPACT_TEST_DATABASE_URL``, dropped afterwards). Without that variable the PostgreSQL case is
skipped, unless ``IMPACT_REQUIRE_POSTGRES=1`` (CI), which turns the skip into a failure.

Use the ``database_url`` fixture (parametrised over both) and ``fast_hashing``; import them into the test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from dashboard.access import accounts
from dashboard.storage.database import DATABASE_ENV, forget_databases

POSTGRES_ENV = "IMPACT_TEST_DATABASE_URL"
REQUIRE_ENV = "IMPACT_REQUIRE_POSTGRES"


def _postgres_base() -> str:
    base = (os.environ.get(POSTGRES_ENV) or "").strip()
    if not base:
        reason = f"PostgreSQL case: set {POSTGRES_ENV} (e.g. postgresql+psycopg://impact:…@127.0.0.1:5432/impact_test)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {POSTGRES_ENV} is not set")
        pytest.skip(reason)
    return base


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty accounts database as ``IMPACT_DATABASE_URL`` for the test (and the commands it starts)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accounts-test.sqlite3'}"
        monkeypatch.setenv(DATABASE_ENV, url)
        yield url
        forget_databases()
        return
    base = _postgres_base()
    schema = f"test_{uuid.uuid4().hex[:20]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    monkeypatch.setenv(DATABASE_ENV, url)
    try:
        yield url
    finally:
        forget_databases()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheaper Argon2id parameters, for speed (the hashing itself is tested in test_auth.py)."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    accounts._dummy_hash.cache_clear()
    yield
    accounts._dummy_hash.cache_clear()
