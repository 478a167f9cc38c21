"""The log's tail: automatic checkpoints after writing verbs, a witness file, the cadence rule.

Each case is one of the attacks that once verified clean (issue: security hardening, finding 7):
an edited entry with its hash recomputed, a deleted and renumbered entry, a forged entry, the last
entries truncated, the stored checkpoints deleted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ethicompass.store import Store
from ethicompass.transparency import AuditLog


@pytest.fixture
def signed_cli(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("ETHICOMPASS_SIGNING_KEY", base64.b64encode(os.urandom(32)).decode())
    monkeypatch.delenv("ETHICOMPASS_WITNESS_FILE", raising=False)
    return cli


def _store() -> Store:
    return Store(os.environ["ETHICOMPASS_DATABASE_URL"]).open()


def _write_some(cli: Callable[..., Any], tmp_path: Path, n: int = 3) -> None:
    for i in range(n):  # each registers one new participant: one audit entry per verb
        table = tmp_path / f"patients{i}.csv"
        table.write_text(f"participant_id\nP{i:07d}\n")
        assert cli("consent", "participants", "import", table).code == 0


def _checkpoints(store: Store) -> list[int]:
    with store.connect() as conn:
        return [
            int(r[0]) for r in conn.execute(sa.text("SELECT tree_size FROM audit_checkpoints ORDER BY id"))
        ]


def test_every_writing_verb_ends_with_a_checkpoint_and_a_witness_line(
    signed_cli: Callable[..., Any], tmp_path: Path
) -> None:
    _write_some(signed_cli, tmp_path)
    store = _store()
    size = AuditLog(store).size()
    sizes = _checkpoints(store)
    assert len(sizes) == 3 and sizes[-1] == size - 1  # the last entry records the checkpoint itself
    witness = Path(str(store.engine.url.database)).with_suffix(".witness.jsonl")
    assert len(witness.read_text().splitlines()) == 3
    assert oct(witness.stat().st_mode & 0o777) == "0o600"
    store.dispose()
    assert signed_cli("audit", "verify").code == 0


def _rehash(conn: Any, seq: int, change: Callable[[dict[str, Any]], None]) -> None:
    text = conn.execute(
        sa.text("SELECT entry_json FROM audit_entries WHERE seq = :s"), {"s": seq}
    ).scalar_one()
    entry = json.loads(text)
    change(entry)
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn.execute(
        sa.text("UPDATE audit_entries SET entry_json = :j, leaf_hash = :h, actor = :a WHERE seq = :s"),
        {"j": body, "h": hashlib.sha256(b"\x00" + body.encode()).digest(), "a": entry["actor"], "s": seq},
    )


@pytest.mark.parametrize("attack", ["edit-rehash", "delete-renumber", "truncate", "drop-checkpoints"])
def test_tampering_with_a_checkpointed_log_fails_verify(
    signed_cli: Callable[..., Any], tmp_path: Path, attack: str
) -> None:
    _write_some(signed_cli, tmp_path)
    store = _store()
    with store.begin() as conn:
        if attack == "edit-rehash":
            _rehash(conn, 0, lambda e: e.update(actor="someone-else"))
        elif attack == "delete-renumber":
            conn.execute(sa.text("DELETE FROM audit_entries WHERE seq = 1"))
            last = conn.execute(sa.text("SELECT max(seq) FROM audit_entries")).scalar_one()
            for seq in range(2, last + 1):
                _rehash(conn, seq, lambda e, s=seq: e.update(seq=s - 1))
                conn.execute(
                    sa.text("UPDATE audit_entries SET seq = :n WHERE seq = :s"), {"n": seq - 1, "s": seq}
                )
        elif attack == "truncate":
            conn.execute(sa.text("DELETE FROM audit_entries WHERE seq >= 2"))
        else:
            conn.execute(sa.text("DELETE FROM audit_checkpoints"))
    store.dispose()
    r = signed_cli("audit", "verify", "-f", "json")
    assert r.code == 1, r.out
    if attack == "drop-checkpoints":
        assert "missing from the database" in r.json()["problem"]


def test_an_uncovered_tail_older_than_the_cadence_fails(
    signed_cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_some(signed_cli, tmp_path, n=1)
    store = _store()
    AuditLog(store).append(action="study.open", object_type="x", object_id="1")  # behind the CLI's back
    with store.begin() as conn:  # an hour old
        _rehash(conn, AuditLog(store).size() - 1, lambda e: e.update(time="2020-01-01T00:00:00.000000Z"))
        conn.execute(
            sa.text(
                "UPDATE audit_entries SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE action = 'study.open'"
            )
        )
    store.dispose()
    r = signed_cli("audit", "verify", "-f", "json")
    assert r.code == 1 and "covered by no checkpoint" in r.json()["problem"]
    # a fresh entry within the cadence is fine; the rule is configurable
    monkeypatch.setenv("ETHICOMPASS_CHECKPOINT_CADENCE", str(10 * 365 * 86400))
    assert signed_cli("audit", "verify").code == 0
