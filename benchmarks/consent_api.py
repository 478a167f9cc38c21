"""The consent API under a bounded load on loopback: throughput and p50/p99 latency.

    .venv/bin/python benchmarks/consent_api.py [--rate 200] [--seconds 20] [--participants 2000] [--updates 0.2]

Starts ``ethicompass serve``'s app under uvicorn on 127.0.0.1 with a fresh SQLite database,
seeds participants, then sends requests at a fixed rate (open loop, at most ``--concurrency`` in
flight, so the load is bounded): status reads (``GET .../consent/{purpose}``) and updates
(``POST .../consent/{purpose}``, grant or withdraw, each durable and audited). Every request
is authenticated with an argon2-hashed token and audited. Target (issue 6): p99 < 50 ms at
200 requests/s on 2 cores with SQLite. The anchor column is that target.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

SERVER = """
import sys, uvicorn
from ethicompass.server import ServerSettings, create_app
from ethicompass.store import Store
store = Store(sys.argv[1]).open()
app = create_app(store, settings=ServerSettings(secret_key="bench", secure_cookies=False))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(url: str, participants: int) -> str:
    from ethicompass.consent import Action, ConsentRecord, Registry
    from ethicompass.consent._model import utc_now
    from ethicompass.server import add_user, issue_token
    from ethicompass.store import Store

    store = Store(url).open()
    add_user(store, "bench", role="data_manager")
    token = issue_token(store, "bench")
    now = utc_now()
    Registry(store).import_records(
        ConsentRecord(f"P{i:07d}", "ai-model-training", Action.grant, now) for i in range(participants)
    )
    store.dispose()
    return token


async def _drive(base: str, token: str, args: argparse.Namespace) -> dict[str, list[float]]:
    rng = random.Random(0)
    lat: dict[str, list[float]] = {"read": [], "update": [], "error": []}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    sem = asyncio.Semaphore(args.concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        await client.get("/api/v1/participants/P0000000/consent/ai-model-training")  # warm the token cache

        async def one(kind: str, pid: str) -> None:
            async with sem:
                start = time.perf_counter()
                if kind == "read":
                    r = await client.get(f"/api/v1/participants/{pid}/consent/ai-model-training")
                else:
                    action = rng.choice(["grant", "withdraw"])
                    r = await client.post(
                        f"/api/v1/participants/{pid}/consent/ai-model-training", json={"action": action}
                    )
                elapsed = (time.perf_counter() - start) * 1000
                lat[kind if r.status_code == 200 else "error"].append(elapsed)

        tasks = []
        total = int(args.rate * args.seconds)
        t0 = time.perf_counter()
        for i in range(total):
            due = t0 + i / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = "update" if rng.random() < args.updates else "read"
            tasks.append(asyncio.create_task(one(kind, f"P{rng.randrange(args.participants):07d}")))
        await asyncio.gather(*tasks)
        lat["wall"] = [time.perf_counter() - t0]
    return lat


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second offered")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--updates", type=float, default=0.2, help="share of requests that are updates")
    parser.add_argument("--concurrency", type=int, default=64, help="most requests in flight (bounded load)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        token = _seed(url, args.participants)
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)])
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            lat = asyncio.run(_drive(base, token, args))
        finally:
            proc.terminate()
            proc.wait(10)
    wall = lat.pop("wall")[0]
    done = sum(len(v) for v in lat.values())
    print(
        f"\nconsent API on 127.0.0.1, SQLite, offered {args.rate:.0f} req/s for {args.seconds:.0f} s "
        f"({args.updates:.0%} updates, at most {args.concurrency} in flight)"
    )
    print(f"{'':28} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'target p99':>11} {'p99/target':>11}")
    for kind in ("read", "update"):
        values = np.array(lat[kind]) if lat[kind] else np.array([np.nan])
        p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
        print(
            f"{'status ' + kind + 's':28} {len(lat[kind]):9,} {p50:8.1f} {p99:8.1f} {50.0:11.1f} {p99 / 50.0:11.2f}"
        )
    print(
        f"throughput: {done / wall:,.0f} requests/s achieved ({done:,} in {wall:.1f} s); errors: {len(lat['error'])}"
    )


if __name__ == "__main__":
    main()
