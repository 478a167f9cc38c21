"""The build hook (``hatch_build.py``) compiles the native library, and a failed compile is not fatal."""

from __future__ import annotations

import ctypes
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _hook():
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(tmp_path: Path) -> Path:
    source = tmp_path / "src" / "ethicompass" / "_native"
    source.mkdir(parents=True)
    shutil.copy(ROOT / "src" / "ethicompass" / "_native" / "ecsha.c", source / "ecsha.c")
    return tmp_path


@pytest.mark.slow
def test_compiles_a_loadable_library(tmp_path: Path) -> None:
    built = _hook().compile_library(_tree(tmp_path))
    assert built is not None and built.is_file()
    lib = ctypes.CDLL(str(built))
    assert lib.ec_lanes() == 16


def test_a_failed_compile_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CC", "false")  # a "compiler" that always fails
    assert _hook().compile_library(_tree(tmp_path)) is None
    assert "hashlib fallback" in capsys.readouterr().err
    assert not (tmp_path / "src" / "ethicompass" / "_native" / "libecsha.so").exists()
