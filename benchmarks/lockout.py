"""Cost of sign-in lockouts kept in the state database, beside the argon2 check each sign-in pays.

    .venv/bin/python benchmarks/lockout.py [--url sqlite:///...] [--n 2000]

Lockouts moved from process memory to the database (issue 20) so that a restart or a second worker
does not forgive them. Each sign-in now costs one indexed read (``check``) before argon2, one write per
failure (``failed``) and one read on success (``succeeded``, which writes only when a key was under
watch). The anchor is the argon2 verification that every sign-in pays anyway (the server's hasher,
same parameters): the lockout should cost a small fraction of it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher

from ethicompass.server._lockout import Throttle
from ethicompass.store import Store


def _per_call_us(fn: object, n: int) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--n", type=int, default=2000, help="calls per measurement")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'lockout.db'}"
    store = Store(url).open()
    throttle = Throttle(store, free=10**9, free_address=10**9)  # count, never lock: measure the cost
    keys = ("code:ABCD", "addr:0123456789abcdef")
    hasher = PasswordHasher()
    hashed = hasher.hash("correct-horse")
    for _ in range(50):
        throttle.check(*keys)
    check = _per_call_us(lambda: throttle.check(*keys), args.n)
    failed = _per_call_us(lambda: throttle.failed(*keys), args.n // 4)
    quiet = _per_call_us(lambda: throttle.succeeded("code:none", "addr:none"), args.n)
    argon = _per_call_us(lambda: hasher.verify(hashed, "correct-horse"), 20)
    store.dispose()
    print(f"database: {store.dialect}")
    print(f"{'step':<34}{'per call':>12}{'vs argon2':>12}")
    for name, us in (
        ("check (every sign-in)", check),
        ("failed (a wrong sign-in)", failed),
        ("succeeded, nothing to forget", quiet),
        ("argon2 verify (anchor)", argon),
    ):
        print(f"{name:<34}{us / 1000:>10.2f} ms{us / argon:>11.1%}")


if __name__ == "__main__":
    main()
