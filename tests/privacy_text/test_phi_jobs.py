"""``find_phi_many(jobs=N)`` and ``phi find|redact --jobs N``: batches scanned in spawned worker processes give
exactly the spans, and the commands exactly the bytes, of one process; the workers are gone afterwards, also when
the caller stops reading early; a negative count is refused."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
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
