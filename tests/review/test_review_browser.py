"""Playwright in Debian's Chromium: the report and the reviewer pages load, screenshot, and pass axe-core.

Accessibility: axe-core (pinned in tests/review/a11y/package-lock.json, installed by ``make test``
through ``tests/review/a11y/ensure-axe.sh``) is injected into each page; no ``serious`` or
``critical`` violation is allowed. Screenshots go to the test's tmp dir and must be non-empty PNGs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def live(
    real_review: Any, tmp_path_factory: pytest.TempPathFactory, live_server_factory: Any
) -> Iterator[dict[str, Any]]:
    """A server over a copy of the session's review database, plus a second review and a reviewer."""
    from ethicompass._time import now_iso as utc_now
    from ethicompass.review import ReviewStore
    from ethicompass.server import add_user, issue_token
    from ethicompass.store import Store

    tmp = tmp_path_factory.mktemp("live-review")
    shutil.copy(real_review.url.removeprefix("sqlite:///"), tmp / "state.db")
    url = f"sqlite:///{tmp / 'state.db'}"
    store = Store(url).open()
    reviews = ReviewStore(store)
    first = reviews.list()[0]
    report = reviews.report(first.id)
    changed = json.loads(json.dumps(report))
    check = changed["principles"]["privacy"]["checks"][0]
    check["verdict"], check["value"] = ("fail" if check["verdict"] != "fail" else "pass"), "changed"
    with store.begin() as conn:
        second = reviews.insert(
            conn,
            report=changed,
            html=reviews.html(first.id),
            hashes={"report.json": "sha256:" + "0" * 64, "report.html": first.html_hash},
            actor="test",
            recorded_at=utc_now(),
        )
    add_user(store, "rita", role="reviewer")
    token = issue_token(store, "rita")
    store.dispose()
    with live_server_factory(url) as base:
        yield {"base": base, "token": token, "first": first.id, "second": second, "check": check["id"]}


def _shot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 2000, path


def _axe(page: Any, name: str) -> None:
    """Run axe-core in the page; fail on serious or critical violations."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run tests/review/a11y/ensure-axe.sh")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {json.dumps(bad, indent=1)}"


def test_reviewer_pages_and_report(live: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, first, second = live["base"], live["first"], live["second"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/review")
    assert page.url.endswith("/review/login")
    expect(page.get_by_role("heading", name="Reviewer sign in")).to_be_visible()
    _shot(page, tmp_path / "login.png")
    _axe(page, "login")
    page.get_by_label("API token").fill(live["token"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Ethics reviews")).to_be_visible()
    expect(page.get_by_role("link", name=f"Review {first}", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"Review {second}", exact=True)).to_be_visible()
    _shot(page, tmp_path / "list.png")
    _axe(page, "list")

    page.get_by_role("link", name=f"Review {second}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Review {second}")
    expect(page.get_by_role("link", name="Open the full report")).to_be_visible()
    _shot(page, tmp_path / "detail.png")
    _axe(page, "detail")

    page.get_by_label("Earlier or other review").select_option(str(first))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("table")).to_contain_text(live["check"])
    _shot(page, tmp_path / "compare.png")
    _axe(page, "compare")

    page.go_back()
    page.get_by_label("Request changes").check()
    page.get_by_label("Comment").fill("Please explain the k-anonymity change.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("recorded in the audit log")
    expect(page.locator(".signoff")).to_contain_text("Changes requested")

    page.goto(f"{base}/review/{first}/report")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".overall .badge")).to_be_visible()
    assert page.locator("svg").count() >= 1
    assert page.locator("h2").count() >= 6
    _shot(page, tmp_path / "report.png")
    _axe(page, "report")
    context.close()


def test_report_loads_offline_without_requests(real_review: Any, browser: Any, tmp_path: Path) -> None:
    """Opened from disk with the network blocked, the report renders and asks for nothing."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(real_review.output.html_path.as_uri())
    assert page.get_by_role("heading", level=1).is_visible()
    _shot(page, tmp_path / "report-offline.png")
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.emulate_media(media="print")
    pdf_like = page.locator("h1").first.is_visible()
    assert pdf_like
    context.close()
