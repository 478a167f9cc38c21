"""Alembic environment: runs on the connection the store hands over (never its own URL)."""

from __future__ import annotations

from alembic import context

from ethicompass.store._metadata import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through ethicompass.store
    raise RuntimeError("run migrations through `ethicompass db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
