"""Benchmark: the ``sql`` fast path (``store.FastQuery`` on the driver's cursor) against the same
Core statement through SQLAlchemy, for the registry's hot reads.

    .venv/bin/python benchmarks/fast_sql.py [--reads 20000] [--url sqlite:///...]

A registry of 1,000 participants with 3 purposes and 4 versions each; then ``--reads`` calls of
``Registry.status`` and of ``Registry.is_known``, each once with the fast path and once inside
``_fastpath.plain("sql")`` (every answer compared between the two). Wall seconds per call, best of 3,
single thread. SQLite in a temporary file by default; pass ``--url`` for PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ethicompass import _fastpath
from ethicompass.consent import Registry
from ethicompass.store import Store

PURPOSES = ("research", "ai-training", "recontact")


def _best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    """Fill a registry, time both paths, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.url or f"sqlite:///{tmp}/bench.db").open()
        registry = Registry(store, actor="bench")
        people = [f"P{i:05d}" for i in range(1000)]
        registry.register_participants(people, source="bench")
        for version in range(4):
            for p in people[::10]:
                for purpose in PURPOSES:
                    (registry.grant if version % 2 == 0 else registry.withdraw)(p, purpose)
        asks = [(people[(i * 7919) % len(people)], PURPOSES[i % 3]) for i in range(args.reads)]

        def statuses() -> list[Any]:
            return [registry.status(p, u).to_dict() for p, u in asks]

        def known() -> list[bool]:
            return [registry.is_known(p) for p, _ in asks]

        rows = []
        for name, job in (("Registry.status", statuses), ("Registry.is_known", known)):
            fast_s, fast = _best(job)
            with _fastpath.plain("sql"):
                plain_s, plain = _best(job)
            assert fast == plain, f"{name}: the paths differ"
            rows.append((name, fast_s / args.reads * 1e6, plain_s / args.reads * 1e6))
        store.dispose()
    print(f"{'read':<20} {'fast (us/call)':>15} {'plain (us/call)':>16} {'plain/fast':>11}")
    for name, fast_us, plain_us in rows:
        print(f"{name:<20} {fast_us:>15.1f} {plain_us:>16.1f} {plain_us / fast_us:>10.2f}x")


if __name__ == "__main__":
    main()
