"""The API's error model: FastAPI's own errors (validation, unknown route, wrong method) answer in it
under ``/api/``, and every operation of the OpenAPI description declares it (so schemathesis can check
answers against it, tests/server/test_server_schemathesis.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.server import ServerSettings, add_user, create_app, issue_token
from ethicompass.server._openapi import ERROR_SCHEMA
from ethicompass.store import Store


def _conforms(body: dict[str, Any]) -> None:
    assert set(body) == set(ERROR_SCHEMA["required"]) == set(ERROR_SCHEMA["properties"])
    assert isinstance(body["error"], str) and isinstance(body["message"], str)
    assert body["hint"] is None or isinstance(body["hint"], str)


@pytest.fixture
def client(tmp_path: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    add_user(store, "root", role="admin")
    headers = {"Authorization": f"Bearer {issue_token(store, 'root')}"}
    with TestClient(create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))) as c:
        yield c, headers
    store.dispose()


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind", "words"),
    [
        ("get", "/api/v1/reviews/not-a-number", None, 422, "InputError", "path parameter 'review_id'"),
        ("get", "/api/v1/reviews/compare?a=many&b=1", None, 422, "InputError", "query parameter 'a'"),
        ("post", "/api/v1/users", b"{not json", 422, "InputError", "the body is not valid JSON"),
        ("get", "/api/v1/no-such-route", None, 404, "NotFoundError", "Not Found"),
        ("delete", "/api/v1/health", None, 405, "HTTPError", "Method Not Allowed"),
        ("get", "/api/v1/me", None, 401, "AuthError", "API token"),
    ],
)
def test_fastapi_errors_answer_in_the_error_model(
    client: Any, method: str, path: str, body: bytes | None, status: int, kind: str, words: str
) -> None:
    c, headers = client
    sent = {} if path == "/api/v1/me" else headers
    r = c.request(method, path, content=body, headers={**sent, "content-type": "application/json"})
    assert r.status_code == status, r.text
    _conforms(r.json())  # was {"detail": ...} before (no message, no hint)
    assert r.json()["error"] == kind and words in r.json()["message"]


def test_validation_errors_never_echo_the_value(client: Any) -> None:
    c, headers = client
    r = c.get("/api/v1/consent/export?fhir=P0000123-secret", headers=headers)
    assert r.status_code == 422 and "P0000123" not in r.text


def test_every_operation_declares_the_error_model(client: Any) -> None:
    c, _ = client
    described = c.get("/api/v1/openapi.json").json()
    assert described["components"]["schemas"]["Error"] == ERROR_SCHEMA
    assert "HTTPValidationError" not in described["components"]["schemas"]
    operations = [op for ops in described["paths"].values() for op in ops.values()]
    assert len(operations) >= 20
    for op in operations:
        for code in ("4XX", "503"):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
        assert "422" not in op["responses"]


def test_html_pages_keep_their_own_errors(client: Any) -> None:
    c, _ = client
    r = c.get("/portal/no-such-page")
    assert r.status_code == 404 and "application/json" in r.headers["content-type"]  # FastAPI's, as before
