"""The participant portal through the ASGI app: sign in, change a choice, withdraw, history, CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.server import ServerSettings, create_app, issue_access_code
from ethicompass.store import Store


@pytest.fixture
def portal(tmp_path: Any) -> Iterator[tuple[TestClient, Store]]:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    reg = Registry(store)
    reg.register_participants(["P7"], source="tests")
    reg.grant("P7", "primary-study")
    reg.grant("P7", "ai-model-training")
    app = create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    with TestClient(app) as client:
        yield client, store
    store.dispose()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, store: Store) -> None:
    code, _ = issue_access_code(store, "P7")
    page = client.get("/portal/login")
    response = client.post("/portal/login", data={"code": code.lower(), "csrf_token": _csrf(page.text)})
    assert response.status_code == 200 and "Your choices" in response.text
    # the form token from before sign-in is void inside the session (rotated and bound at login)
    stale = client.post("/portal/login", data={"code": code, "csrf_token": _csrf(page.text)})
    assert stale.status_code == 403
    again = client.post(
        "/portal/login", data={"code": code, "csrf_token": _csrf(client.get("/portal/login").text)}
    )
    assert again.status_code == 401


def test_portal_flow(portal: Any) -> None:
    client, store = portal
    assert client.get("/portal").url.path == "/portal/login"
    _sign_in(client, store)
    home = client.get("/portal")
    assert "Use my data to build and test computer models" in home.text
    token = _csrf(home.text)
    saved = client.post(
        "/portal/choice", data={"purpose": "ai-model-training", "choice": "no", "csrf_token": token}
    )
    assert "Your choice is saved." in saved.text
    reg = Registry(store)
    assert reg.status("P7", "ai-model-training").reason == "withdrawn"
    client.post("/portal/choice", data={"purpose": "recontact", "choice": "yes", "csrf_token": token})
    confirm = client.get("/portal/withdraw-all")
    done = client.post("/portal/withdraw-all", data={"csrf_token": _csrf(confirm.text)})
    assert "withdrawn from everything" in done.text
    assert all(s.decision.value == "deny" for s in reg.statuses("P7"))
    history = client.get("/portal/history")
    assert history.text.count("You withdrew") == 3
    # the participant id is never shown; the random CSRF token (32 URL-safe characters) is left out of the check,
    # as it holds any two characters now and then
    assert "P7" not in re.sub(r'name="csrf_token" value="[^"]+"', "", history.text)


def test_csrf_required(portal: Any) -> None:
    client, store = portal
    _sign_in(client, store)
    response = client.post("/portal/choice", data={"purpose": "recontact", "choice": "yes"})
    assert response.status_code == 403
    response = client.post(
        "/portal/choice", data={"purpose": "recontact", "choice": "yes", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert Registry(store).status("P7", "recontact").reason == "no-consent-record"


def test_bad_code(portal: Any) -> None:
    client, _ = portal
    page = client.get("/portal/login")
    response = client.post("/portal/login", data={"code": "AAAA-BBBB-CCCC", "csrf_token": _csrf(page.text)})
    assert response.status_code == 401 and "did not work" in response.text
