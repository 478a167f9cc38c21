"""Training pages (HTML): read a module, take its quiz, see and print a certificate; the admin matrix.

Staff sign in once (``/training/login`` shows the one staff sign-in form: user name and password,
or an API token once; :mod:`ethicompass.server._signin`); the one staff session serves these pages,
the reviews and the staff home. Plain forms, no JavaScript. A certificate shows the holder's name and
its verification id; ``/training/verify`` (no sign-in) checks one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ethicompass._time import utc_now
from ethicompass.accounts import User
from ethicompass.errors import ForbiddenError, InputError
from ethicompass.server._csrf import verify_csrf
from ethicompass.server._params import RowId
from ethicompass.server._signin import safe_next, sign_in, sign_in_page, sign_out, staff_user, to_sign_in
from ethicompass.server._templating import render
from ethicompass.training import (
    Verification,
    course_states,
    get_attempt,
    get_certificate,
    get_course,
    load_courses,
    start_attempt,
    submit_attempt,
    training_matrix,
    verify_certificate,
)
from ethicompass.training._certificates import format_verification_id

__all__ = ["router"]

router = APIRouter(prefix="/training", include_in_schema=False)

MATRIX_ROLES = ("admin", "reviewer")

CERT_CSS = """
.certificate { border: 6px double #005ea2; padding: 2rem; margin: 1rem 0; text-align: center; }
.certificate h1 { margin-top: 0; }
.certificate .name { font-size: 1.6rem; font-weight: 700; }
.certificate dl { display: grid; grid-template-columns: auto auto; gap: .25rem 1rem; justify-content: center; text-align: left; }
.certificate dt { font-weight: 600; }
.state-current { color: #00703c; font-weight: 600; }
.state-expired, .state-missing { color: #b50909; font-weight: 600; }
.verdict { border-left: 6px solid #dfe1e2; padding: .5rem 1rem; margin: 1rem 0; }
.verdict.state-valid { border-color: #00703c; } .verdict.state-expired, .verdict.state-revoked, .verdict.state-unknown { border-color: #b50909; }
.vid { font-family: ui-monospace, monospace; letter-spacing: .05em; }
.quiz fieldset { display: block; border: 1px solid #dfe1e2; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
.quiz legend { font-weight: 600; padding: 0 .25rem; }
.quiz label { font-weight: 400; display: flex; gap: .5rem; align-items: flex-start; margin: .4rem 0; min-height: 44px; }
.quiz input { width: 1.25rem; height: 1.25rem; margin-top: .2rem; flex: none; }
.result { border-left: 4px solid #dfe1e2; padding-left: 1rem; margin-bottom: 1rem; }
.result.right { border-color: #00703c; } .result.wrong { border-color: #b50909; }
.matrix { overflow-x: auto; }
@media print { header.site, footer.site, .no-print, .skip { display: none !important; } .certificate { border-color: #000; } }
"""


def _staff(request: Request) -> User | None:
    return staff_user(request)


def _login_redirect(request: Request) -> RedirectResponse:
    return to_sign_in(request, "/training/login")


@router.get("/static/training.css")
def stylesheet() -> Response:
    """The training pages' extra styles (certificate, quiz, print)."""
    return Response(CERT_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/login")
def login_form(request: Request, next: str = "/training") -> Response:
    """The one staff sign-in form, going on to training."""
    if staff_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return sign_in_page(request, next_path=next)


@router.post("/login", dependencies=[Depends(verify_csrf)])
async def login(request: Request) -> Response:
    """Check the sign-in (user name and password, or a token) and open the one staff session."""
    return await sign_in(request, home="/training")


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    """End the staff session (every staff page at once)."""
    return sign_out(request, to="/training/login")


def _state_rows(request: Request, user: User) -> list[dict[str, Any]]:
    states = {s.course_id: s for s in course_states(request.app.state.store, user.name)}
    return [{"course": c, "state": states[c.id]} for c in load_courses()]


@router.get("")
def home(request: Request) -> Response:
    """The staff member's courses and certificates."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    return render(
        request,
        "training/home.html",
        {
            "title": "Training",
            "user": user,
            "rows": _state_rows(request, user),
            "can_see_matrix": user.role in MATRIX_ROLES,
        },
    )


@router.get("/matrix")
def matrix(request: Request) -> Response:
    """Staff x courses (admins and reviewers)."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    if user.role not in MATRIX_ROLES:
        raise ForbiddenError("only admins and reviewers see the training matrix", hint="ask an admin")
    rows = training_matrix(request.app.state.store)
    return render(
        request,
        "training/matrix.html",
        {"title": "Training matrix", "user": user, "courses": load_courses(), "rows": rows},
    )


@router.get("/certificates/{certificate_id}")
def certificate(request: Request, certificate_id: RowId, format: str = "html") -> Response:
    """A printable certificate (``?format=pdf`` for a PDF, with WeasyPrint)."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    cert = get_certificate(request.app.state.store, certificate_id)
    if cert.user != user.name and user.role not in MATRIX_ROLES:
        raise ForbiddenError("this certificate belongs to someone else", hint="open your own certificates")
    context = {
        "title": "Certificate",
        "user": user,
        "cert": cert,
        "course": get_course(cert.course_id),
        "current": cert.current(),
        "today": date.today().isoformat(),
        "holder": cert.holder_name or cert.user,
        "vid": format_verification_id(cert.verification_id) if cert.verification_id else None,
    }
    if format == "pdf":
        return Response(
            _pdf(request, context),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="certificate-{cert.id}.pdf"'},
        )
    return render(request, "training/certificate.html", context)


def _pdf(request: Request, context: dict[str, Any]) -> bytes:
    try:
        from weasyprint import CSS, HTML
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise InputError(
            "PDF certificates need WeasyPrint", hint="install ethicompass[pdf], or print the HTML page"
        ) from exc
    env = request.app.state.jinja
    html = env.get_template("training/certificate_pdf.html").render(context)
    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(string=CERT_CSS)]))


@router.get("/verify")
def verify(request: Request, id: str = "") -> Response:
    """Check a certificate by the verification id printed on it (no sign-in: anyone handed one may check)."""
    found: Verification | None = None
    error = None
    if id.strip():
        try:
            found = verify_certificate(request.app.state.store, id[:100])
        except InputError as exc:
            error = exc.message
    return render(
        request,
        "training/verify.html",
        {"title": "Check a certificate", "found": found, "error": error, "asked": id[:100]},
        status_code=422 if error else 200,
    )


@router.get("/{course_id}")
def module(request: Request, course_id: str) -> Response:
    """Read a module: objectives, text, worked case, sources; start its quiz."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    course = get_course(course_id)
    return render(request, "training/module.html", {"title": course.title, "user": user, "course": course})


@router.post("/{course_id}/attempts", dependencies=[Depends(verify_csrf)])
def new_attempt(request: Request, course_id: str) -> Response:
    """Start a quiz attempt in a fresh random order."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    attempt = start_attempt(request.app.state.store, user.name, course_id)
    return RedirectResponse(f"/training/attempts/{attempt.id}", status_code=303)


def _own_attempt(request: Request, user: User, attempt_id: int) -> Any:
    attempt = get_attempt(request.app.state.store, attempt_id)
    if attempt.user != user.name:
        raise ForbiddenError("this quiz attempt belongs to someone else", hint="start your own attempt")
    return attempt


@router.get("/attempts/{attempt_id}")
def quiz(request: Request, attempt_id: RowId) -> Response:
    """The quiz form of one attempt."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    attempt = _own_attempt(request, user, attempt_id)
    if attempt.submitted:
        return RedirectResponse(f"/training/{attempt.course_id}", status_code=303)
    course = get_course(attempt.course_id)
    return render(
        request,
        "training/quiz.html",
        {"title": f"Quiz: {course.title}", "user": user, "course": course, "attempt": attempt},
    )


@router.post("/attempts/{attempt_id}", dependencies=[Depends(verify_csrf)])
async def submit(request: Request, attempt_id: RowId) -> Response:
    """Score the attempt and show the result with every explanation."""
    user = _staff(request)
    if user is None:
        return _login_redirect(request)
    attempt = _own_attempt(request, user, attempt_id)
    form = await request.form()
    answers: dict[str, list[int]] = {}
    for q in attempt.questions:
        values = form.getlist(f"q-{q.id}")
        try:
            answers[q.id] = [int(str(v)) for v in values]
        except ValueError as exc:
            raise InputError("an answer is not an option number", hint="use the form's options") from exc
    result = submit_attempt(request.app.state.store, attempt_id, answers, at=utc_now())
    course = get_course(attempt.course_id)
    shown = {q.id: dict(q.options) for q in attempt.questions}
    return render(
        request,
        "training/result.html",
        {
            "title": f"Result: {course.title}",
            "user": user,
            "course": course,
            "result": result,
            "shown": shown,
            "percent": round(result.score * 100),
            "pass_percent": round(result.pass_mark * 100),
        },
    )
