"""The API's hot path: group-committed request audit, token checks and status reads on both databases."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.errors import AuditError, AuthError
from ethicompass.server import ServerSettings, add_user, create_app, issue_token, revoke_token
from ethicompass.server._audit import AuditBatcher
from ethicompass.server._auth import TokenVerifier
from ethicompass.store import Store
from ethicompass.transparency import AuditLog

ITEM = {"action": "http.request", "object_type": "route", "object_id": "GET /x", "actor": "user:1"}


@pytest.mark.parametrize("threads", [1, 8])
def test_batcher_commits_every_entry_once_in_one_sequence(store: Any, threads: int) -> None:
    log = AuditLog(store)
    batcher = AuditBatcher(log, max_batch=16)
    seqs: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(25):
            entry = batcher.append_sync(**ITEM, params={"worker": n, "i": i})
            with lock:
                seqs.append(entry.seq)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    batcher.close()
    assert sorted(seqs) == list(range(25 * threads))
    assert log.size() == 25 * threads
    assert log.verify().ok


def test_batcher_from_event_loop_and_bad_entry_fails_alone(store: Any) -> None:
    batcher = AuditBatcher(AuditLog(store))

    async def many() -> list[Any]:
        good = [batcher.append(**ITEM, params={"i": i}) for i in range(10)]
        bad = batcher.append(**{**ITEM, "object_type": ""})
        return await asyncio.gather(*good, bad, return_exceptions=True)

    results = asyncio.run(many())
    assert all(not isinstance(r, BaseException) for r in results[:10])
    assert isinstance(results[10], AuditError)
    assert AuditLog(store).size() == 10
    batcher.close()
    with pytest.raises(AuditError, match="closed"):
        batcher.submit(ITEM)


def test_token_verifier_on_both_databases(store: Any) -> None:
    add_user(store, "dm", role="data_manager")
    token = issue_token(store, "dm")
    verifier = TokenVerifier(store)
    assert verifier.verify_cached(token) is None  # argon2 has not run yet
    assert verifier.verify(token).role == "data_manager"
    cached = verifier.verify_cached(token)
    assert cached is not None and cached.name == "dm"
    with pytest.raises(AuthError):
        verifier.verify(token[:-2] + "xx")
    revoke_token(store, token.split("_")[1])
    # a revoked (or unknown) id is never answered from the cache: verify spends the same argon2 check
    # on it as on a live one, so the time taken does not say which ids exist (issue 20, finding 3)
    assert verifier.verify_cached(token) is None
    with pytest.raises(AuthError, match="revoked"):
        verifier.verify(token)
    with pytest.raises(AuthError, match="malformed"):
        verifier.verify("nope")


@pytest.fixture
def client(store: Any) -> Iterator[tuple[TestClient, str, Store]]:
    add_user(store, "dm", role="data_manager")
    token = issue_token(store, "dm")
    Registry(store).register_participants(["P1", "P2"], source="tests")
    Registry(store).grant("P1", "recontact")
    app = create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    with TestClient(app) as c:
        yield c, token, store
    app.state.audit_writer.close()


def test_api_reads_and_changes_on_both_databases(client: Any) -> None:
    c, token, store = client
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/participants/P1/consent/recontact"
    assert c.get(path, headers=headers).json()["decision"] == "permit"
    changed = c.post(path, json={"action": "withdraw"}, headers=headers).json()
    assert changed["decision"] == "deny" and changed["version"] == 2 and changed["decisions_opened"] == []
    assert c.get(path, headers=headers).json()["reason"] == "withdrawn"
    statuses = c.get("/api/v1/participants/P1/consent", headers=headers).json()
    assert {s["purpose"]: s["decision"] for s in statuses}["recontact"] == "deny"
    assert len(c.get("/api/v1/participants/P1/consent/history", headers=headers).json()) == 2
    assert c.get(path).status_code == 401
    entries = [e.to_dict() for e in AuditLog(store).entries(action="http.request")]
    assert [e["params"]["status"] for e in entries][-1] == 401
    assert all(e["role"] in ("data_manager", "anonymous") for e in entries)
    assert not any("P1" in json.dumps(e) for e in entries)


def test_request_fails_when_its_audit_entry_cannot_be_written(client: Any) -> None:
    c, token, _ = client

    def broken(items: Any) -> Any:
        raise AuditError("the log is read-only", hint="fix it")

    c.app.state.audit_writer.log.append_many = broken  # type: ignore[method-assign]
    c.app.state.audit_writer.log.append = lambda **_: broken(None)  # type: ignore[method-assign]
    response = c.get(
        "/api/v1/participants/P1/consent/recontact", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 500
    assert "read-only" in response.json()["message"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "permit" not in response.text


def test_status_read_probes_the_version_index(tmp_path: Any) -> None:
    from ethicompass.consent._rows import STATUS

    store = Store(f"sqlite:///{tmp_path / 's.db'}").open()
    with store.connect() as conn:
        sql, params = STATUS[False].driver_sql(conn.dialect, participant="P", purpose="q", at="9")
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
    store.dispose()
    # one range of the (participant, purpose, recorded_at) index; ties (same effective time) are
    # ordered among the few rows of that range
    assert "ix_consent_records_effective" in plan and "SCAN consent_records" not in plan


def test_withdrawal_commit_is_synced_and_the_pool_stays_normal(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}").open()
    registry = Registry(store)
    registry.register_participants(["P1"], source="tests")
    registry.grant("P1", "recontact")
    registry.withdraw("P1", "recontact")
    with store.engine.connect() as conn:  # the only pooled connection: back to NORMAL (1)
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    with store.begin(durable=True) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL while it commits
    assert registry.status("P1", "recontact").reason == "withdrawn"
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM consent_records")).scalar() == 2
    store.dispose()
