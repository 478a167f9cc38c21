"""The append-only audit log: each entry is canonical JSON and a leaf of an RFC 9162 Merkle tree.

Leaf hash = SHA-256(0x00 || canonical JSON of the entry). Entries never hold identifier
values or PHI: name objects by type and opaque id, data by content hash.

Writers serialise on the table (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK TABLE``), so
appends from many processes form one gap-free sequence: one tree.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ethicompass._time import now_iso
from ethicompass.errors import AuditError
from ethicompass.store import Store, audit_entries
from ethicompass.store._audit_sql import insert_audit_rows, next_audit_seq
from ethicompass.transparency._actions import AuditAction, AuditEvent

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ethicompass.transparency._checkpoint import Checkpoint
    from ethicompass.transparency._verify import VerifyResult

ACTOR_ENV = "ETHICOMPASS_ACTOR"
_RETRIES = 20
_TEXT_COLUMNS = ("time", "actor", "role", "action", "object_type", "object_id", "hashes", "params")


#: Database URLs this process appended audit entries to (the CLI checkpoints them before it exits).
_APPENDED: set[str] = set()


def appended_urls() -> list[str]:
    """The database URLs this process has appended audit entries to, sorted."""
    return sorted(_APPENDED)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(entry_bytes: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry_bytes).digest()


def default_actor() -> str:
    """The acting user: ``$ETHICOMPASS_ACTOR``, else the operating-system user."""
    actor = os.environ.get(ACTOR_ENV)
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class AuditEntry:
    """One audit-log entry as stored: ``seq`` is its 0-based leaf index."""

    seq: int
    time: str
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data (exactly what is hashed)."""
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "role": self.role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "hashes": dict(self.hashes),
            "params": dict(self.params),
        }

    def canonical(self) -> bytes:
        """The canonical JSON bytes of the entry."""
        return canonical_json(self.to_dict())

    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of the entry."""
        return leaf_hash(self.canonical())


def entries_frame(entries: Sequence[AuditEntry]) -> pl.DataFrame:
    """Entries as a Polars frame (hashes and params as JSON text)."""
    return pl.DataFrame(
        {
            "seq": [e.seq for e in entries],
            "time": [e.time for e in entries],
            "actor": [e.actor for e in entries],
            "role": [e.role for e in entries],
            "action": [e.action for e in entries],
            "object_type": [e.object_type for e in entries],
            "object_id": [e.object_id for e in entries],
            "hashes": [canonical_json(dict(e.hashes)).decode() for e in entries],
            "params": [canonical_json(dict(e.params)).decode() for e in entries],
        },
        schema={"seq": pl.Int64} | {k: pl.String for k in _TEXT_COLUMNS},
    )


class AuditLog:
    """The tamper-evident audit log over the state database.

    ``append`` is not best-effort: if the entry cannot be written it raises
    :class:`AuditError`, and the operation it records must fail with it.

    Parameters
    ----------
    store : Store
        An open state store (the log is its ``audit_entries`` table).

    Examples
    --------
    >>> from ethicompass.store import Store
    >>> from ethicompass.transparency import verify_log
    >>> store = Store("sqlite://").open()
    >>> entry = AuditLog(store).append(action="privacy.scan", object_type="dataset", object_id="patients.csv")
    >>> entry.action, entry.object_id
    ('privacy.scan', 'patients.csv')
    >>> verify_log(store).ok
    True
    >>> store.dispose()
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ writing
    def append(
        self,
        *,
        action: AuditAction | str,
        object_type: str,
        object_id: str,
        actor: str | None = None,
        role: str = "user",
        hashes: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry and return it (with its leaf index ``seq``).

        ``action`` must be in the vocabulary (:class:`AuditAction`): another is an :class:`AuditError`.
        """
        event = AuditEvent(
            AuditAction.of(action), object_type, object_id, actor, role, hashes or {}, params or {}
        )
        return self.append_many([event])[0]

    def append_many(self, items: Iterable[AuditEvent | Mapping[str, Any]]) -> list[AuditEntry]:
        """Append several entries in one transaction (all or none); much faster than one by one.

        Each item is an :class:`AuditEvent`, or a mapping of the keyword arguments of :meth:`append`.
        """
        batch = [AuditEvent.from_mapping(item) for item in items]
        if not batch:
            return []
        for attempt in range(_RETRIES):
            try:
                with self.store.begin() as conn:
                    return self._insert(conn, batch)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise AuditError(
                        "could not append to the audit log: concurrent writers kept colliding",
                        hint="retry the operation",
                    ) from None
            except SQLAlchemyError as exc:
                raise AuditError(
                    f"could not append to the audit log ({type(exc).__name__}); the operation was not done",
                    hint="check the database is writable (ethicompass db upgrade) and retry",
                ) from exc
        raise AssertionError("unreachable")

    def append_in(
        self,
        conn: Connection,
        *,
        action: AuditAction | str,
        object_type: str,
        object_id: str,
        actor: str | None = None,
        role: str = "user",
        hashes: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry inside the caller's transaction (``with store.begin() as conn``).

        The entry commits or rolls back with the caller's own writes, so a record and its
        audit entry are kept together or not at all. ``action`` must be in the vocabulary.
        """
        event = AuditEvent(
            AuditAction.of(action), object_type, object_id, actor, role, hashes or {}, params or {}
        )
        try:
            return self._insert(conn, [event])[0]
        except SQLAlchemyError as exc:
            raise AuditError(
                f"could not append to the audit log ({type(exc).__name__}); the operation was not done",
                hint="check the database is writable (ethicompass db upgrade) and retry",
            ) from exc

    def _insert(self, conn: Connection, batch: list[AuditEvent]) -> list[AuditEntry]:
        # The hot path speaks to the driver directly (store._audit_sql): SQLAlchemy's per-statement
        # overhead would otherwise cap single appends well below the 5,000/s target.
        self.store.lock_table(conn, "audit_entries")
        seq = next_audit_seq(conn)
        now = now_iso()
        entries: list[AuditEntry] = []
        rows: list[tuple[Any, ...]] = []
        fallback_actor: str | None = None
        for event in batch:
            actor = event.actor
            if not actor:
                fallback_actor = fallback_actor or default_actor()
                actor = fallback_actor
            entry = AuditEntry(
                seq=seq,
                time=now,
                actor=actor,
                role=event.role,
                action=event.action.value,  # the plain string: what is hashed and stored
                object_type=event.object_type,
                object_id=event.object_id,
                hashes=dict(event.hashes),
                params=dict(event.params),
            )
            try:
                body = entry.canonical()
            except (TypeError, ValueError) as exc:
                raise AuditError(
                    f"audit entry for {entry.action!r} is not JSON-serialisable ({exc})",
                    hint="pass only strings, numbers, booleans, lists and mappings in hashes and params",
                ) from exc
            rows.append(
                (
                    seq,
                    now,
                    entry.actor,
                    entry.role,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    body.decode("utf-8"),
                    hashlib.sha256(b"\x00" + body).digest(),
                )
            )
            entries.append(entry)
            seq += 1
        insert_audit_rows(conn, rows)
        _APPENDED.add(self.store.url)
        return entries

    # ------------------------------------------------------------------ reading
    def entries(
        self,
        *,
        since_seq: int = 0,
        since: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries in order, optionally from ``since_seq``, at or after time ``since`` (ISO),
        by ``actor``, or with ``action`` (exact, or a prefix ending in ``*`` such as ``consent.*``)."""
        query = sa.select(audit_entries.c.entry_json).where(audit_entries.c.seq >= since_seq)
        if since is not None:
            query = query.where(audit_entries.c.recorded_at >= since)
        if actor is not None:
            query = query.where(audit_entries.c.actor == actor)
        if action is not None:
            if action.endswith("*"):
                query = query.where(audit_entries.c.action.startswith(action[:-1], autoescape=True))
            else:
                query = query.where(audit_entries.c.action == action)
        query = query.order_by(audit_entries.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.store.connect() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(**json.loads(r.entry_json)) for r in rows]

    def get(self, seq: int) -> AuditEntry:
        """The entry at leaf index ``seq``."""
        from ethicompass.errors import NotFoundError

        with self.store.connect() as conn:
            row = conn.execute(
                sa.select(audit_entries.c.entry_json).where(audit_entries.c.seq == seq)
            ).first()
        if row is None:
            raise NotFoundError(
                f"audit entry {seq} does not exist (the log has {self.size()} entries)",
                hint="entries are numbered from 0; list them with `ethicompass audit log`",
            )
        return AuditEntry(**json.loads(row.entry_json))

    def size(self) -> int:
        """Number of entries (the Merkle tree size)."""
        with self.store.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar() or 0)

    def leaf_hashes(self, *, tree_size: int | None = None) -> list[bytes]:
        """The stored leaf hashes in order (the first ``tree_size`` of them)."""
        query = sa.select(audit_entries.c.leaf_hash).order_by(audit_entries.c.seq)
        if tree_size is not None:
            query = query.where(audit_entries.c.seq < tree_size)
        with self.store.connect() as conn:
            return [bytes(h) for h in conn.execute(query).scalars()]

    # ------------------------------------------------------------------ integrity
    def verify(self, *, trusted_keys: Sequence[bytes] = ()) -> VerifyResult:
        """Verify every entry and every stored checkpoint (see :func:`verify_log`)."""
        from ethicompass import transparency  # the package's public name: _verify builds on this module

        return transparency.verify_log(self.store, trusted_keys=trusted_keys)

    def checkpoint(self, key: Ed25519PrivateKey) -> Checkpoint:
        """Verify the log, then sign and store a checkpoint of it (see :func:`write_checkpoint`)."""
        from ethicompass import transparency

        return transparency.write_checkpoint(self.store, key)

    def prove(self, seq: int, *, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
        """An inclusion proof of entry ``seq`` (see :func:`prove_inclusion`)."""
        from ethicompass import transparency

        return transparency.prove_inclusion(self.store, seq, checkpoint=checkpoint)
