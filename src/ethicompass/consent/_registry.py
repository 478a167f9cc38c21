"""``consent.Registry``: the append-only consent registry over the state database.

(``ImportSummary`` and ``statuses_from_events`` live in ``_rows`` and are re-exported here.)

Every change is a new version of (participant, purpose); nothing is updated or deleted.
Writers of one participant are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock on the participant), so concurrent changes all land, each
with its own version, and the latest is well defined.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ethicompass.consent._fastsql import query_one
from ethicompass.consent._model import (
    STANDARD_PURPOSES,
    Action,
    ConsentRecord,
    ConsentStatus,
    Period,
    check_participant,
    check_purpose,
    iso,
    reason_for,
    to_utc,
    utc_now,
)
from ethicompass.consent._rows import (
    COLUMNS,
    INSERT_SQL,
    LAST_VERSION_SQL,
    MEMBER_SQL,
    STATUS_SQL,
    ImportSummary,
    insert_values,
    lock_key,
    record_from_row,
    statuses_from_events,
)
from ethicompass.errors import ConflictError, DatabaseError
from ethicompass.store import Store
from ethicompass.store._consent_tables import consent_records
from ethicompass.transparency import AuditLog, default_actor

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["ImportSummary", "Registry", "record_from_row", "statuses_from_events"]

_RETRIES = 30


class Registry:
    """Consent per participant and purpose, versioned and append-only, over a :class:`Store`.

    ``grant``/``refuse``/``withdraw`` add a version; ``status(participant, purpose, at=...)``
    answers as of any time; ``history`` lists every version; ``import_records`` and
    ``import_records`` load many at once. Every write appends its audit entry (no participant
    id: the record id, purpose and version) in the same transaction, as ``actor`` with ``role``.
    The constructor only stores its arguments.
    """

    def __init__(self, store: Store, *, actor: str | None = None, role: str = "user") -> None:
        self.store = store
        self.actor = actor
        self.role = role

    def _audit(self, conn: Connection, action: str, object_id: str, params: dict[str, Any]) -> None:
        AuditLog(self.store).append_in(
            conn,
            action=action,
            object_type="consent_record",
            object_id=object_id,
            actor=self.actor or default_actor(),
            role=self.role,
            params=params,
        )

    # ------------------------------------------------------------------ writes
    def record(self, record: ConsentRecord, /, *, stamp_now: bool = False) -> ConsentRecord:
        """Append ``record`` as the next version of its (participant, purpose); return it stored.

        If the action is a withdrawal, a decision is opened for every derived artefact that
        holds the participant's data for that purpose (see :func:`consent.affected_artefacts`).
        With ``stamp_now`` the record's time is taken inside the write transaction, so versions
        and times of concurrent changes to one participant agree in order.
        """
        check_participant(record.participant)
        check_purpose(record.purpose)
        affected: list[str] = []
        # most participants belong to no artefact: one indexed probe spares the lineage walk
        if record.action is Action.withdraw and query_one(
            self.store, MEMBER_SQL, (record.participant, record.purpose)
        ):
            from ethicompass.consent._withdrawal import affected_artefacts

            affected = affected_artefacts(self.store, record.participant, purpose=record.purpose)
        for attempt in range(_RETRIES):
            try:
                # an acknowledged withdrawal must survive a power loss too: sync its commit to disk
                with self.store.begin(durable=record.action is Action.withdraw) as conn:
                    stored = self._insert_next(conn, record, stamp_now=stamp_now)
                    self._audit(
                        conn,
                        f"consent.{stored.action.value}",
                        str(stored.id),
                        {
                            "purpose": stored.purpose,
                            "version": stored.version,
                            "source": stored.source,
                            "artefacts_affected": len(affected),
                        },
                    )
                    if affected:
                        from ethicompass.consent._withdrawal import open_decisions

                        open_decisions(conn, stored, affected)
                return stored
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

    def _insert_next(
        self, conn: Connection, record: ConsentRecord, *, stamp_now: bool = False
    ) -> ConsentRecord:
        # The hot path of every change speaks to the driver directly (as the audit log does):
        # building, caching and compiling these two statements through SQLAlchemy cost ten times
        # running them.
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(record.participant)})
        entered = utc_now()
        if stamp_now:  # taken under the participant's lock: times follow versions across processes
            record = replace(record, recorded_at=entered)
        values = insert_values(record, 0, iso(entered))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(LAST_VERSION_SQL[postgres], (record.participant, record.purpose))
            last = cursor.fetchone()[0]  # type: ignore[index]
            values["version"] = version = 1 if last is None else int(last) + 1
            cursor.execute(INSERT_SQL[postgres], tuple(values[c] for c in COLUMNS))
            key = cursor.fetchone()[0] if postgres else cursor.lastrowid  # type: ignore[index]
        except conn.dialect.dbapi.IntegrityError as exc:  # type: ignore[union-attr]
            raise IntegrityError("INSERT INTO consent_records", None, exc) from exc
        except conn.dialect.dbapi.Error as exc:  # type: ignore[union-attr]
            raise sa.exc.DBAPIError("consent_records", None, exc) from exc
        finally:
            cursor.close()
        return replace(record, version=version, entered_at=entered, id=int(key) if key is not None else None)

    def _change(
        self,
        participant: str,
        purpose: str,
        action: Action,
        *,
        recorded_at: datetime | str | None,
        recorded_by: str | None,
        source: str,
        period: Period | None = None,
        data_classes: Sequence[str] = (),
        actor: str | None = None,
        document: str | None = None,
        document_version: str | None = None,
    ) -> ConsentRecord:
        return self.record(
            ConsentRecord(
                participant=check_participant(participant),
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
            ),
            stamp_now=recorded_at is None,
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
        """Withdraw every purpose the participant currently permits; return the new versions."""
        done = []
        for status in self.statuses(participant):
            if status.decision.value == "permit":
                done.append(
                    self.withdraw(participant, status.purpose, recorded_by=recorded_by, source=source)
                )
        return done

    def import_records(self, records: Iterable[ConsentRecord], /, *, source: str = "csv") -> ImportSummary:
        """Append many records in one transaction, in ``recorded_at`` order per (participant, purpose).

        Versions continue after any already stored. Withdrawals open artefact decisions as
        :meth:`record` does.
        """
        items = sorted(records, key=lambda r: (r.participant, r.purpose, r.recorded_at))
        for item in items:
            check_purpose(item.purpose)
        if not items:
            return ImportSummary(0, 0, {}, source)
        withdrawn = [r for r in items if r.action is Action.withdraw]
        affected: dict[tuple[str, str], list[str]] = {}
        if withdrawn:
            from ethicompass.consent._withdrawal import affected_artefacts, members_among

            with_data = members_among(self.store, {r.participant for r in withdrawn})
            for r in withdrawn:
                if r.participant not in with_data:
                    continue
                found = affected_artefacts(self.store, r.participant, purpose=r.purpose)
                if found:
                    affected[(r.participant, r.purpose)] = found
        try:
            with self.store.begin(durable=bool(withdrawn)) as conn:
                self.store.lock_table(conn, "consent_records")
                rows = conn.execute(
                    sa.select(
                        consent_records.c.participant,
                        consent_records.c.purpose,
                        sa.func.max(consent_records.c.version),
                    ).group_by(consent_records.c.participant, consent_records.c.purpose)
                ).all()
                last = {(p, q): int(v) for p, q, v in rows}
                entered = iso(utc_now())
                values = []
                for item in items:
                    key = (item.participant, item.purpose)
                    last[key] = last.get(key, 0) + 1
                    values.append(insert_values(item, last[key], entered))
                for start in range(0, len(values), 5000):
                    conn.execute(consent_records.insert(), values[start : start + 5000])
                counts: dict[str, int] = {}
                for item in items:
                    counts[item.action.value] = counts.get(item.action.value, 0) + 1
                self._audit(
                    conn,
                    "consent.import",
                    f"import:{entered}",
                    {"records": len(items), "by_action": counts, "source": source},
                )
                if affected:
                    from ethicompass.consent._withdrawal import open_decisions

                    for (participant, purpose), artefacts in affected.items():
                        row = conn.execute(
                            sa.select(consent_records)
                            .where(
                                consent_records.c.participant == participant,
                                consent_records.c.purpose == purpose,
                                consent_records.c.action == "withdraw",
                            )
                            .order_by(consent_records.c.version.desc())
                            .limit(1)
                        ).one()
                        open_decisions(conn, record_from_row(row), artefacts)
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"bulk consent import failed ({type(exc).__name__}); nothing was stored",
                hint="check the database is reachable and writable, then retry",
            ) from exc
        by_action: dict[str, int] = {}
        for item in items:
            by_action[item.action.value] = by_action.get(item.action.value, 0) + 1
        return ImportSummary(len(items), len({r.participant for r in items}), by_action, source)

    # ------------------------------------------------------------------ reads
    def status(self, participant: str, purpose: str, /, *, at: datetime | str | None = None) -> ConsentStatus:
        """The consent in force for (participant, purpose) at ``at`` (default now)."""
        check_purpose(purpose)
        when = to_utc(at, field_name="at") if at is not None else utc_now()
        sql = STATUS_SQL[self.store.engine.dialect.name]
        row = query_one(self.store, sql, (participant, purpose, iso(when)))
        record = None
        if row is not None:
            version, action, recorded_at, period_start, period_end = row
            record = ConsentRecord(
                participant,
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
            participant=participant,
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
            query = query.where(consent_records.c.participant == participant)
        with self.store.connect() as conn:
            found = {r[0] for r in conn.execute(query)}
        return list(STANDARD_PURPOSES) + sorted(found - set(STANDARD_PURPOSES))

    def statuses(self, participant: str, /, *, at: datetime | str | None = None) -> list[ConsentStatus]:
        """The status of every purpose (standard and recorded custom ones) for one participant."""
        return [self.status(participant, p, at=at) for p in self.purposes(participant)]

    def history(self, participant: str, /, *, purpose: str | None = None) -> list[ConsentRecord]:
        """Every stored version for the participant (one purpose or all), oldest first."""
        query = sa.select(consent_records).where(consent_records.c.participant == participant)
        if purpose is not None:
            query = query.where(consent_records.c.purpose == check_purpose(purpose))
        with self.store.connect() as conn:
            rows = conn.execute(
                query.order_by(
                    consent_records.c.recorded_at, consent_records.c.purpose, consent_records.c.version
                )
            ).all()
        return [record_from_row(r) for r in rows]

    def records(self, *, purpose: str | None = None) -> list[ConsentRecord]:
        """Every stored record (optionally of one purpose), by participant, purpose and version."""
        query = sa.select(consent_records)
        if purpose is not None:
            query = query.where(consent_records.c.purpose == check_purpose(purpose))
        with self.store.connect() as conn:
            rows = conn.execute(
                query.order_by(
                    consent_records.c.participant, consent_records.c.purpose, consent_records.c.version
                )
            ).all()
        return [record_from_row(r) for r in rows]

    def status_table(self, purpose: str, /, *, at: datetime | str | None = None) -> pl.DataFrame:
        """Every participant's status for ``purpose`` at ``at``: the table :func:`consent.enforce` joins.

        Columns: ``participant``, ``decision`` (``permit``/``deny``), ``reason``, ``version``.
        A participant with no record is absent (enforce drops them as ``no-consent-record``).
        """
        check_purpose(purpose)
        when = to_utc(at, field_name="at") if at is not None else utc_now()
        query = sa.select(
            consent_records.c.participant,
            consent_records.c.version,
            consent_records.c.action,
            consent_records.c.period_start,
            consent_records.c.period_end,
        ).where(consent_records.c.purpose == purpose, consent_records.c.recorded_at <= iso(when))
        with self.store.connect() as conn:
            rows = conn.execute(query).all()
        raw = pl.DataFrame(
            rows,
            schema={
                "participant": pl.String,
                "version": pl.Int64,
                "action": pl.String,
                "period_start": pl.String,
                "period_end": pl.String,
            },
            orient="row",
        )
        return statuses_from_events(raw, at=iso(when))
