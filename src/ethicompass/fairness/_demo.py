"""Demo step: audit the synthetic model's predictions by sex, race and age group; say who is under-served."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from ethicompass.frames import load_table, sha256_file

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """Audit the predictions, print the under-served groups, and keep the report for the review."""
    from ethicompass.fairness._audit import audit
    from ethicompass.fairness._report import group_label
    from ethicompass.fairness._representativeness import representativeness
    from ethicompass.transparency import AuditLog

    spec = ctx.study.predictions
    if spec is None:
        ctx.say("The study manifest names no predictions: nothing to audit.")
        return
    path = ctx.path(spec.dataset)
    groups = spec.groups or ["sex"]
    frame = load_table(path, columns=list(dict.fromkeys([spec.label, spec.score, *groups])))
    started = time.perf_counter()
    report = audit(
        frame, label=spec.label, score=spec.score, groups=groups, threshold=spec.threshold, seed=ctx.seed
    )
    elapsed = time.perf_counter() - started
    AuditLog(ctx.store).append(
        action="fairness.audit",
        object_type="dataset",
        object_id=spec.dataset,
        hashes={"data": sha256_file(path)},
        params={"label": spec.label, "score": spec.score, "groups": groups, "findings": len(report.findings)},
    )
    ctx.results["fairness"] = report
    ctx.say(
        f"Audited {spec.model_name} on {report.overall.n:,} patients by {', '.join(groups)} "
        f"({len(report.groups)} groups, {len(report.intersections)} intersections, 95% intervals, "
        f"{report.n_boot:,} bootstrap replicates of the counts) in {elapsed:.1f} s."
    )
    marginal = [f for f in report.findings if len(f.group) == 1]
    by_group: dict[str, list[str]] = {}
    for f in marginal:
        by_group.setdefault(group_label(f.group), []).append(f.message.split(": ", 1)[1])
    if by_group:
        ctx.say("The model serves these groups worse than the largest group of their attribute:")
        for label, messages in by_group.items():
            ctx.say(f"  - {label}:")
            for message in messages:
                ctx.say(f"      {message}")
    else:
        ctx.say("No group is served measurably worse than the largest group of its attribute.")
    clean = [g for g in groups if not any(g in f.group for f in marginal)]
    if clean:
        ctx.say(f"Nothing flagged for {', '.join(clean)}.")
    worse_auroc = {group_label(f.group) for f in marginal if f.metric == "auroc"}
    truth_path = ctx.study_dir / "synth_truth.json"
    if truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        planted = {f"{t['attribute']}={t['value']}" for t in truth.get("underperforming_subgroups", [])}
        planted &= {f"{g}={v}" for g in groups for v in frame[g].unique().to_list()}
        fair = [a for a in truth.get("fair_attributes", []) if a in groups]
        found = planted & worse_auroc
        false_fair = [a for a in fair if a not in clean]
        ctx.say(
            f"Check against the planted truth: {len(found)} of {len(planted)} planted under-performing groups found "
            f"by a lower AUROC ({', '.join(sorted(found)) or 'none'}); "
            + (
                f"nothing flagged for the fair attribute(s) {', '.join(fair)}."
                if not false_fair
                else f"a flag on the fair attribute(s) {', '.join(false_fair)}!"
            )
        )
        others = sorted(set(by_group) - planted)
        if others:
            ctx.say(
                f"Also flagged at the {spec.threshold:g} threshold: {', '.join(others)}: a group whose outcome is "
                "rarer gets a lower sensitivity from a calibrated score at a fixed threshold."
            )
    small = report.small_groups
    if small:
        names = (
            ", ".join(group_label(g.group) for g in small if len(g.group) == 1) or "none of the single groups"
        )
        ctx.say(
            f"{len(small)} groups or intersections have fewer than {report.min_group_size} patients and are reported "
            f"as too small to judge ({names}, and intersections)."
        )
    if ctx.study.reference_population:
        cohort = load_table(path, columns=groups)
        population = load_table(ctx.path(ctx.study.reference_population))
        attributes = [g for g in groups if g in set(population["attribute"].to_list())]
        if attributes:
            rep = representativeness(cohort, population, attributes=attributes)
            ctx.results["representativeness"] = rep
            under = [
                f"{r.attribute}={r.value} (PPR {r.ppr.value:.2f})"
                for r in rep.under_represented
                if r.ppr.value
            ]
            ctx.say(
                "Representativeness against the disease population: "
                + (f"under-represented: {', '.join(under)}." if under else "no group under-represented.")
            )
