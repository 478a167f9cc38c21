"""Issue 20: a large consent import goes through a streamed upload endpoint, with its own limit, the
token checked before a byte of the body is read, a private temporary file removed on every path, and
one transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.server import ServerSettings, add_user, create_app, issue_token
from ethicompass.store import Store

UPLOAD = "/api/v1/consent/import/upload"
N = 1500  # participants: a Bundle of ~1.5 MB, over the 1 MiB body limit


def _bundle(n: int, *, note: int = 800) -> bytes:
    entries = [
        {
            "resource": {
                "resourceType": "Consent",
                "status": "active",
                "subject": {"reference": f"Patient/P{i:05d}"},
                "date": "2025-01-01",
                "decision": "deny",
                "provision": [{"purpose": [{"code": "recontact"}]}],
                "text": {"status": "generated", "div": "x" * note},
            }
        }
        for i in range(n)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


@pytest.fixture(autouse=True)
def _private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's uploads go to its own temporary folder: another worker's upload in flight is not a leftover."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    store = Store(database_url).open()
    Registry(store).register_participants([f"P{i:05d}" for i in range(N)], source="tests")
    tokens = {}
    for role in ("data_manager", "investigator"):
        add_user(store, role, role=role)
        tokens[role] = issue_token(store, role)
    settings = ServerSettings(secret_key="k", secure_cookies=False, max_upload_bytes=4 << 20)
    with TestClient(create_app(store, settings=settings)) as client:
        yield client, tokens, store
    store.dispose()


def _auth(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _leftovers() -> list[str]:
    return sorted(p.name for p in Path(tempfile.gettempdir()).glob("ethicompass-upload-*"))


def test_a_bundle_over_the_body_limit_imports_through_the_upload(server: Any) -> None:
    client, tokens, store = server
    body = _bundle(N)
    assert 1 << 20 < len(body) < 4 << 20
    before = _leftovers()
    refused = client.post("/api/v1/consent/import", content=body, headers=_auth(tokens, "data_manager"))
    assert refused.status_code == 413 and UPLOAD in refused.json()["hint"]
    r = client.post(f"{UPLOAD}?fhir=r5", content=body, headers=_auth(tokens, "data_manager"))
    assert r.status_code == 200, r.text
    assert r.json()["records"] == N and r.json()["bytes"] == len(body)
    assert len(Registry(store).records()) == N  # every event stored, as the JSON import would
    assert _leftovers() == before  # the temporary file is gone


def test_the_upload_has_its_own_limit_and_stores_nothing_over_it(server: Any) -> None:
    client, tokens, store = server
    body = _bundle(N, note=3000)  # ~5 MB, over the 4 MiB upload limit
    before = _leftovers()
    declared = client.post(UPLOAD, content=body, headers=_auth(tokens, "data_manager"))
    assert declared.status_code == 413 and "ETHICOMPASS_SERVER_MAX_UPLOAD" in declared.json()["hint"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for i in range(0, len(body), 64 << 10):
            yield body[i : i + 64 << 10]

    streamed = client.post(UPLOAD, content=chunks(), headers=_auth(tokens, "data_manager"))
    assert streamed.status_code == 413
    assert Registry(store).records() == [] and _leftovers() == before


def test_a_bad_file_names_the_upload_not_the_server_path_and_stores_nothing(server: Any) -> None:
    client, tokens, store = server
    body = _bundle(3)[:-40] + b"}"  # cut: not JSON
    r = client.post(UPLOAD, content=body, headers=_auth(tokens, "data_manager"))
    assert r.status_code == 422 and "the upload" in r.json()["message"]
    assert tempfile.gettempdir() not in r.text
    csv = b"participant_id,purpose,action,recorded_at\nP00001,recontact,grant,2024-01-01T00:00:00Z\nNOBODY,recontact,grant,2024-01-01T00:00:00Z\n"
    unknown = client.post(f"{UPLOAD}?format=csv", content=csv, headers=_auth(tokens, "data_manager"))
    assert unknown.status_code == 422 and Registry(store).records() == []  # one transaction: all or nothing
    skipped = client.post(
        f"{UPLOAD}?format=csv&unknown=skip", content=csv, headers=_auth(tokens, "data_manager")
    )
    assert skipped.status_code == 200 and skipped.json()["records"] == 1


def test_the_temporary_file_is_private(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import ethicompass.consent as consent

    client, tokens, _ = server
    seen: list[int] = []
    real = consent.read_fhir_file

    def spy(path: Any, **kwargs: Any) -> Any:
        seen.extend([stat.S_IMODE(os.stat(path).st_mode), stat.S_IMODE(os.stat(Path(path).parent).st_mode)])
        return real(path, **kwargs)

    monkeypatch.setattr(consent, "read_fhir_file", spy)
    old = os.umask(0o022)
    try:
        r = client.post(UPLOAD, content=_bundle(2), headers=_auth(tokens, "data_manager"))
    finally:
        os.umask(old)
    assert r.status_code == 200 and seen == [0o600, 0o700]


def test_the_token_and_role_are_checked_before_the_body_is_read(server: Any) -> None:
    client, tokens, _ = server
    app = client.app

    def run(headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
        pulled = 0
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal pulled
            pulled += 1
            return {"type": "http.request", "body": b"{" * 65536, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": UPLOAD,
            "raw_path": UPLOAD.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"), *headers],
            "client": ("127.0.0.1", 1234),
            "server": ("testserver", 80),
            "state": {},
        }
        asyncio.run(app(scope, receive, send))
        return status, pulled

    assert run([]) == (401, 0)  # no token: refused without reading the (endless) body
    investigator = [(b"authorization", f"Bearer {tokens['investigator']}".encode())]
    assert run(investigator) == (403, 0)  # a role that may not import: the same
