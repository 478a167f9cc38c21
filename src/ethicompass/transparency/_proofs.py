"""Inclusion and consistency proofs that a third party verifies offline.

A proof file carries everything needed except trust: the entry (for inclusion), the audit
path or consistency path, and the signed checkpoint(s). The verifier brings the public key
(and, optionally, the checkpoint it kept itself) and needs nothing else: no database, no
network, no ethicompass state.

JSON layout::

    {"type": "inclusion", "version": 1, "leaf_index": 7, "tree_size": 20,
     "entry": "<canonical JSON of the entry>", "audit_path": ["<hex>", ...],
     "checkpoint": {<checkpoint>}}
    {"type": "consistency", "version": 1, "first": {<checkpoint>}, "second": {<checkpoint>},
     "proof": ["<hex>", ...]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ethicompass.errors import InputError, NotFoundError
from ethicompass.store import Store, audit_entries
from ethicompass.transparency._checkpoint import Checkpoint, key_id
from ethicompass.transparency._log import AuditLog, leaf_hash
from ethicompass.transparency._merkle import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from ethicompass.transparency._verify import stored_checkpoints


@dataclass(frozen=True)
class ProofCheck:
    """The verdict on a proof: ``ok`` and, when not, why."""

    kind: str
    ok: bool
    tree_size: int
    problem: str | None = None
    leaf_index: int | None = None
    first_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "tree_size": self.tree_size,
            "leaf_index": self.leaf_index,
            "first_size": self.first_size,
            "problem": self.problem,
        }


def _latest_checkpoint(store: Store, *, covering: int) -> Checkpoint:
    with store.connect() as conn:
        found = [c for _, c in stored_checkpoints(conn) if c.tree_size >= covering]
    if not found:
        raise NotFoundError(
            f"no stored checkpoint covers {covering} entries",
            hint="write one first with `ethicompass audit checkpoint`",
        )
    return max(found, key=lambda c: c.tree_size)


def prove_inclusion(store: Store, seq: int, *, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """A proof that entry ``seq`` is in the tree of ``checkpoint`` (default: newest stored one)."""
    cp = checkpoint or _latest_checkpoint(store, covering=seq + 1)
    if not 0 <= seq < cp.tree_size:
        raise InputError(
            f"entry {seq} is not covered by the checkpoint of {cp.tree_size} entries",
            hint="write a newer checkpoint (`ethicompass audit checkpoint`) or name an older entry",
        )
    leaves = AuditLog(store).leaf_hashes(tree_size=cp.tree_size)
    if len(leaves) < cp.tree_size:
        raise NotFoundError(
            f"the log holds {len(leaves)} entries, fewer than the checkpoint's {cp.tree_size}",
            hint="run `ethicompass audit verify`: entries were removed",
        )
    with store.connect() as conn:
        text = conn.execute(
            sa.select(audit_entries.c.entry_json).where(audit_entries.c.seq == seq)
        ).scalar_one()
    return {
        "type": "inclusion",
        "version": 1,
        "leaf_index": seq,
        "tree_size": cp.tree_size,
        "entry": text,
        "audit_path": [h.hex() for h in inclusion_proof(seq, leaves)],
        "checkpoint": cp.to_dict(),
    }


def prove_consistency(store: Store, first: Checkpoint, *, second: Checkpoint | None = None) -> dict[str, Any]:
    """A proof that the log of ``second`` (default: newest stored checkpoint) extends ``first``."""
    new = second or _latest_checkpoint(store, covering=first.tree_size)
    if new.tree_size < first.tree_size:
        raise InputError(
            f"the newer checkpoint covers {new.tree_size} entries, fewer than the older one's {first.tree_size}",
            hint="pass the checkpoints in order: older first",
        )
    leaves = AuditLog(store).leaf_hashes(tree_size=new.tree_size)
    return {
        "type": "consistency",
        "version": 1,
        "first": first.to_dict(),
        "second": new.to_dict(),
        "proof": [h.hex() for h in consistency_proof(first.tree_size, leaves)],
    }


def _hexes(values: Any, field: str) -> list[bytes]:
    if not isinstance(values, list):
        raise InputError(
            f"proof field {field!r} must be a list of hex strings", hint="use a file from `audit prove`"
        )
    try:
        return [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"proof field {field!r} holds a value that is not hex", hint="the file is damaged"
        ) from exc


def _signed(cp: Checkpoint, public_key: bytes, witness: Checkpoint | None, name: str) -> str | None:
    if cp.key_id != key_id(public_key) or not cp.signature_valid(public_key):
        return f"the {name} checkpoint is not signed by the given public key"
    if witness is not None and (witness.tree_size, witness.root_hash) != (cp.tree_size, cp.root_hash):
        return f"the {name} checkpoint differs from the checkpoint you hold"
    return None


def verify_proof(
    proof: Mapping[str, Any], /, *, public_key: bytes, witness: Checkpoint | None = None
) -> ProofCheck:
    """Verify an inclusion or consistency proof offline, with only the signer's public key.

    ``witness`` is a checkpoint the verifier kept: for an inclusion proof it must equal the
    proof's checkpoint, for a consistency proof the older (``first``) one.
    """
    kind = proof.get("type")
    if kind == "inclusion":
        cp = Checkpoint.from_dict(proof.get("checkpoint") or {}, source="the proof's checkpoint")
        index = int(proof.get("leaf_index", -1))
        entry = proof.get("entry")
        if not isinstance(entry, str):
            raise InputError("the proof has no entry text", hint="use a file from `ethicompass audit prove`")
        problem = _signed(cp, public_key, witness, "proof's")
        if problem is None:
            try:
                embedded = json.loads(entry).get("seq")
            except (ValueError, AttributeError):
                embedded = None
            if embedded != index:
                problem = "the entry's own number differs from the proof's leaf index"
            elif not verify_inclusion(
                leaf_hash(entry.encode("utf-8")),
                index,
                cp.tree_size,
                _hexes(proof.get("audit_path"), "audit_path"),
                cp.root_hash,
            ):
                problem = f"the audit path does not lead from entry {index} to the checkpoint's root"
        return ProofCheck("inclusion", problem is None, cp.tree_size, problem, leaf_index=index)
    if kind == "consistency":
        first = Checkpoint.from_dict(proof.get("first") or {}, source="the proof's first checkpoint")
        second = Checkpoint.from_dict(proof.get("second") or {}, source="the proof's second checkpoint")
        problem = _signed(first, public_key, witness, "first") or _signed(second, public_key, None, "second")
        if problem is None and not verify_consistency(
            first.tree_size,
            second.tree_size,
            first.root_hash,
            second.root_hash,
            _hexes(proof.get("proof"), "proof"),
        ):
            problem = (
                f"the log of {second.tree_size} entries does not extend the log of {first.tree_size} entries "
                "(history was rewritten)"
            )
        return ProofCheck(
            "consistency", problem is None, second.tree_size, problem, first_size=first.tree_size
        )
    raise InputError(
        f"unknown proof type {kind!r}",
        hint="use a file written by `ethicompass audit prove` (inclusion or consistency)",
    )
