"""CSRF protection for HTML forms: a signed token bound to the browser's nonce cookie and its session.

Every response carries the ``ec_csrf`` cookie, a random nonce (set by the app's middleware when
missing; ``HttpOnly``, ``SameSite=Strict``). The token put into forms (:func:`csrf_token`, the hidden
``csrf_token`` field) is an HMAC, under the server secret, of that nonce and of the session cookies the
request carries; :func:`verify_csrf` recomputes it and compares in constant time. So a token equal to
a cookie an attacker planted is worthless (it is not signed), a token from before sign-in does not
work inside the session, and :func:`rotate_csrf` gives a fresh nonce at every sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from ethicompass.errors import ForbiddenError

CSRF_COOKIE = "ec_csrf"
CSRF_FIELD = "csrf_token"
#: The session cookies a token is bound to (portal and staff pages).
_SESSION_COOKIES = ("ec_session", "ec_staff")


def new_csrf_nonce() -> str:
    """A fresh random CSRF value."""
    return secrets.token_urlsafe(24)


def csrf_nonce(request: Request) -> str:
    """The nonce the request's ``ec_csrf`` cookie holds (or will hold: a new one when absent)."""
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce is None:
        nonce = request.cookies.get(CSRF_COOKIE) or new_csrf_nonce()
        request.state.csrf_nonce = nonce
    return str(nonce)


def _sign(request: Request, nonce: str, sessions: str) -> str:
    key = str(request.app.state.settings.secret_key).encode()
    return hmac.new(key, f"csrf|{nonce}|{sessions}".encode(), hashlib.sha256).hexdigest()


def _sessions(request: Request) -> str:
    return "|".join(request.cookies.get(name, "") for name in _SESSION_COOKIES)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms rendered in this request (put it in a hidden ``csrf_token`` field)."""
    sessions = getattr(request.state, "csrf_sessions", None)
    return _sign(request, csrf_nonce(request), _sessions(request) if sessions is None else sessions)


def rotate_csrf(request: Request, response: Response) -> None:
    """Give the browser a fresh nonce (call at sign-in): tokens from before no longer verify."""
    settings = request.app.state.settings
    nonce = new_csrf_nonce()
    request.state.csrf_nonce = nonce
    response.set_cookie(
        CSRF_COOKIE, nonce, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/"
    )


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency for form posts: the form's ``csrf_token`` must be the signed token for the
    cookie's nonce and the request's session (403 otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    expected = _sign(request, cookie, _sessions(request)) if cookie else ""
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, expected):
        raise ForbiddenError(
            "the form's security token is missing or out of date",
            hint="reload the page and submit the form again",
        )
