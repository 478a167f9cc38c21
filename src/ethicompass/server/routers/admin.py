"""Health, who-am-I, users, API tokens and portal access codes (JSON API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from ethicompass.accounts import (
    User,
    add_user,
    current_user,
    issue_access_code,
    issue_token,
    list_tokens,
    require_role,
    revoke_token,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["admin"])


class NewUser(BaseModel):
    """A user to create."""

    name: str = Field(min_length=1, max_length=200)
    role: str
    participant: str | None = None


class NewAccessCode(BaseModel):
    """The participant who needs a portal access code."""

    participant: str = Field(min_length=1, max_length=128)


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: no authentication."""
    return {"status": "ok"}


@router.get("/me")
def me(user: User = Depends(current_user)) -> dict[str, Any]:
    """The caller's name and role."""
    return user.to_dict()


@router.post("/users", status_code=201)
def create_user(body: NewUser, request: Request, _: User = Depends(require_role("admin"))) -> dict[str, Any]:
    """Create a user (admin)."""
    user = add_user(request.app.state.store, body.name, role=body.role, participant=body.participant)
    return user.to_dict()


@router.post("/users/{name}/tokens", status_code=201)
def create_token(name: str, request: Request, _: User = Depends(require_role("admin"))) -> dict[str, str]:
    """Issue an API token for a user (admin); the token is shown only in this response."""
    return {"token": issue_token(request.app.state.store, name)}


@router.get("/tokens")
def tokens(
    request: Request, user: str | None = None, _: User = Depends(require_role("admin"))
) -> list[dict[str, Any]]:
    """Every API token (id, user, role, dates; never a secret), optionally of one user (admin)."""
    return list_tokens(request.app.state.store, user=user)


@router.post("/tokens/{token_id}/revoke")
def revoke(
    request: Request,
    token_id: str = Path(max_length=32, pattern=r"^[0-9a-f]+$"),
    admin: User = Depends(require_role("admin")),
) -> dict[str, str]:
    """Revoke a token at once, with every page session opened with it (admin); audited."""
    revoke_token(request.app.state.store, token_id)
    request.app.state.audit.append(
        action="server.token-revoke",
        object_type="token",
        object_id=token_id,
        actor=admin.actor,
        role=admin.role,
    )
    return {"revoked": token_id}


@router.post("/access-codes", status_code=201)
def create_access_code(
    body: NewAccessCode, request: Request, _: User = Depends(require_role("data_manager", "admin"))
) -> dict[str, str]:
    """Issue a one-time portal access code for a participant (data manager, admin)."""
    settings = request.app.state.settings
    code, expires = issue_access_code(
        request.app.state.store, body.participant, minutes=settings.access_code_minutes
    )
    return {"code": code, "expires_at": expires}
