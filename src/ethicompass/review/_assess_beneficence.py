"""Beneficence: the model beats treat-all and treat-none, is calibrated, and harms no subgroup unduly."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ethicompass.review._figures import risk_distribution_svg
from ethicompass.review._headline import Harm, bonferroni_z, rank, wilson
from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, Verdict, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._context import ReviewContext

PER = 1000


def _frame(ctx: ReviewContext) -> Any:
    p = ctx.study.predictions
    assert p is not None
    kept = ctx.results.get("consent", {}).get("kept")
    return kept if kept is not None else ctx.frame(p.dataset)


def benefit_counts(ctx: ReviewContext) -> Any:
    """The count table of the (consented) predictions: (groups and site, label, score) -> rows.

    A multi-site review passes the merged table of its sites in ``ctx.results["benefit_counts"]``;
    otherwise one group-by over the rows. Either way in canonical order, so the bootstrap draws,
    and so every interval, depend only on the counts, not on the order a group-by returned them in.
    """
    cached = ctx.results.get("benefit_counts")
    if cached is not None:
        return cached
    from ethicompass.safety import summarize

    p = ctx.study.predictions
    assert p is not None
    cal_groups = [*p.groups, *([p.site] if p.site and p.site not in p.groups else [])]
    table = summarize(_frame(ctx), label=p.label, scores={p.model_name: p.score}, groups=cal_groups)
    return canonical(table)


def canonical(table: Any) -> Any:
    """``table`` with its cells summed by key and sorted (the order of :meth:`CountTable.merge`)."""
    empty = replace(
        table,
        scores=table.scores[:0],
        label=table.label[:0],
        groups=table.groups[:0],
        count=table.count[:0],
    )
    return table.merge(empty)


def _only(table: Any, attributes: list[str]) -> Any:
    """``table`` keeping only the group columns ``attributes`` (cells then summed by :func:`canonical`)."""
    index = [table.attributes.index(a) for a in attributes]
    return replace(table, attributes=tuple(attributes), groups=table.groups[:, index])


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
    from ethicompass.errors import InputError
    from ethicompass.safety import calibration_from_counts, decision_curve_from_counts, harm_from_counts

    policy = ctx.policy.safety
    lo, hi = policy.threshold_range
    thresholds = np.round(np.arange(lo, hi + 1e-9, 0.01), 4)
    table = benefit_counts(ctx)
    overall = canonical(replace(table, attributes=(), groups=table.groups[:, :0]))
    curve = decision_curve_from_counts(overall, thresholds=thresholds, n_boot=300, ci=0.95, seed=0)
    if table.events in (0, table.n):
        raise InputError(
            f"label column {p.label!r} holds only {'0' if table.events == 0 else '1'}s",
            hint="calibration needs patients with and without the event",
        )
    by_score = replace(table, models=(p.score,))
    cal = calibration_from_counts(by_score, n_bins=10, ci=0.95)
    groups = p.groups or []
    harm_report = (
        harm_from_counts(
            canonical(_only(by_score, groups)), threshold=p.threshold, ci=0.95, n_boot=2000, seed=0
        )
        if groups
        else None
    )
    ctx.results["benefit_review"] = {"decision_curve": curve, "calibration": cal, "harm": harm_report}
    min_n = ctx.policy.fairness.min_group_size
    calibrated = _calibration(cal, policy.calibration_slope, min_n=min_n)
    risk = risk_distribution_svg(
        np.repeat(table.scores[:, 0], table.count), np.repeat(table.label, table.count), threshold=p.threshold
    )
    calibrated = replace(calibrated, figures=(*calibrated.figures, risk))
    checks = [_net_benefit(curve, p.model_name, lo, hi), calibrated]
    if harm_report is not None:
        checks.append(_harm(harm_report, policy.max_harm_difference, p.threshold, min_n=min_n))
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
    figures = (curve.to_svg(population=curve.overall),)
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


def _worst_calibrated(report: Any, min_n: int) -> str:
    """The subgroup (attribute value or site) whose calibration-in-the-large interval lies furthest
    from 0, on Bonferroni-adjusted intervals; subgroups below ``min_n`` are never named."""
    rows = [g for g in report.subgroups if g.n >= min_n and np.isfinite(g.calibration_in_the_large)]
    if not rows:
        return ""
    z0 = bonferroni_z(1, ci=report.ci)
    z = bonferroni_z(len(rows), ci=report.ci)
    harms = []
    for g in rows:
        value = float(g.calibration_in_the_large)
        lo, hi = g.calibration_in_the_large_ci
        ci = (value - (value - lo) * z / z0, value + (hi - value) * z / z0) if np.isfinite(lo + hi) else None
        # miscalibration either way harms: read the difference in the direction it lies
        harms.append(Harm.of(f"{g.attribute}={g.value}", "0", value, ci, higher_is_worse=value >= 0))
    worst = rank(harms, limit=0.0).headline
    assert worst is not None
    ci_text = f", adjusted CI {worst.ci[0]:+.3f} to {worst.ci[1]:+.3f}" if worst.ci else ""
    return f"; largest subgroup miscalibration: {worst.group} (observed minus predicted {worst.value:+.3f}{ci_text})"


def _calibration(report: Any, bounds: tuple[float, float], *, min_n: int = 30) -> Check:
    lo, hi = bounds
    overall = report.overall
    slope_lo, slope_hi = overall.slope_ci
    if lo <= overall.slope <= hi:
        verdict: Verdict = "pass"
    elif slope_hi < lo or slope_lo > hi:
        verdict = "fail"
    else:
        verdict = "warn"
    worst_text = _worst_calibrated(report, min_n)
    figures = (report.to_svg(),)
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


def _harm(report: Any, limit: float, threshold: float, *, min_n: int = 30) -> Check:
    rows = [r for r in report.subgroups if r.n >= min_n and np.isfinite(r.false_negatives_per_1000)]
    if not rows:
        return not_assessed(
            "beneficence.harm", "Harm is spread fairly across subgroups", f"no subgroup of {min_n} or more"
        )
    small = [(f"{r.attribute}={r.value}", r.n) for r in report.subgroups if r.n < min_n]
    # Rank by the evidence: each subgroup's missed cases per 1,000 against the best-served subgroup's, on
    # Wilson intervals Bonferroni-adjusted over the subgroups (Holm's first step); fail only when the
    # whole interval of the gap lies beyond the limit.
    z = bonferroni_z(len(rows), ci=report.ci)
    best = min(rows, key=lambda r: r.false_negatives_per_1000)
    b_lo, b_hi = (PER * x for x in wilson(best.false_negatives, best.n, z))
    harms = []
    for r in rows:
        if r is best:
            continue
        lo, hi = (PER * x for x in wilson(r.false_negatives, r.n, z))
        gap = r.false_negatives_per_1000 - best.false_negatives_per_1000
        harms.append(
            Harm.of(
                f"{r.attribute}={r.value}",
                f"{best.attribute}={best.value}",
                gap,
                (lo - b_hi, hi - b_lo),
                higher_is_worse=True,
                n=r.n,
            )
        )
    ranking = rank(harms, limit=limit, too_small=small)
    worst = ranking.headline
    verdict: Verdict = ranking.verdict
    gap = worst.value if worst is not None else 0.0
    return Check(
        id="beneficence.harm",
        title="Harm is spread fairly across subgroups",
        verdict=verdict,
        value=round(float(gap), 1),
        threshold=f"at most {limit:g} more missed cases per 1,000 than the best-served group",
        evidence=f"at threshold {threshold:g}, {best.attribute}={best.value} best served "
        f"({best.false_negatives_per_1000:.1f} missed per 1,000); gap in missed cases per 1,000: "
        + ranking.describe("{:+.1f}", interval="adjusted CI"),
        source=SOURCES["safety.max_harm_difference"],
        explanation="A missed case (false negative) is a patient who needed care the model did not flag; this "
        "compares how often that happens per 1,000 patients in each subgroup with the best-served subgroup, "
        "naming the subgroup whose interval lies furthest above it.",
        groups=ranking.named if verdict != "pass" else (),
        action="lower the threshold for the most-harmed group or improve the model for it; document the residual "
        "risk and monitor it after deployment",
    )
