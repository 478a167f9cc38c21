"""Issue 20, findings 4 and 5 re-tried: server-side sessions that end at logout and with their token,
cookies that carry no participant id and no token, CSRF tokens signed, bound to the session and
rotated at sign-in, and ``tokens list`` / ``tokens revoke`` on the CLI and the API."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.server import ServerSettings, add_user, create_app, issue_access_code, issue_token
from ethicompass.store import Store


@pytest.fixture
def app(tmp_path: Any) -> Iterator[tuple[TestClient, Store, dict[str, str]]]:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    Registry(store).register_participants(["P7"], source="tests")
    Registry(store).grant("P7", "recontact")
    tokens = {}
    for name, role in (("rev", "reviewer"), ("inv", "investigator"), ("boss", "admin")):
        add_user(store, name, role=role)
        tokens[name] = issue_token(store, name)
    with TestClient(
        create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    ) as client:
        yield client, store, tokens
    store.dispose()


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _decoded(cookie: str) -> str:
    """Every dot-separated part of a cookie, base64-decoded where it decodes (what a thief would read)."""
    text = cookie
    for part in cookie.split("."):
        with contextlib.suppress(ValueError):
            text += base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1")
    return text


def _portal_sign_in(client: TestClient, store: Store) -> str:
    code, _ = issue_access_code(store, "P7")
    page = client.get("/portal/login")
    r = client.post("/portal/login", data={"code": code, "csrf_token": _form_token(page.text)})
    assert r.status_code == 200 and "Your choices" in r.text
    return client.cookies["ec_session"]


def test_portal_logout_ends_the_session_on_the_server(app: Any) -> None:
    client, store, _ = app
    session = _portal_sign_in(client, store)
    assert "P7" not in _decoded(session)  # the cookie holds a random id, not the participant
    home = client.get("/portal")
    nonce = client.cookies["ec_csrf"]
    token = _form_token(home.text)
    client.post("/portal/logout", data={"csrf_token": token})
    # the thief replays the old cookies: nothing changes
    client.cookies.set("ec_session", session, path="/portal")
    client.cookies.set("ec_csrf", nonce, path="/")
    replay = client.post("/portal/choice", data={"purpose": "recontact", "choice": "no", "csrf_token": token})
    assert replay.url.path == "/portal/login" or replay.status_code in (401, 403)
    assert Registry(store).status("P7", "recontact").decision.value == "permit"


def test_a_planted_csrf_cookie_is_not_a_token(app: Any) -> None:
    client, store, _ = app
    _portal_sign_in(client, store)
    client.cookies.set("ec_csrf", "attacker-chosen", path="/")
    r = client.post(
        "/portal/choice", data={"purpose": "recontact", "choice": "no", "csrf_token": "attacker-chosen"}
    )
    assert r.status_code == 403
    assert Registry(store).status("P7", "recontact").decision.value == "permit"


def test_csrf_is_rotated_at_sign_in(app: Any) -> None:
    client, store, _ = app
    client.get("/portal/login")
    before = client.cookies["ec_csrf"]
    _portal_sign_in(client, store)
    assert client.cookies["ec_csrf"] != before


def _review_sign_in(client: TestClient, token: str) -> str:
    page = client.get("/review/login")
    r = client.post(
        "/review/login", data={"token": token, "csrf_token": _form_token(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r.cookies["ec_staff"]  # the one staff session (reviews, training, staff home)


def _staff_sign_in(client: TestClient, token: str) -> None:
    page = client.get("/training/login")
    r = client.post(
        "/training/login", data={"token": token, "csrf_token": _form_token(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_the_reviewer_cookie_holds_no_token(app: Any) -> None:
    client, _, tokens = app
    cookie = _review_sign_in(client, tokens["rev"])
    secret = tokens["rev"].split("_", 2)[2]
    assert secret not in _decoded(cookie) and tokens["rev"].split("_")[1] not in _decoded(cookie)
    assert client.get("/review", follow_redirects=False).status_code == 200


def test_revoking_a_token_ends_its_page_sessions_at_once(app: Any) -> None:
    client, _store, tokens = app
    other = TestClient(client.app)  # a second browser: one staff session per browser
    _review_sign_in(client, tokens["rev"])
    _staff_sign_in(other, tokens["inv"])
    assert client.get("/review", follow_redirects=False).status_code == 200
    assert client.get("/training", follow_redirects=False).status_code == 200  # the same session
    assert other.get("/training", follow_redirects=False).status_code == 200
    admin = {"authorization": f"Bearer {tokens['boss']}"}
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert {t["user"] for t in listed} == {"rev", "inv", "boss"}
    assert all(set(t) == {"id", "user", "role", "created_at", "expires_at", "revoked_at"} for t in listed)
    for name in ("rev", "inv"):
        r = client.post(f"/api/v1/tokens/{tokens[name].split('_')[1]}/revoke", headers=admin)
        assert r.status_code == 200, r.text
    assert client.get("/review", follow_redirects=False).headers["location"] == "/review/login"
    assert client.get("/training", follow_redirects=False).headers["location"] == "/training/login"
    assert other.get("/training", follow_redirects=False).headers["location"] == "/training/login"
    assert client.post("/api/v1/tokens/abcdef/revoke", headers=admin).status_code == 404


def test_staff_logout_ends_the_session(app: Any) -> None:
    client, _, tokens = app
    _staff_sign_in(client, tokens["inv"])
    staff = client.cookies["ec_staff"]
    home = client.get("/training")
    client.post("/training/logout", data={"csrf_token": _form_token(home.text)})
    client.cookies.set("ec_staff", staff, path="/")
    assert client.get("/training", follow_redirects=False).status_code == 303


def test_tokens_list_and_revoke_on_the_cli(cli: Callable[..., Any]) -> None:
    assert cli("users", "add", "ana", "--role", "reviewer").code == 0
    made = cli("tokens", "new", "ana", "-f", "json")
    token = made.json()["token"]
    token_id = token.split("_")[1]
    listed = cli("tokens", "list", "-f", "json")
    assert listed.code == 0
    assert [(t["id"], t["user"], t["revoked_at"]) for t in listed.json()] == [(token_id, "ana", None)]
    assert token.split("_", 2)[2] not in listed.out
    assert cli("tokens", "revoke", token_id).code == 0
    assert cli("tokens", "list", "--user", "ana", "-f", "json").json()[0]["revoked_at"]
    assert cli("tokens", "revoke", "nosuch").code == 2


# ------------------------------------------------------------------ finding 3: lockout with back-off
def _portal_try(client: TestClient, code: str) -> int:
    page = client.get("/portal/login")
    return client.post("/portal/login", data={"code": code, "csrf_token": _form_token(page.text)}).status_code


def test_wrong_guesses_lock_the_code_out_with_back_off_and_are_audited(app: Any) -> None:
    from ethicompass.transparency import AuditLog

    client, store, _ = app
    code, _ = issue_access_code(store, "P7")
    lookup = code.split("-")[0]
    wrong = f"{lookup}-AAAA-AAAA" if not code.endswith("AAAA-AAAA") else f"{lookup}-BBBB-BBBB"
    statuses = [_portal_try(client, wrong) for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert _portal_try(client, code) == 429  # the real code waits out the lock too: guessing is over
    assert client.app.state.throttle.failures(f"code:{lookup}") == 5
    entries = [e for e in AuditLog(store).entries() if e.action == "auth.lockout"]
    assert entries and entries[0].object_type == "access_code" and entries[0].object_id == lookup
    assert entries[0].params["locked_seconds"] == 30.0


def test_back_off_doubles_and_success_clears(store: Store) -> None:
    from ethicompass.errors import TooManyAttemptsError
    from ethicompass.server._lockout import Throttle

    t = Throttle(store, free=2, free_address=3, base_seconds=30, cap_seconds=100)
    assert t.failed("code:A") == []
    assert t.failed("code:A") == [("code:A", 2, 30)]
    assert t.failed("code:A") == [("code:A", 3, 60)]
    assert t.failed("code:A") == [("code:A", 4, 100)]  # capped
    with pytest.raises(TooManyAttemptsError, match="try again in"):
        t.check("code:B", "code:A")
    assert t.failed("addr:x") == [] and t.failed("addr:x") == []
    t.succeeded("code:A")
    t.check("code:A")
