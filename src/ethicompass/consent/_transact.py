"""The write transaction of consent changes: retried when concurrent versions collide, all or nothing.

:func:`transact` runs the writes of one change, or of several (``Registry.withdraw_all``), with their
audit entries and artefact decisions in one transaction; :func:`affected_by` reads, before it, the
artefacts a withdrawal reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ethicompass.consent._model import Action, ConsentRecord
from ethicompass.consent._participants import unknown_participant
from ethicompass.consent._rows import MEMBER
from ethicompass.errors import ConflictError, DatabaseError
from ethicompass.store import Store

_RETRIES = 30
_W = TypeVar("_W")


class Unknown(Exception):
    """Raised inside a write transaction for an unregistered id, so the transaction rolls back."""


def transact(store: Store, work: Callable[[Connection], _W], /, *, participant: str, durable: bool) -> _W:
    """Run ``work`` in one transaction (synced to disk when ``durable``), retried when concurrent
    versions collide; everything ``work`` wrote commits, or nothing does."""
    for attempt in range(_RETRIES):
        try:
            with store.begin(durable=durable) as conn:
                return work(conn)
        except Unknown:
            raise unknown_participant(store, participant) from None
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise ConflictError(
                    "concurrent consent changes kept colliding", hint="retry the change"
                ) from None
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"could not store the consent change ({type(exc).__name__}); nothing was changed",
                hint="check the database is reachable and writable, then retry",
            ) from exc
    raise AssertionError("unreachable")


def affected_by(store: Store, record: ConsentRecord, /) -> list[str]:
    """The artefacts a withdrawal reaches (none for other actions), read before its transaction."""
    # most participants belong to no artefact: one indexed probe spares the lineage walk
    if record.action is not Action.withdraw or not MEMBER.one(
        store, participant=record.participant, purpose=record.purpose
    ):
        return []
    from ethicompass.consent._withdrawal import affected_artefacts

    return affected_artefacts(store, record.participant, purpose=record.purpose)
