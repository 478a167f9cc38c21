"""A federated review run from the command line appears on the reviewer's pages like one run on the server:
stored with its multi-site record (provenance, heterogeneity, drivers), marked multi-site in the list, and
its page shows the multi-site section."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.sites.conftest import Federation


def _policy_file(fed: Federation, tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(fed.policy.to_dict()), encoding="utf-8")
    return path


def test_cli_federated_review_is_multi_site_on_the_web(
    cli: Callable[..., Any], three_sites: Federation, tmp_path: Path
) -> None:
    from ethicompass.server import ServerSettings, add_user, create_app, issue_token
    from ethicompass.sites import multi_site_reviews, site_review_detail
    from ethicompass.store import Store

    paths = [three_sites.root / f"{s}.ecsite" for s in ("A", "B", "C")]
    out = tmp_path / "out"
    result = cli(
        "federate", "review", *paths, "--policy", _policy_file(three_sites, tmp_path), "--out", out,
        "--no-fail", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    review_id = result.json()["review_id"]
    assert isinstance(review_id, int)
    store = Store(f"sqlite:///{tmp_path / 'cli-state.db'}").open()  # the cli fixture's state database
    try:
        assert review_id in multi_site_reviews(store)
        detail = site_review_detail(store, review_id)
        assert detail == json.loads((out / "sites.json").read_text())  # the same record the server keeps
        assert [p["site"] for p in detail["provenance"]] == ["A", "B", "C"]
        assert {h["metric"] for h in detail["heterogeneity"]} == {"tpr", "fpr", "auroc"}
        add_user(store, "rita", role="reviewer")
        token = issue_token(store, "rita")
        app = create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
        with TestClient(app) as client:
            page = client.get("/review/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            client.post("/review/login", data={"token": token, "csrf_token": csrf.group(1)})
            listing = client.get("/review")
            assert listing.status_code == 200 and 'class="badge multi-site"' in listing.text
            shown = client.get(f"/review/{review_id}")
            assert shown.status_code == 200
            assert 'id="multi-site"' in shown.text and "Cochran" in shown.text
    finally:
        store.dispose()
