"""Authorisation matrix (every role x every API endpoint), security headers, audit, tokens at rest."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.server import ROLES, SECURITY_HEADERS, ServerSettings, add_user, create_app, issue_token
from ethicompass.store import Store
from ethicompass.store._server_tables import server_tokens

R5 = {
    "resourceType": "Consent",
    "status": "active",
    "subject": {"reference": "Patient/P1"},
    "date": "2025-01-01",
    "decision": "deny",
    "provision": [{"purpose": [{"code": "recontact"}]}],
}
_counter = itertools.count()

# every role but ``site``, which reaches only the multi-site upload routes
ALL = set(ROLES) - {"site"}
STAFF_READ = {"investigator", "data_manager", "reviewer", "admin"}
# (method, path, body, roles allowed); the participant user acts for P1.
MATRIX: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/v1/me", None, ALL),
    ("POST", "/api/v1/users", lambda: {"name": f"u{next(_counter)}", "role": "investigator"}, {"admin"}),
    ("POST", "/api/v1/users/investigator/tokens", None, {"admin"}),
    ("POST", "/api/v1/access-codes", {"participant": "P1"}, {"data_manager", "admin"}),
    ("GET", "/api/v1/consent/purposes", None, ALL),
    ("GET", "/api/v1/participants/P1/consent", None, ALL),
    ("GET", "/api/v1/participants/P1/consent/history", None, ALL),
    ("GET", "/api/v1/participants/P1/consent/recontact", None, ALL),
    (
        "POST",
        "/api/v1/participants/P1/consent/recontact",
        {"action": "grant"},
        {"participant", "data_manager", "admin"},
    ),
    ("POST", "/api/v1/participants/P1/withdraw-all", None, {"participant", "data_manager", "admin"}),
    ("POST", "/api/v1/consent/import", R5, {"data_manager", "admin"}),
    ("POST", "/api/v1/consent/import/upload", R5, {"data_manager", "admin"}),
    ("GET", "/api/v1/consent/export?fhir=r5", None, {"data_manager", "reviewer", "admin"}),
    ("GET", "/api/v1/withdrawals/decisions", None, STAFF_READ),
    (
        "POST",
        "/api/v1/withdrawals/decisions/999999",
        {"action": "erase", "legal_basis": "gdpr-art-17"},
        {"data_manager", "admin"},
    ),
    # another participant's consent: staff only
    ("GET", "/api/v1/participants/P2/consent", None, STAFF_READ),
    ("GET", "/api/v1/participants/P2/consent/history", None, STAFF_READ),
    ("GET", "/api/v1/participants/P2/consent/recontact", None, STAFF_READ),
    ("POST", "/api/v1/participants/P2/consent/recontact", {"action": "refuse"}, {"data_manager", "admin"}),
    ("POST", "/api/v1/participants/P2/withdraw-all", None, {"data_manager", "admin"}),
    # ethics reviews (tests/review/test_review_web.py checks the content)
    ("GET", "/api/v1/reviews", None, {"reviewer", "admin"}),
    ("GET", "/api/v1/reviews/compare?a=999998&b=999999", None, {"reviewer", "admin"}),
    ("GET", "/api/v1/reviews/999999", None, {"reviewer", "admin"}),
    ("POST", "/api/v1/reviews/999999/decision", {"decision": "sign_off"}, {"reviewer", "admin"}),
    # API tokens (issue 20): list and revoke, admin only
    ("GET", "/api/v1/tokens", None, {"admin"}),
    ("POST", "/api/v1/tokens/0000/revoke", None, {"admin"}),
    # multi-site uploads (issue 23; tests/sites/test_sites_server.py checks the content): a site token only
    ("POST", "/api/v1/sites/uploads", R5, {"site"}),
    ("GET", "/api/v1/sites/uploads", None, {"site", "reviewer", "admin"}),
    # the keys sites must sign with (tests/sites/test_sites_keys.py checks the content)
    ("POST", "/api/v1/sites/keys", {"site": "Z", "public_key": "bm90IGEga2V5"}, {"admin"}),
    ("GET", "/api/v1/sites/keys", None, {"reviewer", "admin"}),
    ("POST", "/api/v1/sites/keys/Z/00000000/revoke", None, {"admin"}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('srv') / 'state.db'}").open()
    Registry(store).register_participants(["P1", "P2", "P3"], source="tests")
    tokens = {}
    for role in ROLES:
        add_user(store, role, role=role, participant="P1" if role == "participant" else None)
        tokens[role] = issue_token(store, role)
    from ethicompass.training import load_courses, record_certificate  # the training gate on data export

    for course in load_courses():
        record_certificate(store, "data_manager", course.id, completed=date.today(), verified_by="test")
    reg = Registry(store)
    for p in ("P1", "P2"):
        reg.grant(p, "recontact")
    app = create_app(store, settings=ServerSettings(secret_key="test-secret", secure_cookies=False))
    with TestClient(app) as client:
        yield client, tokens, store
    store.dispose()


def _call(client: TestClient, method: str, path: str, body: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = body() if callable(body) else body
    return client.request(method, path, json=payload, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_matrix(server: Any, role: str, method: str, path: str, body: Any, allowed: set[str]) -> None:
    client, tokens, _ = server
    response = _call(client, method, path, body, tokens[role])
    if role in allowed:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500
    else:
        assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), MATRIX[:15], ids=[f"{m} {p}" for m, p, _, _ in MATRIX[:15]]
)
def test_no_token_is_401(server: Any, method: str, path: str, body: Any, allowed: set[str]) -> None:
    client, _, _ = server
    response = _call(client, method, path, body, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert _call(client, method, path, body, "ect_0000_bogus").status_code == 401


def test_matrix_covers_every_api_route(server: Any) -> None:
    client, _, _ = server
    covered = {(m, p.split("?")[0]) for m, p, _, _ in MATRIX}
    for route in client.app.routes:
        if (
            isinstance(route, APIRoute)
            and route.path.startswith("/api/v1")
            and route.path != "/api/v1/health"
        ):
            for method in route.methods:
                pattern = route.path_regex
                assert any(m == method and pattern.match(p) for m, p in covered), (
                    f"{method} {route.path} untested"
                )


def test_headers_audit_and_tokens_at_rest(server: Any) -> None:
    client, tokens, store = server
    response = client.get("/api/v1/health")
    for key in SECURITY_HEADERS:
        assert key in response.headers
    client.get(
        "/api/v1/participants/P1/consent/recontact", headers={"Authorization": f"Bearer {tokens['admin']}"}
    )
    with store.connect() as conn:
        hashes = [r[0] for r in conn.execute(sa.select(server_tokens.c.secret_hash))]
        entries = [r[0] for r in conn.execute(sa.text("SELECT entry_json FROM audit_entries"))]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(t.split("_", 2)[2] in "".join(hashes) for t in tokens.values())  # the secret may hold "_"
    requests = [json.loads(e) for e in entries if '"http.request"' in e]
    assert any(e["object_id"] == "GET /api/v1/participants/{participant}/consent/{purpose}" for e in requests)
    assert not any("P1" in e or "P2" in e for e in entries)


def test_revoked_token(server: Any) -> None:
    from ethicompass.server import revoke_token

    client, _, store = server
    token = issue_token(store, "reviewer")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoke_token(store, token.split("_")[1])
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi(server: Any) -> None:
    client, _, _ = server
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/participants/{participant}/consent/{purpose}" in spec["paths"]


def test_server_cli(cli: Any, tmp_path: Path) -> None:
    assert cli("users", "add", "alice", "--role", "admin").code == 0
    assert cli("users", "add", "alice", "--role", "admin").code == 2
    assert cli("users", "add", "bob", "--role", "wizard").code == 2
    r = cli("tokens", "new", "alice", "--format", "json")
    assert r.code == 0 and r.json()["token"].startswith("ect_")
    assert cli("access-code", "new", "--participant", "P1").code == 2  # no participant the registry knows
    (tmp_path / "patients.csv").write_text("participant_id\nP1\n")
    assert cli("consent", "participants", "import", tmp_path / "patients.csv").code == 0
    r = cli("access-code", "new", "--participant", "P1", "--format", "json")
    assert r.code == 0 and len(r.json()["code"]) == 14


def test_withdrawal_lists_affected_artefacts(server: Any) -> None:
    from ethicompass.consent import register_members

    client, tokens, store = server
    Registry(store).grant("P3", "ai-model-training")
    register_members(store, "dataset:api-test@1", ["P3"], purpose="ai-model-training")
    headers = {"Authorization": f"Bearer {tokens['data_manager']}"}
    r = client.post(
        "/api/v1/participants/P3/consent/ai-model-training", json={"action": "withdraw"}, headers=headers
    )
    assert r.status_code == 200
    (opened,) = r.json()["decisions_opened"]
    assert opened["artefact_id"] == "dataset:api-test@1" and opened["status"] == "open"
    r = client.post(
        f"/api/v1/withdrawals/decisions/{opened['id']}",
        json={"action": "retain", "legal_basis": "eu-ctr-art-28-3"},
        headers=headers,
    )
    assert r.json()["status"] == "decided"
