"""Beneficence & non-maleficence: does the model help, whom could it hurt, and is the trial safe?

Entry points: ``decision_curve``, ``calibration`` and ``harm`` for a model's benefit and harm;
``monitor`` for adverse events in a running trial; ``drift`` for a deployed model.
"""

from __future__ import annotations

from ethicompass.safety._benefit import DecisionCurve, NetBenefit, decision_curve
from ethicompass.safety._calibration import Calibration, CalibrationReport, calibration
from ethicompass.safety._harm import HarmReport, HarmRow, harm

__all__: list[str] = [
    "Calibration",
    "CalibrationReport",
    "DecisionCurve",
    "HarmReport",
    "HarmRow",
    "NetBenefit",
    "calibration",
    "decision_curve",
    "harm",
]
