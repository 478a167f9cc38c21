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
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

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
    from ethicompass._time import utc_now
    from ethicompass.consent import Action, ConsentRecord, Registry
    from ethicompass.server import add_user, issue_token
    from ethicompass.store import Store

    store = Store(url).open()
    add_user(store, "bench", role="data_manager")
    token = issue_token(store, "bench")
    now = utc_now()
    Registry(store).import_records(
        (ConsentRecord(f"P{i:07d}", "ai-model-training", Action.grant, now) for i in range(participants)),
        unknown="register",
    )
    store.dispose()
    return token


class _Client:
    """A lean HTTP/1.1 keep-alive client (the load generator shares the server's 2 cores, so it must cost little)."""

    def __init__(self, host: str, port: int, token: str, concurrency: int) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.sem = asyncio.Semaphore(concurrency)

    def build(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + self.auth
        if body:
            head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        return head + b"\r\n" + body

    async def send(self, request: bytes) -> int:
        async with self.sem:
            reader, writer = None, None
            if self.idle:
                reader, writer = self.idle.pop()
                writer.write(request)
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    if exc.partial:
                        raise
                    # the server closed this idle keep-alive connection (uvicorn's keep-alive timeout) before
                    # reading the request: like any HTTP client, send it again on a fresh connection
                    writer.close()
                    reader = None
            if reader is None or writer is None:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            at = head.lower().find(b"content-length:")
            if at < 0:
                raise RuntimeError("response without Content-Length")
            length = int(head[at + 15 : head.index(b"\r\n", at)])
            await reader.readexactly(length)
            self.idle.append((reader, writer))
            return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


ERROR_STATUSES: dict[int, int] = {}  # HTTP status of each failed request (0: no response) -> count


async def _drive(port: int, token: str, args: argparse.Namespace) -> dict[str, list[float]]:
    rng = random.Random(0)
    lat: dict[str, list[float]] = {"read": [], "update": [], "error": []}
    statuses = ERROR_STATUSES
    client = _Client("127.0.0.1", port, token, args.concurrency)
    path = "/api/v1/participants/P{:07d}/consent/ai-model-training"
    for i in range(20):  # warm up: the token cache, the connection pool, the statement caches
        await client.send(client.build("GET", path.format(i)))

    async def one(kind: str, request: bytes, due: float) -> None:
        try:
            status = await client.send(request)
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError):
            status = 0
        # open loop: latency counts from when the request was due, so client-side queueing is included
        elapsed = (time.perf_counter() - due) * 1000
        lat[kind if status == 200 else "error"].append(elapsed)
        if status != 200:
            statuses[status] = statuses.get(status, 0) + 1

    tasks = []
    total = int(args.rate * args.seconds)
    grant = b'{"action":"grant"}'
    withdraw = b'{"action":"withdraw"}'
    t0 = time.perf_counter()
    for i in range(total):
        due = t0 + i / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pid = rng.randrange(args.participants)
        if rng.random() < args.updates:
            request = client.build("POST", path.format(pid), rng.choice([grant, withdraw]))
            tasks.append(asyncio.create_task(one("update", request, due)))
        else:
            tasks.append(asyncio.create_task(one("read", client.build("GET", path.format(pid)), due)))
    await asyncio.gather(*tasks)
    lat["wall"] = [time.perf_counter() - t0]
    client.close()
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
        try:
            _wait_ready(port)
            server_cpu, client_cpu = _cpu_seconds(proc.pid), time.process_time()
            lat = asyncio.run(_drive(port, token, args))
            server_cpu, client_cpu = _cpu_seconds(proc.pid) - server_cpu, time.process_time() - client_cpu
        finally:
            proc.terminate()
            proc.wait(10)
    wall = lat.pop("wall")[0]
    done = sum(len(v) for v in lat.values())
    print(
        f"\nconsent API on 127.0.0.1, SQLite, offered {args.rate:.0f} req/s for {args.seconds:.0f} s "
        f"({args.updates:.0%} updates, at most {args.concurrency} in flight; {_http_stack()})"
    )
    print(f"{'':28} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'target p99':>11} {'p99/target':>11}")
    for kind in ("read", "update"):
        values = np.array(lat[kind]) if lat[kind] else np.array([np.nan])
        p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
        print(
            f"{'status ' + kind + 's':28} {len(lat[kind]):9,} {p50:8.1f} {p99:8.1f} {50.0:11.1f} {p99 / 50.0:11.2f}"
        )
    every = np.array(lat["read"] + lat["update"]) if done else np.array([np.nan])
    print(f"{'all':28} {len(every):9,} {np.percentile(every, 50):8.1f} {np.percentile(every, 99):8.1f}")
    print(
        f"throughput: {done / wall:,.0f} requests/s achieved ({done:,} in {wall:.1f} s); errors: {len(lat['error'])}"
        + (f" (by HTTP status: {dict(sorted(ERROR_STATUSES.items()))})" if ERROR_STATUSES else "")
    )
    print(
        f"CPU during the load: server {server_cpu:.2f} s ({server_cpu / max(done, 1) * 1000:.2f} ms/request, "
        f"{server_cpu / wall:.0%} of one core), load generator {client_cpu:.2f} s "
        f"({client_cpu / max(done, 1) * 1000:.2f} ms/request); load average {os.getloadavg()[0]:.1f}"
    )


def _wait_ready(port: int) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _http_stack() -> str:
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn, {loop} loop, {http} parser, 1 process"


if __name__ == "__main__":
    main()
