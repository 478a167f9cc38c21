"""Bias & fairness: subgroup and intersectional performance with confidence intervals.

Entry point: ``audit(frame, label=..., score=..., groups=[...])`` returns a
:class:`FairnessReport`: per group and intersection every metric with an interval, disparities
against a reference group, heterogeneity tests, small groups, and flagged findings. It runs
counts-first: :func:`summarize` makes one group-by over the rows; :class:`Summary` objects of
partitions or sites add up (``a + b``) and :func:`audit_summary` audits the sum;
:func:`audit_marginals` audits a population counted as an overall table, one table per attribute and a
joint table without score (a site file's :class:`MarginalSummary`).
``representativeness(cohort, reference, attributes=[...])`` compares a cohort with its population;
``plot_metrics``, ``plot_roc`` and ``plot_calibration`` draw a report as SVG text;
``group_thresholds(report.summary, attribute=...)`` finds group thresholds that equalise a rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.fairness._audit import audit, audit_summary
    from ethicompass.fairness._marginal import MarginalSummary, audit_marginals
    from ethicompass.fairness._mitigation import ThresholdPlan, group_thresholds
    from ethicompass.fairness._plots import plot_calibration, plot_metrics, plot_roc
    from ethicompass.fairness._report import (
        Disparity,
        Estimate,
        FairnessReport,
        Finding,
        GroupResult,
        Heterogeneity,
        group_label,
    )
    from ethicompass.fairness._representativeness import (
        RepresentativenessReport,
        RepresentativenessRow,
        representativeness,
    )
    from ethicompass.fairness._summary import Summary, summarize

__getattr__, __dir__ = attach(
    __name__,
    {
        "Disparity": "ethicompass.fairness._report",
        "Estimate": "ethicompass.fairness._report",
        "FairnessReport": "ethicompass.fairness._report",
        "Finding": "ethicompass.fairness._report",
        "GroupResult": "ethicompass.fairness._report",
        "Heterogeneity": "ethicompass.fairness._report",
        "MarginalSummary": "ethicompass.fairness._marginal",
        "RepresentativenessReport": "ethicompass.fairness._representativeness",
        "RepresentativenessRow": "ethicompass.fairness._representativeness",
        "Summary": "ethicompass.fairness._summary",
        "ThresholdPlan": "ethicompass.fairness._mitigation",
        "audit": "ethicompass.fairness._audit",
        "audit_marginals": "ethicompass.fairness._marginal",
        "audit_summary": "ethicompass.fairness._audit",
        "group_label": "ethicompass.fairness._report",
        "group_thresholds": "ethicompass.fairness._mitigation",
        "plot_calibration": "ethicompass.fairness._plots",
        "plot_metrics": "ethicompass.fairness._plots",
        "plot_roc": "ethicompass.fairness._plots",
        "representativeness": "ethicompass.fairness._representativeness",
        "summarize": "ethicompass.fairness._summary",
    },
)

__all__ = [
    "Disparity",
    "Estimate",
    "FairnessReport",
    "Finding",
    "GroupResult",
    "Heterogeneity",
    "MarginalSummary",
    "RepresentativenessReport",
    "RepresentativenessRow",
    "Summary",
    "ThresholdPlan",
    "audit",
    "audit_marginals",
    "audit_summary",
    "group_label",
    "group_thresholds",
    "plot_calibration",
    "plot_metrics",
    "plot_roc",
    "representativeness",
    "summarize",
]
