"""Bulk import of consent events under the registry's event rules, in one transaction.

The rules are those of :meth:`Registry.record`, applied to a batch: an event equal to one already
stored (or earlier in the batch) is a duplicate and is not stored; an event older than the latest
effective decision of its (participant, purpose) is stored as history and counted as superseded;
events of unknown participants are refused, skipped or registered as the caller asks. The audit
entry holds the Merkle root of the added records' content hashes and their ids.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ethicompass._time import iso, utc_now
from ethicompass.consent._model import (
    Action,
    ConsentRecord,
    check_effective,
    check_purpose,
    normalise_participant,
)
from ethicompass.consent._participants import closest_participant, known_participants, register_participants
from ethicompass.consent._rows import ImportSummary, insert_values, record_from_row
from ethicompass.errors import DatabaseError, InputError, UnknownParticipantError
from ethicompass.store._consent_tables import consent_records
from ethicompass.transparency import binding, default_actor

if TYPE_CHECKING:
    from ethicompass.consent._registry import Registry

__all__ = ["import_events"]

_CHUNK = 5000


class _Missing(Exception):
    def __init__(self, ids: list[str], events: int) -> None:
        super().__init__(len(ids))
        self.ids, self.events = ids, events


def _unknown_error(registry: Registry, missing: list[str], events: int) -> UnknownParticipantError:
    shown = ", ".join(ascii(m) for m in missing[:5])
    if len(missing) > 5:
        shown += f" and {len(missing) - 5} more"
    near = closest_participant(registry.store, missing[0])
    close = f"{missing[0]!a} looks like the known {near!a}; " if near else ""
    return UnknownParticipantError(
        f"{len(missing)} participant id(s) in the import are not known to the consent registry ({shown}; "
        f"{events} event(s)); nothing was stored",
        hint=f"{close}register the study's participants first (`ethicompass consent participants import "
        "patients.csv`), or import with --register-unknown to register these ids, or --skip-unknown to "
        "leave their events out",
    )


def import_events(
    registry: Registry,
    records: list[ConsentRecord],
    /,
    *,
    source: str,
    unknown: Literal["error", "skip", "register"] = "error",
) -> ImportSummary:
    """Store ``records`` under the event rules (see the module docstring); return the counts."""
    if unknown not in ("error", "skip", "register"):
        raise InputError(f"unknown={unknown!r} is not error, skip or register", hint="pick one of the three")
    items = []
    for r in records:
        check_purpose(r.purpose)
        check_effective(r)
        pid = normalise_participant(r.participant)
        items.append(r if pid == r.participant else replace(r, participant=pid))
    items.sort(key=lambda r: (r.participant, r.purpose, r.recorded_at))
    if not items:
        return ImportSummary(0, 0, {}, source)
    store = registry.store
    withdrawn = {r.participant for r in items if r.action is Action.withdraw}
    affected: dict[tuple[str, str], list[str]] = {}
    if withdrawn:
        from ethicompass.consent._withdrawal import affected_artefacts, members_among

        with_data = members_among(store, withdrawn)
        for r in items:
            if r.action is Action.withdraw and r.participant in with_data:
                found = affected_artefacts(store, r.participant, purpose=r.purpose)
                if found:
                    affected[(r.participant, r.purpose)] = found
    try:
        with store.begin(durable=bool(withdrawn)) as conn:
            store.lock_table(conn, "consent_records")
            ids = sorted({r.participant for r in items})
            known = known_participants(conn, ids)
            missing = [i for i in ids if i not in known]
            skipped = registered = 0
            if missing and unknown == "error":
                raise _Missing(missing, sum(r.participant not in known for r in items))
            if missing and unknown == "skip":
                skipped = sum(r.participant not in known for r in items)
                items = [r for r in items if r.participant in known]
            if missing and unknown == "register":
                registered = register_participants(
                    store,
                    missing,
                    registered_by=registry.actor or default_actor(),
                    source=f"import:{source}",
                    role=registry.role,
                    conn=conn,
                ).added
            c = consent_records.c
            last: dict[tuple[str, str], int] = {}
            latest: dict[tuple[str, str], str] = {}
            seen: set[tuple[str, str, str, str, str]] = set()
            wanted = sorted({r.participant for r in items})
            for start in range(0, len(wanted), _CHUNK):
                query = sa.select(c.participant, c.purpose, c.version, c.decision, c.recorded_at, c.source)
                for p, q, v, d, t, s in conn.execute(
                    query.where(c.participant.in_(wanted[start : start + _CHUNK]))
                ):
                    last[p, q] = max(last.get((p, q), 0), int(v))
                    latest[p, q] = max(latest.get((p, q), ""), t)
                    seen.add((p, q, d, t, s))
            entered = iso(utc_now())
            values = []
            duplicates = superseded = 0
            stored: list[ConsentRecord] = []
            for item in items:
                key = (item.participant, item.purpose)
                row = insert_values(item, last.get(key, 0) + 1, entered)
                signature = (item.participant, item.purpose, row["decision"], row["recorded_at"], item.source)
                if signature in seen:
                    duplicates += 1
                    continue
                seen.add(signature)
                if row["recorded_at"] < latest.get(key, ""):
                    superseded += 1
                latest[key] = max(latest.get(key, ""), row["recorded_at"])
                last[key] = row["version"]
                values.append(row)
                stored.append(item)
            insert = consent_records.insert().returning(consent_records.c.id, sort_by_parameter_order=True)
            for start in range(0, len(values), _CHUNK):
                chunk = values[start : start + _CHUNK]
                for row, new_id in zip(chunk, conn.execute(insert, chunk).scalars(), strict=True):
                    row["id"] = int(new_id)
            by_action: dict[str, int] = {}
            for item in stored:
                by_action[item.action.value] = by_action.get(item.action.value, 0) + 1
            summary = ImportSummary(
                len(values),
                len({r.participant for r in stored}),
                by_action,
                source,
                duplicates=duplicates,
                superseded=superseded,
                unknown=skipped,
                registered=registered,
            )
            if values:
                hashes, bound = binding(consent_records, values)
                registry._audit(
                    conn,
                    "consent.import",
                    f"import:{entered}",
                    summary.to_dict() | bound,
                    hashes,
                )
            new_withdrawals = {(r.participant, r.purpose) for r in stored if r.action is Action.withdraw}
            if affected:
                from ethicompass.consent._withdrawal import open_decisions

                for (participant, purpose), artefacts in affected.items():
                    if (participant, purpose) not in new_withdrawals:
                        continue
                    latest_withdrawal = conn.execute(
                        sa.select(consent_records)
                        .where(c.participant == participant, c.purpose == purpose, c.action == "withdraw")
                        .order_by(c.version.desc())
                        .limit(1)
                    ).one()
                    open_decisions(conn, record_from_row(latest_withdrawal), artefacts)
    except _Missing as missing_ids:  # named after the rollback, on a connection of its own
        raise _unknown_error(registry, missing_ids.ids, missing_ids.events) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"bulk consent import failed ({type(exc).__name__}); nothing was stored",
            hint="check the database is reachable and writable, then retry",
        ) from exc
    return summary
