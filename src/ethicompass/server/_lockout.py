"""Sign-in lockout with back-off, kept in the state database so a restart or a second worker does not
forgive it.

Keys are ``code:<lookup>`` (the public first group of a portal access code) and ``addr:<hash>`` (a
truncated SHA-256 of the caller's address, never the address). A key may fail ``free`` times (an
address, which many people may share behind one hospital gateway, ``free_address`` times); each
failure after that locks it for ``base_seconds`` doubled per further failure, at most
``cap_seconds``. A success clears the key; a key that has not failed for ``forget_seconds`` starts
again from zero (and its row is removed), so a gateway's rare typos never add up to a lockout.
Locked keys are refused before any argon2 check runs, so a flood costs one indexed read per try.

Each failure is one upsert that increments the count in the database (``INSERT ... ON CONFLICT DO
UPDATE``), so concurrent failures from several workers are all counted, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ethicompass.errors import TooManyAttemptsError
from ethicompass.store import Store
from ethicompass.store._security_tables import security_lockouts

__all__ = ["Throttle"]

_T = security_lockouts
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: ISO strings then compare in time order


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_FORMAT)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class Throttle:
    """Lockout with back-off for sign-in guesses, per key, persisted in ``store`` (see the module)."""

    def __init__(
        self,
        store: Store,
        /,
        *,
        free: int = 5,
        free_address: int = 20,
        base_seconds: float = 30.0,
        cap_seconds: float = 3600.0,
        forget_seconds: float = 86400.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.free = free
        self.free_address = free_address
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.forget_seconds = forget_seconds
        self.clock = clock

    def check(self, *keys: str) -> None:
        """Raise :class:`TooManyAttemptsError` if any key is locked now."""
        if not keys:
            return
        now = self.clock()
        with self.store.connect() as conn:
            until = conn.execute(sa.select(sa.func.max(_T.c.locked_until)).where(_T.c.key.in_(keys))).scalar()
        wait = (_parse(until) - now).total_seconds() if until else 0.0
        if wait > 0:
            raise TooManyAttemptsError(
                f"too many wrong attempts: try again in {math.ceil(wait)} seconds",
                hint="check the code or token; ask the study team or an admin for a new one",
            )

    def failures(self, key: str, /) -> int:
        """How many failures are counted against ``key`` now (0 for a key not under watch)."""
        with self.store.connect() as conn:
            count = conn.execute(sa.select(_T.c.failures).where(_T.c.key == key)).scalar()
        return int(count or 0)

    def failed(self, *keys: str) -> list[tuple[str, int, float]]:
        """Count a failure against each key; return (key, failures, seconds locked) for keys now locked."""
        now = self.clock()
        stamp = _iso(now)
        stale = _iso(now - timedelta(seconds=self.forget_seconds))
        locked = []
        with self.store.begin() as conn:
            conn.execute(_T.delete().where(_T.c.last_failure_at < stale))  # forgotten keys leave
            for key in keys:
                count = self._count(conn, key, stamp)
                free = self.free_address if key.startswith("addr:") else self.free
                if count >= free:
                    seconds = min(self.cap_seconds, self.base_seconds * 2 ** (count - free))
                    conn.execute(
                        _T.update()
                        .where(_T.c.key == key)
                        .values(locked_until=_iso(now + timedelta(seconds=seconds)))
                    )
                    locked.append((key, count, seconds))
        return locked

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of each key."""
        if not keys:
            return
        with self.store.connect() as conn:  # the common case, nothing to forget, takes no write lock
            watched = conn.execute(sa.select(_T.c.key).where(_T.c.key.in_(keys))).scalars().all()
        if watched:
            with self.store.begin() as conn:
                conn.execute(_T.delete().where(_T.c.key.in_(watched)))

    def _count(self, conn: sa.Connection, key: str, stamp: str) -> int:
        """Add one failure to ``key`` atomically (a row another worker inserts meanwhile is counted)."""
        insert = postgresql.insert(_T) if conn.dialect.name == "postgresql" else sqlite.insert(_T)
        upsert = insert.values(key=key, failures=1, locked_until=None, last_failure_at=stamp)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_T.c.key],
            set_={"failures": _T.c.failures + 1, "last_failure_at": stamp},
        )
        conn.execute(upsert)
        return int(conn.execute(sa.select(_T.c.failures).where(_T.c.key == key)).scalar_one())
