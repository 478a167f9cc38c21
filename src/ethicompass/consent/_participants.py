"""The participants the consent registry knows: registering them, and refusing every other id.

A consent event is stored only for a registered participant, so a typo, a look-alike
(``p0000003``, ``P0000003`` followed by a zero-width space) or an id from another study never
becomes a consent record that silently answers "withdrawn" for nobody.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ethicompass._time import iso, utc_now
from ethicompass.consent._model import normalise_participant
from ethicompass.errors import ColumnError, DatabaseError, UnknownParticipantError
from ethicompass.store import Store
from ethicompass.store._consent_tables import consent_participants

__all__ = [
    "ParticipantsSummary",
    "closest_participant",
    "known_participants",
    "read_participant_ids",
    "register_participants",
    "unknown_participant",
]

_CHUNK = 5000


@dataclass(frozen=True)
class ParticipantsSummary:
    """What registering a participant list did: ``added`` new ids, ``already`` known ones."""

    added: int
    already: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (no identifiers)."""
        return {"added": self.added, "already": self.already, "source": self.source}

    def to_frame(self) -> pl.DataFrame:
        """The counts as a one-row Polars frame."""
        return pl.DataFrame([self.to_dict()])


def known_participants(conn: Connection, ids: Iterable[str], /) -> set[str]:
    """The ids among ``ids`` that are registered (exact match after normalisation)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    column = consent_participants.c.participant
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(r[0] for r in conn.execute(sa.select(column).where(column.in_(chunk))))
    return found


def closest_participant(store: Store, participant: str, /) -> str | None:
    """The registered id most like ``participant`` (same letters in another case first), or None."""
    with store.connect() as conn:
        everyone = [r[0] for r in conn.execute(sa.select(consent_participants.c.participant))]
    folded = participant.casefold().strip()
    for known in everyone:
        if known.casefold() == folded:
            return known
    cleaned = "".join(ch for ch in folded if ch.isalnum())
    for known in everyone:
        if "".join(ch for ch in known.casefold() if ch.isalnum()) == cleaned:
            return known
    close = difflib.get_close_matches(participant, everyone, n=1, cutoff=0.8)
    return close[0] if close else None


def unknown_participant(
    store: Store, participant: str, /, *, where: str = "participant"
) -> UnknownParticipantError:
    """The error for an id the registry does not know, naming the closest known id when there is one."""
    near = closest_participant(store, participant)
    hint = (
        f"did you mean {near!r}? "
        if near
        else "register the study's participants first (`ethicompass consent participants import`); "
    )
    return UnknownParticipantError(
        f"{where} {participant!a} is not a participant the consent registry knows",
        hint=hint + "a consent event is stored only for a registered participant",
    )


def register_participants(
    store: Store,
    ids: Iterable[str],
    /,
    *,
    registered_by: str,
    source: str,
    role: str = "user",
    conn: Connection | None = None,
) -> ParticipantsSummary:
    """Register participant ids (each normalised and checked); already known ones are left as they are.

    Audited as ``consent.participants.register`` with the counts and a hash of the sorted new ids
    (never the ids). With ``conn``, runs inside the caller's transaction.
    """
    from ethicompass.transparency import AuditLog

    clean = sorted({normalise_participant(i) for i in ids})
    if conn is None:
        try:
            with store.begin() as own:
                return register_participants(
                    store, clean, registered_by=registered_by, source=source, role=role, conn=own
                )
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"could not register participants ({type(exc).__name__}); nothing was stored",
                hint="check the database is reachable and writable, then retry",
            ) from exc
    store.lock_table(conn, "consent_participants")
    already = known_participants(conn, clean)
    new = [i for i in clean if i not in already]
    now = iso(utc_now())
    for start in range(0, len(new), _CHUNK):
        conn.execute(
            consent_participants.insert(),
            [
                {"participant": i, "registered_at": now, "registered_by": registered_by, "source": source}
                for i in new[start : start + _CHUNK]
            ],
        )
    if new:
        digest = hashlib.sha256("\n".join(new).encode("utf-8")).hexdigest()
        AuditLog(store).append_in(
            conn,
            action="consent.participants.register",
            object_type="participant_list",
            object_id=f"register:{now}",
            actor=registered_by,
            role=role,
            hashes={"participants": "sha256:" + digest},
            params={"added": len(new), "already": len(already), "source": source},
        )
    return ParticipantsSummary(len(new), len(already), source)


def read_participant_ids(path: Any, /, *, column: str | None = None) -> list[str]:
    """The participant ids of a table (CSV, Parquet, JSONL): ``column``, else ``participant_id``.

    Every id is checked (an empty or look-alike one is an error naming its line).
    """
    from pathlib import Path

    from ethicompass.frames import load_table

    p = Path(path)
    frame = load_table(p)
    name = column or ("participant_id" if "participant_id" in frame.columns else None)
    if name is None or name not in frame.columns:
        raise ColumnError(
            f"column {column or 'participant_id'!r} not found in {p}",
            hint="name the column of participant ids with --column",
        )
    out = []
    for line, value in enumerate(frame[name].cast(pl.String).to_list(), start=2):
        out.append(normalise_participant(value or "", where=f"{p} line {line} {name}"))
    return out
