"""Reviewer pages (HTML): list reviews, open a report, compare two reviews, sign off or request changes.

Reviewers (role ``reviewer`` or ``admin``) sign in once, as every staff member does (user name and
password, or an API token once; ``/review/login`` shows the one staff sign-in form,
:mod:`ethicompass.server._signin`): the one staff session serves these pages, training and the staff
home. Its ``HttpOnly``, ``SameSite=Strict`` cookie holds only a random session id, never a token; the
session (and the token it was opened with, if any) is checked on every request. An
``Authorization: Bearer`` header works too. A review whose verdict is *fail* is signed off only with a
written justification (the comment), stored, shown and audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ethicompass.accounts import User, require_role
from ethicompass.errors import ForbiddenError, InputError
from ethicompass.review import DECISIONS, ReviewStore
from ethicompass.server._csrf import verify_csrf
from ethicompass.server._params import RowId, RowIdQuery
from ethicompass.server._signin import safe_next, sign_in, sign_in_page, sign_out, staff_user, to_sign_in
from ethicompass.server._templating import TEMPLATES, render

__all__ = ["REVIEWER_ROLES", "api", "pages", "router"]

pages = APIRouter(prefix="/review", include_in_schema=False)
#: JSON API for pipelines and tools (bearer token, reviewer or admin).
api = APIRouter(prefix="/api/v1/reviews", tags=["review"])

#: Who may read stored reviews and sign them off.
REVIEWER_ROLES = ("reviewer", "admin")
_CSS = TEMPLATES / "review" / "review.css"
#: The stored report is self-contained (inline CSS and SVG): allow exactly that, nothing else.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def _reviewer(request: Request) -> User | None:
    """The signed-in reviewer, or None (not signed in); ForbiddenError for other roles."""
    user = staff_user(request)
    if user is None:
        return None
    if user.role not in REVIEWER_ROLES:
        raise ForbiddenError(
            f"the {user.role} role may not review studies", hint="this needs one of: reviewer, admin"
        )
    return user


def _to_login(request: Request) -> RedirectResponse:
    return to_sign_in(request, "/review/login")


def _store(request: Request) -> ReviewStore:
    return ReviewStore(request.app.state.store)


@pages.get("/review.css")
def stylesheet() -> Response:
    """The reviewer pages' stylesheet (the layout's CSP allows only same-origin styles)."""
    return Response(Path(_CSS).read_text(encoding="utf-8"), media_type="text/css")


@pages.get("/login")
def login_form(request: Request, next: str = "/review") -> Response:
    """The one staff sign-in form, going on to the reviews."""
    if staff_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return sign_in_page(request, next_path=next, title="Reviewer sign in")


@pages.post("/login", dependencies=[Depends(verify_csrf)])
async def login(request: Request) -> Response:
    """Check the sign-in (user name and password, or a token) and open the one staff session."""
    return await sign_in(
        request,
        title="Reviewer sign in",
        home="/review",
        roles=REVIEWER_ROLES,
        refused="This account does not belong to a reviewer. Other staff sign in at the staff home (/staff/login).",
    )


@pages.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    """End the staff session (every staff page at once)."""
    return sign_out(request, to="/review/login")


@pages.get("")
def reviews(request: Request) -> Response:
    """Every stored review, newest first, with its verdict and decision."""
    user = _reviewer(request)
    if user is None:
        return _to_login(request)
    from ethicompass.sites import multi_site_reviews

    rows = _store(request).list()
    multi_site = multi_site_reviews(request.app.state.store)
    studies: dict[str, list[Any]] = {}
    for row in rows:
        studies.setdefault(row.study, []).append(row)
    return render(
        request,
        "review/list.html",
        {"title": "Reviews", "rows": rows, "studies": studies, "multi_site": multi_site, "user": user},
    )


@pages.get("/compare")
def compare(request: Request, a: RowIdQuery, b: RowIdQuery) -> Response:
    """The checks whose verdict or value changed between two reviews of the same study."""
    user = _reviewer(request)
    if user is None:
        return _to_login(request)
    store = _store(request)
    changes = store.compare(a, b)
    return render(
        request,
        "review/compare.html",
        {
            "title": "Compare reviews",
            "before": store.get(a),
            "after": store.get(b),
            "changes": changes,
            "user": user,
        },
    )


@pages.get("/{review_id}")
def detail(request: Request, review_id: RowId, saved: str | None = None) -> Response:
    """One review: verdict, hashes, the report, other reviews to compare with, and the decision form."""
    user = _reviewer(request)
    if user is None:
        return _to_login(request)
    store = _store(request)
    item = store.get(review_id)
    report = store.report(review_id)
    others = [r for r in store.list(study=item.study) if r.id != review_id]
    from ethicompass.sites import site_review_detail

    return render(
        request,
        "review/detail.html",
        {
            "title": f"Review {review_id}",
            "item": item,
            "principles": report.get("principles", {}),
            "others": others,
            "signoffs": store.sign_offs(review_id),
            "decisions": DECISIONS,
            "saved": saved == "1",
            "sites": site_review_detail(request.app.state.store, review_id),
            "user": user,
        },
    )


@pages.get("/{review_id}/report")
def report_html(request: Request, review_id: RowId) -> Response:
    """The stored, self-contained report.html (its hash is in the audit log)."""
    if _reviewer(request) is None:
        return _to_login(request)
    html = _store(request).html(review_id)
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


@pages.post("/{review_id}/decision", dependencies=[Depends(verify_csrf)])
def decide(
    request: Request,
    review_id: RowId,
    decision: str = Form(...),
    comment: str = Form("", max_length=5000),
) -> Response:
    """Sign off or request changes, with a comment (stored; its hash goes into the audit log)."""
    user = _reviewer(request)
    if user is None:
        return _to_login(request)
    if decision not in DECISIONS:
        raise InputError("pick sign off or request changes", hint="use the buttons on the page")
    _store(request).sign_off(
        review_id, decision=decision, comment=comment, reviewer=user.actor, role=user.role
    )
    return RedirectResponse(f"/review/{review_id}?saved=1", status_code=303)


# ----------------------------------------------------------------------------- JSON API
_reviewer_dep = require_role(*REVIEWER_ROLES)


class DecisionBody(BaseModel):
    """A reviewer's decision: ``sign_off`` or ``request_changes``.

    A comment is required to request changes, and to sign off a review whose verdict is ``fail``
    (the written justification; 422 without one).
    """

    model_config = ConfigDict(extra="forbid")
    decision: str
    comment: str = Field("", max_length=5000)


@api.get("")
def api_list(
    request: Request, study: str | None = None, _: User = Depends(_reviewer_dep)
) -> list[dict[str, Any]]:
    """Stored reviews, newest first (optionally of one study)."""
    return [r.to_dict() for r in _store(request).list(study=study)]


@api.get("/compare")
def api_compare(
    request: Request, a: RowIdQuery, b: RowIdQuery, _: User = Depends(_reviewer_dep)
) -> list[dict[str, Any]]:
    """Checks whose verdict or value changed between reviews ``a`` and ``b`` of one study."""
    return [c.to_dict() for c in _store(request).compare(a, b)]


@api.get("/{review_id}")
def api_get(request: Request, review_id: RowId, _: User = Depends(_reviewer_dep)) -> dict[str, Any]:
    """One review: metadata, the stored report.json, and every decision."""
    store = _store(request)
    return store.get(review_id).to_dict() | {
        "report": store.report(review_id),
        "decisions": [s.to_dict() for s in store.sign_offs(review_id)],
    }


@api.post("/{review_id}/decision", status_code=201)
def api_decide(
    request: Request, review_id: RowId, body: DecisionBody, user: User = Depends(_reviewer_dep)
) -> dict[str, Any]:
    """Sign off or request changes (stored; the audit entry holds the comment's hash)."""
    signoff = _store(request).sign_off(
        review_id, decision=body.decision, comment=body.comment, reviewer=user.actor, role=user.role
    )
    return signoff.to_dict()


#: What the app factory includes: the pages and the JSON API.
router = APIRouter()
router.include_router(pages)
router.include_router(api)
