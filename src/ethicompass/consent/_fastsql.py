"""Deprecated: one-row reads of a raw SQL string, kept only for ``server/_auth.py``'s token read.

Every other hot-path read is a ``store.FastQuery`` (SQLAlchemy Core on the store's tables,
compiled once, run on the driver's cursor; the ``sql`` seam of ``ethicompass._fastpath``). The
token read moves to one when accounts leave ``server/`` (issue 22 item 1), and this module goes.

A status read or a token check is one indexed lookup; building and compiling it through
SQLAlchemy Core and opening a transaction around it cost ten times the lookup itself. Here the
statement is a fixed string (the driver caches it: sqlite3's statement cache, psycopg's
automatic prepare), run on a pooled connection outside any explicit transaction (one statement
reads one consistent snapshot on both SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ethicompass.errors import DatabaseError
from ethicompass.store import Store

_PG_CACHE: dict[str, str] = {}


def query_one(store: Store, sql: str, params: tuple[Any, ...], /) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (written with ``?`` markers) or None."""
    engine = store.engine
    if engine.dialect.paramstyle != "qmark":
        converted = _PG_CACHE.get(sql)
        if converted is None:
            converted = _PG_CACHE[sql] = sql.replace("?", "%s")
        sql = converted
    try:
        raw = engine.raw_connection()
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot reach the state database ({type(exc).__name__})",
            hint="check that it is running and reachable, then retry",
        ) from exc
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except engine.dialect.dbapi.Error as exc:  # type: ignore[union-attr]
        raise DatabaseError(
            f"reading the state database failed ({type(exc).__name__})",
            hint="check the database is reachable and migrated (ethicompass db upgrade), then retry",
        ) from exc
    finally:
        raw.close()
    return tuple(row) if row is not None else None
