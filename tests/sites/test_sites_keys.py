"""Site keys pinned in advance (SQLite and PostgreSQL): an upload is accepted only when signed by a key an
administrator registered for its site; refusals are 403 with nothing stored and audited; keys are added,
listed and revoked from the CLI and the admin API; ``sites_0002`` registers the keys of uploads stored
before pinning existed."""

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
    for name, role in (("A", "site"), ("B", "site"), ("ada", "admin"), ("rita", "reviewer")):
        add_user(store, name, role=role)
        tokens[name] = issue_token(store, name)
    app = create_app(store, settings=ServerSettings(secret_key="test-secret", secure_cookies=False))
    with TestClient(app) as client:
        yield client, tokens, store
    store.dispose()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(client: TestClient, token: str, data: bytes) -> Any:
    return client.post(
        "/api/v1/sites/uploads",
        content=data,
        headers=_auth(token) | {"Content-Type": "application/octet-stream"},
    )


def _public(fed: Any, site: str) -> str:
    """The site's public key as base64 (what `audit keygen` prints and the site sends the administrator)."""
    import base64

    from ethicompass.transparency import load_signing_key
    from ethicompass.transparency._checkpoint import public_key_of

    return base64.b64encode(public_key_of(load_signing_key(fed.root / f"{site}.pem"))).decode()


def _key_id(fed: Any, site: str) -> str:
    return str(next(f.key_id for f in fed.files if f.site == site))


def _count(store: Store, table: str, where: str = "") -> int:
    with store.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} {where}")).scalar_one())


def _actions(store: Store) -> list[dict[str, Any]]:
    with store.connect() as conn:
        return [
            json.loads(r[0])
            for r in conn.execute(sa.text("SELECT entry_json FROM audit_entries ORDER BY seq"))
        ]


def test_upload_needs_a_pinned_key(server: Any, three_sites: Any, guarded_sites: Any) -> None:
    from ethicompass.sites import review_uploads

    client, tokens, store = server
    raw_a = (three_sites.root / "A.ecsite").read_bytes()
    # no key registered for A: 403 with the error model, nothing stored, the refusal audited
    refused = _post(client, tokens["A"], raw_a)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert set(body) >= {"error", "message", "hint"}
    assert "no registered key" in body["message"] and "site-keys add" in body["hint"]
    assert _count(store, "site_uploads") == 0
    # the administrator pins A's key through the API (a reviewer may read the keys, not add them)
    new = {"site": "A", "public_key": _public(three_sites, "A")}
    assert client.post("/api/v1/sites/keys", json=new, headers=_auth(tokens["rita"])).status_code == 403
    added = client.post("/api/v1/sites/keys", json=new, headers=_auth(tokens["ada"]))
    assert added.status_code == 201, added.text
    fingerprint = added.json()["key_id"]
    assert fingerprint == _key_id(three_sites, "A") and len(fingerprint) == 64
    again = client.post("/api/v1/sites/keys", json=new, headers=_auth(tokens["ada"]))
    assert again.status_code == 409 and "already registered" in again.json()["message"]
    # the same key for another site: refused, a key belongs to one site
    other = client.post(
        "/api/v1/sites/keys",
        json={"site": "B", "public_key": new["public_key"]},
        headers=_auth(tokens["ada"]),
    )
    assert other.status_code == 409 and "another site" in other.json()["message"]
    # a path is never read from a request: only base64 or PEM
    path = client.post(
        "/api/v1/sites/keys", json={"site": "B", "public_key": "/etc/hostname"}, headers=_auth(tokens["ada"])
    )
    assert path.status_code == 422
    listed = client.get("/api/v1/sites/keys", headers=_auth(tokens["rita"])).json()
    assert [(k["site"], k["key_id"], k["source"], k["revoked_at"]) for k in listed] == [
        ("A", fingerprint, "admin", None)
    ]
    assert _post(client, tokens["A"], raw_a).status_code == 201
    # A's token with a file signed by another key (A of the guarded federation): 403, not stored, audited
    wrong_key = _post(client, tokens["A"], (guarded_sites.root / "A.ecsite").read_bytes())
    assert wrong_key.status_code == 403 and "not the site's registered key" in wrong_key.json()["message"]
    assert _count(store, "site_uploads") == 1
    register_keys(store, three_sites, ["B"])
    assert _post(client, tokens["B"], (three_sites.root / "B.ecsite").read_bytes()).status_code == 201
    # revoking A's key: its files are refused, and its stored upload is not reviewed any more
    revoked = client.post(f"/api/v1/sites/keys/A/{fingerprint[:12]}/revoke", headers=_auth(tokens["ada"]))
    assert revoked.status_code == 200 and revoked.json()["key_id"] == fingerprint, revoked.text
    assert (
        client.post(f"/api/v1/sites/keys/A/{fingerprint}/revoke", headers=_auth(tokens["ada"])).status_code
        == 404
    )
    after = _post(client, tokens["A"], raw_a)
    assert after.status_code == 403 and "revoked" in after.json()["message"]
    with pytest.raises(Exception, match=r"site 'A'.*revoked"):
        review_uploads(store, str(three_sites.study.name), policy_text=MIN1, actor="user:4")
    entries = _actions(store)
    refusals = [e for e in entries if e["action"] == "site.upload-refuse"]
    assert [e["object_id"] for e in refusals] == ["A", "A", "A"]
    assert [e["action"] for e in entries if e["action"].startswith("site.key")] == [
        "site.key-add",
        "site.key-add",
        "site.key-revoke",
    ]
    # a revoked key is never registered again
    assert client.post("/api/v1/sites/keys", json=new, headers=_auth(tokens["ada"])).status_code == 409
    # the reviewer's page says which site's current file is under a key no longer registered
    import re

    login = client.get("/review/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf
    client.post("/review/login", data={"token": tokens["rita"], "csrf_token": csrf.group(1)})
    page = client.get("/review/sites")
    assert page.status_code == 200
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<tr>\s*<td>(\w)</td>(.*?)</tr>", page.text, re.S)}
    assert "not registered now" in rows["A"] and "(registered)" in rows["B"], page.text


def test_site_keys_cli(cli: Any, three_sites: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "A.pub"
    key_file.write_text(_public(three_sites, "A") + "\n")
    r = cli("site-keys", "add", "A", "--public-key", key_file, "--format", "json")
    assert r.code == 0, r.err
    fingerprint = r.json()["key_id"]
    assert fingerprint == _key_id(three_sites, "A")
    assert cli("site-keys", "add", "A", "--public-key", key_file).code == 2  # already registered
    assert cli("site-keys", "add", "B", "--public-key", "not a key").code == 2
    listed = cli("site-keys", "list", "--format", "json")
    assert [(k["site"], k["key_id"]) for k in listed.json()] == [("A", fingerprint)]
    assert fingerprint[:16] in cli("site-keys", "list").out
    assert cli("site-keys", "revoke", "A", "abc").code == 2  # too short to name a key
    r = cli("site-keys", "revoke", "A", fingerprint[:10], "--format", "json")
    assert r.code == 0 and r.json()["key_id"] == fingerprint
    assert cli("site-keys", "list", "--format", "json").json()[0]["revoked_at"] is not None


def _old_release(url: str, content: str, fed: Any) -> None:
    """The schema before ``sites_0002`` with one stored upload (accepted under trust on first use)."""
    import hashlib

    from alembic import command

    from ethicompass.store._engine import _alembic_config

    store = Store(url)
    store.open(migrate=False)
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for head in sorted(Store.head_revisions()):
            command.upgrade(cfg, "sites_0001" if head.startswith("sites_") else head)
    f = next(x for x in fed.files if x.site == "A")
    body = f.body
    with store.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO site_uploads (study, site, created_at, manifest_hash, policy_hash, policy_name, "
                "policy_version, key_id, checkpoint_size, file_hash, content, uploaded_by, uploaded_at) VALUES "
                "(:study, 'A', :created, :mh, :ph, :pn, :pv, :kid, :size, :fh, :content, 'user:1', "
                "'2026-12-01T00:00:00Z')"
            ),
            {
                "study": body["study"],
                "created": body["created_at"],
                "mh": body["manifest"]["hash"],
                "ph": body["policy"]["hash"],
                "pn": body["policy"]["name"],
                "pv": str(body["policy"]["version"]),
                "kid": f.key_id,
                "size": int(body["checkpoint"]["tree_size"]),
                "fh": "sha256:" + hashlib.sha256(f.signed_bytes).hexdigest(),
                "content": content,
            },
        )
    store.dispose()


def test_migration_registers_the_keys_of_stored_uploads(database_url: str, three_sites: Any) -> None:
    from ethicompass.sites import list_site_keys, review_uploads, upload_site_file

    _old_release(database_url, (three_sites.root / "A.ecsite").read_text(), three_sites)
    store = Store(database_url).open()
    try:
        assert store.current_revisions() == Store.head_revisions()
        keys = list_site_keys(store)
        assert [(k["site"], k["key_id"], k["source"], k["revoked_at"]) for k in keys] == [
            ("A", _key_id(three_sites, "A"), "migration", None)
        ]
        # the upgraded server accepts B only once B's key is pinned; A's stored upload still reviews
        with pytest.raises(Exception, match="no registered key"):
            upload_site_file(
                store, (three_sites.root / "B.ecsite").read_bytes(), site="B", actor="user:2", role="site"
            )
        register_keys(store, three_sites, ["B", "C"])
        for site in ("B", "C"):
            raw = (three_sites.root / f"{site}.ecsite").read_bytes()
            upload_site_file(store, raw, site=site, actor="user:2", role="site")
        review_id = review_uploads(store, str(three_sites.study.name), policy_text=MIN1, actor="user:4")
        assert review_id > 0
    finally:
        store.dispose()
