"""Binding stored records to the audit log by their content, and reconciling the two.

A state change that writes rows of a *bound table* (consent records, training certificates,
review sign-offs) puts, in the audit entry written in the same transaction, the RFC 9162 Merkle
root of the rows' canonical content hashes and the row ids it covers::

    hashes["rows:consent_records"] = "sha256:<root>"
    params["rows:consent_records"] = [[first_id, last_id], ...]    # id ranges, ascending

A single row is a tree of one leaf. :func:`reconcile` recomputes every bound row's hash and
checks each entry's root, so a row edited, deleted or inserted behind the log's back is found
and named, while the log itself is protected by its own Merkle tree and checkpoints.

A row's id is its ``id`` column, or its one primary-key column (``training_certificate_ids`` is keyed
by ``certificate_id``). A row that may legitimately change (a certificate's revocation) is re-bound by
the entry that audits the change, which also records the row's digest before it
(:func:`prior_digests`, ``params["prior:<table>"] = [[id, hex digest], ...]``): an earlier entry is
then checked against that prior content, the latest against the row as stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.engine import Connection

from ethicompass.store import Store, audit_entries
from ethicompass.store._consent_tables import consent_records
from ethicompass.store._review_tables import review_signoffs
from ethicompass.store._training_tables import training_certificate_ids, training_certificates
from ethicompass.transparency._log import canonical_json
from ethicompass.transparency._merkle import root_hash

__all__ = ["BOUND_TABLES", "RecordFinding", "bind_ids", "binding", "prior_digests", "reconcile", "row_digest"]

#: The tables whose every row must be covered by an audit entry that holds its content hash.
BOUND_TABLES: tuple[Table, ...] = (
    consent_records,
    training_certificates,
    review_signoffs,
    training_certificate_ids,
)
_BY_NAME = {t.name: t for t in BOUND_TABLES}


def key_column(table: Table, /) -> sa.Column[Any]:
    """The column that names a bound row: ``id``, or the table's one primary-key column."""
    if "id" in table.c:
        return table.c.id
    (column,) = table.primary_key.columns
    return column


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def row_digest(table: Table, row: Any, /) -> bytes:
    """SHA-256 of a row's canonical content: every column of ``table``, by name, as stored."""
    values = {c.name: _plain(row.get(c.name)) for c in table.columns}
    return hashlib.sha256(canonical_json({"row": values, "table": table.name})).digest()


def _ranges(ids: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _expand(ranges: Any) -> list[int]:
    ids: list[int] = []
    for pair in ranges or []:
        first, last = int(pair[0]), int(pair[1])
        ids.extend(range(first, last + 1))
    return ids


def binding(table: Table, rows: Sequence[Any], /) -> tuple[dict[str, str], dict[str, Any]]:
    """The ``hashes`` and ``params`` fragments that bind ``rows`` (each with its ``id``) to an entry."""
    name = key_column(table).name
    ordered = sorted(rows, key=lambda r: int(r[name]))
    root = root_hash([row_digest(table, r) for r in ordered])
    key = f"rows:{table.name}"
    return {key: "sha256:" + root.hex()}, {key: _ranges(int(r[name]) for r in ordered)}


def bind_ids(conn: Connection, table: Table, ids: Iterable[int], /) -> tuple[dict[str, str], dict[str, Any]]:
    """:func:`binding` for rows already written in ``conn``'s transaction, read back by id."""
    return binding(table, _read(conn, table, ids))


def prior_digests(conn: Connection, table: Table, ids: Iterable[int], /) -> dict[str, Any]:
    """The ``params`` fragment recording rows' digests before a change that re-binds them: read it in
    the change's transaction before the update, and put it in the same entry as the new binding."""
    name = key_column(table).name
    digests = sorted((int(r[name]), row_digest(table, r).hex()) for r in _read(conn, table, ids))
    return {f"prior:{table.name}": [[i, d] for i, d in digests]}


def _read(conn: Connection, table: Table, ids: Iterable[int]) -> list[Any]:
    wanted, key = sorted(set(ids)), key_column(table)
    rows: list[Any] = []
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        rows.extend(r._mapping for r in conn.execute(sa.select(table).where(key.in_(chunk))))
    return rows


@dataclass(frozen=True)
class RecordFinding:
    """A stored record that the audit log does not account for.

    ``problem`` is ``changed`` (its content differs from what the log holds), ``deleted`` (the log
    covers an id that is gone) or ``inserted`` (no entry covers it). ``record_ids`` names the
    rows; ``seq`` is the audit entry that covers them (None for an insertion).
    """

    table: str
    problem: str
    record_ids: tuple[int, ...]
    seq: int | None

    def describe(self) -> str:
        """One line for people: which table, which records, what happened."""
        ids = ", ".join(str(i) for i in self.record_ids[:10])
        more = f" and {len(self.record_ids) - 10} more" if len(self.record_ids) > 10 else ""
        where = f" (audit entry {self.seq})" if self.seq is not None else ""
        what = {
            "changed": "changed behind the log's back",
            "deleted": "deleted behind the log's back",
            "inserted": "inserted behind the log's back: no audit entry holds its hash",
        }[self.problem]
        noun = "record" if len(self.record_ids) == 1 else "one or more of records"
        return f"{self.table} {noun} {ids}{more}{where}: {what}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "table": self.table,
            "problem": self.problem,
            "record_ids": list(self.record_ids),
            "seq": self.seq,
            "message": self.describe(),
        }


def reconcile(store: Store, /, *, conn: Connection | None = None) -> list[RecordFinding]:
    """Check every row of every bound table against the audit entries that bind it.

    Returns the findings (empty when every row is accounted for). Runs in one read snapshot.
    """
    if conn is None:
        with store.connect() as own:
            return reconcile(store, conn=own)
    claims: dict[str, list[tuple[int, bytes, list[int]]]] = {t.name: [] for t in BOUND_TABLES}
    #: table -> id -> [(seq of the re-binding entry, the row's digest before it)], in log order
    priors: dict[str, dict[int, list[tuple[int, bytes]]]] = {t.name: {} for t in BOUND_TABLES}
    query = sa.select(audit_entries.c.seq, audit_entries.c.entry_json).where(
        audit_entries.c.entry_json.like('%"rows:%')
    )
    for seq, text in conn.execute(query.order_by(audit_entries.c.seq)):
        entry = json.loads(text)
        params = entry.get("params") or {}
        for key, value in (entry.get("hashes") or {}).items():
            if not key.startswith("rows:") or key[5:] not in _BY_NAME:
                continue
            root = bytes.fromhex(str(value).removeprefix("sha256:"))
            claims[key[5:]].append((int(seq), root, _expand(params.get(key))))
            for i, digest in params.get(f"prior:{key[5:]}") or []:
                priors[key[5:]].setdefault(int(i), []).append((int(seq), bytes.fromhex(str(digest))))
    findings: list[RecordFinding] = []
    for table in BOUND_TABLES:
        key = key_column(table)
        digests = {
            int(r[key.name]): row_digest(table, r)
            for r in (row._mapping for row in conn.execute(sa.select(table).order_by(key)))
        }
        covered: set[int] = set()
        for seq, root, ids in claims[table.name]:
            missing = tuple(i for i in ids if i not in digests)
            if missing:
                findings.append(RecordFinding(table.name, "deleted", missing, seq))
            present = [i for i in ids if i in digests]
            covered.update(present)
            if missing:
                continue
            as_then = [_as_of(priors[table.name].get(i), seq, digests[i]) for i in sorted(ids)]
            if root_hash(as_then) != root:
                findings.append(RecordFinding(table.name, "changed", tuple(sorted(ids)), seq))
        stray = tuple(sorted(set(digests) - covered))
        if stray:
            findings.append(RecordFinding(table.name, "inserted", stray, None))
    return findings


def _as_of(changes: list[tuple[int, bytes]] | None, seq: int, current: bytes) -> bytes:
    """A row's digest as the entry ``seq`` bound it: the prior digest recorded by the first later
    entry that re-bound the row, else the row as stored now."""
    for later, before in changes or ():
        if later > seq:
            return before
    return current
