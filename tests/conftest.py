"""Shared fixtures: frame backends, both databases, CLI runner, a small synthetic study.

- ``constructor``: builds a native frame (Polars, pandas, PyArrow) from a dict of columns, so a
  test runs once per backend (CONTRIBUTING.md, section 7: tests).
- ``store``: a migrated :class:`Store`, once on SQLite and once on PostgreSQL. PostgreSQL comes
  from ``$ETHICOMPASS_TEST_POSTGRES_URL`` (``make test`` starts a throwaway cluster); without it
  the PostgreSQL half is skipped locally and fails under CI.
- ``cli``: runs ``ethicompass`` in-process and returns (exit code, stdout, stderr).
- ``small_study``: a 400-patient synthetic study, generated once per session.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

POSTGRES_ENV = "ETHICOMPASS_TEST_POSTGRES_URL"


# ----------------------------------------------------------------------------- backends
def _polars(data: dict[str, list[Any]]) -> Any:
    import polars as pl

    return pl.DataFrame(data, strict=False)


def _pandas(data: dict[str, list[Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame(data)


def _pyarrow(data: dict[str, list[Any]]) -> Any:
    import pyarrow as pa

    return pa.table(data)


CONSTRUCTORS: dict[str, Callable[[dict[str, list[Any]]], Any]] = {
    "polars": _polars,
    "pandas": _pandas,
    "pyarrow": _pyarrow,
}


@pytest.fixture(params=sorted(CONSTRUCTORS))
def constructor(request: pytest.FixtureRequest) -> Callable[[dict[str, list[Any]]], Any]:
    """Build a native frame of each backend from a dict of columns."""
    return CONSTRUCTORS[request.param]


# ----------------------------------------------------------------------------- databases
def postgres_admin_url() -> str | None:
    """The throwaway cluster's URL, or None."""
    return os.environ.get(POSTGRES_ENV)


def _require_postgres() -> str:
    url = postgres_admin_url()
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set under CI: run the tests through `make test`")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (run `make test`)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    admin = _require_postgres()
    name = f"ec_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(
        admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled Hyperscan databases go to a temporary cache directory, never the home."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(autouse=True, scope="session")
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Default witness files of PostgreSQL stores go to a temporary state directory, never the home."""
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = old


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    """A migrated store, once on SQLite and once on PostgreSQL (``tests/consent`` overrides it with
    one whose consent registry knows its test participants)."""
    from ethicompass.store import Store

    s = Store(database_url).open()
    try:
        yield s
    finally:
        s.dispose()


# ----------------------------------------------------------------------------- CLI
@dataclass
class CliResult:
    """What one in-process CLI run produced."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., CliResult]:
    """Run ``ethicompass ARGS`` in-process with its own SQLite state database."""
    return _cli_on(f"sqlite:///{tmp_path / 'cli-state.db'}", capsys, monkeypatch)


@pytest.fixture
def cli_db(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``ethicompass ARGS`` in-process against a fresh state database, once SQLite, once PostgreSQL."""
    return _cli_on(database_url, capsys, monkeypatch)


def _cli_on(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    from ethicompass.cli import run

    monkeypatch.setenv("ETHICOMPASS_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


# ----------------------------------------------------------------------------- data
@pytest.fixture(scope="session")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-patient synthetic study directory (seed 7), shared by the session's tests."""
    from ethicompass.synth import generate_study

    out = tmp_path_factory.mktemp("study")
    generate_study(out, patients=400, seed=7)
    return out


# ----------------------------------------------------------------------------- browser tests
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_LIVE_SERVER = """
import sys, uvicorn
from ethicompass.server import ServerSettings, create_app
from ethicompass.store import Store
store = Store(sys.argv[1]).open()
app = create_app(store, settings=ServerSettings(secret_key="browser-test", secure_cookies=False))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning")
"""


@contextlib.contextmanager
def _run_live_server(database_url: str) -> Iterator[str]:
    """A real uvicorn server over ``database_url`` on 127.0.0.1 and a free port; yields its base URL."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([sys.executable, "-c", _LIVE_SERVER, database_url, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the server exited")
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def live_server_factory() -> Callable[[str], contextlib.AbstractContextManager[str]]:
    """``with live_server_factory(database_url) as base_url:`` runs the web app for real."""
    return _run_live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped locally without it; a failure under CI)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing under CI: `make test` installs Debian's chromium")
        pytest.skip("needs Debian's chromium (scripts/ensure-chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
