"""Beneficence & non-maleficence: does the model help, whom could it hurt, and is the trial safe?

Entry points: ``decision_curve``, ``calibration`` and ``harm`` for a model's benefit and harm;
``monitor`` for adverse events in a running trial; ``drift`` for a deployed model.
"""

from __future__ import annotations

__all__: list[str] = []
