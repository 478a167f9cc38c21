"""Reviewer pages through the ASGI app: sign in, list, open a report, compare, decide (CSRF, roles)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.review import ReviewStore
from ethicompass.server import ServerSettings, add_user, create_app, issue_token
from ethicompass.store import Store
from ethicompass.transparency import AuditLog

sys.path.insert(0, str(Path(__file__).parent))
from reviewweb import seed_reviews


@pytest.fixture
def site(
    tmp_path: Path, small_study: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Store, list[int], dict[str, str]]]:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    ids = seed_reviews(store, small_study, tmp_path / "out", monkeypatch)
    tokens = {}
    for name, role in (("rita", "reviewer"), ("ada", "admin"), ("ivan", "investigator")):
        add_user(store, name, role=role)
        tokens[role] = issue_token(store, name)
    app = create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    with TestClient(app) as client:
        yield client, store, ids, tokens
    store.dispose()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, token: str) -> Any:
    page = client.get("/review/login")
    return client.post("/review/login", data={"token": token, "csrf_token": _csrf(page.text)})


def test_reviewer_flow(site: Any) -> None:
    client, store, (first, second), tokens = site
    assert client.get("/review").url.path == "/review/login"
    assert client.get(f"/review/{first}/report").url.path == "/review/login"
    listing = _sign_in(client, tokens["reviewer"])
    assert listing.status_code == 200 and listing.url.path == "/review"
    assert f"Review {first}" in listing.text and f"Review {second}" in listing.text
    assert "awaiting review" in listing.text

    detail = client.get(f"/review/{first}")
    assert "Open the full report" in detail.text and ReviewStore(store).get(first).report_hash in detail.text

    report = client.get(f"/review/{first}/report")
    assert report.status_code == 200
    assert report.text == ReviewStore(store).html(first)
    csp = report.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp

    compare = client.get(f"/review/compare?a={first}&b={second}")
    assert compare.status_code == 200
    assert "privacy.k_anonymity" in compare.text
    assert "fairness.tpr" not in compare.text  # unchanged checks are not listed

    token = _csrf(detail.text)
    blank = client.post(
        f"/review/{first}/decision", data={"decision": "request_changes", "comment": "", "csrf_token": token}
    )
    assert blank.status_code == 422
    no_csrf = client.post(f"/review/{first}/decision", data={"decision": "sign_off", "comment": ""})
    assert no_csrf.status_code == 403
    done = client.post(
        f"/review/{first}/decision",
        data={"decision": "request_changes", "comment": "Raise k to 5.", "csrf_token": token},
    )
    assert done.status_code == 200 and "recorded in the audit log" in done.text
    assert "Changes requested" in done.text and "Raise k to 5." in done.text
    entries = AuditLog(store).entries(action="review.request_changes")
    assert len(entries) == 1 and entries[0].role == "reviewer" and entries[0].actor.startswith("user:")
    assert "Raise k" not in str(entries[0].to_dict())
    signed = client.post(
        f"/review/{second}/decision", data={"decision": "sign_off", "comment": "", "csrf_token": token}
    )
    assert "Signed off" in signed.text
    assert AuditLog(store).verify().ok

    out = client.post("/review/logout", data={"csrf_token": token})
    assert out.url.path == "/review/login"
    assert client.get("/review").url.path == "/review/login"


def test_roles_and_errors(site: Any) -> None:
    client, _, _, tokens = site
    bad = _sign_in(client, tokens["investigator"])
    assert bad.status_code == 401 and "not belong to a reviewer" in bad.text
    wrong = _sign_in(client, "ect_nothing_here")
    assert wrong.status_code == 401
    header = {"Authorization": f"Bearer {tokens['investigator']}"}
    assert client.get("/review", headers=header).status_code == 403
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    assert client.get("/review", headers=admin).status_code == 200
    assert client.get("/review/99999", headers=admin).status_code == 404
    assert client.get("/review/99999/report", headers=admin).status_code == 404
    css = client.get("/review/review.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_compare_refuses_different_studies(site: Any) -> None:
    client, store, (first, second), tokens = site
    from ethicompass.store._review_tables import review_reports

    with store.begin() as conn:
        conn.execute(review_reports.update().where(review_reports.c.id == first).values(study="other"))
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    assert client.get(f"/review/compare?a={first}&b={second}", headers=admin).status_code == 409


def test_json_api(site: Any) -> None:
    client, store, (first, second), tokens = site
    reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    listed = client.get("/api/v1/reviews", headers=reviewer).json()
    assert [r["id"] for r in listed] == [second, first]
    assert listed[0]["policy"]["name"] and listed[0]["status"] == "awaiting review"
    one = client.get(f"/api/v1/reviews/{first}", headers=reviewer).json()
    assert one["report"]["verdict"] == "fail" and one["decisions"] == []
    changes = client.get(f"/api/v1/reviews/compare?a={first}&b={second}", headers=reviewer).json()
    assert [c["id"] for c in changes] == ["privacy.k_anonymity"]
    assert changes[0]["before"] == {"verdict": "fail", "value": 2}
    missing = client.post(
        f"/api/v1/reviews/{first}/decision", json={"decision": "request_changes"}, headers=reviewer
    )
    assert missing.status_code == 422
    made = client.post(
        f"/api/v1/reviews/{first}/decision",
        json={"decision": "request_changes", "comment": "Raise k."},
        headers=reviewer,
    )
    assert made.status_code == 201 and made.json()["decision"] == "request_changes"
    assert client.get(f"/api/v1/reviews/{first}", headers=reviewer).json()["status"] == "Changes requested"
    assert len(AuditLog(store).entries(action="review.request_changes")) == 1
    investigator = {"Authorization": f"Bearer {tokens['investigator']}"}
    assert client.get("/api/v1/reviews", headers=investigator).status_code == 403
    assert client.get("/api/v1/reviews").status_code == 401
