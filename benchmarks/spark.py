"""Spark engine vs the in-process engine: de-identification and fairness summaries.

    .venv/bin/python benchmarks/spark.py [--rows N] [--master local[2]] [--engines inprocess,spark]

Writes N synthetic rows (participant id, ZIP, birth and admission dates, age, sex, race, outcome,
score) to Parquet, then in a fresh subprocess per (engine, task): reads it, de-identifies it
(Safe Harbor, pseudonyms, write Parquet) or summarises it for a fairness audit. Prints wall time,
CPU seconds and peak memory of the whole process tree (driver, JVM and Python workers; resident
sets summed and CPU read from /proc every 0.1 s). The Spark run uses ``content_hashes=False`` (no rows streamed to the driver).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    patients = max(rows // 3, 1)
    pid = rng.integers(0, patients, rows)
    birth = rng.integers(-20_000, 10_000, rows)
    score = rng.beta(2, 5, rows)
    frame = pl.DataFrame(
        {
            "participant_id": "P" + pl.Series(pid).cast(pl.String).str.zfill(8),
            "zip": pl.Series(rng.integers(0, 99_999, rows)).cast(pl.String).str.zfill(5),
            "birth_date": pl.Series(birth, dtype=pl.Int32).cast(pl.Date).cast(pl.String),
            "admitted": pl.Series(birth + 25_000, dtype=pl.Int32).cast(pl.Date).cast(pl.String),
            "age": rng.integers(18, 100, rows),
            "sex": rng.choice(["F", "M"], rows),
            "race": rng.choice(["A", "B", "C", "D", "E"], rows),
            "outcome": (rng.random(rows) < score).astype(np.int64),
            "score": np.round(score, 6),
        }
    )
    frame.write_parquet(path, row_group_size=500_000)


SCHEMA = {
    "columns": {
        "participant_id": {"role": "participant_id"},
        "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
        "birth_date": {"role": "date"},
        "admitted": {"role": "date"},
        "age": {"role": "quasi_identifier", "phi_type": "AGE"},
        "sex": {"role": "quasi_identifier"},
        "race": {"role": "sensitive_attribute"},
        "outcome": {"role": "outcome"},
        "score": {"role": "score"},
    }
}


def task(engine: str, what: str, data: str, master: str, out: str) -> None:
    """Run one measured task in this (fresh) process."""
    from ethicompass import fairness
    from ethicompass.privacy import Key, TableSchema, deidentify

    key = Key(b"b" * 32)
    schema = TableSchema.from_dict(SCHEMA)
    start = time.perf_counter()
    if engine == "inprocess":
        frame = pl.read_parquet(data)
        if what == "deid":
            deidentify(frame, schema, key=key).to_frame().write_parquet(out)
        else:
            fairness.audit_summary(
                fairness.summarize(frame, label="outcome", score="score", groups=["sex", "race"]), n_boot=200
            )
    else:
        from ethicompass.engines import spark as es

        spark = es.session(master, shuffle_partitions=8)
        spark.sparkContext.setLogLevel("ERROR")
        ready = time.perf_counter()
        sdf = spark.read.parquet(data)
        if what == "deid":
            es.deidentify(sdf, schema, key=key, content_hashes=False).frame.write.parquet(out)
        else:
            es.audit(sdf, label="outcome", score="score", groups=["sex", "race"], n_boot=200)
        print(json.dumps({"startup_s": ready - start}))
    print(json.dumps({"seconds": time.perf_counter() - start}))


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> dict[int, tuple[int, float]]:
    """Resident bytes and CPU seconds (user + system, own threads only) of each process in the tree."""
    found: dict[int, tuple[int, float]] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
            rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            found[p] = (rss, cpu)
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError, ValueError):
            continue
    return found


def measure(engine: str, what: str, data: Path, master: str, tmp: Path) -> dict[str, float]:
    out = tmp / f"out-{engine}-{what}.parquet"
    cmd = [sys.executable, __file__, "--task", engine, what, str(data), master, str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    cpu: dict[int, float] = {}  # last CPU seconds seen per process of the tree (driver, JVM, workers)

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            tree = _tree(proc.pid)
            peak = max(peak, sum(rss for rss, _ in tree.values()))
            cpu.update({p: c for p, (_, c) in tree.items()})
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{engine} {what} failed (exit {proc.returncode})")
    # CPU of every process of the tree (driver, JVM, Python workers), from /proc samples every 0.1 s:
    # the last 0.1 s of each process is missed. Not rusage: a reaped JVM would count twice.
    result: dict[str, float] = {"peak_mib": peak / 2**20, "cpu_s": sum(cpu.values())}
    for line in stdout.splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--engines", default="inprocess,spark")
    parser.add_argument("--tasks", default="deid,fairness")
    parser.add_argument("--task", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        task(*args.task)
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        data = tmp / "rows.parquet"
        make_data(data, args.rows)
        print(f"{args.rows:,} rows, Spark master {args.master}, load average {os.getloadavg()[0]:.1f}")
        print(f"{'task':<10} {'engine':<10} {'seconds':>9} {'startup':>8} {'CPU s':>8} {'peak MiB':>9}")
        times: dict[tuple[str, str], float] = {}
        for what in args.tasks.split(","):
            for engine in args.engines.split(","):
                r = measure(engine, what, data, args.master, tmp)
                times[(what, engine)] = r["seconds"]
                print(
                    f"{what:<10} {engine:<10} {r['seconds']:>9.1f} {r.get('startup_s', 0):>8.1f} "
                    f"{r['cpu_s']:>8.1f} {r['peak_mib']:>9.0f}",
                    flush=True,
                )
            if (what, "inprocess") in times and (what, "spark") in times:
                ratio = times[(what, "spark")] / times[(what, "inprocess")]
                print(f"{what:<10} {'ratio':<10} {ratio:>9.2f}x spark/in-process (wall)", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
