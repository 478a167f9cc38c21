"""The result types of a fairness audit: frozen, with ``.to_dict()`` (JSON) and ``.to_frame()``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ethicompass.fairness._summary import Summary

__all__ = [
    "Disparity",
    "Estimate",
    "FairnessReport",
    "Finding",
    "GroupResult",
    "Heterogeneity",
    "group_label",
]

#: How each interval is computed (also in the JSON, under "methods").
METHODS = {
    "proportions": "Wilson score interval (prevalence, selection_rate, tpr, fpr, fnr, tnr, ppv, npv, accuracy)",
    "balanced_accuracy, f1": "percentile bootstrap, resampling the confusion counts (multinomial per finest group)",
    "auroc": "DeLong variance from the score histogram, normal interval clipped to [0, 1]",
    "brier, calibration_in_the_large": "normal interval from the sums of (score - label) to the powers 1, 2, 4",
    "differences of proportions": "Newcombe's hybrid score interval (bootstrap when the reference is 'overall')",
    "differences of balanced_accuracy, f1; ratios of confusion metrics": "percentile bootstrap",
    "differences of auroc, brier, calibration": "normal interval, the two groups taken as independent",
    "ratios of auroc, brier": "delta method on the log ratio",
    "equalized_odds / demographic_parity differences": "percentile bootstrap of max minus min",
    "heterogeneity": "Pearson chi-square test of equal rates across groups (no continuity correction)",
    "flags": "harmful difference >= margin and Holm-adjusted p < 1 - ci (Agresti-Caffo for rates, DeLong for AUROC)",
}


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def group_label(group: Mapping[str, Any]) -> str:
    """A group as readable text: ``sex=F, race=Black`` (``all`` for the whole population).

    Parameters
    ----------
    group : mapping
        Attribute name to value; empty for the whole population.

    Returns
    -------
    str
        The label the reports and plots show.

    Examples
    --------
    >>> group_label({"sex": "F", "race": "Black"}), group_label({})
    ('sex=F, race=Black', 'all')
    """
    return ", ".join(f"{k}={v}" for k, v in group.items()) or "all"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval; ``value`` is None (with a ``reason``) when undefined."""

    value: float | None
    ci: tuple[float, float] | None = None
    reason: str | None = None

    @classmethod
    def of(cls, value: float, lo: float, hi: float, *, reason: str, ci_reason: str | None = None) -> Estimate:
        """An estimate from possibly-NaN numbers: NaN value -> None with ``reason``."""
        v = _num(value)
        if v is None:
            return cls(None, None, reason)
        lo_, hi_ = _num(lo), _num(hi)
        if lo_ is None or hi_ is None:
            return cls(v, None, ci_reason)
        return cls(v, (lo_, hi_))

    def to_dict(self) -> dict[str, Any]:
        """``{"value": ..., "ci": [lo, hi]}``, plus ``"reason"`` when the value or interval is missing."""
        out: dict[str, Any] = {"value": self.value, "ci": list(self.ci) if self.ci else None}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class GroupResult:
    """Every metric of one group (or intersection) of the sensitive attributes."""

    group: Mapping[str, Any]
    n: int
    metrics: Mapping[str, Estimate]
    too_small: bool

    def to_dict(self) -> dict[str, Any]:
        """The group, its size and ``metrics`` keyed by metric name."""
        return {
            "group": dict(self.group),
            "n": self.n,
            "too_small": self.too_small,
            "metrics": {k: e.to_dict() for k, e in self.metrics.items()},
        }


@dataclass(frozen=True)
class Disparity:
    """A group's metric against the reference group (difference and ratio), or a between-groups
    summary (``equalized_odds_difference``, ``demographic_parity_difference``; group None).

    ``p_value`` and ``p_adjusted`` (Holm, over the attribute's flaggable comparisons) are set for
    the metrics that can flag a group (TPR, FPR, AUROC, balanced accuracy), with ``ci_holm``: the
    difference's interval at the level Holm's procedure tests it at (see ``holm_intervals``)."""

    attributes: tuple[str, ...]
    metric: str
    difference: Estimate
    ratio: Estimate | None = None
    group: Mapping[str, Any] | None = None
    reference: Mapping[str, Any] | None = None
    flagged: bool = False
    p_value: float | None = None
    p_adjusted: float | None = None
    ci_holm: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready disparity."""
        return {
            "attributes": list(self.attributes),
            "group": dict(self.group) if self.group is not None else None,
            "reference": dict(self.reference) if self.reference is not None else None,
            "metric": self.metric,
            "difference": self.difference.to_dict(),
            "ratio": self.ratio.to_dict() if self.ratio else None,
            "flagged": self.flagged,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "ci_holm": list(self.ci_holm) if self.ci_holm else None,
        }


@dataclass(frozen=True)
class Heterogeneity:
    """A chi-square test that a rate is equal across the groups of some attributes."""

    attributes: tuple[str, ...]
    metric: str
    statistic: float | None
    df: int
    p_value: float | None
    groups_tested: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready test result."""
        return {
            "attributes": list(self.attributes),
            "metric": self.metric,
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "groups_tested": self.groups_tested,
        }


@dataclass(frozen=True)
class Finding:
    """A flagged disparity, in plain language: a group the model serves worse than the reference."""

    group: Mapping[str, Any]
    reference: Mapping[str, Any]
    metric: str
    value: float
    reference_value: float
    difference: Estimate
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready finding."""
        return {
            "group": dict(self.group),
            "reference": dict(self.reference),
            "metric": self.metric,
            "value": self.value,
            "reference_value": self.reference_value,
            "difference": self.difference.to_dict(),
            "message": self.message,
        }


@dataclass(frozen=True)
class FairnessReport:
    """The result of :func:`ethicompass.fairness.audit`: per-group and per-intersection metrics
    with intervals, disparities against a reference, heterogeneity tests, small groups and the
    flagged findings."""

    attributes: tuple[str, ...]
    label: str
    score: str | None
    prediction: str | None
    threshold: float | None
    ci: float
    n_boot: int
    reference: str
    min_group_size: int
    margin: float
    seed: int
    resolution: str
    overall: GroupResult
    groups: tuple[GroupResult, ...]
    intersections: tuple[GroupResult, ...]
    disparities: tuple[Disparity, ...]
    heterogeneity: tuple[Heterogeneity, ...]
    findings: tuple[Finding, ...]
    summary: Summary = field(repr=False, compare=False)

    @property
    def small_groups(self) -> tuple[GroupResult, ...]:
        """Groups and intersections below ``min_group_size``: reported, but too small to judge."""
        return tuple(g for g in (*self.groups, *self.intersections) if g.too_small)

    @property
    def flagged(self) -> bool:
        """Whether any disparity was flagged."""
        return bool(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the shape of ``ethicompass fairness --format json``)."""
        return {
            "label": self.label,
            "score": self.score,
            "prediction": self.prediction,
            "attributes": list(self.attributes),
            "threshold": self.threshold,
            "ci": self.ci,
            "n_boot": self.n_boot,
            "reference": self.reference,
            "min_group_size": self.min_group_size,
            "margin": self.margin,
            "seed": self.seed,
            "score_resolution": self.resolution,
            "methods": dict(METHODS),
            "overall": self.overall.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
            "intersections": [g.to_dict() for g in self.intersections],
            "disparities": [d.to_dict() for d in self.disparities],
            "heterogeneity": [h.to_dict() for h in self.heterogeneity],
            "small_groups": [
                {
                    "group": dict(g.group),
                    "n": g.n,
                    "reason": f"n = {g.n} < min_group_size {self.min_group_size}: too small to judge; "
                    "metrics reported with their (wide) intervals, no disparity flagged",
                }
                for g in self.small_groups
            ],
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per (level, group, metric): value, interval and reason."""
        rows = []
        for level, results in (
            ("overall", (self.overall,)),
            ("group", self.groups),
            ("intersection", self.intersections),
        ):
            for g in results:
                for metric, e in g.metrics.items():
                    rows.append(
                        {
                            "level": level,
                            "group": group_label(g.group),
                            "n": g.n,
                            "too_small": g.too_small,
                            "metric": metric,
                            "value": e.value,
                            "ci_lo": e.ci[0] if e.ci else None,
                            "ci_hi": e.ci[1] if e.ci else None,
                            "reason": e.reason,
                        }
                    )
        schema = {
            "level": pl.String,
            "group": pl.String,
            "n": pl.Int64,
            "too_small": pl.Boolean,
            "metric": pl.String,
            "value": pl.Float64,
            "ci_lo": pl.Float64,
            "ci_hi": pl.Float64,
            "reason": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)
