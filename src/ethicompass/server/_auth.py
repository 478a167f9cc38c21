"""Authentication and roles: users, argon2-hashed API tokens, one-time portal access codes.

API clients send ``Authorization: Bearer <token>``; a token is ``ect_<id>_<secret>`` and only
the argon2 hash of the secret is stored. A verified token is remembered in memory (keyed by a
SHA-256 of the secret) for ``token_cache_seconds`` so argon2 runs once per process and token,
while revocation and expiry are still checked on every request. Participants sign in to the
portal with a one-time access code (three dash-separated groups of four characters; the first
group looks it up, the rest is argon2-hashed), which starts a signed session cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ethicompass.consent._fastsql import query_one
from ethicompass.consent._model import check_participant, iso, to_utc, utc_now, visible_text
from ethicompass.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    ServiceBusyError,
)
from ethicompass.server._lockout import Throttle
from ethicompass.store import Store
from ethicompass.store._server_tables import server_access_codes, server_sessions, server_tokens, server_users

ROLES = ("participant", "investigator", "data_manager", "reviewer", "admin", "site")
STAFF_ROLES = ("investigator", "data_manager", "reviewer", "admin")
#: A ``site`` token (a site of a multi-site study, user named after its site) reaches only these routes.
SITE_PATH = "/api/v1/sites/"
_HASHER = PasswordHasher()
#: A hash of a random secret, verified against when the id is unknown, used or expired, so the answer
#: takes as long as for a live id (no timing oracle telling which ids exist).
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class Argon2Gate:
    """At most ``slots`` argon2 verifications at once (each is tens of milliseconds of CPU): a flood of
    wrong guesses queues here instead of taking every core from other requests. A caller that waits
    longer than ``wait_seconds`` is refused (503) rather than left hanging."""

    def __init__(self, slots: int = 2, *, wait_seconds: float = 10.0) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._sem = threading.BoundedSemaphore(slots)

    def verify(self, hashed: str, secret: str) -> bool:
        """Whether ``secret`` matches ``hashed`` (argon2), under the gate."""
        if not self._sem.acquire(timeout=self.wait_seconds):
            raise ServiceBusyError(
                "the server is busy checking other sign-ins", hint="try again in a few seconds"
            )
        try:
            return bool(_HASHER.verify(hashed, secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        finally:
            self._sem.release()


#: The process-wide gate (``create_app`` sizes it from ``ServerSettings.argon2_concurrency``).
ARGON2_GATE = Argon2Gate()


def set_argon2_concurrency(slots: int, /) -> None:
    """Resize the process-wide argon2 gate (called by ``create_app``)."""
    global ARGON2_GATE
    if slots != ARGON2_GATE.slots:
        ARGON2_GATE = Argon2Gate(slots, wait_seconds=ARGON2_GATE.wait_seconds)


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SESSION_COOKIE = "ec_session"
_T = TypeVar("_T")


@dataclass(frozen=True)
class User:
    """Who is calling: a stored user (staff or participant with a token) or a portal session."""

    id: int | None
    name: str
    role: str
    participant: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller (never a participant id)."""
        return f"user:{self.id}" if self.id is not None else "portal-session"

    def to_dict(self) -> dict[str, Any]:
        """Name and role (a participant's own id only to themselves)."""
        return {"name": self.name, "role": self.role, "participant": self.participant}


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", hint="pick one of those roles")
    return role


def _known_participant(store: Store, participant: str) -> str:
    """The normalised id of a participant the consent registry knows (else UnknownParticipantError)."""
    from ethicompass.consent import Registry
    from ethicompass.consent._participants import unknown_participant

    pid = check_participant(participant)
    if not Registry(store).is_known(pid):
        raise unknown_participant(store, pid)
    return pid


def add_user(store: Store, name: str, /, *, role: str, participant: str | None = None) -> User:
    """Create a user; a ``participant`` user must name a participant the consent registry knows."""
    _check_role(role)
    name = visible_text(name, where="user name", limit=200, inner_spaces=True)
    if role == "participant":
        if participant is None:
            raise InputError(
                "a participant user needs --participant", hint="name the participant id it acts for"
            )
        participant = _known_participant(store, participant)
    elif participant is not None:
        raise InputError("only participant users act for a participant", hint="drop --participant")
    try:
        with store.begin() as conn:
            result = conn.execute(
                server_users.insert().values(
                    name=name, role=role, participant=participant, created_at=iso(utc_now())
                )
            )
    except IntegrityError as exc:
        raise ConflictError(f"user {name!r} already exists", hint="pick another name") from exc
    key = result.inserted_primary_key
    assert key is not None
    return User(int(key[0]), name, role, participant)


def get_user(store: Store, name: str, /) -> User:
    """The stored user called ``name``."""
    with store.connect() as conn:
        row = conn.execute(sa.select(server_users).where(server_users.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"user {name!r} does not exist", hint="create it with `ethicompass users add`")
    return User(int(row.id), row.name, row.role, row.participant)


def issue_token(store: Store, user_name: str, /, *, days: int | None = 90) -> str:
    """A new API token for the user; shown once, stored only as an argon2 hash."""
    user = get_user(store, user_name)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    with store.begin() as conn:
        conn.execute(
            server_tokens.insert().values(
                id=token_id,
                user_id=user.id,
                secret_hash=_HASHER.hash(secret),
                created_at=iso(now),
                expires_at=iso(now + timedelta(days=days)) if days else None,
            )
        )
    return f"ect_{token_id}_{secret}"


def revoke_token(store: Store, token_id: str, /) -> None:
    """Revoke a token at once (its id is the part after ``ect_``), and end every reviewer or staff
    page session opened with it."""
    now = iso(utc_now())
    with store.begin() as conn:
        done = conn.execute(
            server_tokens.update().where(server_tokens.c.id == token_id).values(revoked_at=now)
        )
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


_TOKEN_SQL = (
    "SELECT t.user_id, t.secret_hash, t.expires_at, t.revoked_at, u.name, u.role, u.participant "
    "FROM server_tokens t JOIN server_users u ON u.id = t.user_id WHERE t.id = ?"
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
            ARGON2_GATE.verify(_DUMMY_HASH, secret)
            raise _unknown_token()
        if not self._fresh(key):
            if not ARGON2_GATE.verify(row.secret_hash, secret):
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
        found = query_one(self.store, _TOKEN_SQL, (token_id,))
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


def code_lookup(code: str, /) -> str:
    """The lookup part (first group) of an access code as typed, normalised; '' when malformed."""
    clean = code.strip().upper().replace(" ", "").replace("-", "")
    return clean[:4] if len(clean) == 12 else ""


def _unknown_token() -> AuthError:
    return AuthError("the API token is unknown or revoked", hint="ask an admin for a new token")


def issue_access_code(store: Store, participant: str, /, *, minutes: int = 15) -> tuple[str, str]:
    """A one-time portal access code for a participant the consent registry knows, and when it expires (ISO)."""
    participant = _known_participant(store, participant)
    lookup = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4))
    secret = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    now = utc_now()
    expires = iso(now + timedelta(minutes=minutes))
    with store.begin() as conn:
        conn.execute(
            server_access_codes.insert().values(
                id=lookup,
                participant=participant,
                code_hash=_HASHER.hash(secret),
                created_at=iso(now),
                expires_at=expires,
            )
        )
    return f"{lookup}-{secret[:4]}-{secret[4:]}", expires


def redeem_access_code(store: Store, code: str, /) -> str:
    """Spend a one-time access code; return the participant it was issued for."""
    clean = code.strip().upper().replace(" ", "").replace("-", "")
    failure = AuthError("that access code is not valid", hint="check it, or ask the study team for a new one")
    if len(clean) != 12:
        raise failure
    lookup, secret = clean[:4], clean[4:]
    with store.begin() as conn:
        row = conn.execute(sa.select(server_access_codes).where(server_access_codes.c.id == lookup)).first()
        live = row is not None and row.used_at is None and to_utc(row.expires_at) >= utc_now()
        # argon2 runs whether or not the id is live: the answer takes as long either way
        matches = ARGON2_GATE.verify(row.code_hash if live and row is not None else _DUMMY_HASH, secret)
        if not live or not matches or row is None:
            raise failure
        conn.execute(
            server_access_codes.update()
            .where(server_access_codes.c.id == lookup)
            .values(used_at=iso(utc_now()))
        )
    return str(row.participant)


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
        _check_role(role)

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


def portal_participant(request: Request) -> str | None:
    """The participant signed in to the portal (a live server-side session), or None."""
    from ethicompass.server._sessions import read_session

    session = read_session(request, "portal")
    if session is None:
        return None
    request.state.user = session.user
    return session.user.participant
