"""Playwright in Debian's Chromium: a reviewer runs the federated review over three sites' uploads and
reads its sites and heterogeneity on the review page (and axe-core finds no serious violation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parents[1] / "review" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def live(
    three_sites: Any, tmp_path_factory: pytest.TempPathFactory, live_server_factory: Any
) -> Iterator[dict[str, Any]]:
    """A server whose three sites have uploaded their files, and a reviewer's token."""
    from tests.sites.conftest import register_keys

    from ethicompass.server import add_user, issue_token
    from ethicompass.sites import upload_site_file
    from ethicompass.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('live-sites') / 'state.db'}"
    store = Store(url).open()
    register_keys(store, three_sites)
    for site in ("A", "B", "C"):
        raw = (three_sites.root / f"{site}.ecsite").read_bytes()
        upload_site_file(store, raw, site=site, actor=f"site:{site}", role="site")
    add_user(store, "rita", role="reviewer")
    token = issue_token(store, "rita")
    store.dispose()
    with live_server_factory(url) as base:
        yield {"base": base, "token": token, "study": str(three_sites.study.name)}


def _axe(page: Any, name: str) -> None:
    import json

    if not AXE.is_file():
        return  # tests/review/test_review_browser.py reports a missing axe-core
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help})); }"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {json.dumps(bad, indent=1)}"


def test_reviewer_multi_site_view(live: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_navigation_timeout(180_000)  # the federated review runs in the request (bootstraps)
    page.goto(f"{live['base']}/review/sites")
    assert "/review/login" in page.url
    page.get_by_label("API token").fill(live["token"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Multi-site uploads")).to_be_visible()
    table = page.get_by_role("table")
    for site in ("A", "B", "C"):
        expect(table.get_by_role("cell", name=site, exact=True)).to_be_visible()
    _axe(page, "uploads")
    page.get_by_label("The committee's policy").fill("sites:\n  min_cell_size: 1\n  score_bins: null\n")
    page.get_by_role("button", name=f"Run the federated review of {live['study']}").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(live["study"], timeout=180_000)
    expect(page.get_by_role("heading", name="Multi-site review")).to_be_visible()
    provenance = page.get_by_role("table").filter(has_text="Provenance")
    for site in ("A", "B", "C"):
        expect(provenance.get_by_role("cell", name=site, exact=True)).to_be_visible()
    heterogeneity = page.get_by_role("table").filter(has_text="heterogeneity")
    for metric in ("TPR", "FPR", "AUROC"):
        expect(heterogeneity.get_by_role("cell", name=metric, exact=True)).to_be_visible()
    page.screenshot(path=str(tmp_path / "multi-site.png"), full_page=True)
    _axe(page, "multi-site review")

    page.get_by_role("link", name="Reviews", exact=True).first.click()
    expect(page.locator(".badge.multi-site")).to_have_count(1)
    context.close()
