"""``ethicompass training ...``: courses, status, import, check (the gate), remind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, say, summary

__all__ = ["register"]

training_app = typer.Typer(
    help="AI-ethics training: courses, certificates that expire, and the access gate that depends on them.",
    no_args_is_help=True,
)

AtOpt = Annotated[str | None, typer.Option("--at", help="Judge as of this ISO date (default: today).")]
RequiredOpt = Annotated[
    list[str] | None,
    typer.Option("--required", help="A required course id (repeat; default: every course)."),
]


def _store() -> Any:
    from ethicompass.cli._app import state_store

    return state_store()


@training_app.command("courses")
def courses(fmt: OutputFormat = format_option()) -> None:
    """List the courses: id, title, number of questions in the bank, validity in days."""
    from ethicompass.training import load_courses

    rows = [
        {"id": c.id, "title": c.title, "questions": len(c.questions), "validity_days": c.validity_days}
        for c in load_courses()
    ]
    if fmt == OutputFormat.json:
        emit_json(rows)
    else:
        emit_table(
            "training courses",
            ["id", "title", "questions", "validity (days)"],
            [list(r.values()) for r in rows],
        )


@training_app.command("status")
def status(
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="Only this user (default: all staff).")
    ] = None,
    at: AtOpt = None,
    required: RequiredOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Show each staff member's state per course: current (until when), expired (since when), missing."""
    from ethicompass.training import course_states, training_matrix

    store = _store()
    if user is not None:
        states = course_states(store, user, required=required, at=at)
    else:
        states = [s for _, _, row in training_matrix(store, required=required, at=at) for s in row]
    if fmt == OutputFormat.json:
        emit_json([s.to_dict() for s in states])
        return
    emit_table(
        "training status",
        ["user", "course", "state", "issued", "expires"],
        [[s.user, s.course_id, s.state, s.issued_on, s.expires_on] for s in states],
    )


@training_app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of external completions: user, course_id, completed[, expires, verified_by, provider, "
            "reference]."
        ),
    ],
    verified_by: Annotated[
        str | None,
        typer.Option("--verified-by", help="Who verified the records (for rows without verified_by)."),
    ] = None,
    provider: Annotated[str, typer.Option("--provider", help="Issuer, e.g. CITI.")] = "external",
    fmt: OutputFormat = format_option(),
) -> None:
    """Import external certificates (e.g. CITI completion records) with who verified them; all rows or none."""
    from ethicompass.training import import_certificates

    result = import_certificates(_store(), file, verified_by=verified_by, provider=provider)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        say(f"imported {result.imported} certificate(s) from {file.name} ({result.file_sha256})")


@training_app.command("take")
def take(
    course_id: Annotated[str, typer.Argument(help="The course id (see `ethicompass training courses`).")],
    user: Annotated[str, typer.Option("--user", "-u", help="Who is taking the quiz.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Question order seed (default: random).")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Take a course's quiz in the terminal: answer with option numbers (e.g. 2 or 1,3); exit 1 on a fail."""
    from ethicompass.errors import InputError
    from ethicompass.training import get_course, start_attempt, submit_attempt

    store = _store()
    course = get_course(course_id)
    attempt = start_attempt(store, user, course.id, seed=seed)
    answers: dict[str, list[int]] = {}
    for n, q in enumerate(attempt.questions, start=1):
        say(f"\n{n}. {q.text}" + (" (choose all that apply)" if q.kind == "multiple" else ""))
        for k, (_, text) in enumerate(q.options, start=1):
            say(f"   {k}) {text}")
        raw = typer.prompt("answer", err=True)
        try:
            picks = [int(x) for x in raw.replace(" ", "").split(",") if x]
            answers[q.id] = [q.options[k - 1][0] for k in picks if 1 <= k <= len(q.options)]
        except ValueError as exc:
            raise InputError(f"answer {raw!r} is not option numbers", hint="type e.g. 2 or 1,3") from exc
    result = submit_attempt(store, attempt.id, answers)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        for n, r in enumerate(result.results, start=1):
            say(
                f"{n}. {'right' if r.correct else 'not right'}"
                + (f": {r.explanation}" if r.explanation else "")
            )
        say(
            f"score {result.correct}/{len(result.results)} ({result.score:.0%}); pass mark {result.pass_mark:.0%}: "
            + ("passed" if result.passed else "not passed")
            + (f"; certificate valid until {result.certificate.expires_on}" if result.certificate else "")
        )
    if not result.passed:
        raise typer.Exit(1)


@training_app.command("check")
def check(
    user: Annotated[str, typer.Option("--user", "-u", help="The user to check.")],
    role: Annotated[
        str | None,
        typer.Option("--role", "-r", help="The role to check for (default: the user's stored role)."),
    ] = None,
    at: AtOpt = None,
    required: RequiredOpt = None,
) -> None:
    """The gate: exit 0 if the user may touch identifiable data in the role, 1 (with the reason) if not."""
    from ethicompass.accounts import get_user
    from ethicompass.errors import ForbiddenError
    from ethicompass.training import check_access

    store = _store()
    if role is None:
        role = get_user(store, user).role
    try:
        check_access(store, user, role=role, required=required, at=at)
    except ForbiddenError as exc:
        say(f"refused: {exc}")
        raise typer.Exit(1) from None
    say(f"allowed: {user} may work in the {role} role")


@training_app.command("remind")
def remind(
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.", min=0)] = 60,
    at: AtOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List who has a certificate expiring within the next N days (default 60)."""
    from ethicompass.training import expiring

    soon = expiring(_store(), within_days=within, at=at)
    if fmt == OutputFormat.json:
        emit_json([s.to_dict() for s in soon])
        return
    emit_table(
        f"certificates expiring within {within} days",
        ["user", "course", "expires"],
        [[s.user, s.course_id, s.expires_on] for s in soon],
    )


@training_app.command("verify")
def verify(
    verification_id: Annotated[
        str, typer.Argument(help="The verification id printed on the certificate (dashes and case ignored).")
    ],
    at: AtOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Check a certificate by its verification id: exit 0 valid, 1 expired or revoked, 2 unknown."""
    from ethicompass.training import verify_certificate

    found = verify_certificate(_store(), verification_id, at=at)
    if fmt == OutputFormat.json:
        emit_json(found.to_dict())
    else:
        data = found.to_dict()
        if found.state == "unknown":
            summary(f"unknown: no certificate has the verification id {data['verification_id']}")
        else:
            summary(
                f"{found.state}: {found.holder_name}, {found.course_title or found.course_id}, issued "
                f"{found.issued_on}, valid until {found.expires_on}"
                + (f", revoked {found.revoked_at}" if found.revoked_at else "")
            )
    if found.state == "unknown":
        raise typer.Exit(2)
    if not found.valid:
        raise typer.Exit(1)


@training_app.command("revoke")
def revoke(
    certificate_id: Annotated[
        int, typer.Argument(help="The certificate number (see the certificate page).", min=1)
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (stored; its hash goes into the audit log).")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Revoke a certificate issued in error: it no longer verifies, and the gate no longer counts it."""
    from ethicompass.training import revoke_certificate
    from ethicompass.transparency import default_actor

    revoke_certificate(_store(), certificate_id, reason=reason, actor=default_actor(), role="admin")
    if fmt == OutputFormat.json:
        emit_json({"revoked": certificate_id})
    else:
        summary(f"revoked certificate {certificate_id}")


def register(app: typer.Typer) -> None:
    """Add the ``training`` verbs to the ``ethicompass`` app."""
    app.add_typer(training_app, name="training")
