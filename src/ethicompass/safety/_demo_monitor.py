"""Demo step: monitor the synthetic trial's adverse events, and check the model for drift."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ethicompass.frames import load_table
from ethicompass.safety._drift import drift
from ethicompass.safety._monitor import monitor

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """Find the planted adverse-event signal (and no other); compare early and late enrolment for drift."""
    import json

    report = monitor(load_table(ctx.path("adverse_events")), load_table(ctx.path("patients")), looks=4)
    truth = json.loads((ctx.study_dir / "synth_truth.json").read_text())["adverse_event_signal"]
    ctx.say(
        f"Monitored {sum(i.events for i in report.incidence):,} adverse events in {len({i.category for i in report.incidence})} "
        f"categories at {len(report.looks)} looks (O'Brien-Fleming-like spending, one-sided alpha 0.025 shared by the categories)."
    )
    for s in report.crossed:
        ctx.say(
            f"  [bold red]Boundary crossed[/bold red]: {s.category} in the {s.arm} arm at look {s.look} ({s.date}): "
            f"Z = {s.statistic:.2f} against a boundary of {s.boundary:.2f}; rate ratio {s.rate_ratio:.2f} "
            f"(95% CI {s.rate_ratio_ci[0]:.2f} to {s.rate_ratio_ci[1]:.2f}) with {s.information_fraction:.0%} of the information."
        )
    found = {(s.category, s.arm) for s in report.crossed}
    planted = (truth["category"], truth["arm"])
    ctx.say(
        f"Check against the planted truth: the planted signal ({planted[0]}, {planted[1]}) was "
        f"{'found' if planted in found else 'NOT found'}; {len(found - {planted})} other signal(s)."
    )
    predictions = load_table(ctx.path("predictions")).join(
        load_table(ctx.path("patients")).select("participant_id", "enrolment_date"), on="participant_id"
    )
    cut = predictions["enrolment_date"].sort()[predictions.height // 2]
    columns = ["sex", "race", "age_group", "site", "risk_score"]
    early = predictions.filter(pl.col("enrolment_date") < cut)
    late = predictions.filter(pl.col("enrolment_date") >= cut)
    result = drift(early, late, columns=columns, score="risk_score", label="outcome")
    moved = [c.column for c in result.columns if c.judgement != "stable"]
    perf = result.performance
    assert perf is not None
    ctx.say(
        f"Drift between patients enrolled before and after {cut}: {'no column moved' if not moved else 'moved: ' + ', '.join(moved)}; "
        f"AUROC {perf.auroc_reference:.3f} then {perf.auroc_current:.3f}."
    )
    ctx.results["monitoring"] = report
    ctx.results["drift"] = result
