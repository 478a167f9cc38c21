"""Accounts: users and their roles, API tokens, staff passwords and one-time portal access codes.

:func:`add_user` creates a user with one of :data:`ROLES`; :func:`issue_token` gives it an API token
(shown once, stored as an argon2 hash) that a :class:`TokenVerifier` checks; :func:`set_password` lets
staff sign in to the web pages; :func:`issue_access_code` / :func:`redeem_access_code` let a participant
into the portal. Every secret is argon2-hashed under one process-wide gate (:func:`set_argon2_concurrency`).
The writes take ``conn=`` to run in the caller's transaction, so the audit entry commits with them.
``current_user`` and ``require_role`` are the FastAPI dependencies that name the caller of a route.

Layering: accounts sit above ``consent`` (a participant user must be a registered participant) and
below ``training`` (certificates are issued to users) and the surfaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.accounts._access_codes import code_lookup, issue_access_code, redeem_access_code
    from ethicompass.accounts._hashing import Argon2Gate, set_argon2_concurrency
    from ethicompass.accounts._passwords import (
        MIN_PASSWORD,
        check_password,
        full_names,
        set_full_name,
        set_password,
    )
    from ethicompass.accounts._requests import (
        SITE_PATH,
        current_user,
        current_user_async,
        require_role,
        run_read,
    )
    from ethicompass.accounts._tokens import TokenVerifier, issue_token, list_tokens, revoke_token
    from ethicompass.accounts._users import ROLES, STAFF_ROLES, User, add_user, get_user

__getattr__, __dir__ = attach(
    __name__,
    {
        "Argon2Gate": "ethicompass.accounts._hashing",
        "MIN_PASSWORD": "ethicompass.accounts._passwords",
        "ROLES": "ethicompass.accounts._users",
        "SITE_PATH": "ethicompass.accounts._requests",
        "STAFF_ROLES": "ethicompass.accounts._users",
        "TokenVerifier": "ethicompass.accounts._tokens",
        "User": "ethicompass.accounts._users",
        "add_user": "ethicompass.accounts._users",
        "check_password": "ethicompass.accounts._passwords",
        "code_lookup": "ethicompass.accounts._access_codes",
        "current_user": "ethicompass.accounts._requests",
        "current_user_async": "ethicompass.accounts._requests",
        "full_names": "ethicompass.accounts._passwords",
        "get_user": "ethicompass.accounts._users",
        "issue_access_code": "ethicompass.accounts._access_codes",
        "issue_token": "ethicompass.accounts._tokens",
        "list_tokens": "ethicompass.accounts._tokens",
        "redeem_access_code": "ethicompass.accounts._access_codes",
        "require_role": "ethicompass.accounts._requests",
        "revoke_token": "ethicompass.accounts._tokens",
        "run_read": "ethicompass.accounts._requests",
        "set_argon2_concurrency": "ethicompass.accounts._hashing",
        "set_full_name": "ethicompass.accounts._passwords",
        "set_password": "ethicompass.accounts._passwords",
    },
)

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "SITE_PATH",
    "STAFF_ROLES",
    "Argon2Gate",
    "TokenVerifier",
    "User",
    "add_user",
    "check_password",
    "code_lookup",
    "current_user",
    "current_user_async",
    "full_names",
    "get_user",
    "issue_access_code",
    "issue_token",
    "list_tokens",
    "redeem_access_code",
    "require_role",
    "revoke_token",
    "run_read",
    "set_argon2_concurrency",
    "set_full_name",
    "set_password",
]
