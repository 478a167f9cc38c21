"""Playwright in Debian's Chromium against a real uvicorn server: read a module, fail, pass, certificate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

COURSE = "privacy-security"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, live_server_factory: Any
) -> Iterator[tuple[str, str]]:
    from ethicompass.server import add_user, issue_token
    from ethicompass.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('live-training') / 'state.db'}"
    store = Store(url).open()
    add_user(store, "ines", role="investigator")
    token = issue_token(store, "ines")
    store.dispose()
    with live_server_factory(url) as base:
        yield base, token


def _answer(page: Any, *, right: bool) -> None:
    from ethicompass.training import get_course

    course = get_course(COURSE)
    for fieldset in page.locator("form.quiz fieldset").all():
        qid = fieldset.get_attribute("id").removeprefix("question-")
        q = course.question(qid)
        wanted = (
            sorted(q.correct) if right else [next(i for i in range(len(q.options)) if i not in q.correct)]
        )
        for i in wanted:
            fieldset.get_by_label(q.options[i].text, exact=True).check()


def test_read_fail_pass_certificate(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    base, token = live_server
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/training")
    assert page.url.endswith("/training/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Training", exact=True).wait_for()
    expect(page.locator(f"#course-{COURSE}")).to_contain_text("Not completed")
    # read the module
    page.get_by_role("link", name="Privacy and security of patient data").click()
    expect(page.get_by_role("heading", name="What you will learn")).to_be_visible()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    expect(page.locator("main")).to_contain_text("45 CFR 164.514")
    # take the quiz and fail
    page.get_by_role("button", name="Take the quiz").click()
    expect(page.locator("form.quiz fieldset")).to_have_count(8)
    _answer(page, right=False)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("the pass mark is 80%")
    expect(page.locator(".result")).to_have_count(0)  # no answers before a pass (issue 20, finding 6)
    # try again and pass: answer only once the fresh quiz has replaced the results page, whose fieldsets look alike
    with page.expect_navigation():
        page.get_by_role("button", name="Try again").click()
    expect(page.locator(".result")).to_have_count(0)
    expect(page.locator("form.quiz fieldset")).to_have_count(8)
    _answer(page, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("You passed with 100%")
    page.get_by_role("link", name="View your certificate").click()
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Certificate of completion")
    expect(certificate).to_contain_text("ines")
    expect(certificate).to_contain_text("Privacy and security of patient data")
    # printable: the print stylesheet hides the navigation
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(certificate).to_be_visible()
    page.emulate_media(media="screen")
    pdf = context.request.get(page.url + "?format=pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.get_by_role("link", name="My training").click()
    expect(page.locator(f"#course-{COURSE}")).to_contain_text("Current until")
    context.close()
