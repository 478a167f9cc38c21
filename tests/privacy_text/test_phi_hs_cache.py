"""The compiled Hyperscan databases are cached on disk: a later process loads them instead of compiling
(about a second), and a cached database finds exactly the candidates a freshly compiled one does; a damaged
file is compiled again and replaced; the cache can be turned off."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ethicompass.privacy.text.recognizers import _hs as hs_module
from ethicompass.privacy.text.recognizers._registry import REGISTRY, lower_same_length

pytest.importorskip("hyperscan")

NOTES = (
    "Pt seen by Dr. Okafor on 3/14; d/w wife mary at 555-201-3344. MRN 4471-22.\n"
    "TRANSFERRED FROM LARKSPUR RIDGE HOSPITAL 7/22, F/U WITH DR HALVORSEN; EMAIL j.doe@example.org"
)


def _candidates() -> dict[tuple[str, int], list[int]]:
    return hs_module.candidates(REGISTRY, NOTES, lower_same_length(NOTES))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "hs"
    monkeypatch.setenv("ETHICOMPASS_HYPERSCAN_CACHE", str(folder))
    hs_module._databases.cache_clear()
    try:
        yield folder
    finally:
        hs_module._databases.cache_clear()


def test_a_cached_database_finds_what_a_compiled_one_finds(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _candidates()
    files = sorted(cache.glob("*.hsdb"))
    assert len(files) == 2  # the text as written, and lower-cased
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    hs_module._databases.cache_clear()
    calls: list[int] = []
    real = hs_module._hs.Database
    monkeypatch.setattr(hs_module._hs, "Database", lambda **kw: calls.append(1) or real(**kw))
    assert _candidates() == compiled
    assert calls == []  # loaded, not compiled


def test_a_damaged_cache_file_is_compiled_again_and_replaced(cache: Path) -> None:
    compiled = _candidates()
    for f in cache.glob("*.hsdb"):
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data[: len(data) - 7]))
    hs_module._databases.cache_clear()
    assert _candidates() == compiled
    for f in cache.glob("*.hsdb"):
        assert hs_module._load(f) is not None  # replaced by a good one


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETHICOMPASS_HYPERSCAN_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    hs_module._databases.cache_clear()
    try:
        _candidates()
    finally:
        hs_module._databases.cache_clear()
    assert not any(tmp_path.rglob("*.hsdb"))


def test_other_patterns_get_another_file(cache: Path) -> None:
    a = hs_module._cache_file([b"abc", b"x+y"], [0, 1])
    b = hs_module._cache_file([b"abc", b"x+z"], [0, 1])
    c = hs_module._cache_file([b"abc", b"x+y"], [0, 2])
    assert a is not None and len({a, b, c}) == 3 and a.parent == cache


def test_every_process_builds_the_same_patterns_so_the_cache_is_hit(tmp_path: Path) -> None:
    """Patterns built from sets (town names, facilities) are ordered the same under any string-hash seed: a
    pattern that changed with the seed named a new file in every process, so the cache never hit and the
    folder grew by half a megabyte each run."""
    folder = tmp_path / "hs"
    probe = (
        "from ethicompass.privacy.text.recognizers import _hs\n"
        "from ethicompass.privacy.text.recognizers._registry import REGISTRY\n"
        "_hs.covered(REGISTRY)\n"
    )
    for seed in ("1", "2", "3"):
        env = {**os.environ, "ETHICOMPASS_HYPERSCAN_CACHE": str(folder), "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", probe], env=env, check=True, timeout=120)
        assert len(list(folder.glob("*.hsdb"))) == 2


def test_the_cache_keeps_only_the_newest_databases(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    for k in range(hs_module.CACHE_KEEP + 5):
        old = cache / f"{k:032x}.hsdb"
        old.write_bytes(b"x")
        os.utime(old, ns=(k * 10**9, k * 10**9))
    _candidates()  # writes two databases, newer than every file above
    left = {f.name for f in cache.glob("*.hsdb")}
    assert len(left) == hs_module.CACHE_KEEP
    assert f"{hs_module.CACHE_KEEP + 4:032x}.hsdb" in left and f"{0:032x}.hsdb" not in left
