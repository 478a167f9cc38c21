"""Issue 20, finding 3 carried further: sign-in lockouts are kept in the state database, so neither a
restart nor a second worker forgives them (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ethicompass.consent import Registry
from ethicompass.errors import TooManyAttemptsError
from ethicompass.server import ServerSettings, create_app, issue_access_code
from ethicompass.server._lockout import Throttle
from ethicompass.store import Store


def _try(client: TestClient, code: str) -> int:
    page = client.get("/portal/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return client.post("/portal/login", data={"code": code, "csrf_token": found.group(1)}).status_code


def _client(url: str) -> tuple[TestClient, Store]:
    """A new application over a new connection to the database: a restart, or another worker."""
    store = Store(url).open()
    return TestClient(create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))), store


def test_a_lockout_survives_a_restart_and_binds_a_second_worker(database_url: str) -> None:
    first, store = _client(database_url)
    Registry(store).register_participants(["P7"], source="tests")
    code, _ = issue_access_code(store, "P7")
    lookup = code.split("-")[0]
    wrong = f"{lookup}-AAAA-AAAA" if not code.endswith("AAAA-AAAA") else f"{lookup}-BBBB-BBBB"
    second, other = _client(database_url)  # a second worker, running at the same time
    try:
        with first:
            assert [_try(first, wrong) for _ in range(5)] == [401] * 5
        store.dispose()  # the first worker stops
        with second:
            assert _try(second, code) == 429  # the real code is locked for the second worker too
        restarted, again = _client(database_url)
        with restarted:
            assert _try(restarted, code) == 429  # and after a restart
            assert restarted.app.state.throttle.failures(f"code:{lookup}") == 5
        again.dispose()
    finally:
        other.dispose()


def test_concurrent_failures_from_two_workers_are_all_counted(database_url: str) -> None:
    stores = [Store(database_url).open() for _ in range(2)]
    throttles = [Throttle(s, free=1000) for s in stores]
    try:

        def fail(t: Throttle) -> None:
            for _ in range(15):
                t.failed("code:ABCD", "addr:0123")

        workers = [threading.Thread(target=fail, args=(t,)) for t in throttles for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert throttles[0].failures("code:ABCD") == 60
        assert throttles[1].failures("addr:0123") == 60
    finally:
        for s in stores:
            s.dispose()


def test_lock_expires_back_off_doubles_and_old_failures_are_forgotten(store: Store) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]

    def clock() -> Any:
        return now[0]

    t = Throttle(store, free=2, base_seconds=30, cap_seconds=100, forget_seconds=3600, clock=clock)
    t.failed("code:A")
    assert t.failed("code:A") == [("code:A", 2, 30)]
    with pytest.raises(TooManyAttemptsError, match="try again in 30 seconds"):
        t.check("code:A")
    now[0] += timedelta(seconds=31)
    t.check("code:A")  # the lock has run out
    assert t.failed("code:A") == [("code:A", 3, 60)]  # ... but the next failure doubles it
    now[0] += timedelta(hours=2)  # no failure for longer than forget_seconds: start again
    t.check("code:A")
    assert t.failed("code:A") == [] and t.failures("code:A") == 1
    t.succeeded("code:A", "code:never-seen")
    assert t.failures("code:A") == 0
