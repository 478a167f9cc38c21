"""The audit writer survives a request abandoned while it waits for its entry.

Found by the fuzz (``make fuzz`` with a short ``ETHICOMPASS_FUZZ_TIMEOUT``): a request cut off while it
awaited its audit entry cancelled the entry's future; the writer thread then set a result on it, raised
``InvalidStateError`` and died, and every later request of the same batch waited for ever.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ethicompass.server._audit import AuditBatcher
from ethicompass.store import Store
from ethicompass.transparency import AuditEntry, AuditLog


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    yield AuditLog(store)
    store.dispose()


def _item(n: int) -> dict[str, object]:
    return {"action": "http.request", "object_type": "route", "object_id": f"GET /x{n}", "role": "admin"}


def test_a_cancelled_waiter_does_not_stop_its_batch(log: AuditLog) -> None:
    batcher = AuditBatcher(log)
    abandoned: concurrent.futures.Future[AuditEntry] = concurrent.futures.Future()
    waiting: concurrent.futures.Future[AuditEntry] = concurrent.futures.Future()
    assert abandoned.cancel()
    batcher._write([(_item(1), abandoned), (_item(2), waiting)])  # raised InvalidStateError before
    assert waiting.result(timeout=5).object_id == "GET /x2"
    assert [e.object_id for e in log.entries()] == ["GET /x1", "GET /x2"]  # the abandoned one is audited too


def test_the_writer_keeps_answering_after_an_abandoned_request(log: AuditLog) -> None:
    release = threading.Event()

    class _Held(AuditLog):
        def append_many(self, items: Any) -> list[AuditEntry]:
            release.wait(10)  # the writer is busy with an earlier batch while two requests queue
            return super().append_many(items)

    batcher = AuditBatcher(_Held(log.store))
    try:
        first = batcher.submit(_item(0))
        abandoned, waiting = batcher.submit(_item(1)), batcher.submit(_item(2))  # one batch, after `first`
        assert abandoned.cancel()  # its request went away while it waited
        release.set()
        assert first.result(timeout=10).object_id == "GET /x0"
        assert waiting.result(timeout=10).object_id == "GET /x2"  # timed out before: the writer had died
    finally:
        release.set()
        batcher.close()
