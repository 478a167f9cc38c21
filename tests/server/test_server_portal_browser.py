"""Playwright in Debian's Chromium against a real uvicorn server on 127.0.0.1: the portal end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, live_server_factory: Any
) -> Iterator[tuple[str, list[str], str]]:
    from ethicompass.consent import Registry
    from ethicompass.server import issue_access_code
    from ethicompass.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'state.db'}"
    store = Store(url).open()
    reg = Registry(store)
    reg.register_participants(["P0000042"], source="tests")
    for purpose in ("primary-study", "secondary-research", "ai-model-training"):
        reg.grant("P0000042", purpose)
    codes = [issue_access_code(store, "P0000042")[0] for _ in range(3)]
    store.dispose()
    with live_server_factory(url) as base:
        yield base, codes, url


def _sign_in(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/portal")
    assert page.url.endswith("/portal/login")
    page.get_by_label("Access code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your choices").wait_for()


def test_sign_in_change_withdraw_history(live_server: Any, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, codes, url = live_server
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _sign_in(page, base, codes[0])
    card = page.locator("#purpose-ai-model-training")
    expect(card.locator(".current")).to_contain_text("Yes")
    card.get_by_role("button", name="No").click()
    expect(page.get_by_role("status")).to_contain_text("Your choice is saved.")
    expect(page.locator("#purpose-ai-model-training .current")).to_contain_text("No")
    page.locator("#purpose-recontact").get_by_role("button", name="Yes").click()
    expect(page.locator("#purpose-recontact .current")).to_contain_text("Yes")
    # withdraw from everything: two clicks
    page.get_by_role("link", name="Withdraw from everything").click()
    page.get_by_role("button", name="Yes, withdraw from everything").click()
    expect(page.get_by_role("status")).to_contain_text("withdrawn from everything")
    assert page.locator(".current strong", has_text="Yes").count() == 0
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("table")).to_contain_text("You withdrew")
    assert page.get_by_role("row").count() >= 8
    # mobile: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / "history.png"))
    context.close()

    from ethicompass.consent import Registry
    from ethicompass.store import Store

    store = Store(url).open()
    assert all(s.decision.value == "deny" for s in Registry(store).statuses("P0000042"))
    store.dispose()


def test_code_is_one_time_and_forms_need_csrf(live_server: Any, browser: Any) -> None:
    base, codes, _ = live_server
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, codes[1])
    context.close()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/portal/login")
    page.get_by_label("Access code").fill(codes[1])
    page.get_by_role("button", name="Sign in").click()
    assert "did not work" in page.get_by_role("alert").inner_text()
    response = page.request.post(f"{base}/portal/choice", form={"purpose": "recontact", "choice": "yes"})
    assert response.status == 403
    context.close()
