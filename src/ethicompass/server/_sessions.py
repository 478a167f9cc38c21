"""Server-side sign-in sessions for the HTML pages: the participant portal, and one staff session for
every staff page (home, reviews, training, consent administration, audit log).

A cookie carries only a random secret (nothing to decode: no participant id, no API token); the
database keeps its SHA-256, who it is for, when it ends, and, for a staff session opened with an API
token, that token. Every request looks the session up again, so a logout, a revoked or expired token,
a new password, or a revoked session ends access at once (not when a signed cookie would have expired).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response

from ethicompass.consent._model import iso, utc_now
from ethicompass.server._auth import User
from ethicompass.store import FastQuery, Store
from ethicompass.store._server_tables import server_sessions, server_tokens, server_users

__all__ = ["KINDS", "Session", "end_session", "open_session", "read_session", "revoke_token_sessions"]

#: kind -> (cookie name, cookie path)
KINDS: dict[str, tuple[str, str]] = {
    "portal": ("ec_session", "/portal"),
    "staff": ("ec_staff", "/"),
}

_s, _u, _t = server_sessions.c, server_users.c, server_tokens.c
_READ = FastQuery(
    sa.select(
        _s.kind,
        _s.user_id,
        _s.participant,
        _s.expires_at,
        _s.revoked_at,
        _s.token_id,
        _u.name,
        _u.role,
        _t.revoked_at,
        _t.expires_at,
    )
    .select_from(
        server_sessions.outerjoin(server_users, _u.id == _s.user_id).outerjoin(
            server_tokens, _t.id == _s.token_id
        )
    )
    .where(_s.id == sa.bindparam("sid")),
    name="session lookup",
)


@dataclass(frozen=True)
class Session:
    """A live session: its stored id (the SHA-256 of the cookie's secret), kind and user."""

    id: str
    kind: str
    user: User


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(
    request: Request,
    response: Response,
    kind: str,
    /,
    *,
    user: User | None = None,
    participant: str | None = None,
    token_id: str | None = None,
) -> None:
    """Start a session of ``kind`` and set its cookie on ``response``; any session of that kind the
    request already held is ended first (a fresh id at every sign-in)."""
    end_session(request, response, kind)
    settings = request.app.state.settings
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    with request.app.state.store.begin() as conn:
        conn.execute(
            server_sessions.insert().values(
                id=_digest(secret),
                kind=kind,
                user_id=user.id if user else None,
                token_id=token_id,
                participant=participant,
                created_at=iso(now),
                expires_at=iso(now + timedelta(minutes=settings.session_minutes)),
            )
        )
    name, path = KINDS[kind]
    response.set_cookie(
        name,
        secret,
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=path,
    )


def read_session(request: Request, kind: str, /) -> Session | None:
    """The live session of ``kind`` this request carries, or None (none, unknown, ended, expired, or
    its token revoked or expired)."""
    name, _ = KINDS[kind]
    secret = request.cookies.get(name)
    if not secret or len(secret) > 100:
        return None
    sid = _digest(secret)
    row: Any = _READ.one(request.app.state.store, sid=sid)
    if row is None:
        return None
    (s_kind, user_id, participant, expires, revoked, token_id, name_, role, t_revoked, t_expires) = row
    now = iso(utc_now())
    if s_kind != kind or revoked is not None or expires < now:
        return None
    if token_id is not None and (t_revoked is not None or (t_expires is not None and t_expires < now)):
        return None
    if kind == "portal":
        user = User(None, "participant", "participant", participant)
    else:
        if user_id is None or role is None:
            return None
        user = User(int(user_id), str(name_), str(role))
    return Session(sid, kind, user)


def end_session(request: Request, response: Response, kind: str, /) -> None:
    """End the request's session of ``kind`` (if any) in the database and clear its cookie."""
    name, path = KINDS[kind]
    secret = request.cookies.get(name)
    if secret and len(secret) <= 100:
        with request.app.state.store.begin() as conn:
            conn.execute(
                server_sessions.update()
                .where(server_sessions.c.id == _digest(secret), server_sessions.c.revoked_at.is_(None))
                .values(revoked_at=iso(utc_now()))
            )
    response.delete_cookie(name, path=path)


def revoke_token_sessions(store: Store, token_id: str, /) -> int:
    """End every session opened with API token ``token_id``; return how many were live."""
    with store.begin() as conn:
        result = conn.execute(
            server_sessions.update()
            .where(server_sessions.c.token_id == token_id, server_sessions.c.revoked_at.is_(None))
            .values(revoked_at=iso(utc_now()))
        )
    return int(result.rowcount or 0)
