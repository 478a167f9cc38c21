"""The audit log end to end: append, verify, tamper detection, checkpoints, proofs, concurrency."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import re
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.errors import AuditError, VerdictFailed
from ethicompass.store import Store, audit_checkpoints, audit_entries
from ethicompass.transparency import (
    AuditAction,
    AuditEvent,
    AuditLog,
    Checkpoint,
    canonical_json,
    prove_consistency,
    prove_inclusion,
    verify_log,
    verify_proof,
    write_checkpoint,
)
from ethicompass.transparency._checkpoint import public_key_of

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_of(KEY)


def _fill(log: AuditLog, n: int, *, start: int = 0) -> None:
    log.append_many(
        {
            "action": ["data.read", "privacy.deidentify", "consent.withdraw"][i % 3],
            "object_type": "dataset",
            "object_id": f"ds-{i}",
            "actor": f"user{i % 4}",
            "hashes": {"input": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest()},
            "params": {"i": i, "note": "é"},
        }
        for i in range(start, start + n)
    )


def _reset(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(audit_entries.delete())
        conn.execute(audit_checkpoints.delete())
    _drop_witness(store)


def _drop_witness(store: Store) -> None:
    """Remove the witness file beside the database (a fresh log, or a forger who can reach it)."""
    from ethicompass.transparency._witness import witness_path

    path = witness_path(store)
    if path is not None:
        path.unlink(missing_ok=True)


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.connect() as conn:
        return [
            dict(r._mapping) for r in conn.execute(sa.select(audit_entries).order_by(audit_entries.c.seq))
        ]


def _replace(store: Store, rows: list[dict[str, Any]], *, rewrite: bool) -> None:
    """Store ``rows`` in place of the log; ``rewrite`` renumbers and rehashes like a careful forger."""
    if rewrite:
        for i, row in enumerate(rows):
            entry = json.loads(row["entry_json"])
            entry["seq"] = i
            body = canonical_json(entry)
            row.update(seq=i, entry_json=body.decode(), leaf_hash=hashlib.sha256(b"\x00" + body).digest())
    with store.begin() as conn:
        conn.execute(audit_entries.delete())
        if rows:
            conn.execute(audit_entries.insert(), rows)


def test_append_and_read_back(store: Store) -> None:
    log = AuditLog(store)
    first = log.append(
        action="data.read",
        object_type="dataset",
        object_id="d1",
        actor="ann",
        role="analyst",
        hashes={"file": "sha256:00"},
        params={"rows": 3},
    )
    assert first.seq == 0
    _fill(log, 5)
    assert log.size() == 6
    assert log.get(0) == first
    assert [e.object_id for e in log.entries(actor="user1")] == ["ds-1"]
    assert len(log.entries(action="consent.*")) == 1
    assert log.entries(since="2000-01-01")[0] == first
    assert log.entries(since="2999-01-01") == []
    result = log.verify()
    assert result.ok and result.tree_size == 6 and result.first_bad_seq is None


@pytest.mark.parametrize(
    "bad",
    [
        {"action": "", "object_type": "t", "object_id": "x"},
        {"action": "data.read", "object_type": "t", "object_id": "x", "params": {"f": object()}},
    ],
)
def test_bad_append_fails_and_writes_nothing(store: Store, bad: dict[str, Any]) -> None:
    log = AuditLog(store)
    with pytest.raises(AuditError):
        log.append(**bad)
    with pytest.raises(AuditError):
        log.append_many([{"action": "data.read", "object_type": "t", "object_id": "y"}, bad])
    assert log.size() == 0


TAMPERS = [
    "flip_json",
    "flip_hash",
    "flip_column",
    "delete",
    "delete_last",
    "insert",
    "reorder",
    "append_forged",
]


def _tamper(store: Store, kind: str, pos: int, byte: int, rewrite: bool) -> None:
    rows = _rows(store)
    p = pos % len(rows)
    if kind == "flip_json":
        text = rows[p]["entry_json"]
        q = byte % len(text)
        new = "x" if text[q] != "x" else "y"
        rows[p]["entry_json"] = text[:q] + new + text[q + 1 :]
        rewrite = False
    elif kind == "flip_hash":
        h = bytearray(rows[p]["leaf_hash"])
        h[byte % 32] ^= 1 + byte % 255
        rows[p]["leaf_hash"] = bytes(h)
        rewrite = False
    elif kind == "flip_column":
        rows[p]["actor"] = rows[p]["actor"][:-1] + "Z"
        rewrite = False
    elif kind == "delete":
        del rows[p]
    elif kind == "delete_last":
        rows.pop()
    elif kind == "insert":
        forged = dict(rows[p])
        forged["entry_json"] = (
            forged["entry_json"]
            .replace('"data.read"', '"data.erase"')
            .replace('"privacy.deidentify"', '"data.erase"')
            .replace('"consent.withdraw"', '"data.erase"')
        )
        forged["action"] = "data.erase"
        rows.insert(p, forged)
        for i, row in enumerate(rows):  # a careless forger shifts the numbers, not the hashed entries
            row["seq"] = i
    elif kind == "reorder":
        q = (p + 1 + byte % (len(rows) - 1)) % len(rows)
        rows[p], rows[q] = rows[q], rows[p]
        rows[p]["seq"], rows[q]["seq"] = rows[q]["seq"], rows[p]["seq"]
    elif kind == "append_forged":
        # a forger who can write the database appends nothing: they *replace* the tail
        last = dict(rows[-1])
        last["entry_json"] = last["entry_json"].replace('"user', '"mallory')
        last["actor"] = last["actor"].replace("user", "mallory")
        rows[-1] = last
        rewrite = True
    _replace(store, rows, rewrite=rewrite)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(TAMPERS),
    n=st.integers(2, 24),
    pos=st.integers(0, 10_000),
    byte=st.integers(0, 10_000),
    rewrite=st.booleans(),
)
def test_any_tamper_is_detected_against_a_checkpoint(
    store: Store, kind: str, n: int, pos: int, byte: int, rewrite: bool
) -> None:
    _reset(store)
    log = AuditLog(store)
    _fill(log, n)
    cp = write_checkpoint(store, KEY, log_it=False)
    assert verify_log(store, trusted_keys=[PUBLIC]).ok
    _tamper(store, kind, pos, byte, rewrite)
    held = [("witness.json", cp)]
    result = verify_log(store, checkpoints=held, trusted_keys=[PUBLIC])
    assert not result.ok, (kind, n, pos, byte, rewrite)
    assert result.first_bad_seq is not None and result.problem
    # even with the stored checkpoints deleted, the witness's copy still catches it
    with store.begin() as conn:
        conn.execute(audit_checkpoints.delete())
    assert not verify_log(store, checkpoints=held, trusted_keys=[PUBLIC]).ok


@pytest.mark.parametrize("kind", ["flip_json", "flip_hash", "flip_column", "delete", "reorder"])
def test_careless_tamper_is_detected_without_any_checkpoint(store: Store, kind: str) -> None:
    _fill(AuditLog(store), 10)
    _tamper(store, kind, 3, 0, rewrite=False)
    result = verify_log(store)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "entry 3" in (result.problem or "")
    fast = verify_log(store, check_columns=False)
    assert fast.ok == (kind == "flip_column")  # --hashes-only does not compare the query columns


@pytest.mark.parametrize("field", ["root_hash", "tree_size", "signature", "signed_at"])
def test_altered_stored_checkpoint_is_detected(store: Store, field: str) -> None:
    _fill(AuditLog(store), 6)
    write_checkpoint(store, KEY, log_it=False)
    with store.begin() as conn:
        row = conn.execute(sa.select(audit_checkpoints)).one()._mapping
        value = row[field]
        if isinstance(value, bytes):
            value = bytes([value[0] ^ 1]) + value[1:]
        elif isinstance(value, int):
            value -= 1
        else:
            value = value.replace("2", "3", 1)
        conn.execute(audit_checkpoints.update().values({field: value}))
    result = verify_log(store)
    assert not result.ok
    assert not result.checkpoints[0].ok


def test_untrusted_signer_fails_when_pinned(store: Store) -> None:
    _fill(AuditLog(store), 3)
    write_checkpoint(store, Ed25519PrivateKey.generate())
    assert verify_log(store).ok
    assert not verify_log(store, trusted_keys=[PUBLIC]).ok


def test_checkpoint_refuses_to_sign_a_broken_log(store: Store) -> None:
    _fill(AuditLog(store), 4)
    _tamper(store, "flip_json", 1, 5, rewrite=False)
    with pytest.raises(VerdictFailed):
        write_checkpoint(store, KEY)
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_checkpoints)).scalar() == 0


def test_inclusion_and_consistency_proofs_offline(store: Store) -> None:
    log = AuditLog(store)
    _fill(log, 13)
    old = write_checkpoint(store, KEY)
    # a third party holds `old` as JSON, and only the public key
    held = Checkpoint.from_dict(json.loads(json.dumps(old.to_dict())))
    for seq in (0, 6, 12):
        proof = json.loads(json.dumps(prove_inclusion(store, seq)))
        assert verify_proof(proof, public_key=PUBLIC, witness=held).ok
        assert json.loads(proof["entry"])["object_id"] == f"ds-{seq}"
        forged = dict(proof, entry=proof["entry"].replace("ds-", "dz-"))
        assert not verify_proof(forged, public_key=PUBLIC).ok
        assert not verify_proof(proof, public_key=public_key_of(Ed25519PrivateKey.generate())).ok
    _fill(log, 9, start=13)
    new = write_checkpoint(store, KEY)
    consistency = json.loads(json.dumps(prove_consistency(store, held)))
    check = verify_proof(consistency, public_key=PUBLIC, witness=held)
    assert check.ok and check.first_size == old.tree_size and check.tree_size == new.tree_size


def test_rewritten_history_fails_consistency_with_a_held_checkpoint(store: Store) -> None:
    log = AuditLog(store)
    _fill(log, 10)
    held = write_checkpoint(store, KEY, log_it=False)
    _tamper(store, "reorder", 2, 3, rewrite=True)
    with store.begin() as conn:  # the forger also removes the checkpoints kept in the database
        conn.execute(audit_checkpoints.delete())
    from ethicompass.transparency._witness import witness_path

    if witness_path(store) is not None:  # a SQLite file: the witness file beside it still holds one
        assert not verify_log(store).ok
    _drop_witness(store)  # ... so the forger, who can reach it here, deletes it too
    assert verify_log(store).ok  # internally consistent: only the held checkpoint can tell
    _fill(log, 3, start=10)
    forged = write_checkpoint(store, KEY, log_it=False)
    proof = prove_consistency(store, held, second=forged)
    result = verify_proof(proof, public_key=PUBLIC, witness=held)
    assert not result.ok and "rewritten" in (result.problem or "")
    assert not verify_log(store, checkpoints=[("held", held)]).ok


def _worker(url: str, worker: int, count: int) -> None:
    s = Store(url).open()
    log = AuditLog(s)
    for i in range(count):
        if i % 5 == 4:
            log.append_many(
                [
                    {"action": "data.read", "object_type": "worker", "object_id": f"{worker}-{i}-{j}"}
                    for j in range(3)
                ]
            )
        else:
            log.append(
                action="study.open", object_type="worker", object_id=f"{worker}-{i}", actor=f"w{worker}"
            )
    s.dispose()


@pytest.mark.slow
def test_concurrent_appends_from_processes_form_one_tree(store: Store) -> None:
    workers, count = 4, 25
    ctx = multiprocessing.get_context("fork")
    store.dispose()
    procs = [ctx.Process(target=_worker, args=(store.url, w, count)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    log = AuditLog(store)
    per_worker = count + 2 * (count // 5)  # each batch of 3 replaces one single append
    assert log.size() == workers * per_worker
    ids = [e.object_id for e in log.entries()]
    assert len(set(ids)) == len(ids)
    result = write_checkpoint(store, KEY)
    assert verify_log(store, trusted_keys=[PUBLIC]).ok
    assert result.tree_size == workers * per_worker


@pytest.mark.parametrize("action", ["privacy.scan.typo", "data.write", "PRIVACY.SCAN", "privacy_scan"])
def test_an_action_outside_the_vocabulary_is_refused_and_writes_nothing(store: Store, action: str) -> None:
    log = AuditLog(store)
    with pytest.raises(AuditError, match="not in the vocabulary"):
        log.append(action=action, object_type="dataset", object_id="x")
    with pytest.raises(AuditError, match="not in the vocabulary"):
        log.append_many(
            [
                {"action": "data.read", "object_type": "t", "object_id": "y"},
                {"action": action, "object_type": "t", "object_id": "z"},
            ]
        )
    with pytest.raises(AuditError, match="not in the vocabulary"), store.begin() as conn:
        log.append_in(conn, action=action, object_type="dataset", object_id="x")
    assert log.size() == 0


def test_the_vocabulary_is_package_dot_verb_and_stores_plain_strings(store: Store) -> None:
    values = [a.value for a in AuditAction]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert all(re.fullmatch(r"[a-z]+(\.[a-z_\-]+)+", v) for v in values)
    entry = AuditLog(store).append(action=AuditAction.PRIVACY_SCAN, object_type="dataset", object_id="x")
    assert type(entry.action) is str and entry.action == "privacy.scan"
    assert AuditLog(store).get(0).to_dict() == entry.to_dict()
    event = AuditEvent("privacy.scan", "dataset", "x")  # type: ignore[arg-type]
    assert event.action is AuditAction.PRIVACY_SCAN
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.object_id = "y"  # type: ignore[misc]
