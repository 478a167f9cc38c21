"""What every assessor receives (:class:`ReviewContext`) and what it is (:data:`Assessor`).

Apart from ``_run``, so that the assessors and the module that runs them do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ethicompass.frames import load_table
from ethicompass.review._policy import Policy
from ethicompass.review._report import Check
from ethicompass.store import Store
from ethicompass.study import Study

__all__ = ["Assessor", "ReviewContext"]


@dataclass
class ReviewContext:
    """What every assessor receives: the study, the policy, the store, and shared results.

    ``results`` may arrive pre-filled (the demo passes what its steps computed) so nothing is
    computed twice; assessors add what they compute for the ones after them.
    """

    study: Study
    policy: Policy
    store: Store
    results: dict[str, Any] = field(default_factory=dict)
    _frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def frame(self, dataset: str) -> pl.DataFrame:
        """A dataset of the study, read once."""
        if dataset not in self._frames:
            self._frames[dataset] = load_table(self.study.dataset_path(dataset))
        return self._frames[dataset]


Assessor = Callable[[ReviewContext], list[Check]]
