"""Fairness: error-rate differences between groups, judged on their intervals; representativeness."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ethicompass.review._headline import Harm, Ranking, rank
from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._context import ReviewContext

_METRICS = {
    "tpr": ("sensitivity (true-positive rate)", "max_tpr_difference"),
    "fpr": ("false-positive rate", "max_fpr_difference"),
    "auroc": ("discrimination (AUROC)", "max_auroc_difference"),
}
#: The metrics whose higher values harm (a false positive is an unneeded treatment).
_HIGHER_IS_WORSE = {"tpr": False, "fpr": True, "auroc": False}


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
    checks = difference_checks(report, policy)
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


def difference_checks(report: Any, policy: Any) -> list[Check]:
    """One check per metric and attribute: the groups ranked by the evidence of harm.

    Each group large enough to judge is compared with the reference group on its Holm-adjusted
    interval (see :mod:`ethicompass.review._headline`): the headline is the group whose interval
    lies furthest in the harmful direction, every failing group is listed, and groups below the
    minimum size are reported as too small to judge, never as the headline.
    """
    checks: list[Check] = []
    shown: set[str] = set()
    for metric, (words, field_name) in _METRICS.items():
        limit = float(getattr(policy, field_name))
        for attribute in report.attributes:
            ranking = rank_differences(report, metric, attribute, limit=limit)
            if ranking is None:
                continue
            head = ranking.headline
            checks.append(
                Check(
                    id=f"fairness.{metric}_difference.{attribute}",
                    title=f"Difference in {words} by {attribute}",
                    verdict=ranking.verdict,
                    value=round(float(head.value), 4) if head is not None else None,
                    threshold=limit,
                    evidence=ranking.describe(interval="95% CI, Holm-adjusted,"),
                    source=SOURCES[f"fairness.{field_name}"],
                    explanation=f"How much the model's {words} differs between each {attribute} group and the "
                    f"reference group, each difference with its Holm-adjusted 95% interval. The check names the group "
                    f"whose interval lies furthest in the harmful direction and lists every group that fails. A group "
                    f"fails only when its whole interval lies beyond the limit; when only the estimate does, a "
                    f"reviewer must judge. Groups below the minimum size are too small to judge.",
                    action="investigate the under-served group (data quality, features, label bias); consider "
                    "group-specific recalibration or thresholds, and re-audit",
                    figures=_figures(report, metric, shown) if ranking.verdict != "pass" else (),
                    groups=ranking.named if ranking.verdict != "pass" else (),
                )
            )
    return checks


def rank_differences(report: Any, metric: str, attribute: str, *, limit: float) -> Ranking | None:
    """The ``attribute``'s groups ranked by the evidence of harm in ``metric`` (None: nothing to rank)."""
    small = [(_label(g.group), g.n) for g in report.small_groups if tuple(dict(g.group)) == (attribute,)]
    small_labels = {label for label, _ in small}
    rows = [
        d
        for d in report.disparities
        if d.metric == metric
        and tuple(d.attributes) == (attribute,)
        and d.group is not None
        and d.difference.value is not None
    ]
    if not rows:
        return None
    worse_up = _HIGHER_IS_WORSE[metric]
    harms = [
        Harm.of(
            _label(d.group),
            _label(d.reference),
            float(d.difference.value),
            tuple(d.ci_holm) if d.ci_holm else None,
            higher_is_worse=worse_up,
        )
        for d in rows
        if _label(d.group) not in small_labels and _label(d.reference) not in small_labels
    ]
    return rank(harms, limit=limit, too_small=small, both_ways=True)


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
        # Bonferroni over the attribute values compared (Holm's first step: the headline's level)
        m = max(1, int(reference.filter(reference["attribute"].is_in(attributes)).height))
        rep = representativeness(ctx.frame("patients"), reference, attributes=attributes, ci=1 - 0.05 / m)
        ctx.results["representativeness"] = rep
    return [representativeness_check(rep, policy)]


def representativeness_check(rep: Any, policy: Any) -> Check:
    """Every attribute value's PPR against the band, ranked by its interval's distance beyond it.

    A value whose expected count in the cohort (population share x cohort size) is below the
    policy's minimum group size is too small to judge and never the headline.
    """
    lo, hi = policy.representativeness
    totals: dict[str, int] = {}
    for r in rep.rows:
        totals[r.attribute] = totals.get(r.attribute, 0) + r.n
    harms: list[Harm] = []
    small: list[tuple[str, int]] = []
    for r in rep.rows:
        if r.ppr.value is None or r.population_share is None:
            continue
        label = f"{r.attribute}={r.value}"
        expected = r.population_share * totals[r.attribute]
        if expected < policy.min_group_size:
            small.append((f"{label} (expected {expected:.0f})", r.n))
            continue
        ci = tuple(r.ppr.ci) if r.ppr.ci else None
        text = f"{label}: PPR {r.ppr.value:.2f}" + (f" (CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else "")
        under = Harm.of(
            label,
            "population",
            r.ppr.value - lo,
            (ci[0] - lo, ci[1] - lo) if ci else None,
            higher_is_worse=False,
            n=r.n,
            text=text + " under-represented",
        )
        over = Harm.of(
            label,
            "population",
            r.ppr.value - hi,
            (ci[0] - hi, ci[1] - hi) if ci else None,
            higher_is_worse=True,
            n=r.n,
            text=text + " over-represented",
        )
        harms.append(max(under, over, key=lambda h: h.evidence_key))
    ranking = rank(harms, limit=0.0, too_small=small)
    outside = [h for h in (*ranking.failing, *ranking.warning)]
    evidence = ranking.describe() if outside else "every group within bounds"
    if not outside and small:
        evidence += "; too small to judge: " + ", ".join(f"{g} (n={n})" for g, n in small)
    return Check(
        id="fairness.representativeness",
        title="Cohort represents the disease population",
        verdict=ranking.verdict,
        value=len(outside),
        threshold=f"participation-to-prevalence ratio in [{lo}, {hi}]",
        evidence=evidence,
        source=SOURCES["fairness.representativeness"],
        explanation="The participation-to-prevalence ratio compares a group's share of the cohort with its share "
        "of the disease population; 1 is proportional representation. Intervals are Bonferroni-adjusted over the "
        "values compared; the check names first the group whose interval lies furthest outside the band.",
        action="extend recruitment to the under-represented groups (a diversity action plan), or restrict the "
        "model's intended use to the populations it was built on",
        groups=ranking.named if outside else (),
    )
