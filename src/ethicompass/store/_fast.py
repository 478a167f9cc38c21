"""One-statement reads and writes on the hot path, compiled once and run on the driver's cursor.

A consent status read or a session check is one indexed lookup; building, compiling and
executing it through SQLAlchemy each time costs ten times the lookup itself. A
:class:`FastQuery` is written once in SQLAlchemy Core on the store's tables, compiled once per
dialect into the driver's own string, and run with the driver's cursor: the driver caches the
statement (sqlite3's statement cache, psycopg's automatic prepare). This is the only place
outside migrations where a SQL string reaches a driver.

It is the ``sql`` seam of ``ethicompass._fastpath``: with ``ETHICOMPASS_PLAIN=sql`` (or inside
``_fastpath.plain("sql")``) the same statement runs through SQLAlchemy instead, and
``tests/foundation/test_fast_sql.py`` holds the two equal on SQLite and PostgreSQL. Only for
columns SQLAlchemy passes through unchanged (strings, integers): a type with a bind or result
processor would differ between the two, and is refused when the statement is compiled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import SQLAlchemyError

from ethicompass._fastpath import fast
from ethicompass.errors import DatabaseError
from ethicompass.store._engine import Store

__all__ = ["FastQuery"]

_UNREACHABLE = "check that it is running and reachable, then retry"
_READ_FAILED = "check the database is reachable and migrated (ethicompass db upgrade), then retry"


@contextlib.contextmanager
def driver_cursor(conn: Connection, what: str, /) -> Iterator[Any]:
    """A cursor on ``conn``'s driver connection (inside its transaction), closed after; driver errors
    surface as SQLAlchemy's (``IntegrityError``, ``DBAPIError``) naming ``what``, as ``conn.execute``'s do."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dbapi.IntegrityError as exc:
        raise sa.exc.IntegrityError(what, None, exc) from exc
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError(what, None, exc) from exc
    finally:
        cursor.close()


class FastQuery:
    """A Core statement whose first row is read through the driver (see the module docstring).

    Parameters
    ----------
    statement : sqlalchemy.Select or sqlalchemy.Insert
        A SELECT, or an INSERT ... RETURNING, on the store's tables, with named
        ``sqlalchemy.bindparam`` markers for the values given at each call.
    name : str
        What the statement does, for error messages (never a value).

    Examples
    --------
    >>> import sqlalchemy as sa
    >>> from ethicompass.store import FastQuery, Store
    >>> from ethicompass.store._consent_tables import consent_participants as t
    >>> known = FastQuery(sa.select(sa.literal(1)).where(t.c.participant == sa.bindparam("pid")), name="known")
    >>> store = Store("sqlite://").open()
    >>> known.one(store, pid="P-1") is None
    True
    >>> store.dispose()
    """

    def __init__(self, statement: sa.Select[Any] | sa.Insert, /, *, name: str) -> None:
        self.statement = statement
        self.name = name
        self._compiled: dict[tuple[str, str], tuple[str, Any, dict[str, Any], frozenset[str]]] = {}

    def _driver_form(self, dialect: Dialect) -> tuple[str, Any, dict[str, Any], frozenset[str]]:
        """(SQL string, (name, default) pairs in order or None for named parameters, default values,
        names a call must give) for ``dialect``."""
        key = (dialect.name, dialect.driver)
        found = self._compiled.get(key)
        if found is None:
            compiled: Any = self.statement.compile(dialect=dialect)
            results = [
                c[3].dialect_impl(dialect).result_processor(dialect, None) for c in compiled._result_columns
            ]
            if compiled._bind_processors or any(p is not None for p in results):
                raise TypeError(f"{self.name}: a column type converts values; run it through SQLAlchemy")
            defaults = compiled.construct_params(_check=False)
            order = [(k, defaults[k]) for k in compiled.positiontup] if compiled.positional else None
            required = frozenset(k for k, b in compiled.binds.items() if b.required)
            found = self._compiled[key] = (compiled.string, order, defaults, required)
        return found

    def driver_sql(self, dialect: Dialect, /, **values: Any) -> tuple[str, Any]:
        """The driver's SQL string for ``dialect`` and its parameters for ``values`` (e.g. to EXPLAIN it).

        Parameters
        ----------
        dialect : sqlalchemy.engine.Dialect
            The dialect of the store's engine (``store.engine.dialect``).
        **values
            The statement's bound parameters, by name.

        Returns
        -------
        tuple
            The SQL string, and its parameters as the driver takes them (a tuple or a dict).
        """
        sql, order, defaults, required = self._driver_form(dialect)
        if not required <= values.keys():
            raise TypeError(f"{self.name}: no value for {sorted(required - values.keys())}")
        if order is not None:
            return sql, tuple([values.get(k, d) for k, d in order])
        return sql, {**defaults, **values}

    def one(self, store: Store, /, **values: Any) -> tuple[Any, ...] | None:
        """The first row, read on a pooled connection outside any explicit transaction, or None.

        Parameters
        ----------
        store : Store
            An open store.
        **values
            The statement's bound parameters, by name.

        Returns
        -------
        tuple or None
            The first row's values, or None when there is none.

        Raises
        ------
        DatabaseError
            Where the database cannot be reached or the read fails.
        """
        if not fast("sql"):
            try:
                with store.connect() as conn:
                    row = conn.execute(self.statement, values).first()
            except SQLAlchemyError as exc:
                raise DatabaseError(
                    f"reading the state database failed ({type(exc).__name__})", hint=_READ_FAILED
                ) from exc
            return tuple(row) if row is not None else None
        engine = store.engine
        sql, params = self.driver_sql(engine.dialect, **values)
        try:
            raw = engine.raw_connection()
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"cannot reach the state database ({type(exc).__name__})", hint=_UNREACHABLE
            ) from exc
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DatabaseError(
                f"reading the state database failed ({type(exc).__name__})", hint=_READ_FAILED
            ) from exc
        finally:
            raw.close()
        return tuple(row) if row is not None else None

    def one_in(self, conn: Connection, /, **values: Any) -> tuple[Any, ...] | None:
        """The first row, run inside ``conn``'s transaction, or None.

        Driver errors surface as SQLAlchemy's (``IntegrityError``, ``DBAPIError``), as they would
        through ``conn.execute``, so callers catch one kind of error on either path.

        Parameters
        ----------
        conn : sqlalchemy.engine.Connection
            A connection inside a transaction (``Store.begin()``).
        **values
            The statement's bound parameters, by name.

        Returns
        -------
        tuple or None
            The first row's values, or None when there is none.
        """
        if not fast("sql"):
            row = conn.execute(self.statement, values).first()
            return tuple(row) if row is not None else None
        sql, params = self.driver_sql(conn.dialect, **values)
        with driver_cursor(conn, self.name) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return tuple(row) if row is not None else None

    def __repr__(self) -> str:
        return f"FastQuery(name={self.name!r})"
