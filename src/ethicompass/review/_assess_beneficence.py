"""Beneficence: the model beats treat-all and treat-none, is calibrated, and harms no subgroup unduly."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ethicompass.review._figures import risk_distribution_svg
from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, Verdict, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._run import ReviewContext


def _frame(ctx: ReviewContext) -> Any:
    p = ctx.study.predictions
    assert p is not None
    kept = ctx.results.get("consent", {}).get("kept")
    return kept if kept is not None else ctx.frame(p.dataset)


def assess(ctx: ReviewContext) -> list[Check]:
    """Net benefit over the threshold range, calibration slope, and the spread of harm across groups."""
    p = ctx.study.predictions
    if p is None:
        return [
            not_assessed(
                "beneficence.net_benefit",
                "The model does more good than treating everyone or no one",
                "the manifest names no predictions",
                action="add 'predictions: {dataset, label, score}' to study.yaml",
            )
        ]
    from ethicompass.safety import calibration, decision_curve, harm

    policy = ctx.policy.safety
    lo, hi = policy.threshold_range
    thresholds = np.round(np.arange(lo, hi + 1e-9, 0.01), 4)
    frame = _frame(ctx)
    # computed on the consented rows, so not reused from earlier (unfiltered) analyses
    curve = decision_curve(
        frame, label=p.label, scores={p.model_name: p.score}, thresholds=thresholds, n_boot=300
    )
    cal = calibration(frame, label=p.label, score=p.score, groups=p.groups or None)
    groups = p.groups or []
    harm_report = (
        harm(frame, label=p.label, score=p.score, threshold=p.threshold, groups=groups) if groups else None
    )
    ctx.results["benefit_review"] = {"decision_curve": curve, "calibration": cal, "harm": harm_report}
    calibrated = _calibration(cal, policy.calibration_slope)
    risk = risk_distribution_svg(
        np.asarray(frame[p.score], dtype=float), np.asarray(frame[p.label]), threshold=p.threshold
    )
    calibrated = replace(calibrated, figures=(*calibrated.figures, risk))
    checks = [_net_benefit(curve, p.model_name, lo, hi), calibrated]
    if harm_report is not None:
        checks.append(_harm(harm_report, policy.max_harm_difference, p.threshold))
    return checks


def _net_benefit(curve: Any, model: str, lo: float, hi: float) -> Check:
    nb = curve.overall.net_benefit[model]
    band = curve.overall.net_benefit_ci[model]
    best_default = np.maximum(curve.overall.treat_all, 0.0)
    beats = nb > best_default
    confidently_worse = band[:, 1] < best_default
    if beats.all():
        verdict: Verdict = "pass"
    elif confidently_worse.any() or not beats.any():
        verdict = "fail"
    else:
        verdict = "warn"
    losing = curve.thresholds[~beats]
    from ethicompass.safety._plots import decision_curve_svg

    figures = (decision_curve_svg(curve, curve.overall),)
    return Check(
        id="beneficence.net_benefit",
        title="The model does more good than treating everyone or no one",
        verdict=verdict,
        value=f"beats both defaults at {int(beats.sum())} of {beats.size} thresholds",
        threshold=f"at every threshold probability in [{lo}, {hi}]",
        evidence=(
            "net benefit at the range's ends: "
            f"{nb[0]:.3f} (treat all {curve.overall.treat_all[0]:.3f}) and {nb[-1]:.3f} (treat all {curve.overall.treat_all[-1]:.3f})"
            + (f"; not better at {', '.join(f'{t:.2f}' for t in losing[:6])}" if losing.size else "")
        ),
        source=SOURCES["safety.threshold_range"],
        explanation="Net benefit counts true positives minus false positives weighted by the odds of the threshold: "
        "the value of acting on the model for a clinician who would treat at that risk. Below the defaults, using the "
        "model does more harm than a blanket policy.",
        action="restrict use to the thresholds where the model helps, or improve the model before deployment",
        figures=figures,
    )


def _calibration(report: Any, bounds: tuple[float, float]) -> Check:
    lo, hi = bounds
    overall = report.overall
    slope_lo, slope_hi = overall.slope_ci
    if lo <= overall.slope <= hi:
        verdict: Verdict = "pass"
    elif slope_hi < lo or slope_lo > hi:
        verdict = "fail"
    else:
        verdict = "warn"
    worst = max(
        (g for g in report.subgroups if g.n >= 30 and np.isfinite(g.calibration_in_the_large)),
        key=lambda g: abs(g.calibration_in_the_large),
        default=None,
    )
    worst_text = (
        f"; largest subgroup miscalibration: {worst.attribute}={worst.value} (observed minus predicted "
        f"{worst.calibration_in_the_large:+.3f})"
        if worst is not None
        else ""
    )
    from ethicompass.safety._plots import calibration_svg

    figures = (calibration_svg(report),)
    return Check(
        id="beneficence.calibration_slope",
        title="Predicted risks mean what they say (calibration)",
        verdict=verdict,
        value=round(float(overall.slope), 3),
        threshold=[lo, hi],
        evidence=f"slope {overall.slope:.3f} (95% CI {slope_lo:.3f} to {slope_hi:.3f}); "
        f"calibration-in-the-large {overall.calibration_in_the_large:+.3f}; Brier {overall.brier:.3f}{worst_text}",
        source=SOURCES["safety.calibration_slope"],
        explanation="A slope below 1 means the predicted risks are too extreme (too high for high-risk patients, too "
        "low for low-risk ones); above 1, too timid. Miscalibrated risks mislead the clinicians who act on them.",
        action="recalibrate the model (logistic recalibration on local data) and re-check by subgroup",
        figures=figures,
    )


def _harm(report: Any, limit: float, threshold: float) -> Check:
    rows = [r for r in report.subgroups if r.n >= 30 and np.isfinite(r.false_negatives_per_1000)]
    if not rows:
        return not_assessed(
            "beneficence.harm", "Harm is spread fairly across subgroups", "no subgroup of 30 or more"
        )
    worst = max(rows, key=lambda r: r.false_negatives_per_1000)
    best = min(rows, key=lambda r: r.false_negatives_per_1000)
    gap = worst.false_negatives_per_1000 - best.false_negatives_per_1000
    # Judge on the intervals: fail only when the worst group's lower bound exceeds the best group's upper bound by the limit.
    confident_gap = worst.false_negatives_per_1000_ci[0] - best.false_negatives_per_1000_ci[1]
    verdict: Verdict = "pass" if gap <= limit else ("fail" if confident_gap > limit else "warn")
    return Check(
        id="beneficence.harm",
        title="Harm is spread fairly across subgroups",
        verdict=verdict,
        value=round(float(gap), 1),
        threshold=f"at most {limit:g} more missed cases per 1,000 than the best-served group",
        evidence=f"at threshold {threshold:g}: {worst.attribute}={worst.value} misses "
        f"{worst.false_negatives_per_1000:.1f} per 1,000 (CI {worst.false_negatives_per_1000_ci[0]:.1f}-"
        f"{worst.false_negatives_per_1000_ci[1]:.1f}) vs {best.false_negatives_per_1000:.1f} for "
        f"{best.attribute}={best.value}",
        source=SOURCES["safety.max_harm_difference"],
        explanation="A missed case (false negative) is a patient who needed care the model did not flag; this "
        "compares how often that happens per 1,000 patients in each subgroup.",
        action="lower the threshold for the most-harmed group or improve the model for it; document the residual "
        "risk and monitor it after deployment",
    )
