"""Issue 21, the web's front door: one staff sign-in (password or token, once) for every staff page, the
staff home by role, ``/`` with both doors, offline API docs, per-audience footers, and the written
justification a failed review needs to be signed off."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.accounts import check_password, set_password
from ethicompass.consent import Registry
from ethicompass.errors import AuthError, InputError
from ethicompass.review import ReviewStore
from ethicompass.server import ServerSettings, add_user, create_app, issue_token
from ethicompass.server._signin import safe_next
from ethicompass.store import Store
from ethicompass.transparency import AuditLog

PASSWORD = "correct horse battery staple"
PARTICIPANT_FOOTER = "You can change your mind at any time"
STAFF_FOOTER = "Staff pages of ethicompass"


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[TestClient, Store]]:
    store = Store(database_url).open()
    Registry(store).register_participants(["P7"], source="tests")
    for name, role in (
        ("rita", "reviewer"),
        ("ivan", "investigator"),
        ("dana", "data_manager"),
        ("ada", "admin"),
    ):
        add_user(store, name, role=role)
        set_password(store, name, PASSWORD)
    with TestClient(
        create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    ) as client:
        yield client, store
    store.dispose()


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _sign_in(client: TestClient, *, path: str = "/staff/login", **fields: str) -> Any:
    page = client.get(path)
    data = {"csrf_token": _form_token(page.text), **fields}
    return client.post(path, data=data, follow_redirects=False)


def test_one_password_sign_in_opens_reviews_training_and_the_staff_home(app: Any) -> None:
    client, store = app
    assert client.get("/review", follow_redirects=False).headers["location"] == "/review/login"
    r = _sign_in(client, username="rita", password=PASSWORD, next="/review")
    assert r.status_code == 303 and r.headers["location"] == "/review"
    assert set(client.cookies.keys()) >= {"ec_staff", "ec_csrf"} and "ec_review" not in client.cookies
    for path in ("/review", "/training", "/staff", "/training/matrix", "/staff/audit", "/staff/consent"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 200, (path, page.status_code)
        assert STAFF_FOOTER in page.text and PARTICIPANT_FOOTER not in page.text
    home = client.get("/staff").text
    for link in ('href="/review"', 'href="/training"', 'href="/staff/consent"', 'href="/staff/audit"'):
        assert link in home
    signed = [e for e in AuditLog(store).entries(action="auth.sign-in")]
    assert [(e.actor, e.params["method"]) for e in signed] == [(signed[0].actor, "password")]
    # one sign-out ends every staff page
    client.post("/staff/logout", data={"csrf_token": _form_token(home)})
    assert client.get("/training", follow_redirects=False).headers["location"] == "/training/login"


@pytest.mark.parametrize(
    ("user", "allowed", "refused"),
    [
        ("ivan", ["/training", "/staff/consent"], ["/review", "/staff/audit"]),
        ("dana", ["/training", "/staff/consent"], ["/review", "/staff/audit", "/training/matrix"]),
        ("ada", ["/review", "/training", "/staff/consent", "/staff/audit", "/training/matrix"], []),
    ],
)
def test_the_staff_home_offers_what_the_role_may_reach(
    app: Any, user: str, allowed: list[str], refused: list[str]
) -> None:
    client, _ = app
    assert _sign_in(client, username=user, password=PASSWORD).headers["location"] == "/staff"
    home = client.get("/staff").text
    for path in allowed:
        assert client.get(path).status_code == 200, path
        assert f'href="{path}"' in home or path == "/training/matrix"
    for path in refused:
        assert client.get(path).status_code == 403, path
        assert f'href="{path}"' not in home


def test_wrong_or_unknown_sign_ins_are_refused_alike_and_open_no_session(app: Any) -> None:
    client, store = app
    wrong = _sign_in(client, username="rita", password="not the password at all")
    unknown = _sign_in(client, username="nobody", password=PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "did not work" in wrong.text and wrong.text.count("did not work") == unknown.text.count(
        "did not work"
    )
    assert "ec_staff" not in client.cookies
    with pytest.raises(AuthError):
        check_password(store, "rita", PASSWORD + "x")
    add_user(store, "pat", role="participant", participant="P7")
    with pytest.raises(InputError, match="only staff"):
        set_password(store, "pat", PASSWORD)
    with pytest.raises(InputError, match="12 to 256"):
        set_password(store, "rita", "short")


def test_a_token_signs_in_once_and_is_never_shown(app: Any) -> None:
    client, store = app
    token = issue_token(store, "rita")
    r = _sign_in(client, path="/training/login", token=token, next="/training")
    assert r.status_code == 303 and r.headers["location"] == "/training"
    for path in ("/training", "/review", "/staff"):
        page = client.get(path)
        assert page.status_code == 200 and token not in page.text
        assert token.split("_", 2)[2] not in page.text
    login = client.get("/staff/login", follow_redirects=False)
    assert login.status_code == 303  # signed in already: no second form
    client.cookies.clear()
    form = client.get("/staff/login").text
    assert (
        'type="password"' in form.split('id="token"')[1].split(">")[0]
        or 'id="token" name="token" type="password"' in form
    )


def test_a_new_password_ends_open_sessions(app: Any) -> None:
    client, store = app
    _sign_in(client, username="ivan", password=PASSWORD)
    assert client.get("/training", follow_redirects=False).status_code == 200
    set_password(store, "ivan", PASSWORD + " two")
    assert client.get("/training", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        ("/review", "/review"),
        ("/training/matrix", "/training/matrix"),
        ("//evil.example/x", "/staff"),
        ("https://evil.example/", "/staff"),
        ("/reviewer-elsewhere", "/staff"),
        ("/portal", "/staff"),
        ("/\\evil.example", "/staff"),
    ],
)
def test_sign_in_goes_on_only_to_staff_pages(asked: str, sent: str) -> None:
    assert safe_next(asked) == sent


def test_the_start_page_offers_both_doors_and_docs_are_offline(app: Any) -> None:
    client, _ = app
    start = client.get("/")
    assert start.status_code == 200
    assert 'href="/portal/login"' in start.text and 'href="/staff/login"' in start.text
    assert PARTICIPANT_FOOTER not in start.text and STAFF_FOOTER not in start.text
    docs = client.get("/docs", follow_redirects=False)
    assert docs.status_code == 307 and docs.headers["location"] == "/api/v1/docs"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "cdn" not in page.text.lower() and "<script>" not in page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/start.js"]
    for src in [*scripts, "/api/v1/docs/assets/swagger-ui.css"]:
        asset = client.get(src)
        assert asset.status_code == 200 and len(asset.content) > 100, src
    assert (
        "SwaggerUIBundle" in client.get(scripts[0]).text[:2000]
        or len(client.get(scripts[0]).content) > 500_000
    )
    assert client.get("/api/v1/docs/assets/..%2Fconsts.py").status_code == 404
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "ethicompass"


def test_portal_pages_carry_the_participant_footer_only(app: Any) -> None:
    client, _ = app
    page = client.get("/portal/login")
    assert PARTICIPANT_FOOTER in page.text and STAFF_FOOTER not in page.text
    error = client.get("/review/999999")  # not signed in: the sign-in form, staff footer
    assert PARTICIPANT_FOOTER not in error.text


def test_consent_administration_issues_an_access_code_and_audits_it(app: Any) -> None:
    client, store = app
    _sign_in(client, username="dana", password=PASSWORD)
    page = client.get("/staff/consent")
    assert 'action="/staff/consent/access-code"' in page.text
    r = client.post(
        "/staff/consent/access-code", data={"participant": "P7", "csrf_token": _form_token(page.text)}
    )
    assert r.status_code == 200
    code = re.search(r'class="code">([A-Z0-9-]+)<', r.text)
    assert code and len(code.group(1)) == 14
    entries = AuditLog(store).entries(action="server.access-code-new")
    assert entries and entries[-1].object_id == code.group(1)[:4] and entries[-1].role == "data_manager"
    unknown = client.post(
        "/staff/consent/access-code", data={"participant": "NOBODY-999", "csrf_token": _form_token(page.text)}
    )
    assert unknown.status_code == 422
    client.cookies.clear()
    _sign_in(client, username="ivan", password=PASSWORD)
    assert 'action="/staff/consent/access-code"' not in client.get("/staff/consent").text
    forged = client.post(
        "/staff/consent/access-code",
        data={"participant": "P7", "csrf_token": _form_token(client.get("/staff/consent").text)},
    )
    assert forged.status_code == 403


def _failed_review(store: Store) -> int:
    report = {"study": "demo", "generated_at": "2026-12-07T00:00:00Z", "verdict": "fail", "principles": {}}
    with store.begin() as conn:
        return ReviewStore(store).insert(
            conn,
            report=report,
            html="<html></html>",
            hashes={"report.json": "sha256:" + "1" * 64, "report.html": "sha256:" + "2" * 64},
            actor="test",
            recorded_at="2026-12-07T00:00:00Z",
        )


def test_a_failed_review_is_signed_off_only_with_a_written_justification(app: Any) -> None:
    client, store = app
    review = _failed_review(store)
    token = issue_token(store, "rita")
    api = {"authorization": f"Bearer {token}"}
    for comment in ("", "   "):
        r = client.post(
            f"/api/v1/reviews/{review}/decision",
            json={"decision": "sign_off", "comment": comment},
            headers=api,
        )
        assert r.status_code == 422 and "justification" in r.json()["message"]
    _sign_in(client, username="rita", password=PASSWORD)
    page = client.get(f"/review/{review}")
    assert (
        "needs a written justification" in page.text
        and "required" in page.text.split('id="comment"')[1][:120]
    )
    refused = client.post(
        f"/review/{review}/decision",
        data={"decision": "sign_off", "comment": "", "csrf_token": _form_token(page.text)},
    )
    assert refused.status_code == 422 and STAFF_FOOTER in refused.text
    assert ReviewStore(store).sign_offs(review) == []
    why = "The failed check is a known artefact of the synthetic cohort; the sponsor accepts it in writing."
    done = client.post(
        f"/review/{review}/decision",
        data={"decision": "sign_off", "comment": why, "csrf_token": _form_token(page.text)},
    )
    assert done.status_code == 200 and "Justification:" in done.text and why in done.text
    [signoff] = ReviewStore(store).sign_offs(review)
    assert signoff.comment == why
    entry = AuditLog(store).entries(action="review.sign_off")[-1]
    assert entry.object_id == str(review) and entry.hashes["comment"].startswith("sha256:")


def test_users_password_reads_stdin_never_argv(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("users", "add", "lee", "--role", "reviewer").code == 0
    refused = cli("users", "password", "lee", PASSWORD)
    assert refused.code == 2  # no password argument exists
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    done = cli("users", "password", "lee", "-f", "json")
    assert done.code == 0 and json.loads(done.out) == {"name": "lee", "password_set": True}
    assert PASSWORD not in done.out
    store = Store.from_env().open()
    try:
        assert check_password(store, "lee", PASSWORD).name == "lee"
        assert AuditLog(store).entries(action="server.password-set")
    finally:
        store.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert cli("users", "password", "lee").code == 2
    assert cli("users", "full-name", "lee", "Lee Ann Fraser").code == 0
    assert cli("users", "full-name", "nobody", "X Y").code == 2
