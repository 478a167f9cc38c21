"""Hatchling build hook: compile ``src/ethicompass/_native/ecsha.c`` into a shared library.

The library (multi-buffer SHA-256 and HMAC-SHA256, loaded with ctypes) makes keyed pseudonyms and
content hashes several times faster. It is optional: without a C compiler the build goes on and
``ethicompass._native`` falls back to Python's hashlib, with the same results, only slower.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # `python hatch_build.py` outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]

SOURCE = Path("src/ethicompass/_native/ecsha.c")
LIBRARY = Path("src/ethicompass/_native/libecsha.so")


def compile_library(root: Path) -> Path | None:
    """Compile the library next to its source; return its path, or None (with a warning) if it fails."""
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    source, target = root / SOURCE, root / LIBRARY
    if cc is None or sys.platform == "win32":
        print("ethicompass: no C compiler; using the slower hashlib fallback", file=sys.stderr)
        return None
    tmp = target.with_suffix(".so.tmp")
    cmd = [cc, "-O2", "-shared", "-fPIC", "-o", str(tmp), str(source)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(
            f"ethicompass: compiling {SOURCE} failed; using the hashlib fallback\n{detail}", file=sys.stderr
        )
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(target)
    return target


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Builds the native library for wheels and editable installs."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile, then ship the library in the wheel (an editable install loads it from src/)."""
        if self.target_name != "wheel":
            return
        built = compile_library(Path(self.root))
        if built is None:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][str(built)] = "ethicompass/_native/libecsha.so"


if __name__ == "__main__":  # `python hatch_build.py`: rebuild in place (after editing the C source)
    sys.exit(0 if compile_library(Path(__file__).resolve().parent) else 1)
