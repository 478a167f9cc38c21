"""Withdrawal that reaches derived artefacts: membership, affected artefacts, one decision each.

A dataset built from participant data is registered with its participants and purpose
(:func:`register_members`); models and derived datasets are linked downstream of it
(:func:`link_artefacts`, and ``transparency.Lineage`` when it is installed). When a
participant withdraws a purpose, every artefact holding their data for it, and everything
downstream, gets an open :class:`WithdrawalDecision`: the data is excluded from future use at
once, and someone must decide, on a named legal basis, whether the artefact is retained,
retrained or erased. Open decisions are what :func:`unresolved_decisions` reports to the review.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ethicompass._time import iso, utc_now
from ethicompass.consent._model import ConsentRecord, check_purpose
from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._consent_tables import (
    consent_artefact_edges,
    consent_artefact_members,
    consent_records,
    consent_withdrawal_decisions,
)
from ethicompass.transparency import AuditLog, default_actor

#: Legal bases a decision commonly names (any non-empty text is accepted).
KNOWN_LEGAL_BASES: dict[str, str] = {
    "eu-ctr-art-28-3": "EU Clinical Trials Regulation 536/2014 Art. 28(3): data collected before "
    "withdrawal may still be used",
    "fda-2008-data-retention": "FDA guidance (2008), data retention when subjects withdraw from "
    "FDA-regulated clinical trials",
    "hipaa-164-508-b-5": "HIPAA 45 CFR 164.508(b)(5)(i): reliance on an authorisation before its revocation",
    "gdpr-art-17": "GDPR Art. 17: right to erasure",
    "gdpr-art-89": "GDPR Art. 89(1)-(2): safeguards and derogations for scientific research",
}


class DecisionAction(enum.StrEnum):
    """What happens to an artefact after a withdrawal (beyond excluding the data from future use)."""

    exclude = "exclude"
    retain = "retain"
    retrain = "retrain"
    erase = "erase"


@dataclass(frozen=True)
class WithdrawalDecision:
    """The decision about one artefact after one withdrawal; open until ``action`` is set.

    Holds no participant id: the withdrawal is named by its consent record id.
    """

    id: int
    artefact_id: str
    consent_record_id: int
    purpose: str
    opened_at: str
    excluded_from_future_use: bool
    action: str | None
    legal_basis: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None

    @property
    def resolved(self) -> bool:
        """Whether a decision was recorded."""
        return self.action is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with ``status`` ``open`` or ``decided``."""
        data = asdict(self)
        data["status"] = "decided" if self.resolved else "open"
        return data

    def to_frame(self) -> pl.DataFrame:
        """The decision as a one-row Polars frame."""
        return pl.DataFrame([self.to_dict()])


def register_members(
    store: Store,
    artefact_id: str,
    participants: Iterable[str],
    /,
    *,
    purpose: str,
    conn: Connection | None = None,
) -> int:
    """Record that ``artefact_id`` holds data of ``participants`` used for ``purpose``; return how many new.

    With ``conn``, in the caller's transaction (with the artefact's registration and audit entry).
    """
    check_purpose(purpose)
    if not artefact_id:
        raise InputError("artefact id is empty", hint="pass the lineage id or content hash of the dataset")
    people = sorted({p for p in participants if p is not None})
    if conn is None:
        with store.begin() as own:
            return register_members(store, artefact_id, people, purpose=purpose, conn=own)
    have = {
        r[0]
        for r in conn.execute(
            sa.select(consent_artefact_members.c.participant).where(
                consent_artefact_members.c.artefact_id == artefact_id
            )
        )
    }
    rows = [
        {"artefact_id": artefact_id, "participant": p, "purpose": purpose} for p in people if p not in have
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(consent_artefact_members.insert(), rows[start : start + 5000])
    return len(rows)


def link_artefacts(store: Store, upstream: str, downstream: str, /, *, kind: str = "derived") -> None:
    """Record that ``downstream`` (a model, a derived dataset) was built from ``upstream``."""
    with store.begin() as conn:
        exists = conn.execute(
            sa.select(consent_artefact_edges.c.kind).where(
                consent_artefact_edges.c.upstream == upstream,
                consent_artefact_edges.c.downstream == downstream,
            )
        ).first()
        if exists is None:
            conn.execute(
                consent_artefact_edges.insert().values(upstream=upstream, downstream=downstream, kind=kind)
            )


def _lineage_downstream(store: Store, artefact_id: str) -> list[str]:
    try:
        from ethicompass.transparency import Lineage  # type: ignore[attr-defined]
    except ImportError:
        return []
    try:
        return [str(a.id) for a in Lineage(store).downstream(artefact_id)]
    except Exception:  # an id the lineage does not know (registered here only)
        return []


def affected_artefacts(store: Store, participant: str, /, *, purpose: str | None = None) -> list[str]:
    """Every artefact holding the participant's data (for ``purpose``), and everything downstream."""
    query = sa.select(consent_artefact_members.c.artefact_id).where(
        consent_artefact_members.c.participant == participant
    )
    if purpose is not None:
        query = query.where(consent_artefact_members.c.purpose == purpose)
    with store.connect() as conn:
        direct = [r[0] for r in conn.execute(query)]
        edges = conn.execute(
            sa.select(consent_artefact_edges.c.upstream, consent_artefact_edges.c.downstream)
        ).all()
    children: dict[str, list[str]] = {}
    for up, down in edges:
        children.setdefault(up, []).append(down)
    seen: list[str] = []
    todo = list(direct)
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        todo.extend(children.get(current, []))
        todo.extend(_lineage_downstream(store, current))
    return seen


def members_among(store: Store, participants: Iterable[str], /) -> set[str]:
    """Which of ``participants`` belong to any registered artefact."""
    people = list(participants)
    found: set[str] = set()
    with store.connect() as conn:
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            found |= {
                r[0]
                for r in conn.execute(
                    sa.select(consent_artefact_members.c.participant)
                    .where(consent_artefact_members.c.participant.in_(chunk))
                    .distinct()
                )
            }
    return found


def open_decisions(conn: Connection, record: ConsentRecord, artefacts: Iterable[str], /) -> None:
    """Open one decision per artefact for a stored withdrawal (inside the caller's transaction)."""
    now = iso(utc_now())
    rows = [
        {
            "consent_record_id": record.id,
            "artefact_id": artefact,
            "opened_at": now,
            "excluded_from_future_use": 1,
        }
        for artefact in artefacts
    ]
    if rows:
        conn.execute(consent_withdrawal_decisions.insert(), rows)


def _query() -> sa.Select[Any]:
    d = consent_withdrawal_decisions
    return sa.select(d, consent_records.c.purpose).join(
        consent_records, consent_records.c.id == d.c.consent_record_id
    )


def _decision(row: Any) -> WithdrawalDecision:
    return WithdrawalDecision(
        id=int(row.id),
        artefact_id=row.artefact_id,
        consent_record_id=int(row.consent_record_id),
        purpose=row.purpose,
        opened_at=row.opened_at,
        excluded_from_future_use=bool(row.excluded_from_future_use),
        action=row.action,
        legal_basis=row.legal_basis,
        note=row.note,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def decisions(store: Store, /, *, consent_record_id: int | None = None) -> list[WithdrawalDecision]:
    """Every withdrawal decision (of one withdrawal), oldest first."""
    query = _query()
    if consent_record_id is not None:
        query = query.where(consent_withdrawal_decisions.c.consent_record_id == consent_record_id)
    with store.connect() as conn:
        rows = conn.execute(query.order_by(consent_withdrawal_decisions.c.id)).all()
    return [_decision(r) for r in rows]


def unresolved_decisions(store: Store, /) -> list[WithdrawalDecision]:
    """Withdrawal decisions still open: what the ethics review reports as unresolved."""
    query = _query().where(consent_withdrawal_decisions.c.action.is_(None))
    with store.connect() as conn:
        rows = conn.execute(query.order_by(consent_withdrawal_decisions.c.id)).all()
    return [_decision(r) for r in rows]


def decide(
    store: Store,
    decision_id: int,
    /,
    *,
    action: DecisionAction | str,
    legal_basis: str,
    note: str | None = None,
    decided_by: str | None = None,
    role: str = "user",
) -> WithdrawalDecision:
    """Record what happens to an artefact after a withdrawal, on a named legal basis.

    The data stays excluded from future use whatever is decided. A decision is final: deciding
    again is a :class:`ConflictError`.
    """
    try:
        chosen = DecisionAction(action)
    except ValueError as exc:
        raise InputError(
            f"decision {action!r} is not one of {', '.join(a.value for a in DecisionAction)}",
            hint="retain under a named basis, retrain without the data, erase, or exclude only",
        ) from exc
    if not legal_basis or not legal_basis.strip():
        raise InputError(
            "a withdrawal decision needs its legal basis",
            hint=f"name it, e.g. one of {', '.join(KNOWN_LEGAL_BASES)}",
        )
    d = consent_withdrawal_decisions
    with store.begin() as conn:
        # an id outside the 64-bit column range exists nowhere (and would overflow the driver)
        in_range = 1 <= decision_id <= 2**63 - 1
        row = conn.execute(sa.select(d.c.action).where(d.c.id == decision_id)).first() if in_range else None
        if row is None:
            raise NotFoundError(
                f"withdrawal decision {decision_id} does not exist",
                hint="list them with `ethicompass consent decisions`",
            )
        if row.action is not None:
            raise ConflictError(
                f"withdrawal decision {decision_id} was already decided ({row.action})",
                hint="decisions are final; record a note on a new artefact if the situation changed",
            )
        who = decided_by or default_actor()
        conn.execute(
            d.update()
            .where(d.c.id == decision_id)
            .values(
                action=chosen.value,
                legal_basis=legal_basis.strip(),
                note=note,
                decided_by=who,
                decided_at=iso(utc_now()),
            )
        )
        AuditLog(store).append_in(
            conn,
            action="consent.withdrawal-decision",
            object_type="withdrawal_decision",
            object_id=str(decision_id),
            actor=who,
            role=role,
            params={"action": chosen.value, "legal_basis": legal_basis.strip()},
        )
        result = conn.execute(_query().where(d.c.id == decision_id)).one()
    return _decision(result)
