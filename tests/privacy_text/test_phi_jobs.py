"""``find_phi_many(jobs=N)`` and ``phi find|redact --jobs N``: batches scanned in spawned worker processes give
exactly the spans, and the commands exactly the bytes, of one process; the workers are gone afterwards, also when
the caller stops reading early; a negative count is refused."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ethicompass.privacy import Key, find_phi_many, write_key
from ethicompass.privacy.text import _find as find_module
from ethicompass.privacy.text._parallel import resolve_jobs

#: Small batches, so that a few dozen notes make many batches for the workers and this process to share.
BLOCK = 2_000


def _notes(study: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (study / "notes.jsonl").read_text("utf-8").splitlines()][:240]


def test_workers_find_what_one_process_finds(small_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [n["text"] for n in _notes(small_study)]
    texts += [t.upper() for t in texts[:40]] + [
        "",
        "no phi here",
        "WIFE MARY AT BEDSIDE. D/W DR HEALEY 7/22.",
    ]
    monkeypatch.setattr(find_module, "_BLOCK", BLOCK)
    one = list(find_phi_many(texts))
    assert sum(map(len, one)) > 500  # dense enough to mean something
    for jobs in (2, 3):
        assert list(find_phi_many(texts, jobs=jobs)) == one
    names_only = list(find_phi_many(texts, types=["NAME"]))
    assert list(find_phi_many(texts, types=["NAME"], jobs=2)) == names_only
    assert list(find_phi_many(texts, threshold=0.9, jobs=2)) == list(find_phi_many(texts, threshold=0.9))
    assert multiprocessing.active_children() == []


def test_the_workers_stop_when_the_reader_stops_early(
    small_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [n["text"] for n in _notes(small_study)]
    monkeypatch.setattr(find_module, "_BLOCK", BLOCK)
    stream = find_phi_many(texts, jobs=2)
    first = list(itertools.islice(stream, 5))
    assert first == list(find_phi_many(texts[:5]))
    assert multiprocessing.active_children() != []
    stream.close()
    assert multiprocessing.active_children() == []


def test_jobs_zero_is_one_per_cpu_and_a_negative_count_is_refused() -> None:
    assert resolve_jobs(0) == len(os.sched_getaffinity(0))
    assert resolve_jobs(3) == 3
    with pytest.raises(ValueError, match="jobs must be 0"):
        list(find_phi_many(["x"], jobs=-1))


def test_the_commands_write_the_same_bytes_with_workers(
    cli: Callable[..., Any], small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "notes.jsonl"
    notes.write_text(
        "".join(
            json.dumps({"text": n["text"], "pid": n["participant_id"]}) + "\n" for n in _notes(small_study)
        ),
        "utf-8",
    )
    key_file = tmp_path / "key"
    write_key(Key(bytes(range(32))), key_file)
    monkeypatch.setattr(find_module, "_BLOCK", BLOCK)
    written = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"surrogate-{jobs}.jsonl"
        args = ("--style", "surrogate", "--key-file", key_file, "--participant-field", "pid", "--jobs", jobs)
        r = cli("phi", "redact", notes, "--out", out, *args)
        assert r.code == 0, r.err
        written[jobs] = out.read_bytes()
        r = cli("phi", "find", notes, "--jobs", jobs)
        assert r.code == 0, r.err
        written[f"find-{jobs}"] = r.out.encode()
    assert written["1"] == written["2"] and written["find-1"] == written["find-2"]
    assert len(written["find-1"].splitlines()) == 240
    r = cli("phi", "redact", notes, "--out", tmp_path / "x.jsonl", "--jobs", "-1")
    assert r.code == 2 and not (tmp_path / "x.jsonl").exists()
    assert multiprocessing.active_children() == []


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_command_leaves_no_workers_and_a_terminated_one_no_file(
    how: str, small_study: Path, tmp_path: Path
) -> None:
    """``kill`` (SIGTERM) unwinds as Ctrl-C does: exit 143, no output, no temporary file, the workers stopped.
    ``kill -9`` cannot be caught: its workers notice their parent is gone and exit (its hidden temporary file
    is what ``ethicompass doctor`` reports)."""
    notes = tmp_path / "notes.jsonl"
    block = (small_study / "notes.jsonl").read_bytes()
    notes.write_bytes(block * (12_000_000 // len(block) + 1))  # far more than a few seconds of work
    out = tmp_path / "redacted.jsonl"
    env = {**os.environ, "ETHICOMPASS_DATABASE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    command = [sys.executable, "-c", "from ethicompass.cli import main; main()", "phi", "redact", str(notes)]
    child = subprocess.Popen(
        [*command, "--out", str(out), "--jobs", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        # the worker and multiprocessing's resource tracker
        while len(_children(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        workers = _children(child.pid)
        assert len(workers) >= 2 and child.poll() is None, "no worker started"
        os.kill(child.pid, getattr(signal, how))
        _, err = child.communicate(timeout=60) if how == "SIGTERM" else (None, b"")
        child.wait(timeout=60)
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, workers))
        assert not out.exists()
        if how == "SIGTERM":
            assert child.returncode == 143 and b"terminated" in err, err[-2000:]
            assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        else:
            assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


def test_one_batch_starts_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from ethicompass.privacy.text import _parallel

    monkeypatch.setattr(_parallel, "ProcessPoolExecutor", lambda **_: pytest.fail("a pool for one batch"))
    texts = ["Seen by Dr. Okafor on 3/14.", "Call 555-201-3344."]
    assert list(find_phi_many(texts, jobs=4)) == list(find_phi_many(texts))
    assert list(find_phi_many([], jobs=4)) == []
