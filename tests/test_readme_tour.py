"""The README's five-minute tour, run command by command as written, in a fresh folder.

Each command runs in bash with the project's .venv activated (the folder links to it, so
``source .venv/bin/activate`` works as written). A command's exit code must be 0, or 1 where the
README marks it ``# exits 1`` (a planted problem the verb rightly fails). ``ethicompass serve`` is
started in the background on a free port instead of 8000 (other tests may hold that port) and must
answer before it is stopped. The Spark steps are skipped only when PySpark is not installed (or no
Java runtime is found); ``make test`` installs every extra.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def tour_commands() -> list[str]:
    """The tour's commands: the first bash block after the tour's heading, continuations joined."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A five-minute tour", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's tour has no bash block"
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        commands.append(pending + line)
        pending = ""
    return commands


def expected_code(command: str) -> int:
    """1 where the README says the step exits 1; else 0."""
    comment = command.partition("  #")[2]
    return 1 if "exits 1" in comment else 0


def _spark_ready() -> bool:
    return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


TOUR_PASSPHRASE = "a tour passphrase of several words"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_tour_parses() -> None:
    commands = tour_commands()
    assert commands[0] == "source .venv/bin/activate"
    assert any(c.startswith("ethicompass drift study/") for c in commands)
    assert sum(expected_code(c) for c in commands) >= 3


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHICOMPASS_")}
    env["PYTHONDONTWRITEBYTECODE"] = ""
    prefix = "source .venv/bin/activate; export ETHICOMPASS_DATABASE_URL=sqlite:///./state.db; "
    spark = _spark_ready()
    ran = 0
    for command in tour_commands()[2:]:  # activation and the export are in the prefix
        if "spark" in command and not spark:
            continue
        if command.startswith("ethicompass serve"):
            _serve(command, prefix, tmp_path, env)
            ran += 1
            continue
        done = subprocess.run(
            ["bash", "-c", prefix + command],
            cwd=tmp_path,
            env=env,
            # `users password` reads the passphrase from a prompt, or one line on stdin (never argv)
            input=TOUR_PASSPHRASE + "\n" if "users password" in command else "",
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        want = expected_code(command)
        assert done.returncode == want, (
            f"{command!r} exited {done.returncode}, the README expects {want}\n"
            f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
        )
        ran += 1
    assert (tmp_path / "review" / "report.html").is_file()
    assert (tmp_path / "release" / "patients-k5.csv").is_file()
    assert ran >= 20


def _serve(command: str, prefix: str, cwd: Path, env: dict[str, str]) -> None:
    port = _free_port()
    command = command.replace("--port 8000", f"--port {port}")
    server = subprocess.Popen(
        ["bash", "-c", prefix + "exec " + command],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"{command!r} did not answer: {server.stderr.read() if server.stderr else ''}"
                    ) from None
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":  # pragma: no cover - print the commands
    sys.stdout.write("\n".join(tour_commands()) + "\n")
