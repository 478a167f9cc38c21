"""Benchmark: the native multi-buffer SHA-256 / HMAC-SHA256 against Python's hashlib and hmac, one core.

    .venv/bin/python benchmarks/native_sha.py [--ids 1000000] [--mib 200]

Two jobs, side by side on the same bytes in one run (CPU seconds, best of 3):
- HMAC-SHA256 of ``--ids`` participant ids (``P0000000``...) under one key with the pseudonym domain
  prefix: ``Key.digests_of_buffer`` (native, 16 at a time) against ``Key.joined_digests`` (CPython's
  SHA-256 with the pads hashed once: the fallback, and the route before the library).
- SHA-256 of ``--mib`` MiB of random bytes as 1 MiB leaves (the content hash's leaves):
  ``_native.sha256_spans`` against one ``hashlib.sha256`` per leaf; and one hashlib stream over all of it.
Every digest is compared between the two routes before a time is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ethicompass import _native
from ethicompass.privacy import Key


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = fn()
        best = min(best, time.process_time() - started)
    return best, result


def main() -> None:
    """Run both jobs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1_000_000)
    parser.add_argument("--mib", type=int, default=200)
    args = parser.parse_args()
    if not _native.available():
        sys.exit("the native library is not built: run `python hatch_build.py`")
    key = Key(b"benchmark-key-0123456789abcdef!!")
    ids = [b"P%07d" % i for i in range(args.ids)]
    data = np.frombuffer(b"".join(ids), dtype=np.uint8)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in ids], out=offsets[1:])
    native_s, native = _best(lambda: key.digests_of_buffer(data, offsets))
    python_s, python = _best(lambda: key.joined_digests(ids))
    assert native == python
    rng = np.random.default_rng(0)
    blob = rng.integers(0, 256, args.mib << 20, dtype=np.uint8)
    spans = [(blob, i << 20, 1 << 20) for i in range(args.mib)]
    leaves_s, leaves = _best(lambda: _native.sha256_spans(spans))
    each_s, each = _best(lambda: b"".join(hashlib.sha256(blob[s : s + k].data).digest() for _, s, k in spans))
    stream_s, _ = _best(lambda: hashlib.sha256(blob.data).digest())
    assert leaves == each
    print(f"{'job':<44}{'native CPU s':>14}{'hashlib CPU s':>15}{'ratio':>8}")
    print(
        f"{f'HMAC-SHA256 of {args.ids:,} ids (8 bytes)':<44}{native_s:>14.3f}{python_s:>15.3f}{python_s / native_s:>7.1f}x"
    )
    print(
        f"{f'SHA-256 of {args.mib} x 1 MiB leaves':<44}{leaves_s:>14.3f}{each_s:>15.3f}{each_s / leaves_s:>7.1f}x"
    )
    print(
        f"{f'(one hashlib stream over the {args.mib} MiB)':<44}{'':>14}{stream_s:>15.3f}{stream_s / leaves_s:>7.1f}x"
    )
    print(
        f"native throughput: {args.ids / native_s:,.0f} HMACs/s, {args.mib / leaves_s:,.0f} MiB/s of leaves"
    )


if __name__ == "__main__":
    main()
