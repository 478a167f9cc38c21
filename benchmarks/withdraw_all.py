"""``Registry.withdraw_all`` (one transaction, one synced commit) against a loop of ``Registry.withdraw``.

    .venv/bin/python benchmarks/withdraw_all.py [--purposes 100] [--repeats 5]

A participant who withdraws everything at once: before issue 22's change, ``withdraw_all`` was that
loop (one durable commit per purpose); the loop is the anchor a user would otherwise write. Both run on a
fresh SQLite registry in a temporary folder, with the participant granted ``--purposes`` custom purposes;
wall seconds, median of ``--repeats``, and the ratio, in one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ethicompass.consent import Registry
from ethicompass.store import Store


def _registry(folder: Path, purposes: int) -> tuple[Store, Registry]:
    store = Store(f"sqlite:///{folder / 'state.db'}").open()
    registry = Registry(store)
    registry.register_participants(["P0001"])
    for k in range(purposes):
        registry.grant("P0001", f"study-{k:03d}")
    return store, registry


def _time(run: Callable[[Registry], object], purposes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store, registry = _registry(Path(tmp), purposes)
        try:
            start = time.perf_counter()
            run(registry)
            return time.perf_counter() - start
        finally:
            store.dispose()


def main() -> None:
    """Time both ways and print a side-by-side table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--purposes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    purposes = [f"study-{k:03d}" for k in range(args.purposes)]

    def loop(registry: Registry) -> None:
        for purpose in purposes:
            registry.withdraw("P0001", purpose)

    def at_once(registry: Registry) -> None:
        assert len(registry.withdraw_all("P0001")) == args.purposes

    ours = statistics.median(_time(at_once, args.purposes) for _ in range(args.repeats))
    anchor = statistics.median(_time(loop, args.purposes) for _ in range(args.repeats))
    print(f"\n| {args.purposes} purposes, SQLite | wall s (median of {args.repeats}) |\n|---|---:|")
    print(f"| `withdraw_all` (one transaction) | {ours:.3f} |")
    print(f"| loop of `withdraw` (one commit each) | {anchor:.3f} |")
    print(f"| loop / withdraw_all | {anchor / ours:.1f}x |")


if __name__ == "__main__":
    main()
