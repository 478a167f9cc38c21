"""Demo step: the courses, two staff (one current, one expired), the gate refusing one, the 60-day reminder."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from ethicompass._time import utc_now
from ethicompass.accounts import add_user
from ethicompass.errors import ConflictError, ForbiddenError
from ethicompass.store._server_tables import server_users
from ethicompass.training._courses import get_course, load_courses
from ethicompass.training._gate import GATED_ROLES, check_access, expiring, staff_gaps
from ethicompass.training._imports import record_certificate
from ethicompass.training._records import start_attempt, submit_attempt

CURRENT = "demo-data-manager"
EXPIRED = "demo-investigator"


def run(ctx: Any) -> None:
    """List courses, simulate a current and an expired staff member, show the gate and the reminder."""
    courses = load_courses()
    ctx.say(
        f"{len(courses)} training courses, each with a worked case and a quiz bank "
        f"({sum(len(c.questions) for c in courses)} questions in all); pass mark 80%, certificates valid 3 years:"
    )
    for c in courses:
        ctx.say(f"  - {c.title} ({len(c.questions)} questions)")
    today = utc_now().date()
    for name, role, person in (
        (CURRENT, "data_manager", "Dana Okafor"),
        (EXPIRED, "investigator", "Ivo Lindqvist"),
    ):
        with contextlib.suppress(ConflictError):
            add_user(ctx.store, name, role=role)
        with ctx.store.begin() as conn:  # the person's name, printed on their certificates
            conn.execute(server_users.update().where(server_users.c.name == name).values(full_name=person))
    for c in courses:
        # the data manager trained a year ago, except one course imported from CITI that expires in 30 days
        done = (
            today - timedelta(days=c.validity_days - 30)
            if c.id == "privacy-security"
            else today - timedelta(365)
        )
        record_certificate(
            ctx.store, CURRENT, c.id, completed=done, verified_by="training office", provider="CITI"
        )
        record_certificate(
            ctx.store,
            EXPIRED,
            c.id,
            completed=today - timedelta(days=c.validity_days + 40),
            verified_by="training office",
        )
    # the data manager also renews one course by taking its quiz here
    attempt = start_attempt(ctx.store, CURRENT, "using-ethicompass", seed=ctx.seed)
    course = get_course("using-ethicompass")
    result = submit_attempt(
        ctx.store, attempt.id, {q.id: sorted(course.question(q.id).correct) for q in attempt.questions}
    )
    ctx.say(
        f"{CURRENT} took the '{course.title}' quiz: {result.correct}/{len(result.results)} right, "
        f"{'passed' if result.passed else 'failed'}; certificate valid until {result.certificate.expires_on if result.certificate else '-'}."
    )
    check_access(ctx.store, CURRENT, role="data_manager")
    ctx.say(f"Gate: {CURRENT} (data manager) may work with identifiable data.")
    try:
        check_access(ctx.store, EXPIRED, role="investigator")
    except ForbiddenError as exc:
        ctx.say(f"Gate: {EXPIRED} (investigator) is refused: {exc.message}.")
    soon = expiring(ctx.store, within_days=60)
    ctx.say(f"Reminder: {len(soon)} certificate(s) expire within 60 days:")
    for s in soon:
        ctx.say(f"  - {s.user}: {get_course(s.course_id).title}, on {s.expires_on}")
    gaps = staff_gaps(ctx.store, roles=GATED_ROLES)
    ctx.say(
        f"{gaps.staff} staff in roles that touch identifiable data; "
        f"{len({p.user for p in gaps.problems})} without current training ({len(gaps.problems)} course gaps)."
    )
    ctx.results["training"] = gaps
