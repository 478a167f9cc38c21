"""The state database: one engine from a URL, SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ethicompass.errors import DatabaseError

#: The state database when none is configured: a SQLite file in the working folder.
DEFAULT_URL = "sqlite:///./ethicompass.db"
#: The environment variable that names the state database's URL.
URL_ENV = "ETHICOMPASS_DATABASE_URL"
_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x65746869  # "ethi"
_READ_ONLY = "ethicompass_read_only"


def database_url() -> str:
    """The configured database URL: ``$ETHICOMPASS_DATABASE_URL`` or the SQLite default."""
    return os.environ.get(URL_ENV) or DEFAULT_URL


def _normalise(url: str) -> sa.URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"database URL {url!r} is not a URL",
            hint="use e.g. sqlite:///./ethicompass.db or postgresql://user@host:5432/db",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _safe(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def _create_private(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite opens it (its -wal and -shm files take the same mode):
    the database holds consent history and argon2 hashes, so other local users may not read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class Store:
    """The state database (consent, audit log, lineage, users, training, reviews).

    The constructor only stores the URL; :meth:`open` connects and applies any pending
    migrations (under a lock, so concurrent first uses are safe).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._write_lock = threading.RLock()

    @classmethod
    def from_env(cls) -> Store:
        """A store for ``$ETHICOMPASS_DATABASE_URL`` (default ``sqlite:///./ethicompass.db``)."""
        return cls(database_url())

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return _normalise(self.url).get_backend_name()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine; opens the store on first access."""
        if self._engine is None:
            self.open()
        assert self._engine is not None
        return self._engine

    def open(self, *, migrate: bool = True) -> Store:
        """Connect, check the database answers, and bring its schema up to date."""
        with self._lock:
            if self._engine is not None:
                return self
            url = _normalise(self.url)
            engine = self._create_engine(url)
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
            except (OperationalError, SQLAlchemyError) as exc:
                engine.dispose()
                raise DatabaseError(
                    f"cannot connect to the database at {_safe(url)}",
                    hint=f"check that it is running and reachable, or set {URL_ENV}",
                ) from exc
            self._engine = engine
        if migrate:
            self.upgrade()
        return self

    def _create_engine(self, url: sa.URL) -> Engine:
        kwargs: dict[str, Any] = {"future": True}
        backend = url.get_backend_name()
        if backend == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:"):
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            else:
                _create_private(Path(database).expanduser().resolve())
                kwargs.update(connect_args={"check_same_thread": False, "timeout": 60})
        elif backend == "postgresql":
            kwargs.update(pool_pre_ping=True, connect_args={"connect_timeout": 10})
        try:
            engine = sa.create_engine(url, **kwargs)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise DatabaseError(
                f"no driver for database URL {_safe(url)}",
                hint="use sqlite:/// or postgresql:// (install ethicompass[postgres] for PostgreSQL)",
            ) from exc
        if backend == "sqlite":
            _configure_sqlite(engine, memory=(url.database or ":memory:") == ":memory:")
        return engine

    @contextlib.contextmanager
    def begin(self, *, durable: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success, rolled back on error.

        On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``), so
        read-then-write sequences from several processes never interleave; threads of one
        process queue for it on an in-process lock first (SQLite's own busy wait sleeps up to
        100 ms between tries, which would make every contended write that slow). SQLite commits
        with ``synchronous=NORMAL`` (safe from a crash of the process, not of the machine);
        ``durable=True`` syncs this commit, and every one before it, to disk before returning.
        PostgreSQL commits are durable anyway.
        """
        engine = self.engine
        if engine.dialect.name != "sqlite":
            with engine.begin() as conn:
                yield conn
            return
        with self._write_lock, engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            if durable:
                raw.execute("PRAGMA synchronous=FULL")  # not allowed inside a transaction
            try:
                with conn.begin():
                    yield conn
            finally:
                if durable:
                    with contextlib.suppress(Exception):  # a connection left at FULL is only slower
                        raw.execute("PRAGMA synchronous=NORMAL")

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads: on SQLite its transactions do not take the write lock."""
        with self.engine.connect() as conn:
            conn.info[_READ_ONLY] = True
            try:
                yield conn
            finally:
                conn.info.pop(_READ_ONLY, None)

    def advisory_lock(self, conn: Connection, key: int) -> None:
        """Serialise writers that take ``key`` (a signed 64-bit integer) for the rest of ``conn``'s transaction.

        SQLite's ``BEGIN IMMEDIATE`` already serialises every writer; PostgreSQL takes a
        transaction-level advisory lock, so writers of other keys go on.
        """
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def lock_table(self, conn: Connection, table: str) -> None:
        """Serialise writers of ``table`` for the rest of ``conn``'s transaction.

        SQLite's ``BEGIN IMMEDIATE`` already does; PostgreSQL takes an exclusive table lock
        (readers still read).
        """
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')

    def current_revisions(self) -> set[str]:
        """The migration revisions the database is at."""
        with self.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())

    @staticmethod
    def head_revisions() -> set[str]:
        """The newest revision of every migration branch shipped with this version."""
        return set(ScriptDirectory.from_config(_alembic_config()).get_heads())

    def upgrade(self) -> list[str]:
        """Apply pending migrations; return the revisions now current. Safe to run concurrently."""
        if self.current_revisions() == self.head_revisions():
            return sorted(self.current_revisions())
        with self._migration_lock():
            if self.current_revisions() != self.head_revisions():
                cfg = _alembic_config()
                try:
                    with self.engine.begin() as conn:
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "heads")
                except SQLAlchemyError as exc:
                    raise DatabaseError(
                        f"migrating the database at {_safe(_normalise(self.url))} failed: "
                        f"{type(exc.__cause__ or exc).__name__}",
                        hint="check the database user may create tables, then run `ethicompass db upgrade`",
                    ) from exc
        return sorted(self.current_revisions())

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        url = _normalise(self.url)
        if url.get_backend_name() == "postgresql":
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_MIGRATION_LOCK})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_MIGRATION_LOCK})")
                    conn.commit()
            return
        database = url.database or ""
        if database in ("", ":memory:"):
            yield
            return
        lock_path = Path(database).expanduser().resolve().with_suffix(".migrate.lock")
        # 0600 from the first byte, like the database beside it (never chmod after)
        fd = os.open(lock_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Store:
        """``with Store(url).open() as store:``: the engine is disposed when the block ends."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Store({_safe(_normalise(self.url))!r})"


def _configure_sqlite(engine: Engine, *, memory: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # writers serialise at BEGIN; readers (Store.connect) share the WAL snapshot
        conn.exec_driver_sql("BEGIN" if conn.info.get(_READ_ONLY) else "BEGIN IMMEDIATE")
