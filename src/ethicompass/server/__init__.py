"""The web server: a FastAPI app factory, token and session auth, one router per domain.

Entry point: ``create_app(store, settings=ServerSettings.from_env())``; ``ethicompass serve``
runs it under uvicorn. Routers reuse :func:`current_user`, :func:`require_role`,
:func:`verify_csrf`/:func:`csrf_token` and :func:`render` (templates extend ``base.html``);
see docs/server.md for adding one.
"""

from __future__ import annotations

from ethicompass.server._app import ROUTER_MODULES, SECURITY_HEADERS, create_app
from ethicompass.server._auth import (
    ROLES,
    User,
    add_user,
    current_user,
    issue_access_code,
    issue_token,
    portal_participant,
    redeem_access_code,
    require_role,
    revoke_token,
)
from ethicompass.server._csrf import csrf_token, verify_csrf
from ethicompass.server._settings import ServerSettings
from ethicompass.server._templating import render

__all__ = [
    "ROLES",
    "ROUTER_MODULES",
    "SECURITY_HEADERS",
    "ServerSettings",
    "User",
    "add_user",
    "create_app",
    "csrf_token",
    "current_user",
    "issue_access_code",
    "issue_token",
    "portal_participant",
    "redeem_access_code",
    "render",
    "require_role",
    "revoke_token",
    "verify_csrf",
]
