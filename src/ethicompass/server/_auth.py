"""Sign-in over HTTP: the throttle around sign-in attempts and the participant portal's session.

Users, tokens, access codes and passwords are :mod:`ethicompass.accounts`; the bearer-token
dependencies (``current_user``, ``require_role``) are there too. Participants sign in to the portal
with a one-time access code, which starts a server-side session named by a signed cookie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from ethicompass.errors import AuthError
from ethicompass.server._lockout import Throttle

SESSION_COOKIE = "ec_session"
_T = TypeVar("_T")


def throttled(request: Request, keys: tuple[str, ...], attempt: Callable[[], _T], /) -> _T:
    """Run a sign-in ``attempt`` under the app's :class:`Throttle` for ``keys`` (plus the caller's
    address): refused at once while locked (429), failures counted, each new lockout audited."""
    host = request.client.host if request.client else "unknown"
    address = "addr:" + hashlib.sha256(host.encode()).hexdigest()[:16]  # never the address itself
    throttle: Throttle = request.app.state.throttle
    every = (*keys, address)
    throttle.check(*every)
    try:
        result = attempt()
    except AuthError:
        for key, failures, seconds in throttle.failed(*every):
            kind, _, ident = key.partition(":")
            request.app.state.audit.append(
                action="auth.lockout",
                object_type={"addr": "address", "user": "user"}.get(kind, "access_code"),
                object_id=ident,
                actor="anonymous",
                role="anonymous",
                params={"failures": failures, "locked_seconds": seconds},
            )
        raise
    throttle.succeeded(*every)
    return result


def portal_participant(request: Request) -> str | None:
    """The participant signed in to the portal (a live server-side session), or None."""
    from ethicompass.server._sessions import read_session

    session = read_session(request, "portal")
    if session is None:
        return None
    request.state.user = session.user
    return session.user.participant
