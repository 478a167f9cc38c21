"""Bias & fairness: subgroup and intersectional performance with confidence intervals.

Entry point: ``audit(frame, label=..., score=..., groups=[...])`` returns a
:class:`FairnessReport`: per group and intersection every metric with an interval, disparities
against a reference group, heterogeneity tests, small groups, and flagged findings. It runs
counts-first: :func:`summarize` makes one group-by over the rows; :class:`Summary` objects of
partitions or sites add up (``a + b``) and :func:`audit_summary` audits the sum.
``representativeness(cohort, reference, attributes=[...])`` compares a cohort with its population;
``plot_metrics``, ``plot_roc`` and ``plot_calibration`` draw a report as SVG text;
``group_thresholds(report.summary, attribute=...)`` finds group thresholds that equalise a rate.
"""

from __future__ import annotations

from ethicompass.fairness._audit import audit, audit_summary
from ethicompass.fairness._mitigation import ThresholdPlan, group_thresholds
from ethicompass.fairness._plots import plot_calibration, plot_metrics, plot_roc
from ethicompass.fairness._report import (
    Disparity,
    Estimate,
    FairnessReport,
    Finding,
    GroupResult,
    Heterogeneity,
)
from ethicompass.fairness._representativeness import (
    RepresentativenessReport,
    RepresentativenessRow,
    representativeness,
)
from ethicompass.fairness._summary import Summary, summarize

__all__ = [
    "Disparity",
    "Estimate",
    "FairnessReport",
    "Finding",
    "GroupResult",
    "Heterogeneity",
    "RepresentativenessReport",
    "RepresentativenessRow",
    "Summary",
    "ThresholdPlan",
    "audit",
    "audit_summary",
    "group_thresholds",
    "plot_calibration",
    "plot_metrics",
    "plot_roc",
    "representativeness",
    "summarize",
]
