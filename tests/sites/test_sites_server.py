"""Site uploads on the server: the ``site`` role, verification of each upload, the one-file-per-site rule,
and the federated review a reviewer runs over the uploads (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.sites.conftest import register_keys

from ethicompass.server import ServerSettings, add_user, create_app, issue_token
from ethicompass.store import Store

MIN1 = "sites:\n  min_cell_size: 1\n  score_bins: null\n"


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    store = Store(database_url).open()
    tokens = {}
    for name, role in (
        ("A", "site"),
        ("B", "site"),
        ("C", "site"),
        ("rita", "reviewer"),
        ("ivy", "investigator"),
    ):
        add_user(store, name, role=role)
        tokens[name] = issue_token(store, name)
    app = create_app(store, settings=ServerSettings(secret_key="test-secret", secure_cookies=False))
    with TestClient(app) as client:
        yield client, tokens, store
    store.dispose()


def _post(client: TestClient, token: str, data: bytes) -> Any:
    return client.post(
        "/api/v1/sites/uploads",
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
    )


def _raw(fed: Any, site: str) -> bytes:
    return (fed.root / f"{site}.ecsite").read_bytes()


def test_uploads_roles_and_federated_review(server: Any, three_sites: Any, guarded_sites: Any) -> None:
    from ethicompass.review import ReviewStore
    from ethicompass.sites import multi_site_reviews, review_uploads, site_review_detail

    client, tokens, store = server
    register_keys(store, three_sites)
    register_keys(store, guarded_sites, ["B"])  # B has two keys (a rotation under way)
    first = _post(client, tokens["A"], _raw(three_sites, "A"))
    assert first.status_code == 201, first.text
    assert first.json()["site"] == "A" and first.json()["replaced"] is False
    # another site's file with A's token: 403, nothing stored
    wrong = _post(client, tokens["A"], _raw(three_sites, "B"))
    assert wrong.status_code == 403 and "'A'" in wrong.json()["message"], wrong.text
    # the same site again with the same checkpoint: 409 (a replacement needs a newer checkpoint)
    again = _post(client, tokens["A"], _raw(three_sites, "A"))
    assert again.status_code == 409 and "newer checkpoint" in again.json()["message"], again.text
    # a file under another policy than the study's other uploads: 422 naming the site and the policy
    other = _post(client, tokens["B"], _raw(guarded_sites, "B"))
    assert other.status_code == 422, other.text
    assert "site 'B'" in other.json()["message"] and "policy" in other.json()["message"]
    # a changed count breaks the signature: 422 naming the site
    data = json.loads(_raw(three_sites, "B"))
    data["body"]["fairness"]["tables"][0]["rows"][0][-4] += 1
    tampered = _post(client, tokens["B"], json.dumps(data).encode())
    assert tampered.status_code == 422 and "site 'B'" in tampered.json()["message"], tampered.text
    assert "signature" in tampered.json()["message"]
    garbage = _post(client, tokens["B"], b"not json")
    assert garbage.status_code == 422 and "the upload" in garbage.json()["message"], garbage.text
    assert _post(client, tokens["rita"], _raw(three_sites, "B")).status_code == 403
    for site in ("B", "C"):
        assert _post(client, tokens[site], _raw(three_sites, site)).status_code == 201
    # a site lists only its own uploads, a reviewer every one; the site token reaches nothing else
    own = client.get("/api/v1/sites/uploads", headers={"Authorization": f"Bearer {tokens['B']}"}).json()
    assert [u["site"] for u in own] == ["B"] and "content" not in own[0]
    every = client.get("/api/v1/sites/uploads", headers={"Authorization": f"Bearer {tokens['rita']}"}).json()
    assert sorted(u["site"] for u in every) == ["A", "B", "C"]
    for path in ("/api/v1/me", "/api/v1/reviews", "/api/v1/consent/purposes"):
        assert client.get(path, headers={"Authorization": f"Bearer {tokens['A']}"}).status_code == 403
    assert (
        client.get("/api/v1/sites/uploads", headers={"Authorization": f"Bearer {tokens['ivy']}"}).status_code
        == 403
    )
    with store.connect() as conn:
        actions = [r.action for r in conn.execute(sa.text("SELECT action FROM audit_entries"))]
    assert actions.count("site.upload") == 3
    assert actions.count("site.upload-refuse") == 1  # A's token with B's file
    # the federated review over the uploads lands in the review store, marked multi-site
    review_id = review_uploads(store, str(three_sites.study.name), policy_text=MIN1, actor="user:4")
    assert ReviewStore(store).get(review_id).study == three_sites.study.name
    assert review_id in multi_site_reviews(store)
    detail = site_review_detail(store, review_id)
    assert detail is not None
    assert [p["site"] for p in detail["provenance"]] == ["A", "B", "C"]
    assert {h["metric"] for h in detail["heterogeneity"]} == {"tpr", "fpr", "auroc"}
    with pytest.raises(Exception, match="policy"):
        review_uploads(store, str(three_sites.study.name), policy_text="", actor="user:4")


def test_replacement_needs_newer_checkpoint(sqlite_url: str, three_sites: Any, tmp_path: Path) -> None:
    """A site summarising again (its audit log grew) replaces its upload; the old row stays, marked."""
    from ethicompass.sites import list_uploads, summarize_site, upload_site_file
    from ethicompass.study import Study
    from ethicompass.transparency import load_signing_key

    store = Store(sqlite_url).open()
    register_keys(store, three_sites, ["A"])
    try:
        root = three_sites.root
        upload_site_file(store, _raw(three_sites, "A"), site="A", actor="user:1", role="site")
        site_store = Store(f"sqlite:///{root / 'A.db'}").open()
        try:
            summarize_site(
                Study.from_file(root / "split" / "A" / "study.yaml"),
                site="A",
                policy=three_sites.policy,
                store=site_store,
                key=load_signing_key(root / "A.pem"),
                out=tmp_path / "A.ecsite",
            )
        finally:
            site_store.dispose()
        newer = upload_site_file(
            store, (tmp_path / "A.ecsite").read_bytes(), site="A", actor="user:1", role="site"
        )
        assert newer["replaced"] is True
        rows = list_uploads(store, site="A")
        assert [r["replaced_at"] is None for r in rows] == [True, False]
        assert len(list_uploads(store, live=True)) == 1
    finally:
        store.dispose()
