"""Alembic's environment for the accounts database: always run on a connection that
``dashboard.storage.database`` opens (and holds a lock on), never from an alembic.ini."""

from __future__ import annotations

from alembic import context

from dashboard.storage.account_tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the accounts migrations through `python -m dashboard db upgrade`")
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
