"""CSRF protection for HTML forms: a double-submit token bound to a signed, SameSite=Strict cookie.

Every response carries the ``ec_csrf`` cookie (set by the app's middleware when missing);
templates put :func:`csrf_token` into a hidden ``csrf_token`` field; routes that accept forms
depend on :func:`verify_csrf`, which compares the two in constant time.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from ethicompass.errors import ForbiddenError

CSRF_COOKIE = "ec_csrf"
CSRF_FIELD = "csrf_token"


def new_csrf_nonce() -> str:
    """A fresh random CSRF value."""
    return secrets.token_urlsafe(24)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms rendered in this request (put it in a hidden ``csrf_token`` field)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or new_csrf_nonce()
        request.state.csrf = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency for form posts: the form's ``csrf_token`` must match the cookie (403 otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, cookie):
        raise ForbiddenError(
            "the form's security token is missing or out of date",
            hint="reload the page and submit the form again",
        )
