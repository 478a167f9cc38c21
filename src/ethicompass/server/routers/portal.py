"""The participant portal (HTML): sign in with a one-time code, see and change each choice, history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ethicompass.accounts import code_lookup, redeem_access_code
from ethicompass.consent import PURPOSE_TEXT, Registry
from ethicompass.errors import AuthError, InputError, TooManyAttemptsError
from ethicompass.server._auth import portal_participant, throttled
from ethicompass.server._csrf import rotate_csrf, verify_csrf
from ethicompass.server._sessions import end_session, open_session
from ethicompass.server._templating import render

__all__ = ["router"]

router = APIRouter(prefix="/portal", include_in_schema=False)

_ACTION_TEXT = {"grant": "You said yes", "refuse": "You said no", "withdraw": "You withdrew"}


def _registry(request: Request) -> Registry:
    return Registry(request.app.state.store, actor="portal-session", role="participant")


def _to_login() -> RedirectResponse:
    return RedirectResponse("/portal/login", status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in page."""
    return render(request, "portal/login.html", {"title": "Sign in"})


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(request: Request, code: str = Form(..., max_length=40)) -> Response:
    """Spend an access code and start a session."""
    lookup = code_lookup(code)
    try:
        participant = throttled(
            request,
            (f"code:{lookup}",) if lookup else (),
            lambda: redeem_access_code(request.app.state.store, code),
        )
    except TooManyAttemptsError as exc:
        return render(
            request,
            "portal/login.html",
            {"title": "Sign in", "error": f"Too many tries. {exc.message.split(': ')[-1].capitalize()}."},
            status_code=429,
        )
    except AuthError:
        return render(
            request,
            "portal/login.html",
            {
                "title": "Sign in",
                "error": "That code did not work. Check it, or ask the study team for a new one.",
            },
            status_code=401,
        )
    response = RedirectResponse("/portal", status_code=303)
    open_session(request, response, "portal", participant=participant)
    rotate_csrf(request, response)
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    """End the session."""
    response = _to_login()
    end_session(request, response, "portal")  # the old cookie is worthless from now on
    return response


@router.get("")
def home(request: Request, saved: str | None = None) -> Response:
    """Each purpose in plain language with the current choice and buttons to change it."""
    participant = portal_participant(request)
    if participant is None:
        return _to_login()
    choices: list[dict[str, Any]] = []
    for status in _registry(request).statuses(participant):
        choices.append(
            {
                "code": status.purpose,
                "text": PURPOSE_TEXT.get(status.purpose, status.purpose.replace("-", " ").capitalize()),
                "yes": status.decision.value == "permit",
                "reason": status.reason,
                "since": status.since.date().isoformat() if status.since else None,
            }
        )
    messages = {
        "choice": "Your choice is saved.",
        "withdrawn": "You have withdrawn from everything. Your choice is saved.",
    }
    return render(
        request,
        "portal/home.html",
        {"title": "Your choices", "choices": choices, "saved": messages.get(saved or "")},
    )


@router.post("/choice", dependencies=[Depends(verify_csrf)])
def choose(request: Request, purpose: str = Form(...), choice: str = Form(...)) -> Response:
    """Change one choice: ``yes`` grants; ``no`` withdraws a permit, or records a refusal."""
    participant = portal_participant(request)
    if participant is None:
        return _to_login()
    registry = _registry(request)
    if choice == "yes":
        registry.grant(participant, purpose, source="portal")
    elif choice == "no":
        if registry.status(participant, purpose).decision.value == "permit":
            registry.withdraw(participant, purpose, source="portal")
        else:
            registry.refuse(participant, purpose, source="portal")
    else:
        raise InputError("choice must be yes or no", hint="use the buttons on the page")
    return RedirectResponse("/portal?saved=choice", status_code=303)


@router.get("/withdraw-all")
def confirm_withdraw_all(request: Request) -> Response:
    """Ask once more before withdrawing from everything."""
    if portal_participant(request) is None:
        return _to_login()
    return render(request, "portal/withdraw.html", {"title": "Withdraw from everything"})


@router.post("/withdraw-all", dependencies=[Depends(verify_csrf)])
def withdraw_all(request: Request) -> Response:
    """Withdraw every purpose now permitted."""
    participant = portal_participant(request)
    if participant is None:
        return _to_login()
    _registry(request).withdraw_all(participant, source="portal")
    return RedirectResponse("/portal?saved=withdrawn", status_code=303)


@router.get("/history")
def history(request: Request) -> Response:
    """Every choice the participant made, newest first."""
    participant = portal_participant(request)
    if participant is None:
        return _to_login()
    rows = [
        {
            "when": r.recorded_at.strftime("%d %b %Y, %H:%M UTC"),
            "text": PURPOSE_TEXT.get(r.purpose, r.purpose),
            "what": _ACTION_TEXT[r.action.value],
        }
        for r in reversed(_registry(request).history(participant))
    ]
    return render(request, "portal/history.html", {"title": "Your history", "rows": rows})
