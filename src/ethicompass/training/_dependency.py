"""The training gate as a FastAPI dependency for endpoints that hand out identifiable data."""

from __future__ import annotations

from fastapi import Depends, Request

from ethicompass.accounts import User, current_user
from ethicompass.training._gate import check_access


def require_training(request: Request, user: User = Depends(current_user)) -> User:
    """FastAPI dependency: the caller, refused (403) in a gated role without current certificates.

    The required courses are ``app.state.training_required`` when set, else every course.
    """
    required = getattr(request.app.state, "training_required", None)
    check_access(request.app.state.store, user.name, role=user.role, required=required)
    return user
