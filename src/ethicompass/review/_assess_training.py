"""Training: everyone with access to identifiable data holds current certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._run import ReviewContext


def assess(ctx: ReviewContext) -> list[Check]:
    """Staff in the policy's roles without current certificates for the required courses."""
    title = "Everyone with access to identifiable data is trained"
    from ethicompass.training import staff_gaps

    policy = ctx.policy.training
    gaps = staff_gaps(ctx.store, roles=policy.roles, required=policy.required_courses)
    staff = gaps.staff
    if staff == 0:
        return [
            not_assessed(
                "training.current",
                title,
                f"no staff with the roles {', '.join(policy.roles)} are registered",
                action="register staff: ethicompass users add NAME --role data_manager",
            )
        ]
    problems = list(gaps.problems)
    return [
        Check(
            id="training.current",
            title=title,
            verdict="fail" if problems else "pass",
            value=f"{staff - len({p.user for p in problems})} of {staff} staff current",
            threshold="all staff in roles " + ", ".join(policy.roles),
            evidence="; ".join(p.describe() for p in problems[:10]) or "every certificate current",
            source=SOURCES["training.required"],
            explanation="Staff who handle identifiable data must hold current certificates for the required "
            "AI-ethics courses; access is refused without them.",
            action="ask the listed staff to complete or renew the courses: ethicompass training status",
        )
    ]
