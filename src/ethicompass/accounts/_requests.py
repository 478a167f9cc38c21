"""Who is calling an HTTP route: FastAPI dependencies that turn a bearer token into a :class:`User`.

API clients send ``Authorization: Bearer <token>``; the app's :class:`TokenVerifier` (on
``app.state.tokens``) checks it. A ``site`` token reaches only :data:`SITE_PATH`. These live with the
accounts, not in ``server/``, so a domain package (the training gate) can guard a route without
importing the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ethicompass.accounts._tokens import TokenVerifier
from ethicompass.accounts._users import User, check_role
from ethicompass.errors import AuthError, ForbiddenError
from ethicompass.store import Store

#: A ``site`` token (a site of a multi-site study, user named after its site) reaches only these routes.
SITE_PATH = "/api/v1/sites/"
_T = TypeVar("_T")


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("this endpoint needs an API token", hint="send Authorization: Bearer <token>")
    return token.strip()


def current_user(request: Request) -> User:
    """FastAPI dependency: the caller of a JSON API route, from its bearer token (401 without)."""
    user = request.app.state.tokens.verify(_bearer(request))
    request.state.user = user
    return _confined(request, user)


def _confined(request: Request, user: User) -> User:
    """A ``site`` token works only under :data:`SITE_PATH` (fail closed for every other route)."""
    if user.role == "site" and not request.url.path.startswith(SITE_PATH):
        raise ForbiddenError("the site role may only upload its site's files", hint=f"use {SITE_PATH}uploads")
    return user


async def current_user_async(request: Request) -> User:
    """:func:`current_user` for async routes: on SQLite the token check (one indexed read, argon2 only
    on a cache miss) runs on the event loop, since a hop to a worker thread costs more than the read."""
    token = _bearer(request)
    verifier: TokenVerifier = request.app.state.tokens
    user = await run_read(verifier.store, verifier.verify_cached, token)
    if user is None:  # argon2: tens of milliseconds of CPU, never on the event loop
        user = await run_in_threadpool(verifier.verify, token)
    request.state.user = user
    return _confined(request, user)


def require_role(*roles: str) -> Callable[..., Awaitable[User]]:
    """FastAPI dependency factory: the caller, who must hold one of ``roles`` (403 otherwise)."""
    for role in roles:
        check_role(role)

    async def dependency(user: User = Depends(current_user_async)) -> User:
        if user.role not in roles:
            raise ForbiddenError(
                f"the {user.role} role may not do this", hint=f"this needs one of: {', '.join(roles)}"
            )
        return user

    return dependency


async def run_read(store: Store, func: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Run a short database read for an async route: inline on SQLite (a local file, microseconds),
    in a worker thread on PostgreSQL (a network round trip must not stall the event loop)."""
    if store.engine.dialect.name == "sqlite":
        return func(*args, **kwargs)
    return await run_in_threadpool(func, *args, **kwargs)
