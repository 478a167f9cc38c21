"""Lazy package exports: ``import ethicompass.fairness`` costs nothing until a name is used.

Each package's ``__init__`` lists its public names and the private module that defines each;
the module is imported on first access (PEP 562). The CLI imports every package to register
its verbs, so this keeps ``ethicompass --help`` fast. Type checkers see the real imports under
``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def attach(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, resolving each name from its module."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        importlib.import_module(package).__dict__[name] = value  # later lookups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
