"""PHI finding on text built to be slow: long runs of one character, pasted blobs, dense punctuation.

    .venv/bin/python benchmarks/phi_adversarial.py [--kb 20 200] [--timeout 60] [--baseline-src OLD/src]

A note can hold anything an export puts in it: a base64 attachment, a line of "=====", a scanned form's garbage.
A pattern that re-reads a run of characters from every position inside it takes time quadratic in the run: before
this benchmark, one 20,000-letter "word" took 18 s and 50,000 letters did not finish in two minutes (the one-edit
typo check tried 54 edits of the whole word at each of its letters; ``name_all_caps`` and ``facility_suffix`` read
a capital run to its end from each of its letters; the e-mail pattern did the same after every dot or hyphen).

Each case runs ``find_phi_many([text])`` in a child process (vocabularies loaded first, not timed) with a wall-clock
limit; a case over the limit prints as such. ``--baseline-src`` runs the same cases on another checkout's ``src``
beside this one. Throughput on text like this is low by nature (every token is a candidate); what must hold is
that it is linear: ten times the text, about ten times the time.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import subprocess
import sys
from pathlib import Path

_CHILD = """
import sys, time
from ethicompass.privacy import find_phi_many
text = sys.stdin.read()
list(find_phi_many(["warm up: Dr. Smith 555-123-4567 at Boston"]))
start = time.perf_counter()
list(find_phi_many([text]))
print(time.perf_counter() - start)
"""


def cases(size: int) -> dict[str, str]:
    """The adversarial texts of about ``size`` characters."""
    rng = random.Random(0)
    printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-/@:()"
    return {
        "one lower-case word": "a" * size,
        "one capital word": "A" * size,
        "a-a-a- (hyphens)": "a-" * (size // 2),
        "1-1-1- (a dash run)": "1-" * (size // 2),
        "..... (dots)": "." * size,
        "a.a.a. (an address?)": "a." * (size // 2),
        "Dr. Dr. Dr.": "Dr. " * (size // 4),
        "base64 blob": base64.b64encode(rng.randbytes(size * 3 // 4)).decode(),
        "base64 lines": "\n".join(base64.b64encode(rng.randbytes(57)).decode() for _ in range(size // 77)),
        "random printable": "".join(rng.choice(printable) for _ in range(size)),
        "a@a@a@": "a@" * (size // 2),
    }


def timed(text: str, limit: float, src: Path | None) -> float | None:
    """Seconds ``find_phi_many`` took on ``text`` in a child process, None past ``limit``."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=text,
            capture_output=True,
            text=True,
            env=env,
            timeout=limit + 30,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    seconds = float(done.stdout.strip())
    return seconds if seconds <= limit else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--kb", type=int, nargs="+", default=[20, 200], help="sizes of the texts, in thousands"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a case may take")
    parser.add_argument(
        "--baseline-src", type=Path, help="another checkout's src folder, run beside this one"
    )
    args = parser.parse_args()
    runs: list[tuple[str, Path | None]] = [("this checkout", None)]
    if args.baseline_src is not None:
        runs.insert(0, (f"baseline {args.baseline_src}", args.baseline_src))
    header = " | ".join(f"{label}: s" for label, _ in runs)
    print(f"| text | size | {header} |\n|---|---:|{'---:|' * len(runs)}")
    for kb in args.kb:
        for name, text in cases(kb * 1000).items():
            cells = []
            for _, src in runs:
                seconds = timed(text, args.timeout, src)
                cells.append(f"> {args.timeout:g}" if seconds is None else f"{seconds:.2f}")
            print(f"| {name} | {len(text) / 1000:.0f} KB | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
