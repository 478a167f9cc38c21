"""Users and their one role: staff, participants (each acting for one registered participant) and sites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ethicompass._text import visible_text
from ethicompass._time import iso, utc_now
from ethicompass.consent import normalise_participant, unknown_participant
from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._server_tables import server_users

#: Every role a user or token may hold ('site' may only upload site files).
ROLES = ("participant", "investigator", "data_manager", "reviewer", "admin", "site")
#: The roles of research staff (signed in with a password; never a participant or a site).
STAFF_ROLES = ("investigator", "data_manager", "reviewer", "admin")


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


def check_role(role: str, /) -> str:
    """``role`` if it is one of :data:`ROLES`, else :class:`InputError`."""
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", hint="pick one of those roles")
    return role


def known_participant(store: Store, participant: str, /) -> str:
    """The normalised id of a participant the consent registry knows (else UnknownParticipantError)."""
    from ethicompass.consent import Registry

    pid = normalise_participant(participant)
    if not Registry(store).is_known(pid):
        raise unknown_participant(store, pid)
    return pid


def add_user(
    store: Store,
    name: str,
    /,
    *,
    role: str,
    participant: str | None = None,
    conn: Connection | None = None,
) -> User:
    """Create a user; a ``participant`` user must name a participant the consent registry knows.

    With ``conn``, the user is inserted in the caller's transaction (so its audit entry can join it).
    """
    check_role(role)
    name = visible_text(name, where="user name", limit=200, inner_spaces=True)
    if role == "participant":
        if participant is None:
            raise InputError(
                "a participant user needs --participant", hint="name the participant id it acts for"
            )
        participant = known_participant(store, participant)
    elif participant is not None:
        raise InputError("only participant users act for a participant", hint="drop --participant")
    insert = server_users.insert().values(
        name=name, role=role, participant=participant, created_at=iso(utc_now())
    )
    try:
        if conn is not None:
            result = conn.execute(insert)
        else:
            with store.begin() as own:
                result = own.execute(insert)
    except IntegrityError as exc:
        raise ConflictError(f"user {name!r} already exists", hint="pick another name") from exc
    key = result.inserted_primary_key
    assert key is not None
    return User(int(key[0]), name, role, participant)


def get_user(store: Store, name: str, /, *, conn: Connection | None = None) -> User:
    """The stored user called ``name`` (read in ``conn`` when given)."""
    query = sa.select(server_users).where(server_users.c.name == name)
    if conn is not None:
        row = conn.execute(query).first()
    else:
        with store.connect() as own:
            row = own.execute(query).first()
    if row is None:
        raise NotFoundError(f"user {name!r} does not exist", hint="create it with `ethicompass users add`")
    return User(int(row.id), row.name, row.role, row.participant)
