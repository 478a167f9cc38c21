"""Demo step: where is the synthetic model useful, is it calibrated, and whom does it harm most?"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ethicompass.frames import atomic_write_text, load_table, read_table, sha256_file

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext

ALT_SCORE = "risk_score_alt"
SITE = "site"


def run(ctx: DemoContext) -> None:
    """Decision curves of both synthetic models, calibration and harm; keep them for the review."""
    from ethicompass.safety import calibration, decision_curve, harm
    from ethicompass.transparency import AuditLog

    spec = ctx.study.predictions
    if spec is None:
        ctx.say("The study manifest names no predictions: no benefit or harm to assess.")
        return
    path = ctx.path(spec.dataset)
    groups = list(spec.groups or ["sex"])
    header = read_table(path).collect_schema().names()
    scores = {spec.model_name: spec.score}
    if ALT_SCORE in header and spec.score != ALT_SCORE:
        scores[ALT_SCORE] = ALT_SCORE
    # Sites differ in case mix and practice: check calibration by site too when the table has one.
    cal_groups = [*groups, SITE] if SITE in header and SITE not in groups else groups
    frame = load_table(path, columns=list(dict.fromkeys([spec.label, *scores.values(), *cal_groups])))
    thresholds = np.round(np.arange(1, 100) / 100, 2)
    started = time.perf_counter()
    curve = decision_curve(
        frame,
        label=spec.label,
        scores=scores,
        thresholds=thresholds,
        n_boot=200,
        groups=groups,
        seed=ctx.seed,
    )
    cal = calibration(frame, label=spec.label, score=spec.score, groups=cal_groups)
    harms = harm(
        frame, label=spec.label, score=spec.score, threshold=spec.threshold, groups=groups, seed=ctx.seed
    )
    elapsed = time.perf_counter() - started
    AuditLog(ctx.store).append(
        action="safety.benefit",
        object_type="dataset",
        object_id=spec.dataset,
        hashes={"data": sha256_file(path)},
        params={
            "label": spec.label,
            "scores": scores,
            "groups": groups,
            "threshold": spec.threshold,
            "n_boot": 200,
        },
    )
    plots = ctx.out_dir / "benefit"
    atomic_write_text(plots / "decision_curve.svg", curve.to_svg())
    atomic_write_text(plots / "calibration.svg", cal.to_svg())
    ctx.results["benefit"] = {"decision_curve": curve, "calibration": cal, "harm": harms}
    ctx.say(
        f"Decision curves of {len(scores)} models on {curve.overall.n:,} patients at 99 thresholds, with "
        f"{curve.n_boot} bootstrap replicates of the counts, calibration and harm by {', '.join(groups)} "
        f"in {elapsed:.1f} s (plots in {plots})."
    )
    _say_usefulness(ctx, curve)
    _say_calibration(ctx, cal)
    _say_harm(ctx, harms)
    _say_truth(ctx, curve, cal, harms, spec.model_name)


def _span(r: tuple[float, float] | None) -> str:
    return "nowhere" if r is None else f"{r[0]:.2f} to {r[1]:.2f}"


def _say_usefulness(ctx: DemoContext, curve: Any) -> None:
    overall = curve.overall
    for model in curve.models:
        ctx.say(
            f"  {model}: beats treating everyone and no one for threshold probabilities "
            f"{_span(overall.useful_range[model])} (confidently, by its 95% interval: "
            f"{_span(overall.confident_range[model])})."
        )
    for name, diff in overall.differences.items():
        j = int(np.argmin(np.abs(curve.thresholds - 0.2)))
        lo, hi = overall.differences_ci[name][j]
        ctx.say(
            f"  At threshold {curve.thresholds[j]:.2f}, net benefit {name} = {diff[j]:+.4f} "
            f"(95% CI {lo:+.4f} to {hi:+.4f}): {1000 * diff[j]:+.0f} net true positives per 1,000 patients."
        )


def _say_calibration(ctx: DemoContext, cal: Any) -> None:
    o = cal.overall
    ctx.say(
        f"  Calibration of {cal.score}: observed minus predicted {o.calibration_in_the_large:+.3f}, intercept "
        f"{o.intercept:+.2f} (95% CI {o.intercept_ci[0]:+.2f} to {o.intercept_ci[1]:+.2f}), slope {o.slope:.2f} "
        f"({o.slope_ci[0]:.2f} to {o.slope_ci[1]:.2f}), ECE {o.ece:.3f}, Brier {o.brier:.3f}."
    )
    off = [
        g
        for g in cal.subgroups
        if g.n >= 30
        and (g.calibration_in_the_large_ci[0] > 0 or g.calibration_in_the_large_ci[1] < 0)
        and abs(g.calibration_in_the_large) >= 0.05
    ]
    for g in sorted(off, key=lambda g: -abs(g.calibration_in_the_large)):
        direction = "over-predicts" if g.calibration_in_the_large < 0 else "under-predicts"
        ctx.say(
            f"  It {direction} risk for {g.attribute}={g.value}: observed {g.observed_rate:.3f} vs predicted "
            f"{g.mean_predicted:.3f} (intercept {g.intercept:+.2f})."
        )
    if not off:
        ctx.say("  No subgroup is miscalibrated by 0.05 or more beyond its interval.")


def _say_harm(ctx: DemoContext, harms: Any) -> None:
    worst = harms.most_harmed
    if worst is None:
        return
    ctx.say(
        f"  At the study's threshold {harms.threshold:g} (one false positive weighs {harms.harm_weight:.2f} missed "
        f"cases), the model harms {worst.attribute}={worst.value} most: {worst.false_negatives_per_1000:.0f} missed "
        f"cases and {worst.false_positives_per_1000:.0f} unneeded treatments per 1,000 (weighted harm "
        f"{worst.weighted_harm_per_1000:.0f}, 95% CI {worst.weighted_harm_per_1000_ci[0]:.0f}-"
        f"{worst.weighted_harm_per_1000_ci[1]:.0f}, against {harms.overall.weighted_harm_per_1000:.0f} overall)."
    )
    for attribute, row in harms.most_harmed_by_attribute.items():
        if row is not worst:
            ctx.say(
                f"    most harmed by {attribute}: {row.value} ({row.weighted_harm_per_1000:.0f} per 1,000)"
            )


def _say_truth(ctx: DemoContext, curve: Any, cal: Any, harms: Any, model: str) -> None:
    truth_path = ctx.study_dir / "synth_truth.json"
    if not truth_path.exists():
        return
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    planted = truth.get("useful_threshold_range")
    under = {f"{t['attribute']}={t['value']}" for t in truth.get("underperforming_subgroups", [])}
    worst = harms.most_harmed
    found = worst is not None and f"{worst.attribute}={worst.value}" in under
    ctx.say(
        f"Check against the planted truth: useful range {_span(curve.overall.useful_range[model])} found vs "
        f"{_span(tuple(planted) if planted else None)} planted; the most harmed group "
        f"{'is' if found else 'is not'} one of the planted under-served groups ({', '.join(sorted(under)) or 'none'})."
    )
