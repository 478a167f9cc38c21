"""Batches of texts scanned in worker processes, their spans given back in order (``find_phi_many(jobs=N)``).

The workers are *spawned*, never forked: the parent has usually started Polars' thread pool (the gates, the
readers), and a forked child of a threaded process can hang on a lock held by a thread it did not inherit.
A spawned worker imports the main module again, so a script that calls ``find_phi_many(jobs=N)`` keeps its top
level under ``if __name__ == "__main__":`` (the ``ethicompass`` command does). Each worker loads the
vocabularies and Hyperscan databases once (under a second, while this process scans the first batches) and then
scans whole batches, so the cost per batch is only pickling the texts out and the spans back. At most ``4 * jobs``
batches are held at once: memory stays bounded whatever the size of the input. The spans are exactly those of
one process (the batches are the same, and a batch's spans do not depend on the batches before it)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ethicompass.privacy.text._find import Span

#: What a worker runs on one batch: the spans of each of its texts.
Scan = Callable[[list[str]], "list[list[Span]]"]

__all__ = ["resolve_jobs", "scan_in_workers"]


def resolve_jobs(jobs: int) -> int:
    """The number of worker processes ``jobs`` asks for: itself when positive, 0 for one per CPU this process
    may run on. A negative number is refused."""
    if jobs < 0:
        raise ValueError(f"jobs must be 0 (one per CPU) or a positive number of processes, not {jobs}")
    if jobs == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return jobs


def _start_worker(scan: Scan, parent: int) -> None:
    """Watch the parent, then load what ``scan`` needs (the vocabularies, the Hyperscan databases).

    A worker blocks reading its next batch from a pipe that it holds both ends of, so it would outlive a parent
    killed outright (``kill -9``, the out-of-memory killer): it checks twice a second that its parent is still
    the one that started it, and exits at once when not.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="ethicompass-parent-watch", daemon=True).start()
    scan(["warm up the vocabularies"])


def scan_in_workers(batches: Iterable[list[str]], jobs: int, scan: Scan) -> Iterator[list[Span]]:
    """``scan`` of every batch of ``batches``, its results one by one, in order, by ``jobs`` processes: this one
    and ``jobs - 1`` spawned workers. ``scan`` is sent to the workers (a module-level function, or a
    ``functools.partial`` of one), which first scan a short text with it to load what it needs. A batch goes to
    a worker while fewer than two wait for each; otherwise this process scans it itself, so ``jobs`` processes
    keep ``jobs`` cores busy and the first batches are not kept waiting for the workers to start. A single batch
    is scanned here, with no worker started. The workers stop when the iterator is exhausted, closed early, or
    fails."""
    ahead = iter(batches)
    opening = list(itertools.islice(ahead, 2))
    if len(opening) < 2:  # one batch (or none): no worker would finish it sooner than this process
        for batch in opening:
            yield from scan(batch)
        return
    batches = itertools.chain(opening, ahead)
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=jobs - 1, mp_context=context, initializer=_start_worker, initargs=(scan, os.getpid())
    )
    # in batch order: the results of a batch scanned here, or a worker's future
    pending: deque[list[list[Span]] | Future[list[list[Span]]]] = deque()

    def ready() -> bool:
        return bool(pending) and (not isinstance(pending[0], Future) or pending[0].done())

    def first() -> list[list[Span]]:
        head = pending.popleft()
        return head.result() if isinstance(head, Future) else head

    try:
        for batch in batches:
            waiting = sum(isinstance(p, Future) and not p.done() for p in pending)
            pending.append(pool.submit(scan, batch) if waiting < 2 * (jobs - 1) else scan(batch))
            while ready() or len(pending) > 4 * jobs:
                yield from first()
        while pending:
            yield from first()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
