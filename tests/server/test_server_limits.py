"""Issue 20, the server findings re-tried: a body limit before parsing and before the token check (2),
bounded argon2 and no timing oracle for unknown ids (2, 3), ids of 2^63 and more (8), Bundles whose
entries are not objects (8)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.server import ServerSettings, add_user, create_app, issue_access_code, issue_token
from ethicompass.store import Store

BIG = 2**63


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('limits') / 'state.db'}").open()
    tokens = {}
    for role in ("admin", "reviewer", "investigator"):
        add_user(store, role, role=role)
        tokens[role] = issue_token(store, role)
    settings = ServerSettings(secret_key="test-secret", secure_cookies=False)
    with TestClient(create_app(store, settings=settings)) as client:
        yield client, tokens, store
    store.dispose()


def _bundle(size: int) -> bytes:
    consent = {"resourceType": "Consent", "status": "active", "note": "x" * 1000}
    entries = [{"resource": consent}] * (size // 1040 + 1)
    return json.dumps({"resourceType": "Bundle", "entry": entries}).encode()


# ------------------------------------------------------------------ finding 2: body limit
@pytest.mark.parametrize("token", [None, "admin"])
def test_a_body_over_the_limit_is_413_before_parsing_and_token(server: Any, token: str | None) -> None:
    client, tokens, _ = server
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {tokens[token]}"
    response = client.post("/api/v1/consent/import", content=_bundle(2 << 20), headers=headers)
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "PayloadTooLargeError"
    assert "1,048,576 bytes" in body["message"]
    assert "ethicompass consent import" in body["hint"] and "ETHICOMPASS_SERVER_MAX_BODY" in body["hint"]
    assert response.headers["x-content-type-options"] == "nosniff"  # still through the guard (audited)


def test_a_chunked_body_is_cut_off_at_the_limit(server: Any) -> None:
    client, tokens, _ = server
    sent = {"bytes": 0}

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            sent["bytes"] += 65536
            yield b" " * 65536

    response = client.post(
        "/api/v1/consent/import",
        content=chunks(),
        headers={"content-type": "application/json", "authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 413, response.text


def test_the_limit_is_configurable_and_small_bodies_pass(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}").open()
    add_user(store, "dm", role="data_manager")
    token = issue_token(store, "dm")
    settings = ServerSettings(secret_key="s", secure_cookies=False, max_body_bytes=2000)
    try:
        with TestClient(create_app(store, settings=settings)) as client:
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            assert (
                client.post("/api/v1/consent/import", content=_bundle(3000), headers=headers).status_code
                == 413
            )
            small = client.post(
                "/api/v1/consent/import", content=b'{"resourceType": "Bundle"}', headers=headers
            )
            assert small.status_code == 422 and "no Consent" in small.text
            assert client.get("/api/v1/health").status_code == 200
    finally:
        store.dispose()


def test_settings_from_env_reads_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from ethicompass.errors import ConfigurationError

    monkeypatch.setenv("ETHICOMPASS_SERVER_MAX_BODY", "5000")
    assert ServerSettings.from_env().max_body_bytes == 5000
    monkeypatch.setenv("ETHICOMPASS_SERVER_MAX_BODY", "lots")
    with pytest.raises(ConfigurationError, match="ETHICOMPASS_SERVER_MAX_BODY"):
        ServerSettings.from_env()


# ------------------------------------------------------------------ findings 2 and 3: argon2
def _slow_verify(monkeypatch: pytest.MonkeyPatch, seconds: float) -> dict[str, int]:
    from ethicompass.accounts import _hashing as _auth

    seen = {"now": 0, "most": 0, "calls": 0}
    lock = threading.Lock()
    real = _auth._HASHER.verify

    def verify(hashed: str, secret: str) -> bool:
        with lock:
            seen["now"] += 1
            seen["calls"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            time.sleep(seconds)
            return bool(real(hashed, secret))
        finally:
            with lock:
                seen["now"] -= 1

    class Hasher:
        def __init__(self) -> None:
            self.verify = verify

        def __getattr__(self, name: str) -> Any:
            return getattr(real.__self__, name)

    monkeypatch.setattr(_auth, "_HASHER", Hasher())
    return seen


def test_parallel_wrong_guesses_take_at_most_the_argon2_slots(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ethicompass.accounts._hashing import ARGON2_GATE

    client, tokens, _ = server
    seen = _slow_verify(monkeypatch, 0.05)
    token_id = tokens["investigator"].split("_")[1]

    answers: list[int] = []

    def guess() -> None:
        r = client.get("/api/v1/me", headers={"authorization": f"Bearer ect_{token_id}_wrong"})
        answers.append(r.status_code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every guess is refused: checked (401), or, on a machine too loaded to check it in time, 503
    assert len(answers) == 12 and set(answers) <= {401, 503}
    assert seen["calls"] == answers.count(401) >= 2
    assert seen["most"] <= ARGON2_GATE.slots == 2


def test_unknown_ids_cost_the_same_argon2_check(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ethicompass.errors import AuthError
    from ethicompass.server import redeem_access_code

    client, _, store = server
    seen = _slow_verify(monkeypatch, 0.0)
    with pytest.raises(AuthError):
        redeem_access_code(store, "ZZZZ-ZZZZ-ZZZZ")  # no such code
    assert seen["calls"] == 1
    assert (
        client.get("/api/v1/me", headers={"authorization": "Bearer ect_nosuchid_secret"}).status_code == 401
    )
    assert seen["calls"] == 2
    from ethicompass.consent import Registry

    Registry(store).register_participants(["P9"], source="tests")
    code, _ = issue_access_code(store, "P9")
    assert redeem_access_code(store, code) == "P9"
    with pytest.raises(AuthError):
        redeem_access_code(store, code)  # spent: still one argon2 check
    assert seen["calls"] == 4


# ------------------------------------------------------------------ finding 8: ids of 2^63 and more
def _reviewer_cookie(client: TestClient, token: str) -> None:
    page = client.get("/review/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    client.post("/review/login", data={"token": token, "csrf_token": found.group(1)}, follow_redirects=False)


@pytest.mark.parametrize("bad", [BIG, 2**64, 10**30, -1, 0])
def test_out_of_range_ids_are_4xx_never_500(server: Any, bad: int) -> None:
    client, tokens, _ = server
    auth = {"authorization": f"Bearer {tokens['admin']}"}
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/api/v1/reviews/{bad}", None),
        ("GET", f"/api/v1/reviews/compare?a={bad}&b=1", None),
        ("GET", f"/api/v1/reviews/compare?a=1&b={bad}", None),
        ("POST", f"/api/v1/reviews/{bad}/decision", {"decision": "sign_off"}),
        ("POST", f"/api/v1/withdrawals/decisions/{bad}", {"action": "erase", "legal_basis": "gdpr-art-17"}),
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=auth)
        assert response.status_code in (404, 422), (path, response.status_code, response.text)
    _reviewer_cookie(client, tokens["reviewer"])
    for path in (f"/review/{bad}", f"/review/{bad}/report", f"/review/compare?a={bad}&b=1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (404, 422), (path, response.status_code)
    for path in (f"/training/certificates/{bad}", f"/training/attempts/{bad}"):
        assert client.get(path, follow_redirects=False).status_code < 500


# ------------------------------------------------------------------ finding 8: Bundle entries not objects
@pytest.mark.parametrize(
    "entry", [[1, "x"], ["not an object"], [None], "a string", {"resource": {}}], ids=lambda e: repr(e)[:20]
)
def test_bundle_entries_that_are_not_objects_are_422(server: Any, entry: Any) -> None:
    client, tokens, _ = server
    response = client.post(
        "/api/v1/consent/import",
        json={"resourceType": "Bundle", "entry": entry},
        headers={"authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 422, response.text
    assert "entry" in response.json()["message"]


@pytest.mark.parametrize("entry", [[1, "x"], "a string", [[]]], ids=repr)
def test_cli_bundle_entries_that_are_not_objects_exit_2(
    cli: Callable[..., Any], tmp_path: Path, entry: Any
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "entry": entry}))
    r = cli("consent", "import", path, "--fhir", "r4")
    assert r.code == 2, r.err
    err = "".join(r.err.split())  # the console wraps long lines anywhere, even inside a path
    assert "Traceback" not in err and "entry" in err and "bundle.json" in err


@pytest.mark.parametrize("bad", [str(BIG), "99999999999999999999", "-5"])
def test_cli_decide_with_an_out_of_range_id_exits_2(cli: Callable[..., Any], bad: str) -> None:
    r = cli("consent", "decide", "--action", "erase", "--legal-basis", "gdpr-art-17", "--", bad)
    err = "".join(r.err.split())
    assert r.code == 2 and "Traceback" not in err and "OverflowError" not in err, r.err
    assert "doesnotexist" in err, r.err
