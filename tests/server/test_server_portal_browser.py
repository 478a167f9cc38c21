"""Playwright in Debian's Chromium against a real uvicorn server on 127.0.0.1: the portal end to end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER = """
import sys, uvicorn
from ethicompass.server import ServerSettings, create_app
from ethicompass.store import Store
store = Store(sys.argv[1]).open()
app = create_app(store, settings=ServerSettings(secret_key="browser-test", secure_cookies=False))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning")
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="needs Debian's chromium (scripts/ensure-chromium.sh)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str], str]]:
    from ethicompass.consent import Registry
    from ethicompass.server import issue_access_code
    from ethicompass.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'state.db'}"
    store = Store(url).open()
    reg = Registry(store)
    for purpose in ("primary-study", "secondary-research", "ai-model-training"):
        reg.grant("P0000042", purpose)
    codes = [issue_access_code(store, "P0000042")[0] for _ in range(3)]
    store.dispose()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the server exited")
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base, codes, url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
