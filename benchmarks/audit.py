"""Audit-log throughput: appends per second and the time to verify N entries.

    .venv/bin/python benchmarks/audit.py [--rows 1000000] [--singles 2000] [--url sqlite:///...]

Targets (issue 3): >= 5,000 appends/s and ``verify`` of 1,000,000 entries in < 10 s on one
core. The anchor is the same rows written to / read from the same database with no hashing,
no Merkle tree and no checks (plain sqlite3 ``executemany`` / ``SELECT``): the ratio is the
cost of tamper evidence. Verification is single-threaded, so it runs on one core.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path

from ethicompass.store import Store
from ethicompass.transparency import AuditLog, verify_log


def _items(start: int, n: int) -> list[dict[str, object]]:
    return [
        {
            "action": "data.read",
            "object_type": "dataset",
            "object_id": f"ds-{i % 97}",
            "actor": f"user{i % 13}",
            "role": "analyst",
            "hashes": {"input": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest()},
            "params": {"rows": i, "purpose": "ai-model-training"},
        }
        for i in range(start, start + n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="entries to verify")
    parser.add_argument("--singles", type=int, default=2_000, help="single appends to time")
    parser.add_argument("--batch", type=int, default=10_000, help="entries per append_many call")
    parser.add_argument("--dir", default=None, help="directory for the SQLite files (default: system temp)")
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ec-audit-bench-", dir=args.dir))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    store = Store(url).open()
    log = AuditLog(store)

    started, cpu = time.perf_counter(), time.process_time()
    for item in _items(0, args.singles):
        log.append(**item)  # type: ignore[arg-type]
    single_rate = args.singles / (time.perf_counter() - started)
    single_cpu_rate = args.singles / (time.process_time() - cpu)

    remaining = args.rows - args.singles
    started, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < remaining:
        n = min(args.batch, remaining - done)
        log.append_many(_items(args.singles + done, n))
        done += n
    batch_rate = remaining / (time.perf_counter() - started)
    batch_cpu_rate = remaining / (time.process_time() - cpu)

    started, cpu = time.perf_counter(), time.process_time()
    result = verify_log(store)
    verify_s = time.perf_counter() - started
    verify_cpu = time.process_time() - cpu
    assert result.ok and result.tree_size == args.rows, result.problem
    started, cpu = time.perf_counter(), time.process_time()
    fast = verify_log(store, check_columns=False)
    fast_s = time.perf_counter() - started
    fast_cpu = time.process_time() - cpu
    assert fast.ok and fast.root_hash == result.root_hash

    plain_rate = plain_read_s = float("nan")
    if url.startswith("sqlite"):
        db = tmp / "plain.db"
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, actor TEXT, action TEXT, body TEXT)")
        rows = [(i, f"user{i % 13}", "data.read", str(item)) for i, item in enumerate(_items(0, args.batch))]
        started = time.perf_counter()
        for k in range(max(1, remaining // args.batch)):
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO t VALUES (?, ?, ?, ?)", [(k * args.batch + r[0], *r[1:]) for r in rows]
            )
            con.execute("COMMIT")
        plain_rate = max(1, remaining // args.batch) * args.batch / (time.perf_counter() - started)
        started = time.perf_counter()
        src = sqlite3.connect(str(store.engine.url.database))
        cur = src.execute("SELECT seq, entry_json, leaf_hash FROM audit_entries ORDER BY seq")
        while cur.fetchmany(50_000):
            pass
        plain_read_s = time.perf_counter() - started
        con.close()
        src.close()

    print(f"database: {store!r}; entries: {args.rows:,}")
    print(f"{'measure':<44} {'ethicompass':>14} {'plain, no hashing':>18} {'ratio':>8}")
    print(f"{'single append (appends/s)':<44} {single_rate:>14,.0f} {'':>18} {'':>8}")
    print(
        f"{'append_many, batches of ' + format(args.batch, ',') + ' (appends/s)':<44} {batch_rate:>14,.0f} "
        f"{plain_rate:>18,.0f} {batch_rate / plain_rate:>8.2f}"
    )
    print(
        f"{'verify all entries (s; plain = read only)':<44} {verify_s:>14.2f} {plain_read_s:>18.2f} "
        f"{verify_s / plain_read_s:>8.2f}"
    )
    print(
        f"{'verify --hashes-only (s; plain = read only)':<44} {fast_s:>14.2f} {plain_read_s:>18.2f} "
        f"{fast_s / plain_read_s:>8.2f}"
    )
    print(
        f"CPU time of this process (the machine may be shared): single {single_cpu_rate:,.0f} appends/s, "
        f"append_many {batch_cpu_rate:,.0f} appends/s, verify {verify_cpu:.2f} s, "
        f"verify --hashes-only {fast_cpu:.2f} s"
    )
    print(
        f"targets: appends >= 5,000/s ({'met' if batch_rate >= 5000 else 'NOT met'} with append_many), "
        f"verify of 1,000,000 < 10 s ({'met' if verify_s * 1_000_000 / args.rows < 10 else 'NOT met'} in wall "
        f"time, {'met' if verify_cpu * 1_000_000 / args.rows < 10 else 'NOT met'} in CPU time; "
        "scaled linearly)"
    )
    # hash_frame on a table that arrived as one-row record batches (4,585 rows x 21 columns)
    import pyarrow as pa

    from ethicompass.transparency import hash_frame

    n = 4_585
    cols = {f"s{j}": pa.array([f"v{i * 31 + j}" for i in range(n)]) for j in range(14)}
    cols |= {f"i{j}": pa.array(range(j, n + j), pa.int64()) for j in range(7)}
    table = pa.table(cols)
    pieces = pa.Table.from_batches(table.to_batches(max_chunksize=1))
    cpu = time.process_time()
    assert hash_frame(pieces) == hash_frame(table)
    print(
        f"hash_frame of {n:,} rows x 21 columns in {n:,} one-row batches (+ once in one batch): "
        f"{time.process_time() - cpu:.2f} CPU s"
    )
    store.dispose()


if __name__ == "__main__":
    main()
