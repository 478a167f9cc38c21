"""The append-only audit log: each entry is canonical JSON and a leaf of an RFC 9162 Merkle tree.

Leaf hash = SHA-256(0x00 || canonical JSON of the entry). Entries never hold identifier
values or PHI: name objects by type and opaque id, data by content hash.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ethicompass.errors import AuditError
from ethicompass.store import Store, audit_entries

ACTOR_ENV = "ETHICOMPASS_ACTOR"


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
        data = asdict(self)
        data["hashes"] = dict(self.hashes)
        data["params"] = dict(self.params)
        return data

    def canonical(self) -> bytes:
        """The canonical JSON bytes of the entry."""
        return canonical_json(self.to_dict())

    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of the entry."""
        return leaf_hash(self.canonical())


class AuditLog:
    """The tamper-evident audit log over the state database.

    ``append`` is not best-effort: if the entry cannot be written it raises
    :class:`AuditError`, and the operation it records must fail with it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def append(
        self,
        *,
        action: str,
        object_type: str,
        object_id: str,
        actor: str | None = None,
        role: str = "user",
        hashes: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry and return it (with its leaf index ``seq``)."""
        now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        for attempt in range(20):
            try:
                with self.store.begin() as conn:
                    self.store.lock_table(conn, "audit_entries")
                    last = conn.execute(sa.select(sa.func.max(audit_entries.c.seq))).scalar()
                    entry = AuditEntry(
                        seq=0 if last is None else int(last) + 1,
                        time=now,
                        actor=actor or default_actor(),
                        role=role,
                        action=action,
                        object_type=object_type,
                        object_id=str(object_id),
                        hashes=dict(hashes or {}),
                        params=dict(params or {}),
                    )
                    body = entry.canonical()
                    conn.execute(
                        audit_entries.insert().values(
                            seq=entry.seq,
                            recorded_at=entry.time,
                            actor=entry.actor,
                            role=entry.role,
                            action=entry.action,
                            object_type=entry.object_type,
                            object_id=entry.object_id,
                            entry_json=body.decode("utf-8"),
                            leaf_hash=leaf_hash(body),
                        )
                    )
                return entry
            except IntegrityError:
                if attempt == 19:
                    raise AuditError(
                        "could not append to the audit log: concurrent writers kept colliding",
                        hint="retry the operation",
                    ) from None
            except (SQLAlchemyError, TypeError, ValueError) as exc:
                raise AuditError(
                    f"could not append to the audit log ({type(exc).__name__}); the operation was not done",
                    hint="check the database is writable (ethicompass db upgrade) and retry",
                ) from exc
        raise AssertionError("unreachable")

    def entries(self, *, since_seq: int = 0) -> list[AuditEntry]:
        """All entries from ``since_seq`` on, in order."""
        with self.store.connect() as conn:
            rows = conn.execute(
                sa.select(audit_entries.c.entry_json)
                .where(audit_entries.c.seq >= since_seq)
                .order_by(audit_entries.c.seq)
            ).all()
        return [AuditEntry(**json.loads(r.entry_json)) for r in rows]

    def size(self) -> int:
        """Number of entries (the Merkle tree size)."""
        with self.store.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar() or 0)
