"""Verifying the whole log, and writing checkpoints.

``verify_log`` streams every stored entry once (rows fetched from the driver in bulk) and
checks, in order:

1. the entries are numbered 0, 1, 2, ... with no gap (a deleted or inserted row shows);
2. each entry's canonical JSON hashes to its stored leaf hash, and the stored columns
   (action, actor, object, role, seq, time) agree with the hashed JSON;
3. the RFC 9162 root of every prefix that a checkpoint covers equals the checkpoint's root,
   the checkpoint's Ed25519 signature verifies, and (when keys are pinned) its signer is trusted;
4. every row of a bound table (consent records, training certificates, review sign-offs) is
   covered by an audit entry holding its content hash (``transparency._bindings.reconcile``):
   a record changed, deleted or inserted behind the log's back is named.

Step 3 is the one that matters against a deliberate rewrite: whoever can write the database
can recompute hashes, but cannot make the tree match a checkpoint someone else kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import polars as pl
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from ethicompass._time import now_iso
from ethicompass.store import Store, audit_checkpoints, audit_entries
from ethicompass.store._audit_sql import stream_audit_rows
from ethicompass.transparency._bindings import RecordFinding, reconcile
from ethicompass.transparency._checkpoint import Checkpoint, key_id, sign_checkpoint
from ethicompass.transparency._log import AuditLog
from ethicompass.transparency._merkle import TreeBuilder

_BATCH = 1 << 16  # rows per fetch; a power of two so full blocks are subtrees
_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]
_sha = hashlib.sha256  # OpenSSL: the fastest here for entries of a few hundred bytes
_first, _text, _last = itemgetter(0), itemgetter(-2), itemgetter(-1)


@dataclass(frozen=True)
class CheckpointCheck:
    """The verdict on one checkpoint: ``source`` is ``stored #id`` or the file it came from."""

    source: str
    tree_size: int
    root_hash: str
    key_id: str
    ok: bool
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "key_id": self.key_id,
            "ok": self.ok,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on the log: ``ok`` only when every entry and every checkpoint verifies."""

    ok: bool
    tree_size: int
    root_hash: str
    first_bad_seq: int | None
    problem: str | None
    checkpoints: tuple[CheckpointCheck, ...] = ()
    signer_pinned: bool = False
    seconds: float = 0.0
    guarantees: tuple[str, ...] = field(default_factory=tuple)
    records: tuple[RecordFinding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "records": [r.to_dict() for r in self.records],
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "checkpoints": [c.to_dict() for c in self.checkpoints],
            "signer_pinned": self.signer_pinned,
            "seconds": round(self.seconds, 3),
            "guarantees": list(self.guarantees),
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per checkpoint checked."""
        return pl.DataFrame(
            [c.to_dict() for c in self.checkpoints],
            schema={
                "source": pl.String,
                "tree_size": pl.Int64,
                "root_hash": pl.String,
                "key_id": pl.String,
                "ok": pl.Boolean,
                "problem": pl.String,
            },
        )


def stored_checkpoints(conn: Connection) -> list[tuple[int, Checkpoint]]:
    """Every checkpoint kept in the database, with its row id, oldest first."""
    rows = conn.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id)).all()
    return [
        (
            row.id,
            Checkpoint(
                tree_size=int(row.tree_size),
                root_hash=bytes(row.root_hash),
                time=row.signed_at,
                key_id=row.key_id,
                public_key=bytes(row.public_key or b""),
                signature=bytes(row.signature),
                origin=row.origin or "",
            ),
        )
        for row in rows
    ]


def _utf8(text: Any) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def _columns_ok(row: Sequence[Any]) -> bool:
    """Do the stored columns (action, actor, object, role, seq, time) agree with the hashed JSON?"""
    seq, at, actor, role, action, otype, oid, text = row[:8]
    if not isinstance(text, str):
        return False
    return (
        text.startswith(f'{{"action":{_enc(action)},"actor":{_enc(actor)},"hashes":')
        and text.endswith(f',"role":{_enc(role)},"seq":{seq},"time":{_enc(at)}}}')
        and f',"object_id":{_enc(oid)},"object_type":{_enc(otype)},"params":' in text
    )


def _first_problem(rows: Sequence[Sequence[Any]], base: int, columns: bool) -> tuple[int, int, str]:
    """Row by row, the first problem in a batch: (entries good before it, its seq, what is wrong).

    The slow path, taken only when a batch fails the vectorised checks of ``_batch_leaves``;
    the checks and their order are the same, so it names the same first bad entry.
    """
    expected = base
    for row in rows:
        seq, text, stored = row[0], row[-2], row[-1]
        if seq != expected:
            return (
                expected,
                expected,
                (
                    f"entry {expected} is missing: the next stored entry is numbered {seq} "
                    "(an entry was deleted, or one was inserted out of order)"
                ),
            )
        if _sha(b"\x00" + _utf8(text)).digest() != stored:
            return expected, seq, f"entry {seq}: its content does not match its leaf hash"
        if columns:
            if not _columns_ok(row):
                return (
                    expected,
                    seq,
                    (
                        f"entry {seq}: its stored columns (action, actor, object, role or time) "
                        "differ from the hashed entry"
                    ),
                )
        elif f',"seq":{seq},"time":'.encode() not in _utf8(text):
            return expected, seq, f"entry {seq}: the hashed entry carries another number"
        expected += 1
    raise AssertionError(f"the batch from entry {base} failed a check that no single entry fails")


def _batch_leaves(rows: Sequence[Sequence[Any]], base: int, columns: bool) -> list[bytes] | None:
    """The leaf hashes of a batch that passes every check, else None (then ``_first_problem``).

    Per entry, only the SHA-256 call and the checks themselves run: numbering
    (the seq column is ``base, base + 1, ...``), the leaf hash of every entry, and either the
    number inside the hashed entry (hashes only) or the column comparison.
    """
    n = len(rows)
    if list(map(_first, rows)) != list(range(base, base + n)):
        return None
    texts = list(map(_text, rows))
    stored = list(map(_last, rows))
    try:
        data = list(map(str.encode, texts)) if columns else texts
        leaves = [_sha(b"\x00" + d).digest() for d in data]
    except TypeError:  # a value of an unexpected type: let the slow path name it
        return None
    if leaves != stored:
        return None
    if columns:
        for seq, at, actor, role, action, otype, oid, text, _ in rows:  # as _columns_ok, inlined
            if not (
                text.startswith(f'{{"action":{_enc(action)},"actor":{_enc(actor)},"hashes":')
                and text.endswith(f',"role":{_enc(role)},"seq":{seq},"time":{_enc(at)}}}')
                and f',"object_id":{_enc(oid)},"object_type":{_enc(otype)},"params":' in text
            ):
                return None
    else:
        # ``rfind`` finds the number near the end of the entry at once (``in`` scans from the start)
        needles = map(b',"seq":%d,"time":'.__mod__, range(base, base + n))
        if -1 in list(map(bytes.rfind, data, needles)):
            return None
    return leaves


def _scan(
    conn: Connection, wanted: set[int], limit: int | None, columns: bool = True
) -> tuple[int, TreeBuilder, dict[int, bytes], int | None, str | None]:
    """One pass over the entries: returns (count, tree, roots at wanted sizes, first bad seq, problem).

    Rows arrive in batches of 2**16. A batch that passes the vectorised checks joins the tree
    as aligned full subtrees (split where a checkpoint needs the root of a prefix); a batch
    that fails is rechecked row by row to name its first bad entry.
    """
    tree = TreeBuilder()
    roots: dict[int, bytes] = {}
    if 0 in wanted:
        roots[0] = tree.root()
    expected = 0
    for rows in stream_audit_rows(conn, below=limit, columns=columns, batch=_BATCH):
        leaves = _batch_leaves(rows, expected, columns)
        if leaves is None:
            good, bad_seq, problem = _first_problem(rows, expected, columns)
            return good, tree, roots, bad_seq, problem
        start = expected
        expected += len(leaves)
        cuts = sorted(w - start for w in wanted if start < w <= expected)
        i = 0
        for cut in cuts:
            tree.extend_aligned(leaves[i:cut])
            roots[tree.size] = tree.root()
            i = cut
        tree.extend_aligned(leaves[i:])
    return expected, tree, roots, None, None


def verify_log(
    store: Store,
    *,
    checkpoints: Sequence[tuple[str, Checkpoint]] = (),
    trusted_keys: Sequence[bytes] = (),
    include_stored: bool = True,
    tree_size: int | None = None,
    check_columns: bool = True,
    check_tail: bool = True,
) -> VerifyResult:
    """Verify every entry and every checkpoint (stored ones, plus ``checkpoints`` from witnesses).

    ``trusted_keys`` pins the signers: a checkpoint signed by any other key fails. Without
    pinned keys, each signature is checked against the key it carries. ``check_columns=False``
    skips step 2's comparison of the query columns (except ``seq``) with the hashed JSON (about
    twice as fast; the hashed entries, the tree and the checkpoints are still checked in full).
    ``check_tail=False`` leaves out the cadence rule for entries no checkpoint covers (signing a
    checkpoint must be possible however old the tail is).
    """
    started = time.perf_counter()
    from ethicompass.transparency._witness import read_witness, witness_path

    witnessed = read_witness(witness_path(store)) if include_stored else []
    with store.connect() as conn:
        conn.execute(sa.select(sa.func.count()).select_from(audit_entries))  # opens the read snapshot
        stored = [(f"stored #{i}", c) for i, c in stored_checkpoints(conn)] if include_stored else []
        all_checks = stored + list(checkpoints) + witnessed
        wanted = {c.tree_size for _, c in all_checks}
        count, tree, roots, bad_seq, problem = _scan(conn, wanted, tree_size, check_columns)
        findings = tuple(reconcile(store, conn=conn)) if tree_size is None else ()
        tail = _uncovered_tail(conn, all_checks) if check_tail and tree_size is None and all_checks else None
    trusted = {key_id(k) for k in trusted_keys}
    checks: list[CheckpointCheck] = []
    for source, cp in sorted(all_checks, key=lambda sc: sc[1].tree_size):
        why: str | None = None
        if not cp.signature_valid():
            why = "its signature does not verify (the checkpoint was altered)"
        elif trusted and cp.key_id not in trusted:
            why = f"it is signed by key {cp.key_id[:16]}…, which is not a trusted key"
        elif cp.tree_size > count and bad_seq is None:
            why = f"it covers {cp.tree_size} entries but the log holds {count} (entries {count} on were removed)"
        elif cp.tree_size in roots and roots[cp.tree_size] != cp.root_hash:
            why = f"the first {cp.tree_size} entries no longer hash to its root (an entry below {cp.tree_size} was changed)"
        elif cp.tree_size not in roots:
            why = f"entries below {cp.tree_size} could not be checked (see the first problem)"
        checks.append(CheckpointCheck(source, cp.tree_size, cp.root_hash.hex(), cp.key_id, why is None, why))
    failed = [c for c in checks if not c.ok]
    if problem is None and failed:
        earlier = [c.tree_size for c in checks if c.ok and c.tree_size < failed[0].tree_size]
        low = max(earlier, default=0)
        bad_seq = low
        problem = (
            f"checkpoint {failed[0].source} (size {failed[0].tree_size}) fails: {failed[0].problem}; "
            f"the first changed entry is between {low} and {min(failed[0].tree_size, count) - 1}"
        )
    kept = {(c.tree_size, c.root_hash) for _, c in stored}
    gone = [(src, c) for src, c in witnessed if (c.tree_size, c.root_hash) not in kept]
    if problem is None and gone:
        src, cp = gone[0]
        problem = (
            f"the checkpoint of {cp.tree_size} entries witnessed in {src} is missing from the database: "
            "stored checkpoints were deleted or replaced"
        )
    if problem is None and tail is not None:
        problem = tail
    if problem is None and findings:
        problem = findings[0].describe() + (
            f" (and {len(findings) - 1} more finding(s))" if len(findings) > 1 else ""
        )
    ok = problem is None
    return VerifyResult(
        ok=ok,
        tree_size=count,
        root_hash=tree.root().hex() if ok else "",
        first_bad_seq=bad_seq,
        problem=problem,
        checkpoints=tuple(checks),
        signer_pinned=bool(trusted),
        seconds=time.perf_counter() - started,
        guarantees=_guarantees(checks, count, check_columns) if ok else (),
        records=findings,
    )


def _uncovered_tail(conn: Connection, checks: Sequence[tuple[str, Checkpoint]]) -> str | None:
    """A problem when entries no checkpoint covers are older than the cadence (else None).

    The entry that records a checkpoint cannot be covered by it, so ``audit.checkpoint`` entries
    do not count.
    """
    from ethicompass.transparency._witness import age_seconds, cadence_seconds

    covered = max(c.tree_size for _, c in checks)
    oldest = conn.execute(
        sa.select(sa.func.min(audit_entries.c.seq), sa.func.min(audit_entries.c.recorded_at)).where(
            audit_entries.c.seq >= covered, audit_entries.c.action != "audit.checkpoint"
        )
    ).one()
    if oldest[0] is None:
        return None
    cadence = cadence_seconds()
    age = age_seconds(oldest[1])
    if age <= cadence:
        return None
    return (
        f"entries from {covered} on are covered by no checkpoint, and the oldest of them is {age:.0f} s old "
        f"(the cadence is {cadence:.0f} s): the log's tail is unprotected or checkpoints were removed"
    )


def _guarantees(checks: Sequence[CheckpointCheck], count: int, columns: bool) -> tuple[str, ...]:
    said = [f"the {count} entries are numbered without gaps and each matches its leaf hash"]
    if columns:
        said.append("the stored columns agree with the hashed entries")
    said.append(
        "every consent record, training certificate and review sign-off matches the content hash its "
        "audit entry holds"
    )
    if checks:
        covered = max(c.tree_size for c in checks)
        said.append(
            f"the first {covered} entries are exactly those covered by {len(checks)} signed checkpoint(s): "
            "none changed, removed, inserted or reordered since"
        )
    if count > max((c.tree_size for c in checks), default=0):
        said.append(
            "entries after the newest checkpoint are protected only once a later checkpoint covers them"
        )
    return tuple(said)


def write_checkpoint(store: Store, key: Ed25519PrivateKey, *, log_it: bool = True) -> Checkpoint:
    """Verify the log, then sign and store a checkpoint of it (and log that it was written).

    Refuses (``VerdictFailed``) to sign a log that does not verify, so a checkpoint never
    blesses a rewrite.
    """
    from ethicompass.errors import VerdictFailed

    result = verify_log(store, check_tail=False)
    if not result.ok:
        raise VerdictFailed(
            f"the audit log does not verify, so no checkpoint was signed: {result.problem}",
            hint="investigate with `ethicompass audit verify`",
        )
    checkpoint = sign_checkpoint(
        key, tree_size=result.tree_size, root_hash=bytes.fromhex(result.root_hash), time=now_iso()
    )
    with store.begin() as conn:
        conn.execute(
            audit_checkpoints.insert().values(
                tree_size=checkpoint.tree_size,
                root_hash=checkpoint.root_hash,
                signed_at=checkpoint.time,
                key_id=checkpoint.key_id,
                signature=checkpoint.signature,
                public_key=checkpoint.public_key,
                origin=checkpoint.origin,
            )
        )
        if log_it:
            AuditLog(store).append_in(
                conn,
                action="audit.checkpoint",
                object_type="audit_log",
                object_id=f"tree-size-{checkpoint.tree_size}",
                role="system",
                hashes={"root": f"sha256:{checkpoint.root_hash.hex()}"},
                params={"key_id": checkpoint.key_id, "tree_size": checkpoint.tree_size},
            )
    from ethicompass.transparency._witness import append_witness, witness_path

    witness = witness_path(store)
    if witness is not None:
        append_witness(witness, checkpoint)
    return checkpoint


def _configured_key() -> object | None:
    import os

    from ethicompass.transparency._checkpoint import KEY_ENV, load_signing_key
    from ethicompass.transparency._witness import KEY_FILE_ENV

    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        return load_signing_key(key_file)
    if os.environ.get(KEY_ENV):
        return load_signing_key(None)
    return None


def checkpoint_if_grown(store: Store, /) -> Checkpoint | None:
    """Sign a checkpoint when a key is configured and the log has entries no checkpoint covers.

    Returns the new checkpoint, or None (no key configured, or nothing new to cover).
    """
    import sqlalchemy as sa

    from ethicompass.store import audit_checkpoints, audit_entries

    key = _configured_key()
    if key is None:
        return None
    with store.connect() as conn:
        size = int(conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar() or 0)
        covered = int(conn.execute(sa.select(sa.func.max(audit_checkpoints.c.tree_size))).scalar() or 0)
        if covered:
            # the entry that records the newest checkpoint is the only one it cannot cover
            last = conn.execute(
                sa.select(audit_entries.c.action).where(audit_entries.c.seq >= covered)
            ).scalars()
            if all(action == "audit.checkpoint" for action in last):
                return None
    if size == 0:
        return None
    return write_checkpoint(store, key)  # type: ignore[arg-type]
