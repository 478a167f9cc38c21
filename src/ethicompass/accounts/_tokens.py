"""API tokens: ``ect_<id>_<secret>``, shown once, stored only as an argon2 hash of the secret.

A verified token is remembered in memory (keyed by a SHA-256 of the secret) for ``cache_seconds`` so
argon2 runs once per process and token, while revocation and expiry are still checked on every use.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ethicompass._time import iso, utc_now
from ethicompass.accounts import _hashing
from ethicompass.accounts._users import User, get_user
from ethicompass.errors import AuthError, NotFoundError
from ethicompass.store import FastQuery, Store
from ethicompass.store._server_tables import server_sessions, server_tokens, server_users


def issue_token(
    store: Store, user_name: str, /, *, days: int | None = 90, conn: Connection | None = None
) -> str:
    """A new API token for the user; shown once, stored only as an argon2 hash.

    With ``conn``, the token is stored in the caller's transaction (so its audit entry can join it).
    """
    user = get_user(store, user_name, conn=conn)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    insert = server_tokens.insert().values(
        id=token_id,
        user_id=user.id,
        secret_hash=_hashing.hash_secret(secret),
        created_at=iso(now),
        expires_at=iso(now + timedelta(days=days)) if days else None,
    )
    if conn is not None:
        conn.execute(insert)
    else:
        with store.begin() as own:
            own.execute(insert)
    return f"ect_{token_id}_{secret}"


def revoke_token(store: Store, token_id: str, /, *, conn: Connection | None = None) -> None:
    """Revoke a token at once (its id is the part after ``ect_``), and end every reviewer or staff
    page session opened with it. With ``conn``, in the caller's transaction."""
    if conn is None:
        with store.begin() as own:
            revoke_token(store, token_id, conn=own)
        return
    now = iso(utc_now())
    done = conn.execute(server_tokens.update().where(server_tokens.c.id == token_id).values(revoked_at=now))
    if done.rowcount == 0:
        raise NotFoundError("no such token", hint="list them with `ethicompass tokens list`")
    conn.execute(
        server_sessions.update()
        .where(server_sessions.c.token_id == token_id, server_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def list_tokens(store: Store, /, *, user: str | None = None) -> list[dict[str, Any]]:
    """Every API token (never its secret): id, user, role, created, expires, revoked; oldest first."""
    query = (
        sa.select(
            server_tokens.c.id,
            server_users.c.name,
            server_users.c.role,
            server_tokens.c.created_at,
            server_tokens.c.expires_at,
            server_tokens.c.revoked_at,
        )
        .join(server_users, server_users.c.id == server_tokens.c.user_id)
        .order_by(server_tokens.c.created_at, server_tokens.c.id)
    )
    if user is not None:
        query = query.where(server_users.c.name == user)
    with store.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "id": r.id,
            "user": r.name,
            "role": r.role,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "revoked_at": r.revoked_at,
        }
        for r in rows
    ]


_t, _u = server_tokens.c, server_users.c
_TOKEN = FastQuery(
    sa.select(_t.user_id, _t.secret_hash, _t.expires_at, _t.revoked_at, _u.name, _u.role, _u.participant)
    .select_from(server_tokens.join(server_users, _u.id == _t.user_id))
    .where(_t.id == sa.bindparam("token_id")),
    name="token lookup",
)


class _TokenRow(NamedTuple):
    user_id: int
    secret_hash: str
    expires_at: str | None
    revoked_at: str | None
    name: str
    role: str
    participant: str | None


class TokenVerifier:
    """Checks bearer tokens against the store, remembering argon2 successes in memory."""

    def __init__(self, store: Store, *, cache_seconds: int = 300) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._ok: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> User:
        """The user a token belongs to, or :class:`AuthError`.

        An unknown or revoked id costs the same argon2 check as a live one (no timing oracle).
        """
        row, key, secret = self._lookup(token)
        if row is None:
            _hashing.verify_secret(None, secret)
            raise _unknown_token()
        if not self._fresh(key):
            if not _hashing.verify_secret(row.secret_hash, secret):
                raise _unknown_token()
            with self._lock:
                self._ok[key] = time.monotonic() + self.cache_seconds
        return User(int(row.user_id), row.name, row.role, row.participant)

    def verify_cached(self, token: str) -> User | None:
        """Like :meth:`verify` (revocation and expiry checked), but None where argon2 would have to run,
        and for an unknown or revoked id (then :meth:`verify` spends the same argon2 check on it)."""
        row, key, _ = self._lookup(token)
        if row is None or not self._fresh(key):
            return None
        return User(int(row.user_id), row.name, row.role, row.participant)

    def _lookup(self, token: str) -> tuple[_TokenRow | None, str, str]:
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "ect":
            raise AuthError("the API token is malformed", hint="send Authorization: Bearer ect_<id>_<secret>")
        token_id, secret = parts[1], "_".join(parts[2:])
        key = hashlib.sha256(f"{token_id}:{secret}".encode()).hexdigest()
        found = _TOKEN.one(self.store, token_id=token_id)
        row = _TokenRow(*found) if found is not None else None
        if row is None or row.revoked_at is not None:
            with self._lock:
                self._ok.pop(key, None)
            return None, key, secret
        if row.expires_at is not None and row.expires_at < iso(utc_now()):
            raise AuthError("the API token has expired", hint="ask an admin for a new token")
        return row, key, secret

    def _fresh(self, key: str) -> bool:
        with self._lock:
            return self._ok.get(key, 0.0) > time.monotonic()


def _unknown_token() -> AuthError:
    return AuthError("the API token is unknown or revoked", hint="ask an admin for a new token")
