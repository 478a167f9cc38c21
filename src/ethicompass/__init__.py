"""ethicompass: use AI on patient data ethically, and prove it to an ethics committee.

``import ethicompass as ec``; each principle is a subpackage (``ec.privacy``,
``ec.transparency``, ``ec.fairness``, ``ec.consent``, ``ec.safety``, ``ec.training``,
``ec.review``), imported on first use so ``import ethicompass`` stays light.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Study",
    "__version__",
    "consent",
    "errors",
    "fairness",
    "frames",
    "privacy",
    "review",
    "safety",
    "store",
    "synth",
    "training",
    "transparency",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_SUBPACKAGES = {
    "consent",
    "errors",
    "fairness",
    "frames",
    "privacy",
    "review",
    "safety",
    "store",
    "synth",
    "training",
    "transparency",
}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"ethicompass.{name}")
    if name == "Study":
        from ethicompass.study import Study

        return Study
    raise AttributeError(f"module 'ethicompass' has no attribute {name!r}")
