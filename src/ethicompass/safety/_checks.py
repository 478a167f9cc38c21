"""Option checks and JSON helpers shared by the safety analyses (benefit, calibration, harm)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ethicompass.errors import InputError

__all__ = ["as_list", "as_number", "check_options"]


def check_options(groups: Sequence[str] | None, n_boot: int, ci: float) -> tuple[str, ...]:
    """The group columns as a tuple, after checking ``groups``, ``n_boot`` and ``ci``."""
    if isinstance(groups, str):
        raise InputError(
            f"groups must be a list of column names, not the string {groups!r}",
            hint=f"pass groups=[{groups!r}]",
        )
    if n_boot < 0:
        raise InputError("n_boot must be zero (no intervals) or a positive number of resamples")
    if not 0 < ci < 1:
        raise InputError(f"ci must be a level strictly between 0 and 1, not {ci}", hint="e.g. ci=0.95")
    return tuple(groups or ())


def as_number(x: float) -> float | None:
    """``x`` as a float, or None where it is not finite (JSON has no NaN)."""
    return None if not np.isfinite(x) else float(x)


def as_list(a: np.ndarray) -> list[Any]:
    """A numpy array as nested lists of :func:`as_number` values."""
    return [as_list(row) if np.ndim(row) else as_number(float(row)) for row in a]
