"""Beneficence & non-maleficence: does the model help, whom could it hurt, and is the trial safe?

Entry points: ``decision_curve``, ``calibration`` and ``harm`` for a model's benefit and harm;
``monitor`` for adverse events in a running trial; ``drift`` for a deployed model.
"""

from __future__ import annotations

from ethicompass.safety._benefit import DecisionCurve, NetBenefit, decision_curve
from ethicompass.safety._calibration import Calibration, CalibrationReport, calibration
from ethicompass.safety._drift import ColumnDrift, DriftReport, PerformanceDrift, drift
from ethicompass.safety._harm import HarmReport, HarmRow, harm
from ethicompass.safety._monitor import Incidence, MonitoringReport, Signal, monitor
from ethicompass.safety._sequential import Boundaries, boundaries, spent_alpha

__all__: list[str] = [
    "Boundaries",
    "Calibration",
    "CalibrationReport",
    "ColumnDrift",
    "DecisionCurve",
    "DriftReport",
    "HarmReport",
    "HarmRow",
    "Incidence",
    "MonitoringReport",
    "NetBenefit",
    "PerformanceDrift",
    "Signal",
    "boundaries",
    "calibration",
    "decision_curve",
    "drift",
    "harm",
    "monitor",
    "spent_alpha",
]
