"""The state database: SQLAlchemy 2 tables, one engine, Alembic migrations.

``Store.from_env().open()`` connects to ``$ETHICOMPASS_DATABASE_URL`` (default
``sqlite:///./ethicompass.db``, WAL mode, foreign keys on; PostgreSQL through psycopg 3) and
applies pending migrations. Each domain keeps its tables in ``store/_<domain>_tables.py`` and
its migrations on its own Alembic branch (``branch_labels = ("<domain>",)``); ``upgrade``
brings every branch to its head.
"""

from __future__ import annotations

from ethicompass.store._audit_tables import audit_checkpoints, audit_entries
from ethicompass.store._engine import DEFAULT_URL, URL_ENV, Store, database_url
from ethicompass.store._fast import FastQuery
from ethicompass.store._metadata import metadata

__all__ = [
    "DEFAULT_URL",
    "URL_ENV",
    "FastQuery",
    "Store",
    "audit_checkpoints",
    "audit_entries",
    "database_url",
    "metadata",
]
