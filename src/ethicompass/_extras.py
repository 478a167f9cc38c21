"""The exact command that installs an optional extra into the Python running ethicompass.

A uv-made virtual environment has no ``pip`` of its own (``pip`` on the PATH is then the
system's), so the hint names a command bound to this interpreter: ``make spark`` in a source
checkout, ``uv pip install --python <this python>`` where uv is found, else
``<this python> -m pip install``.
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["install_hint"]

#: Extras with a ``make`` target in a source checkout.
MAKE_TARGETS = {"spark": "spark"}


def install_hint(extra: str) -> str:
    """How to install ``ethicompass[extra]`` into this environment, as one runnable command."""
    package = shlex.quote(f"ethicompass[{extra}]")
    python = shlex.quote(sys.executable)
    checkout = Path(sys.prefix).parent
    target = MAKE_TARGETS.get(extra)
    if target and (checkout / "Makefile").is_file() and (checkout / "pyproject.toml").is_file():
        return f"run `make {target}` in {checkout} (it installs the {extra} extra into {sys.prefix})"
    if importlib.util.find_spec("pip") is None and shutil.which("uv"):
        return f"install the {extra} extra: uv pip install --python {python} {package}"
    return f"install the {extra} extra: {python} -m pip install {package}"
