"""Fairness: error-rate differences between groups, judged on their intervals; representativeness."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, Verdict, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._run import ReviewContext

_METRICS = {
    "tpr": ("sensitivity (true-positive rate)", "max_tpr_difference"),
    "fpr": ("false-positive rate", "max_fpr_difference"),
}


def judge_interval(point: float, ci: tuple[float, float] | None, limit: float) -> Verdict:
    """fail when the whole interval lies beyond ``limit``; warn when only the point does."""
    if ci is None:
        return "warn" if abs(point) > limit else "pass"
    lo, hi = ci
    nearest = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    if nearest > limit:
        return "fail"
    return "warn" if abs(point) > limit else "pass"


def _label(group: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in dict(group or {}).items())


def audit_report(ctx: ReviewContext) -> Any:
    """The fairness audit of the (consented) predictions, computed once per review."""
    cached = ctx.results.get("fairness_review")
    if cached is not None:
        return cached
    from ethicompass.fairness import audit

    p = ctx.study.predictions
    assert p is not None
    frame = ctx.results.get("consent", {}).get("kept")
    if frame is None:
        frame = ctx.frame(p.dataset)
    groups = ctx.policy.fairness.groups or p.groups
    report = audit(
        frame,
        label=p.label,
        score=p.score,
        groups=groups,
        threshold=p.threshold,
        min_group_size=ctx.policy.fairness.min_group_size,
        n_boot=500,
    )
    ctx.results["fairness_review"] = report
    return report


def assess(ctx: ReviewContext) -> list[Check]:
    """Largest TPR and FPR differences per attribute against the policy; representativeness."""
    policy = ctx.policy.fairness
    p = ctx.study.predictions
    if p is None or not (policy.groups or p.groups):
        return [
            not_assessed(
                "fairness.audit",
                "Performance by group",
                "the manifest names no predictions or no groups",
                action="add 'predictions: {dataset, label, score, groups: [...]}' to study.yaml",
            )
        ]
    report = audit_report(ctx)
    checks: list[Check] = []
    too_small = {tuple(sorted(dict(g.group).items())) for g in report.small_groups}

    def judged(d: Any) -> bool:
        return d.difference.value is not None and tuple(sorted(dict(d.group or {}).items())) not in too_small

    shown: set[str] = set()
    for metric, (words, field_name) in _METRICS.items():
        limit = float(getattr(policy, field_name))
        for attribute in report.attributes:
            rows = [
                d
                for d in report.disparities
                if d.metric == metric
                and tuple(d.attributes) == (attribute,)
                and d.difference.value is not None
            ]
            if not rows:
                continue
            worst = max(rows, key=lambda d: abs(d.difference.value))
            ci = tuple(worst.difference.ci) if worst.difference.ci else None
            verdict = judge_interval(worst.difference.value, ci, limit)  # type: ignore[arg-type]
            ci_text = f" (95% CI {ci[0]:+.3f} to {ci[1]:+.3f})" if ci else ""
            checks.append(
                Check(
                    id=f"fairness.{metric}_difference.{attribute}",
                    title=f"Difference in {words} by {attribute}",
                    verdict=verdict,
                    value=round(float(worst.difference.value), 4),
                    threshold=limit,
                    evidence=f"{_label(worst.group)} vs {_label(worst.reference)}: "
                    f"{worst.difference.value:+.3f}{ci_text}",
                    source=SOURCES[f"fairness.{field_name}"],
                    explanation=f"How much the model's {words} differs between the worst-served {attribute} group "
                    f"and the reference group. It fails only when the whole confidence interval lies beyond the "
                    f"limit; when only the estimate does, a reviewer must judge.",
                    action="investigate the under-served group (data quality, features, label bias); consider "
                    "group-specific recalibration or thresholds, and re-audit",
                    figures=_figures(report, metric, shown) if verdict != "pass" else (),
                )
            )
    small = report.small_groups
    checks.append(
        Check(
            id="fairness.small_groups",
            title="Groups too small to judge",
            verdict="warn" if any(len(g.group) == 1 for g in small) else "pass",
            value=len(small),
            threshold=f"n >= {policy.min_group_size}",
            evidence="; ".join(f"{_label(g.group)} (n={g.n})" for g in small[:8])
            + (" ..." if len(small) > 8 else "")
            or "none",
            source=SOURCES["fairness.min_group_size"],
            explanation="Groups below the minimum size are reported but cannot be judged: their intervals are too "
            "wide. A single attribute value this small needs the committee's attention; small intersections are "
            "expected.",
            action="recruit or pool data for the small groups, or state why they cannot be assessed",
        )
    )
    checks.extend(_representativeness(ctx))
    return checks


def _figures(report: Any, metric: str, shown: set[str]) -> tuple[str, ...]:
    """The metric's plot (every attribute), once per report: the first check that needs it shows it."""
    if metric in shown:
        return ()
    shown.add(metric)
    from ethicompass.fairness import plot_metrics

    return (plot_metrics(report, metrics=[metric]),)


def _representativeness(ctx: ReviewContext) -> list[Check]:
    study, policy = ctx.study, ctx.policy.fairness
    if not study.reference_population:
        return [
            not_assessed(
                "fairness.representativeness",
                "Cohort represents the disease population",
                "the manifest names no reference population",
                action="add 'reference_population: DATASET' (attribute, value, population_share) to study.yaml",
            )
        ]
    rep = ctx.results.get("representativeness")
    if rep is None:
        from ethicompass.fairness import representativeness

        reference = ctx.frame(study.reference_population)
        attributes = sorted(set(reference["attribute"].to_list()) & set(ctx.frame("patients").columns))
        rep = representativeness(ctx.frame("patients"), reference, attributes=attributes)
        ctx.results["representativeness"] = rep
    lo, hi = policy.representativeness
    outside = [r for r in rep.rows if r.ppr.value is not None and not lo <= r.ppr.value <= hi]
    confident = [r for r in outside if r.ppr.ci and (r.ppr.ci[1] < lo or r.ppr.ci[0] > hi)]
    verdict: Verdict = "fail" if confident else ("warn" if outside else "pass")
    return [
        Check(
            id="fairness.representativeness",
            title="Cohort represents the disease population",
            verdict=verdict,
            value=len(outside),
            threshold=f"participation-to-prevalence ratio in [{lo}, {hi}]",
            evidence="; ".join(f"{r.attribute}={r.value}: PPR {r.ppr.value:.2f}" for r in outside)
            or "every group within bounds",
            source=SOURCES["fairness.representativeness"],
            explanation="The participation-to-prevalence ratio compares a group's share of the cohort with its share "
            "of the disease population; 1 is proportional representation.",
            action="extend recruitment to the under-represented groups (a diversity action plan), or restrict the "
            "model's intended use to the populations it was built on",
        )
    ]
