"""``audited()``: open the state store, make a change, append its audit entry in the same transaction, dispose.

The one helper every verb uses to record what it did::

    with audited() as audit:  # $ETHICOMPASS_DATABASE_URL, opened and migrated
        ...                   # the change: database writes on audit.conn, or an output file
        audit.append(action=AuditAction.PRIVACY_SCAN, object_type="dataset", object_id=name)

The entries commit with the block's database writes, or neither does; if an entry cannot be
written the block raises :class:`~ethicompass.errors.AuditError` and an atomic output written
inside it never appears. A store the helper opened is disposed when the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from ethicompass.store import Store
from ethicompass.transparency._log import AuditEntry, AuditLog

__all__ = ["Audited", "audited"]


@dataclass(frozen=True)
class Audited:
    """The open transaction of an :func:`audited` block: its store, its connection, and ``append``."""

    store: Store
    conn: Connection

    def append(self, **fields: Any) -> AuditEntry:
        """Append one entry in this block's transaction: the keywords of :meth:`AuditLog.append_in`."""
        return AuditLog(self.store).append_in(self.conn, **fields)


@contextmanager
def audited(store: Store | None = None, /) -> Iterator[Audited]:
    """A transaction on ``store`` (default: ``Store.from_env()``, opened here and disposed after).

    Yields an :class:`Audited`: write the change on ``.conn`` (or to an atomic output), and record it
    with ``.append(...)``; both commit when the block ends, or neither does.
    """
    owned = store is None
    target = Store.from_env().open() if store is None else store
    try:
        with target.begin() as conn:
            yield Audited(target, conn)
    finally:
        if owned:
            target.dispose()
