"""Demo step: register the study's data, log a few actions, sign a checkpoint, verify the log."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ethicompass.frames import atomic_write_text
from ethicompass.transparency._checkpoint import public_key_of
from ethicompass.transparency._hashing import hash_file
from ethicompass.transparency._lineage import Lineage
from ethicompass.transparency._log import AuditLog
from ethicompass.transparency._proofs import prove_inclusion, verify_proof
from ethicompass.transparency._verify import verify_log, write_checkpoint

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """Register datasets, append audit entries, write a signed checkpoint, verify, prove one entry."""
    log = AuditLog(ctx.store)
    lineage = Lineage(ctx.store)
    registered = []
    for name in ("patients", "predictions"):
        if name in ctx.study.datasets:
            path = ctx.path(name)
            registered.append(
                lineage.register(
                    "dataset", name, content_hash=hash_file(path), attributes={"file": path.name}
                )
            )
    log.append_many(
        [
            {
                "action": "study.open",
                "object_type": "study",
                "object_id": ctx.study.name[:200],
                "role": "analyst",
            },
            {
                "action": "data.read",
                "object_type": "dataset",
                "object_id": registered[0].id if registered else "none",
                "role": "analyst",
                "params": {"purpose": "ethics-review-demo"},
            },
        ]
    )
    # A throwaway key for the demo; in practice the key lives in a 0600 file or a secret store.
    key = Ed25519PrivateKey.generate()
    checkpoint = write_checkpoint(ctx.store, key)
    atomic_write_text(
        ctx.out_dir / "audit-checkpoint.json", json.dumps(checkpoint.to_dict(), indent=2) + "\n"
    )
    result = verify_log(ctx.store, trusted_keys=[public_key_of(key)])
    proof = prove_inclusion(ctx.store, 0)
    proof_ok = verify_proof(proof, public_key=public_key_of(key), witness=checkpoint).ok
    ctx.say(
        f"Registered {len(registered)} datasets with their SHA-256 ({', '.join(a.id for a in registered)}); "
        f"the audit log holds {result.tree_size} entries."
    )
    ctx.say(
        f"Signed checkpoint: {checkpoint.tree_size} entries, root {checkpoint.root_hash.hex()[:16]}…, "
        f"key {checkpoint.key_id[:16]}… (written to audit-checkpoint.json for an outside witness)."
    )
    verdict = "[green]verifies[/green]" if result.ok else f"[red]FAILS[/red]: {result.problem}"
    ctx.say(
        f"The log {verdict} in {result.seconds:.2f} s; an offline inclusion proof of entry 0 "
        f"{'verifies' if proof_ok else 'FAILS'} with only the public key."
    )
    for line in result.guarantees:
        ctx.say(f"  - {line}")
    ctx.say(
        "  - what it does not guarantee: someone who can write the database could rewrite it entirely;"
        " only a checkpoint held outside (like audit-checkpoint.json) exposes that."
    )
    ctx.results["transparency"] = {
        "checkpoint": checkpoint.to_dict(),
        "verification": result.to_dict(),
        "inclusion_proof_ok": proof_ok,
        "artefacts": [a.to_dict() for a in registered],
    }
