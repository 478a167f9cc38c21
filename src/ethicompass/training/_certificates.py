"""What a certificate shows and how anyone checks it: the holder's name, an unguessable verification id,
revocation.

Every certificate gets, in the transaction that issues it, a verification id of 128 random bits
(base32, 26 characters, printed in groups of four) and the holder's full name as recorded for the
user (``ethicompass users name NAME``). They live in ``training_certificate_ids``, beside the
certificate rows (those are bound to the audit log by their content hash and stay as issued).
:func:`verify_certificate` answers *valid*, *expired*, *revoked* or *unknown* for an id, without
sign-in (``ethicompass training verify ID``; ``/training/verify``); :func:`revoke_certificate`
withdraws one (audited), and the gate then no longer counts it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ethicompass._text import visible_text
from ethicompass._time import iso, utc_now
from ethicompass.errors import InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._server_tables import server_users
from ethicompass.store._training_tables import training_certificate_ids, training_certificates
from ethicompass.training._courses import get_course
from ethicompass.transparency import AuditLog, bind_ids, prior_digests

__all__ = [
    "VERIFY_STATES",
    "Verification",
    "format_verification_id",
    "new_verification_id",
    "normalise_verification_id",
    "record_identity_in",
    "revoke_certificate",
    "verify_certificate",
]

#: What :func:`verify_certificate` can answer.
VERIFY_STATES = ("valid", "expired", "revoked", "unknown")
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LENGTH = 26  # 128 bits in base32, without padding


def new_verification_id() -> str:
    """A fresh verification id: 128 random bits, base32 without padding (26 characters)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def format_verification_id(value: str, /) -> str:
    """The id as printed: groups of four characters joined by dashes."""
    return "-".join(value[i : i + 4] for i in range(0, len(value), 4))


def normalise_verification_id(value: str, /) -> str:
    """The stored form of an id as typed (dashes, spaces and case ignored); InputError when it cannot be one."""
    clean = "".join(value.split()).replace("-", "").upper()
    if len(clean) != _LENGTH or not set(clean) <= _ALPHABET:
        raise InputError(
            "that is not a certificate verification id (26 letters and digits 2-7, in groups of four)",
            hint="copy it from the certificate, for example ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ",
        )
    return clean


def record_identity_in(conn: sa.Connection, certificate_id: int, user_name: str, /) -> tuple[str, str | None]:
    """Give a certificate being issued in ``conn``'s transaction its verification id and holder name."""
    holder = conn.execute(
        sa.select(server_users.c.full_name).where(server_users.c.name == user_name)
    ).scalar()
    vid = new_verification_id()
    conn.execute(
        training_certificate_ids.insert().values(
            certificate_id=certificate_id, verification_id=vid, holder_name=holder
        )
    )
    return vid, holder


@dataclass(frozen=True)
class Verification:
    """The answer for one verification id: ``state`` is one of :data:`VERIFY_STATES`."""

    state: str
    verification_id: str
    holder_name: str | None = None
    course_id: str | None = None
    course_title: str | None = None
    issued_on: str | None = None
    expires_on: str | None = None
    revoked_at: str | None = None

    @property
    def valid(self) -> bool:
        """Whether the certificate is genuine, current and not revoked."""
        return self.state == "valid"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready answer (the holder's name only when the id is known: it is printed on the certificate)."""
        return {
            "state": self.state,
            "verification_id": format_verification_id(self.verification_id),
            "holder_name": self.holder_name,
            "course_id": self.course_id,
            "course_title": self.course_title,
            "issued_on": self.issued_on,
            "expires_on": self.expires_on,
            "revoked_at": self.revoked_at,
        }


def verify_certificate(
    store: Store, verification_id: str, /, *, at: date | datetime | str | None = None
) -> Verification:
    """Check the certificate printed with ``verification_id`` on ``at`` (default today, UTC)."""
    from ethicompass.training._records import as_date

    vid = normalise_verification_id(verification_id)
    ids, certs = training_certificate_ids.c, training_certificates.c
    query = (
        sa.select(
            ids.holder_name,
            ids.revoked_at,
            certs.user_name,
            certs.course_id,
            certs.issued_on,
            certs.expires_on,
        )
        .join(training_certificates, certs.id == ids.certificate_id)
        .where(ids.verification_id == vid)
    )
    with store.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return Verification("unknown", vid)
    on = as_date(at)
    if row.revoked_at is not None:
        state = "revoked"
    elif date.fromisoformat(row.issued_on) <= on <= date.fromisoformat(row.expires_on):
        state = "valid"
    else:
        state = "expired"
    try:
        title: str | None = get_course(row.course_id).title
    except NotFoundError:  # a course retired since: the id still verifies
        title = None
    return Verification(
        state,
        vid,
        row.holder_name or row.user_name,
        row.course_id,
        title,
        row.issued_on,
        row.expires_on,
        row.revoked_at,
    )


def revoke_certificate(store: Store, certificate_id: int, /, *, reason: str, actor: str, role: str) -> None:
    """Revoke a certificate (issued in error, obtained improperly): audited; the gate stops counting it."""
    why = visible_text(" ".join(reason.split()), where="reason", limit=1000, inner_spaces=True)
    with store.begin() as conn:
        prior = prior_digests(conn, training_certificate_ids, [certificate_id])
        done = conn.execute(
            training_certificate_ids.update()
            .where(
                training_certificate_ids.c.certificate_id == certificate_id,
                training_certificate_ids.c.revoked_at.is_(None),
            )
            .values(revoked_at=iso(utc_now()), revoked_reason=why)
        )
        if done.rowcount != 1:
            exists = conn.execute(
                sa.select(training_certificate_ids.c.revoked_at).where(
                    training_certificate_ids.c.certificate_id == certificate_id
                )
            ).first()
            if exists is None:
                raise NotFoundError(
                    f"no certificate {certificate_id}", hint="list them with `ethicompass training status`"
                )
            raise InputError(f"certificate {certificate_id} is already revoked", hint="nothing to do")
        # the revocation is bound to its entry, so `audit verify` finds it edited or undone
        hashes, bound = bind_ids(conn, training_certificate_ids, [certificate_id])
        AuditLog(store).append_in(
            conn,
            action="training.certificate.revoke",
            object_type="training_certificate",
            object_id=str(certificate_id),
            actor=actor,
            role=role,
            hashes={"reason": "sha256:" + hashlib.sha256(why.encode("utf-8")).hexdigest()} | hashes,
            params=bound | prior,
        )
