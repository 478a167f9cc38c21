"""Beneficence & non-maleficence: does the model help, whom could it hurt, and is the trial safe?

Entry points: ``decision_curve``, ``calibration`` and ``harm`` for a model's benefit and harm;
``monitor`` for adverse events in a running trial; ``drift`` for a deployed model. ``summarize`` is the
count step they share (a :class:`CountTable` that merges across partitions or sites), for engines and
multi-site work; ``decision_curve_from_counts``, ``calibration_from_counts`` and ``harm_from_counts``
are the estimate steps on such a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.safety._benefit import (
        DecisionCurve,
        NetBenefit,
        decision_curve,
        decision_curve_from_counts,
    )
    from ethicompass.safety._calibration import (
        Calibration,
        CalibrationReport,
        calibration,
        calibration_from_counts,
    )
    from ethicompass.safety._counts import CountTable, check_thresholds, summarize
    from ethicompass.safety._drift import ColumnDrift, DriftReport, PerformanceDrift, drift
    from ethicompass.safety._harm import HarmReport, HarmRow, harm, harm_from_counts
    from ethicompass.safety._monitor import (
        Incidence,
        MonitoringReport,
        SafetyCounts,
        Signal,
        monitor,
        monitor_from_counts,
        safety_counts,
    )
    from ethicompass.safety._sequential import SPENDING_FUNCTIONS, Boundaries, boundaries, spent_alpha

__getattr__, __dir__ = attach(
    __name__,
    {
        "Boundaries": "ethicompass.safety._sequential",
        "Calibration": "ethicompass.safety._calibration",
        "CalibrationReport": "ethicompass.safety._calibration",
        "ColumnDrift": "ethicompass.safety._drift",
        "CountTable": "ethicompass.safety._counts",
        "DecisionCurve": "ethicompass.safety._benefit",
        "DriftReport": "ethicompass.safety._drift",
        "HarmReport": "ethicompass.safety._harm",
        "HarmRow": "ethicompass.safety._harm",
        "Incidence": "ethicompass.safety._monitor",
        "MonitoringReport": "ethicompass.safety._monitor",
        "NetBenefit": "ethicompass.safety._benefit",
        "PerformanceDrift": "ethicompass.safety._drift",
        "SPENDING_FUNCTIONS": "ethicompass.safety._sequential",
        "SafetyCounts": "ethicompass.safety._monitor",
        "Signal": "ethicompass.safety._monitor",
        "boundaries": "ethicompass.safety._sequential",
        "calibration": "ethicompass.safety._calibration",
        "calibration_from_counts": "ethicompass.safety._calibration",
        "check_thresholds": "ethicompass.safety._counts",
        "decision_curve": "ethicompass.safety._benefit",
        "decision_curve_from_counts": "ethicompass.safety._benefit",
        "drift": "ethicompass.safety._drift",
        "harm": "ethicompass.safety._harm",
        "harm_from_counts": "ethicompass.safety._harm",
        "monitor": "ethicompass.safety._monitor",
        "monitor_from_counts": "ethicompass.safety._monitor",
        "safety_counts": "ethicompass.safety._monitor",
        "spent_alpha": "ethicompass.safety._sequential",
        "summarize": "ethicompass.safety._counts",
    },
)

__all__: list[str] = [
    "SPENDING_FUNCTIONS",
    "Boundaries",
    "Calibration",
    "CalibrationReport",
    "ColumnDrift",
    "CountTable",
    "DecisionCurve",
    "DriftReport",
    "HarmReport",
    "HarmRow",
    "Incidence",
    "MonitoringReport",
    "NetBenefit",
    "PerformanceDrift",
    "SafetyCounts",
    "Signal",
    "boundaries",
    "calibration",
    "calibration_from_counts",
    "check_thresholds",
    "decision_curve",
    "decision_curve_from_counts",
    "drift",
    "harm",
    "harm_from_counts",
    "monitor",
    "monitor_from_counts",
    "safety_counts",
    "spent_alpha",
    "summarize",
]
