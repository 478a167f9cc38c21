"""``consent.Registry``: the append-only consent registry over the state database.

(``ImportSummary`` and ``statuses_from_events`` live in ``_rows`` and are re-exported here; bulk
imports in ``_import``; the participant list in ``_participants``.)

Consent changes are events. Each has the time the person decided (``recorded_at``, the
*effective* time) and the time the registry stored it (``entered_at``). The decision in force is
the one with the latest effective time, a deny winning a tie; so an old event that arrives late
(a re-imported file, a backdated change) is kept as history and never undoes a later decision,
and a withdrawal is undone only by a later grant. An event equal to one already stored
(participant, purpose, decision, effective time, source) is not stored again. Events are stored
only for registered participants. Each stored record's content hash goes into its audit entry,
so ``audit verify`` finds a record changed behind the log's back.

Every change is a new version of (participant, purpose); nothing is updated or deleted.
Writers of one participant are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock on the participant).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ethicompass._time import iso, to_utc, utc_now
from ethicompass.consent._model import (
    STANDARD_PURPOSES,
    Action,
    ConsentRecord,
    ConsentStatus,
    Period,
    check_effective,
    check_purpose,
    normalise_participant,
    reason_for,
)
from ethicompass.consent._participants import (
    ParticipantsSummary,
    register_participants,
    unknown_participant,
)
from ethicompass.consent._rows import (
    COLUMNS,
    DUPLICATE,
    INSERT,
    KNOWN,
    LAST_VERSION,
    STATUS,
    ImportSummary,
    insert_values,
    lock_key,
    record_from_row,
    statuses_from_events,
)
from ethicompass.consent._transact import Unknown, affected_by, transact
from ethicompass.store import Store
from ethicompass.store._consent_tables import consent_participants, consent_records
from ethicompass.transparency import AuditLog, binding, default_actor

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["ImportSummary", "Registry", "record_from_row", "statuses_from_events"]


class Registry:
    """Consent per participant and purpose, versioned and append-only, over a :class:`Store`.

    ``register_participants`` adds ids to the participant list; ``grant``/``refuse``/``withdraw``
    add a version; ``status(participant, purpose, at=..., known_at=...)`` answers what the person
    had decided at ``at`` (as the registry knew it at ``known_at``); ``history`` lists every version;
    ``import_records`` loads many at once, idempotently. Every write appends its audit entry (no
    participant id: the record id, purpose, version and content hash) in the same transaction, as
    ``actor`` with ``role``. The constructor only stores its arguments.

    Parameters
    ----------
    store : Store
        An open state store.
    actor : str, optional
        Who makes the changes; ``role`` is recorded with it in the audit entries.

    Examples
    --------
    >>> from ethicompass.store import Store
    >>> registry = Registry(Store("sqlite://").open(), actor="data-manager")
    >>> registry.register_participants(["P-001"]).added
    1
    >>> registry.grant("P-001", "research").version, registry.withdraw("P-001", "research").version
    (1, 2)
    >>> status = registry.status("P-001", "research")
    >>> status.decision.value, status.reason
    ('deny', 'withdrawn')
    >>> registry.store.dispose()
    """

    def __init__(self, store: Store, *, actor: str | None = None, role: str = "user") -> None:
        self.store = store
        self.actor = actor
        self.role = role

    def _audit(
        self,
        conn: Connection,
        action: str,
        object_id: str,
        params: dict[str, Any],
        hashes: dict[str, str] | None = None,
    ) -> None:
        AuditLog(self.store).append_in(
            conn,
            action=action,
            object_type="consent_record",
            object_id=object_id,
            actor=self.actor or default_actor(),
            role=self.role,
            hashes=hashes,
            params=params,
        )

    # ------------------------------------------------------------------ participants
    def register_participants(self, ids: Iterable[str], /, *, source: str = "api") -> ParticipantsSummary:
        """Register participant ids (normalised, look-alikes refused); known ones are left alone."""
        return register_participants(
            self.store, ids, registered_by=self.actor or default_actor(), source=source, role=self.role
        )

    def is_known(self, participant: str, /) -> bool:
        """Whether ``participant`` (normalised) is a registered participant."""
        return KNOWN.one(self.store, participant=normalise_participant(participant)) is not None

    def participants(self) -> list[str]:
        """Every registered participant id, sorted."""
        column = consent_participants.c.participant
        with self.store.connect() as conn:
            return [r[0] for r in conn.execute(sa.select(column).order_by(column))]

    # ------------------------------------------------------------------ writes
    def record(self, record: ConsentRecord, /, *, stamp_now: bool = False) -> ConsentRecord:
        """Store ``record`` as the next version of its (participant, purpose); return it as stored.

        The participant must be registered (else :class:`UnknownParticipantError` naming the
        closest known id). An event equal to one already stored is not stored again: the stored
        one is returned. An event older than the decision in force is stored as history (it never
        becomes current). If the action is a withdrawal, a decision is opened for every derived
        artefact that holds the participant's data for that purpose (see
        :func:`consent.affected_artefacts`). With ``stamp_now`` the effective time is taken inside
        the write transaction, so versions and times of concurrent changes agree in order.
        """
        record = replace(record, participant=normalise_participant(record.participant))
        check_purpose(record.purpose)
        if not stamp_now:
            check_effective(record)
        affected = affected_by(self.store, record)
        # an acknowledged withdrawal must survive a power loss too: sync its commit to disk
        return transact(
            self.store,
            lambda conn: self._write(conn, record, affected, stamp_now=stamp_now),
            participant=record.participant,
            durable=record.action is Action.withdraw,
        )

    def _write(
        self, conn: Connection, record: ConsentRecord, affected: list[str], *, stamp_now: bool
    ) -> ConsentRecord:
        """Store one event, its audit entry and its artefact decisions in the caller's transaction."""
        stored, values, superseded = self._insert_next(conn, record, stamp_now=stamp_now)
        if values is None:
            return stored  # the same event again: nothing to do
        hashes, bound = binding(consent_records, [values])
        self._audit(
            conn,
            f"consent.{stored.action.value}",
            str(stored.id),
            {
                "purpose": stored.purpose,
                "version": stored.version,
                "source": stored.source,
                "superseded_on_arrival": superseded,
                "artefacts_affected": len(affected),
            }
            | bound,
            hashes,
        )
        if affected:
            from ethicompass.consent._withdrawal import open_decisions

            open_decisions(conn, stored, affected)
        return stored

    def _insert_next(
        self, conn: Connection, record: ConsentRecord, *, stamp_now: bool = False
    ) -> tuple[ConsentRecord, dict[str, Any] | None, bool]:
        """Insert under the participant's lock: (stored record, its row values or None, superseded?)."""
        # The hot path of every change runs its statements on the driver's cursor (store.FastQuery):
        # building and compiling them through SQLAlchemy each time cost ten times running them.
        self.store.advisory_lock(conn, lock_key(record.participant))
        entered = utc_now()
        if stamp_now:  # taken under the participant's lock: times follow versions across processes
            record = replace(record, recorded_at=entered)
        values = insert_values(record, 0, iso(entered))
        if KNOWN.one_in(conn, participant=record.participant) is None:
            raise Unknown
        if not stamp_now:
            key = {k: values[k] for k in ("participant", "purpose", "decision", "recorded_at", "source")}
            same = DUPLICATE.one_in(conn, **key)
            if same is not None:
                row = conn.execute(sa.select(consent_records).where(consent_records.c.id == same[0])).one()
                return record_from_row(row), None, False
        last, latest = LAST_VERSION.one_in(conn, participant=record.participant, purpose=record.purpose) or (
            None,
            None,
        )
        values["version"] = version = 1 if last is None else int(last) + 1
        inserted = INSERT.one_in(conn, **{c: values[c] for c in COLUMNS})
        assert inserted is not None  # RETURNING gives the new row's id
        key_id = inserted[0]
        values["id"] = int(key_id)
        superseded = latest is not None and values["recorded_at"] < latest
        stored = replace(record, version=version, entered_at=entered, id=int(key_id))
        return stored, values, superseded

    def _change(
        self, participant: str, purpose: str, action: Action, *, recorded_at: datetime | str | None, **kw: Any
    ) -> ConsentRecord:
        event = self._event(participant, purpose, action, recorded_at=recorded_at, **kw)
        return self.record(event, stamp_now=recorded_at is None)

    def _event(
        self,
        participant: str,
        purpose: str,
        action: Action,
        *,
        recorded_by: str | None,
        source: str,
        recorded_at: datetime | str | None = None,
        period: Period | None = None,
        data_classes: Sequence[str] = (),
        actor: str | None = None,
        document: str | None = None,
        document_version: str | None = None,
    ) -> ConsentRecord:
        return ConsentRecord(
            participant=normalise_participant(participant),
            purpose=check_purpose(purpose),
            action=action,
            recorded_at=to_utc(recorded_at, field_name="recorded_at") if recorded_at else utc_now(),
            period=period or Period(),
            data_classes=tuple(data_classes),
            actor=actor,
            document=document,
            document_version=document_version,
            recorded_by=recorded_by or self.actor or default_actor(),
            source=source,
        )

    def grant(
        self,
        participant: str,
        purpose: str,
        /,
        *,
        recorded_at: datetime | str | None = None,
        period: Period | None = None,
        data_classes: Sequence[str] = (),
        actor: str | None = None,
        document: str | None = None,
        document_version: str | None = None,
        recorded_by: str | None = None,
        source: str = "api",
    ) -> ConsentRecord:
        """Record that ``participant`` permits ``purpose`` (a new version)."""
        return self._change(
            participant,
            purpose,
            Action.grant,
            recorded_at=recorded_at,
            period=period,
            data_classes=data_classes,
            actor=actor,
            document=document,
            document_version=document_version,
            recorded_by=recorded_by,
            source=source,
        )

    def refuse(
        self,
        participant: str,
        purpose: str,
        /,
        *,
        recorded_at: datetime | str | None = None,
        document: str | None = None,
        document_version: str | None = None,
        recorded_by: str | None = None,
        source: str = "api",
    ) -> ConsentRecord:
        """Record that ``participant`` refuses ``purpose`` (a new version, decision deny)."""
        return self._change(
            participant,
            purpose,
            Action.refuse,
            recorded_at=recorded_at,
            document=document,
            document_version=document_version,
            recorded_by=recorded_by,
            source=source,
        )

    def withdraw(
        self,
        participant: str,
        purpose: str,
        /,
        *,
        recorded_at: datetime | str | None = None,
        recorded_by: str | None = None,
        source: str = "api",
    ) -> ConsentRecord:
        """Record that ``participant`` withdraws ``purpose``; opens decisions for affected artefacts."""
        return self._change(
            participant,
            purpose,
            Action.withdraw,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            source=source,
        )

    def withdraw_all(
        self, participant: str, /, *, recorded_by: str | None = None, source: str = "api"
    ) -> list[ConsentRecord]:
        """Withdraw every purpose the participant currently permits; return the new versions.

        One transaction, synced to disk once: every withdrawal, its audit entry and its artefact
        decisions are stored, or none is.
        """
        pid = normalise_participant(participant)
        events = [
            self._event(pid, status.purpose, Action.withdraw, recorded_by=recorded_by, source=source)
            for status in self.statuses(pid)
            if status.decision.value == "permit"
        ]
        if not events:
            return []
        affected = [affected_by(self.store, event) for event in events]
        return transact(
            self.store,
            lambda conn: [
                self._write(conn, e, a, stamp_now=True) for e, a in zip(events, affected, strict=True)
            ],
            participant=pid,
            durable=True,
        )

    def import_records(
        self,
        records: Iterable[ConsentRecord],
        /,
        *,
        source: str = "csv",
        unknown: Literal["error", "skip", "register"] = "error",
    ) -> ImportSummary:
        """Store many events in one transaction, idempotently (see :func:`consent._import.import_events`).

        Events equal to stored ones are counted as ``duplicates`` and not stored again; events older
        than the decision in force are stored as history and counted as ``superseded``. Events of
        ids the registry does not know: ``unknown="error"`` (the default) stores nothing and raises
        :class:`UnknownParticipantError`; ``"skip"`` stores the rest and counts them; ``"register"``
        registers the ids first. Withdrawals open artefact decisions as :meth:`record` does.
        """
        from ethicompass.consent._import import import_events

        return import_events(self, list(records), source=source, unknown=unknown)

    # ------------------------------------------------------------------ reads
    def _known(self, participant: str) -> str:
        pid = normalise_participant(participant)
        if not self.is_known(pid):
            raise unknown_participant(self.store, pid)
        return pid

    def status(
        self,
        participant: str,
        purpose: str,
        /,
        *,
        at: datetime | str | None = None,
        known_at: datetime | str | None = None,
    ) -> ConsentStatus:
        """The decision in force for (participant, purpose) at ``at`` (default now).

        That is the event with the latest effective time at or before ``at`` (a deny wins a tie).
        With ``known_at``, only events the registry had stored by then count: "what did we know
        then" rather than "what had the person decided then".
        """
        check_purpose(purpose)
        pid = normalise_participant(participant)
        when = to_utc(at, field_name="at") if at is not None else utc_now()
        params = {"participant": pid, "purpose": purpose, "at": iso(when)}
        if known_at is not None:
            params["known_at"] = iso(to_utc(known_at, field_name="known_at"))
        row = STATUS[known_at is not None].one(self.store, **params)
        record = None
        if row is None:
            self._known(pid)
        else:
            version, action, recorded_at, period_start, period_end = row
            record = ConsentRecord(
                pid,
                purpose,
                Action(action),
                to_utc(recorded_at),
                version=int(version),
                period=Period(
                    to_utc(period_start) if period_start else None, to_utc(period_end) if period_end else None
                ),
            )
        decision, reason = reason_for(record, when)
        return ConsentStatus(
            participant=pid,
            purpose=purpose,
            decision=decision,
            since=record.recorded_at if record else None,
            version=record.version if record else None,
            reason=reason,
        )

    def purposes(self, participant: str | None = None, /) -> list[str]:
        """The standard purposes followed by every custom purpose recorded (for one participant)."""
        query = sa.select(consent_records.c.purpose).distinct()
        if participant is not None:
            query = query.where(consent_records.c.participant == self._known(participant))
        with self.store.connect() as conn:
            found = {r[0] for r in conn.execute(query)}
        return list(STANDARD_PURPOSES) + sorted(found - set(STANDARD_PURPOSES))

    def statuses(self, participant: str, /, *, at: datetime | str | None = None) -> list[ConsentStatus]:
        """The status of every purpose (standard and recorded custom ones) for one participant."""
        return [self.status(participant, p, at=at) for p in self.purposes(participant)]

    def history(self, participant: str, /, *, purpose: str | None = None) -> list[ConsentRecord]:
        """Every stored version for the participant (one purpose or all), by effective time."""
        query = sa.select(consent_records).where(consent_records.c.participant == self._known(participant))
        if purpose is not None:
            query = query.where(consent_records.c.purpose == check_purpose(purpose))
        order = (consent_records.c.recorded_at, consent_records.c.purpose, consent_records.c.version)
        with self.store.connect() as conn:
            rows = conn.execute(query.order_by(*order)).all()
        return [record_from_row(r) for r in rows]

    def records(self, *, purpose: str | None = None) -> list[ConsentRecord]:
        """Every stored record (optionally of one purpose), by participant, purpose and version."""
        query = sa.select(consent_records)
        if purpose is not None:
            query = query.where(consent_records.c.purpose == check_purpose(purpose))
        order = (consent_records.c.participant, consent_records.c.purpose, consent_records.c.version)
        with self.store.connect() as conn:
            rows = conn.execute(query.order_by(*order)).all()
        return [record_from_row(r) for r in rows]

    def status_table(
        self, purpose: str, /, *, at: datetime | str | None = None, known_at: datetime | str | None = None
    ) -> pl.DataFrame:
        """Every participant's status for ``purpose`` at ``at``: the table :func:`consent.enforce` joins.

        Columns: ``participant``, ``decision`` (``permit``/``deny``), ``reason``, ``version``.
        A participant with no record is absent (enforce drops them as ``no-consent-record``).
        ``known_at`` as in :meth:`status`.
        """
        check_purpose(purpose)
        when = to_utc(at, field_name="at") if at is not None else utc_now()
        c = consent_records.c
        query = sa.select(
            c.participant, c.version, c.action, c.recorded_at, c.period_start, c.period_end
        ).where(c.purpose == purpose, c.recorded_at <= iso(when))
        if known_at is not None:
            query = query.where(c.entered_at <= iso(to_utc(known_at, field_name="known_at")))
        with self.store.connect() as conn:
            rows = conn.execute(query).all()
        names = ("participant", "version", "action", "recorded_at", "period_start", "period_end")
        schema = {n: pl.Int64 if n == "version" else pl.String for n in names}
        raw = pl.DataFrame(rows, schema=schema, orient="row")
        return statuses_from_events(raw, at=iso(when))
