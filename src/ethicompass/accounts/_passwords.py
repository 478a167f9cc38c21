"""Staff passwords (argon2id) and the person's full name, for the one staff sign-in of the web pages.

A staff user signs in to the web pages once, with a user name and password (set by
``ethicompass users password NAME``, read from a prompt or stdin, never from argv) or with an API
token; that opens one server-side session (``ethicompass.server._sessions``) for reviews,
training, consent administration and the audit log. Only the argon2id hash is stored. A wrong name
costs the same argon2 check as a wrong password (no timing oracle telling which names exist), and a
new password ends every page session the user had open.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ethicompass._text import visible_text
from ethicompass._time import iso, utc_now
from ethicompass.accounts import _hashing
from ethicompass.accounts._users import STAFF_ROLES, User, get_user
from ethicompass.errors import AuthError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._server_tables import server_sessions, server_users

#: Shortest password accepted (NIST SP 800-63B asks for at least 8; staff pages reach patient consent).
MIN_PASSWORD = 12
_MAX_PASSWORD = 256


def set_password(store: Store, name: str, password: str, /, *, conn: Connection | None = None) -> User:
    """Store an argon2id hash of ``password`` for staff user ``name`` and end their page sessions.

    Participants have no password (they use one-time access codes). With ``conn``, in the caller's
    transaction (so its audit entry can join it).
    """
    user = get_user(store, name, conn=conn)
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
    hashed = _hashing.hash_secret(password)
    if conn is None:
        with store.begin() as own:
            _store_password(own, user, hashed, now)
    else:
        _store_password(conn, user, hashed, now)
    return user


def _store_password(conn: Connection, user: User, hashed: str, now: str) -> None:
    conn.execute(
        server_users.update()
        .where(server_users.c.id == user.id)
        .values(password_hash=hashed, password_set_at=now)
    )
    conn.execute(
        server_sessions.update()
        .where(server_sessions.c.user_id == user.id, server_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def check_password(store: Store, name: str, password: str, /) -> User:
    """The staff user ``name`` if ``password`` is theirs, else :class:`AuthError` (same cost either way)."""
    failure = AuthError(
        "that user name and password did not match", hint="check them, or ask an admin to set a new password"
    )
    if not name or len(name) > 200 or len(password) > _MAX_PASSWORD:
        _hashing.verify_secret(None, password[:_MAX_PASSWORD])
        raise failure
    with store.connect() as conn:
        row = conn.execute(sa.select(server_users).where(server_users.c.name == name.strip())).first()
    live = row is not None and row.password_hash is not None and row.role in STAFF_ROLES
    matches = _hashing.verify_secret(row.password_hash if live and row is not None else None, password)
    if not live or not matches or row is None:
        raise failure
    return User(int(row.id), row.name, row.role, row.participant)


def set_full_name(store: Store, name: str, full_name: str, /, *, conn: Connection | None = None) -> None:
    """Record the person's name for user ``name`` (printed on their training certificates).

    With ``conn``, in the caller's transaction (so its audit entry can join it).
    """
    clean = visible_text(" ".join(full_name.split()), where="full name", limit=200, inner_spaces=True)
    update = server_users.update().where(server_users.c.name == name).values(full_name=clean)
    if conn is None:
        with store.begin() as own:
            done = own.execute(update)
    else:
        done = conn.execute(update)
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
