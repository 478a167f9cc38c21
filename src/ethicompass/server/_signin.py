"""One staff sign-in for every staff page: user name and password, or an API token, once.

:func:`sign_in` checks the form (argon2, under the sign-in throttle), opens the one ``staff``
server-side session (:mod:`ethicompass.server._sessions`; the cookie holds a random id, never a
token) and sends the browser on to the page it came for. :func:`staff_user` reads that session (or a
bearer header) on every staff page: reviews, training, consent administration, the audit log. The
sign-in form is one template, ``staff/login.html``, whichever page sent the browser to it.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ethicompass.accounts import STAFF_ROLES, User, check_password, current_user
from ethicompass.errors import AuthError, TooManyAttemptsError
from ethicompass.server._auth import throttled
from ethicompass.server._csrf import rotate_csrf
from ethicompass.server._sessions import end_session, open_session, read_session
from ethicompass.server._templating import render

__all__ = ["safe_next", "sign_in", "sign_in_page", "sign_out", "staff_user", "to_sign_in"]

#: Where a sign-in may send the browser on to (a path under one of these; anything else: the staff home).
_NEXT_PREFIXES = ("/staff", "/review", "/training")


def safe_next(value: str | None, /) -> str:
    """``value`` if it is a staff page path on this server, else ``/staff`` (no open redirect)."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and len(value) <= 200
        and any(value == p or value.startswith(p + "/") or value.startswith(p + "?") for p in _NEXT_PREFIXES)
    ):
        return value
    return "/staff"


def to_sign_in(request: Request, login_path: str, /) -> RedirectResponse:
    """Send a browser that is not signed in to ``login_path``, to come back to the page it asked for."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = login_path
    if request.method == "GET" and safe_next(wanted) == wanted and wanted != login_path.rsplit("/", 1)[0]:
        target = f"{login_path}?next={quote(wanted, safe='/')}"
    return RedirectResponse(target, status_code=303)


def staff_user(request: Request) -> User | None:
    """The staff member of this request: a bearer token, else the staff session; None when neither."""
    if request.headers.get("authorization"):
        return current_user(request)
    session = read_session(request, "staff")  # its token (if any) re-checked on every request
    if session is None or session.user.role not in STAFF_ROLES:
        return None
    request.state.user = session.user
    return session.user


def sign_in_page(
    request: Request,
    /,
    *,
    next_path: str,
    title: str = "Staff sign in",
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The one staff sign-in form (user name and password, or an API token)."""
    context = {"title": title, "next": safe_next(next_path), "error": error, "action": request.url.path}
    return render(request, "staff/login.html", context, status_code=status)


def _attempt(request: Request, form: Any) -> tuple[User, str | None, str]:
    token = str(form.get("token") or "").strip()
    if token:
        user = throttled(request, (), lambda: request.app.state.tokens.verify(token))
        return user, token.split("_")[1], "token"
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    key = "user:" + hashlib.sha256(name.casefold().encode()).hexdigest()[:16]  # never the name itself
    user = throttled(request, (key,), lambda: check_password(request.app.state.store, name, password))
    return user, None, "password"


async def sign_in(
    request: Request,
    /,
    *,
    title: str = "Staff sign in",
    home: str = "/staff",
    roles: tuple[str, ...] = STAFF_ROLES,
    refused: str = "",
) -> Response:
    """Check the posted form (CSRF already verified) and open the staff session, or show the form again.

    ``home``: where to go when the form names no page; ``roles``: who may sign in at this door (a
    door for one audience, such as the reviewers', says ``refused`` to the others).
    """
    form = await request.form()
    next_path = safe_next(str(form.get("next") or home))
    try:  # argon2 and the audit of a lockout: off the event loop
        user, token_id, method = await run_in_threadpool(_attempt, request, form)
        if user.role not in STAFF_ROLES:
            raise AuthError("not a staff user")
        if user.role not in roles:
            return sign_in_page(request, next_path=next_path, title=title, error=refused, status=401)
    except TooManyAttemptsError as exc:
        error = f"Too many tries: {exc.message.split(': ')[-1]}."
        return sign_in_page(request, next_path=next_path, title=title, error=error, status=429)
    except AuthError:
        error = (
            "That did not work. Check your user name and password (or token), "
            "or ask an admin to set a new password."
        )
        return sign_in_page(request, next_path=next_path, title=title, error=error, status=401)
    request.state.user = user
    response = RedirectResponse(next_path, status_code=303)
    await run_in_threadpool(open_session, request, response, "staff", user=user, token_id=token_id)
    rotate_csrf(request, response)
    await run_in_threadpool(
        request.app.state.audit.append,
        action="auth.sign-in",
        object_type="user",
        object_id=user.actor,
        actor=user.actor,
        role=user.role,
        params={"method": method},
    )
    return response


def sign_out(request: Request, /, *, to: str = "/staff/login") -> Response:
    """End the staff session (in the database and the cookie) and go to ``to``."""
    response = RedirectResponse(to, status_code=303)
    end_session(request, response, "staff")
    return response
