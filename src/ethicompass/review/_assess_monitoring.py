"""Beneficence: adverse events monitored against group-sequential harm boundaries (``safety.monitor``).

Runs when the policy names the protocol's interim looks (``safety.monitor_looks``) and the manifest
names the adverse events (``adverse_events``): the counts of :func:`ethicompass.safety.safety_counts`
(events by category x arm x look, days at risk by arm x look) from the rows, or, in a multi-site
review, the sites' summed counts (``ctx.results["safety_monitoring"]``), then
:func:`ethicompass.safety.monitor_from_counts` on them: the same report either way. A crossed harm
boundary fails the check (the data monitoring committee must look at the arm); counts the sites had
to withhold make it ``not_assessed``, never a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._context import ReviewContext

__all__ = ["CHECK_ID", "adverse_event_checks", "monitoring_inputs"]

CHECK_ID = "beneficence.adverse_events"
TITLE = "No arm crosses its harm boundary for adverse events"
#: the columns ``safety monitor`` reads by default (the participants' table holds arm and enrolment date)
PARTICIPANT_COLUMNS = ("participant_id", "arm", "enrolment_date")


def monitoring_inputs(study: Any) -> tuple[str, str]:
    """(the adverse-event dataset, the participants' dataset): the one other dataset whose manifest
    columns include ``participant_id``, ``arm`` and ``enrolment_date``. :class:`InputError` if none or several."""
    from ethicompass.errors import InputError

    events = study.adverse_events
    if events is None:
        raise InputError("the manifest names no adverse_events dataset", hint="add 'adverse_events: DATASET'")
    found = [
        name
        for name, spec in study.datasets.items()
        if name != events and all(c in spec.columns for c in PARTICIPANT_COLUMNS)
    ]
    if len(found) != 1:
        raise InputError(
            f"{'no' if not found else 'more than one'} dataset of the manifest has the columns "
            f"{', '.join(PARTICIPANT_COLUMNS)} (the participants at risk)",
            hint="name the participants' arm and enrolment date in one dataset",
        )
    return events, found[0]


def _check(report: Any, policy: Any) -> Check:
    crossed = report.crossed
    categories = sorted({i.category for i in report.incidence})
    threshold = (
        f"no crossing of the harm boundary (one-sided alpha {report.alpha:g}, {report.alpha_per_category:.4g} per "
        f"category over {len(categories)} categories; {report.spending} spending; looks {', '.join(report.looks)})"
    )
    if crossed:
        evidence = "; ".join(
            f"{s.category} / {s.arm} at look {s.look} ({s.date}): Z = {s.statistic:.2f} over its boundary "
            f"{s.boundary:.2f}, rate ratio {s.rate_ratio:.2f} ({s.events_arm} vs {s.events_control} events)"
            for s in crossed
        )
    else:
        last = [s for s in report.signals if s.look == len(report.looks)]
        top = max(last, key=lambda s: s.statistic - s.boundary, default=None)
        per_arm: dict[str, int] = {}
        for i in report.incidence:
            per_arm[i.arm] = per_arm.get(i.arm, 0) + i.events
        evidence = "events by arm: " + ", ".join(f"{a} {n}" for a, n in sorted(per_arm.items()))
        if top is not None:
            evidence += (
                f"; closest at the last look: {top.category} / {top.arm}, Z = {top.statistic:.2f} against "
                f"{top.boundary:.2f}"
            )
    return Check(
        id=CHECK_ID,
        title=TITLE,
        verdict="fail" if crossed else "pass",
        value=len(crossed),
        threshold=threshold,
        evidence=evidence,
        source=SOURCES["safety.monitor_looks"],
        explanation="At each planned look, the events of each category in each arm are compared with control given "
        "the person-time (a conditional binomial test); the boundary spends the error rate over the looks so that "
        "looking often does not raise false alarms. A crossing means more harm in that arm than chance explains.",
        action="refer the crossing to the data monitoring committee before the study continues in that arm",
    )


def adverse_event_checks(ctx: ReviewContext) -> list[Check]:
    """The adverse-event monitoring check, or none when the policy names no looks or the study no events."""
    from ethicompass.errors import InputError
    from ethicompass.safety import monitor_from_counts, safety_counts

    policy = ctx.policy.safety
    shared = ctx.results.get("safety_monitoring")
    if shared is None and (policy.monitor_looks is None or ctx.study.adverse_events is None):
        return []
    try:
        if shared is not None:
            if shared.get("counts") is None:
                return [
                    not_assessed(CHECK_ID, TITLE, str(shared["why"]), action=str(shared.get("action", "")))
                ]
            counts = shared["counts"]
        else:
            events, participants = monitoring_inputs(ctx.study)
            counts = safety_counts(
                ctx.frame(events), ctx.frame(participants), looks=policy.monitor_looks or []
            )
        report = monitor_from_counts(counts, control=policy.monitor_control, alpha=policy.monitor_alpha)
    except InputError as exc:
        return [not_assessed(CHECK_ID, TITLE, exc.message, action=exc.hint or "")]
    return [_check(report, policy)]
