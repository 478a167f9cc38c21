"""The web server: a FastAPI app factory, token and session auth, one router per domain.

Entry point: ``create_app(store, settings=ServerSettings.from_env())``; ``ethicompass serve``
runs it under uvicorn. Routers reuse :func:`current_user`, :func:`require_role`,
:func:`verify_csrf`/:func:`csrf_token` and :func:`render` (templates extend ``base.html``);
see docs/server.md for adding one. Users, tokens and access codes are :mod:`ethicompass.accounts`
(re-exported here under their old names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.accounts import (
        ROLES,
        User,
        add_user,
        current_user,
        issue_access_code,
        issue_token,
        list_tokens,
        redeem_access_code,
        require_role,
        revoke_token,
    )
    from ethicompass.server._app import ROUTER_MODULES, SECURITY_HEADERS, create_app
    from ethicompass.server._auth import portal_participant
    from ethicompass.server._csrf import csrf_token, verify_csrf
    from ethicompass.server._settings import ServerSettings
    from ethicompass.server._templating import render

__getattr__, __dir__ = attach(
    __name__,
    {
        "ROLES": "ethicompass.accounts",
        "ROUTER_MODULES": "ethicompass.server._app",
        "SECURITY_HEADERS": "ethicompass.server._app",
        "ServerSettings": "ethicompass.server._settings",
        "User": "ethicompass.accounts",
        "add_user": "ethicompass.accounts",
        "create_app": "ethicompass.server._app",
        "csrf_token": "ethicompass.server._csrf",
        "current_user": "ethicompass.accounts",
        "issue_access_code": "ethicompass.accounts",
        "issue_token": "ethicompass.accounts",
        "list_tokens": "ethicompass.accounts",
        "portal_participant": "ethicompass.server._auth",
        "redeem_access_code": "ethicompass.accounts",
        "render": "ethicompass.server._templating",
        "require_role": "ethicompass.accounts",
        "revoke_token": "ethicompass.accounts",
        "verify_csrf": "ethicompass.server._csrf",
    },
)

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
    "list_tokens",
    "portal_participant",
    "redeem_access_code",
    "render",
    "require_role",
    "revoke_token",
    "verify_csrf",
]
