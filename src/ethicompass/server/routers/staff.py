"""Staff pages (HTML): the one sign-in, the staff home, consent administration and the audit log.

After one sign-in (user name and password, or an API token once; :mod:`ethicompass.server._signin`)
the staff home links to what the user's role may reach (the matrix in docs/server.md): reviews
(reviewer, admin), training (every staff role), consent administration (portal access codes: data
manager, admin; withdrawal decisions: investigator, data manager, reviewer, admin) and the audit log
(reviewer, admin). Plain forms, no JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ethicompass.accounts import User, issue_access_code
from ethicompass.consent import decisions, unresolved_decisions
from ethicompass.errors import ForbiddenError
from ethicompass.server._csrf import verify_csrf
from ethicompass.server._signin import safe_next, sign_in, sign_in_page, sign_out, staff_user, to_sign_in
from ethicompass.server._templating import render
from ethicompass.transparency import AuditLog

__all__ = ["AUDIT_ROLES", "CODE_ROLES", "CONSENT_ROLES", "REVIEW_ROLES", "router"]

router = APIRouter(prefix="/staff", include_in_schema=False)

# Who reaches what from the staff home (the same roles as the JSON API's matrix).
#: Who sees stored reviews from the staff home.
REVIEW_ROLES = ("reviewer", "admin")
#: Who sees the consent registry from the staff home.
CONSENT_ROLES = ("investigator", "data_manager", "reviewer", "admin")
#: Who issues participants' access codes.
CODE_ROLES = ("data_manager", "admin")
#: Who reads the audit log from the staff home.
AUDIT_ROLES = ("reviewer", "admin")
_AUDIT_PAGE = 100


def _require(user: User, roles: tuple[str, ...], what: str) -> None:
    if user.role not in roles:
        raise ForbiddenError(
            f"the {user.role.replace('_', ' ')} role may not open {what}",
            hint=f"this needs one of: {', '.join(r.replace('_', ' ') for r in roles)}",
        )


@router.get("/login")
def login_form(request: Request, next: str = "/staff") -> Response:
    """The one staff sign-in (user name and password, or an API token)."""
    if staff_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return sign_in_page(request, next_path=next)


@router.post("/login", dependencies=[Depends(verify_csrf)])
async def login(request: Request) -> Response:
    """Check the sign-in and open the staff session."""
    return await sign_in(request)


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    """End the staff session (every staff page at once)."""
    return sign_out(request)


@router.get("")
def home(request: Request) -> Response:
    """The staff home: what this user's role reaches."""
    user = staff_user(request)
    if user is None:
        return to_sign_in(request, "/staff/login")
    return render(
        request,
        "staff/home.html",
        {
            "title": "Staff home",
            "user": user,
            "can_review": user.role in REVIEW_ROLES,
            "can_consent": user.role in CONSENT_ROLES,
            "can_issue_codes": user.role in CODE_ROLES,
            "can_audit": user.role in AUDIT_ROLES,
        },
    )


def _consent_page(request: Request, user: User, **extra: Any) -> Response:
    store = request.app.state.store
    context = {
        "title": "Consent administration",
        "user": user,
        "open": unresolved_decisions(store),
        "decided": [d for d in decisions(store) if d.resolved][-20:],
        "can_issue_codes": user.role in CODE_ROLES,
        "minutes": request.app.state.settings.access_code_minutes,
    }
    return render(request, "staff/consent.html", context | extra)


@router.get("/consent")
def consent(request: Request) -> Response:
    """Withdrawal decisions waiting for a person, and the portal access-code form."""
    user = staff_user(request)
    if user is None:
        return to_sign_in(request, "/staff/login")
    _require(user, CONSENT_ROLES, "consent administration")
    return _consent_page(request, user)


@router.post("/consent/access-code", dependencies=[Depends(verify_csrf)])
def access_code(request: Request, participant: str = Form(..., max_length=128)) -> Response:
    """Issue a one-time portal access code (shown once on this page); audited like the CLI's."""
    user = staff_user(request)
    if user is None:
        return to_sign_in(request, "/staff/login")
    _require(user, CODE_ROLES, "portal access codes")
    settings = request.app.state.settings
    code, expires = issue_access_code(
        request.app.state.store, participant, minutes=settings.access_code_minutes
    )
    request.app.state.audit.append(
        action="server.access-code-new",
        object_type="access_code",
        object_id=code[:4],
        actor=user.actor,
        role=user.role,
    )
    return _consent_page(request, user, code=code, expires=expires)


@router.get("/audit")
def audit(request: Request, action: str = "", before: int | None = None) -> Response:
    """The audit log, newest first, a page at a time (optionally one action or prefix such as ``consent.*``)."""
    user = staff_user(request)
    if user is None:
        return to_sign_in(request, "/staff/login")
    _require(user, AUDIT_ROLES, "the audit log")
    log = AuditLog(request.app.state.store)
    size = log.size()
    end = size if before is None else max(0, min(before, size))
    wanted = action.strip()[:64] or None
    if wanted is None:
        entries = log.entries(since_seq=max(0, end - _AUDIT_PAGE))
        entries = [e for e in entries if e.seq < end]
    else:
        entries = [e for e in log.entries(action=wanted) if e.seq < end][-_AUDIT_PAGE:]
    entries.reverse()
    older = entries[-1].seq if entries and entries[-1].seq > 0 else None
    return render(
        request,
        "staff/audit.html",
        {
            "title": "Audit log",
            "user": user,
            "entries": entries,
            "size": size,
            "action": wanted or "",
            "older": older,
        },
    )
