"""Staff passwords (argon2id) and the person's full name, for the one staff sign-in of the web pages.

A staff user signs in to the web pages once, with a user name and password (set by
``ethicompass users password NAME``, read from a prompt or stdin, never from argv) or with an API
token; that opens one server-side session (:mod:`ethicompass.server._sessions`) for reviews,
training, consent administration and the audit log. Only the argon2id hash is stored. A wrong name
costs the same argon2 check as a wrong password (no timing oracle telling which names exist), and a
new password ends every page session the user had open.
"""

from __future__ import annotations

import sqlalchemy as sa

from ethicompass.consent._model import iso, utc_now, visible_text
from ethicompass.errors import AuthError, InputError, NotFoundError
from ethicompass.server import _auth
from ethicompass.server._auth import STAFF_ROLES, User
from ethicompass.store import Store
from ethicompass.store._server_tables import server_sessions, server_users

__all__ = ["MIN_PASSWORD", "check_password", "full_names", "set_full_name", "set_password"]

#: Shortest password accepted (NIST SP 800-63B asks for at least 8; staff pages reach patient consent).
MIN_PASSWORD = 12
_MAX_PASSWORD = 256


def set_password(store: Store, name: str, password: str, /) -> User:
    """Store an argon2id hash of ``password`` for staff user ``name`` and end their page sessions.

    Participants have no password (they use one-time access codes).
    """
    user = _auth.get_user(store, name)
    if user.role not in STAFF_ROLES:
        raise InputError(
            f"user {name!r} is a {user.role}: only staff sign in with a password",
            hint="participants sign in with `ethicompass access-code new`",
        )
    if len(password) < MIN_PASSWORD or len(password) > _MAX_PASSWORD:
        raise InputError(
            f"the password must be {MIN_PASSWORD} to {_MAX_PASSWORD} characters long",
            hint="use a passphrase of several words",
        )
    if password != password.strip() or not password.isprintable():
        raise InputError(
            "the password starts or ends with a space, or holds a control character",
            hint="type it again without leading or trailing spaces",
        )
    now = iso(utc_now())
    with store.begin() as conn:
        conn.execute(
            server_users.update()
            .where(server_users.c.id == user.id)
            .values(password_hash=_auth._HASHER.hash(password), password_set_at=now)
        )
        conn.execute(
            server_sessions.update()
            .where(server_sessions.c.user_id == user.id, server_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return user


def check_password(store: Store, name: str, password: str, /) -> User:
    """The staff user ``name`` if ``password`` is theirs, else :class:`AuthError` (same cost either way)."""
    failure = AuthError(
        "that user name and password did not match", hint="check them, or ask an admin to set a new password"
    )
    if not name or len(name) > 200 or len(password) > _MAX_PASSWORD:
        _auth.ARGON2_GATE.verify(_auth._DUMMY_HASH, password[:_MAX_PASSWORD])
        raise failure
    with store.connect() as conn:
        row = conn.execute(sa.select(server_users).where(server_users.c.name == name.strip())).first()
    live = row is not None and row.password_hash is not None and row.role in STAFF_ROLES
    hashed = row.password_hash if live and row is not None else _auth._DUMMY_HASH
    matches = _auth.ARGON2_GATE.verify(hashed, password)
    if not live or not matches or row is None:
        raise failure
    return User(int(row.id), row.name, row.role, row.participant)


def set_full_name(store: Store, name: str, full_name: str, /) -> None:
    """Record the person's name for user ``name`` (printed on their training certificates)."""
    clean = visible_text(" ".join(full_name.split()), where="full name", limit=200, inner_spaces=True)
    with store.begin() as conn:
        done = conn.execute(server_users.update().where(server_users.c.name == name).values(full_name=clean))
    if done.rowcount == 0:
        raise NotFoundError(f"user {name!r} does not exist", hint="create it with `ethicompass users add`")


def full_names(store: Store, /) -> dict[str, str]:
    """Login name -> full name, for every user who has one."""
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(server_users.c.name, server_users.c.full_name).where(
                server_users.c.full_name.is_not(None)
            )
        ).all()
    return {r.name: r.full_name for r in rows}
