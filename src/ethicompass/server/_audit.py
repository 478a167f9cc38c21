"""Group commit for the per-request audit entries of the web server.

Every request the server answers is audited *before* its response leaves: the middleware
hands the entry to an :class:`AuditBatcher` and waits until it is committed. One writer
thread takes every entry waiting at that moment and appends them in one transaction
(:meth:`AuditLog.append_many`), so under load many requests share one ``BEGIN IMMEDIATE`` /
commit instead of queueing for the write lock one by one. A request is never answered with its
entry still in memory: if the batch cannot be written, every request in it fails (HTTP 500).

Durability is the store's: on SQLite (WAL, ``synchronous=NORMAL``) a committed entry survives
a crash of the server process; a consent withdrawal additionally syncs the log to disk before
it is acknowledged (see :meth:`consent.Registry.record`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Mapping
from typing import Any

from ethicompass.errors import AuditError, EthicompassError
from ethicompass.transparency import AuditEntry, AuditLog

logger = logging.getLogger("ethicompass.server")

_Job = tuple[dict[str, Any], "concurrent.futures.Future[AuditEntry]"]


class AuditBatcher:
    """Appends audit entries from many threads or event loops, committing together what arrives together.

    ``max_batch`` bounds one transaction. The writer thread starts on first use and stops with
    :meth:`close` (it is a daemon, so a process that exits without closing does not hang).
    """

    def __init__(self, log: AuditLog, *, max_batch: int = 256) -> None:
        self.log = log
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, item: Mapping[str, Any]) -> concurrent.futures.Future[AuditEntry]:
        """Queue one entry (the keyword arguments of :meth:`AuditLog.append`); the future holds it stored."""
        future: concurrent.futures.Future[AuditEntry] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise AuditError("the audit writer is closed", hint="restart the server")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ethicompass-audit", daemon=True)
                self._thread.start()
            self._queue.put((dict(item), future))
        return future

    async def append(self, **item: Any) -> AuditEntry:
        """Append one entry and wait (without blocking the event loop) until it is committed."""
        return await asyncio.wrap_future(self.submit(item))

    def append_sync(self, **item: Any) -> AuditEntry:
        """Append one entry from a worker thread and wait until it is committed."""
        return self.submit(item).result()

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Job]) -> None:
        try:
            entries = self.log.append_many([item for item, _ in batch])
        except Exception as exc:  # every waiting request must learn of the failure
            if len(batch) == 1:
                _settle(batch[0][1], _as_audit_error(exc))
                return
            # one bad entry must not fail its neighbours: write them one by one
            for item, future in batch:
                try:
                    entry = self.log.append(**item)
                except Exception as one:
                    _settle(future, _as_audit_error(one))
                else:
                    _settle(future, entry)
            return
        for (_, future), entry in zip(batch, entries, strict=True):
            _settle(future, entry)


def _settle(future: concurrent.futures.Future[AuditEntry], outcome: AuditEntry | AuditError) -> None:
    """Hand a waiting request its entry (or the error). A request abandoned while it waited (its client went
    away, its task was cancelled) cancelled its future: its entry is still written, but nobody takes the
    result, and setting one would raise and stop the writer thread, leaving the rest of the batch waiting."""
    try:
        if isinstance(outcome, AuditError):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
    except concurrent.futures.InvalidStateError:
        pass  # cancelled meanwhile


def _as_audit_error(exc: BaseException) -> AuditError:
    if isinstance(exc, AuditError):
        return exc
    logger.error("audit append failed: %s", type(exc).__name__)
    message = exc.args[0] if isinstance(exc, EthicompassError) and exc.args else type(exc).__name__
    return AuditError(
        f"could not append to the audit log ({message}); the request was not answered",
        hint="check the database is writable and retry",
    )
