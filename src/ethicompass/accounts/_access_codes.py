"""One-time portal access codes: three dash-separated groups of four characters; the first group
looks the code up, the rest is argon2-hashed. Spending one starts a participant's portal session."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ethicompass._time import iso, to_utc, utc_now
from ethicompass.accounts import _hashing
from ethicompass.accounts._users import known_participant
from ethicompass.errors import AuthError
from ethicompass.store import Store
from ethicompass.store._server_tables import server_access_codes

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def code_lookup(code: str, /) -> str:
    """The lookup part (first group) of an access code as typed, normalised; '' when malformed."""
    clean = code.strip().upper().replace(" ", "").replace("-", "")
    return clean[:4] if len(clean) == 12 else ""


def issue_access_code(
    store: Store, participant: str, /, *, minutes: int = 15, conn: Connection | None = None
) -> tuple[str, str]:
    """A one-time portal access code for a participant the consent registry knows, and when it expires (ISO).

    With ``conn``, the code is stored in the caller's transaction (so its audit entry can join it).
    """
    participant = known_participant(store, participant)
    lookup = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4))
    secret = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    now = utc_now()
    expires = iso(now + timedelta(minutes=minutes))
    insert = server_access_codes.insert().values(
        id=lookup,
        participant=participant,
        code_hash=_hashing.hash_secret(secret),
        created_at=iso(now),
        expires_at=expires,
    )
    if conn is not None:
        conn.execute(insert)
    else:
        with store.begin() as own:
            own.execute(insert)
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
        matches = _hashing.verify_secret(row.code_hash if live and row is not None else None, secret)
        if not live or not matches or row is None:
            raise failure
        conn.execute(
            server_access_codes.update()
            .where(server_access_codes.c.id == lookup)
            .values(used_at=iso(utc_now()))
        )
    return str(row.participant)
