"""Rows of ``consent_records``: to and from :class:`ConsentRecord`, the statements of the registry's
hot path (``store.FastQuery``: Core on the store's tables, run on the driver's cursor), import
counts, and the pure Polars reduction of events to statuses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa

from ethicompass.consent._model import Action, ConsentRecord, Period, iso, to_utc
from ethicompass.store import FastQuery
from ethicompass.store._consent_tables import consent_artefact_members, consent_participants, consent_records

COLUMNS = (
    "participant",
    "purpose",
    "version",
    "action",
    "decision",
    "recorded_at",
    "entered_at",
    "period_start",
    "period_end",
    "data_classes",
    "actor",
    "document",
    "document_version",
    "recorded_by",
    "source",
)
_pid: sa.BindParameter[str] = sa.bindparam("participant")
_purpose: sa.BindParameter[str] = sa.bindparam("purpose")
_r, _p, _m = consent_records.c, consent_participants.c, consent_artefact_members.c
KNOWN = FastQuery(sa.select(sa.literal(1)).where(_p.participant == _pid), name="consent participant lookup")
LAST_VERSION = FastQuery(
    sa.select(sa.func.max(_r.version), sa.func.max(_r.recorded_at)).where(
        _r.participant == _pid, _r.purpose == _purpose
    ),
    name="consent last version",
)
DUPLICATE = FastQuery(
    sa.select(_r.id)
    .where(
        _r.participant == _pid,
        _r.purpose == _purpose,
        _r.decision == sa.bindparam("decision"),
        _r.recorded_at == sa.bindparam("recorded_at"),
        _r.source == sa.bindparam("source"),
    )
    .limit(1),
    name="consent duplicate lookup",
)
#: The new row's id comes back with RETURNING (PostgreSQL; SQLite since 3.35).
INSERT = FastQuery(
    consent_records.insert().values({c: sa.bindparam(c) for c in COLUMNS}).returning(_r.id),
    name="INSERT INTO consent_records",
)
MEMBER = FastQuery(
    sa.select(sa.literal(1)).where(_m.participant == _pid, _m.purpose == _purpose).limit(1),
    name="consent artefact membership",
)
# The decision in force at a time is the one with the latest *effective* time (when the person
# decided) at or before it; a deny wins a tie (fail closed), then the later version. With
# ``known`` only what had been entered by then counts ("what did we know at that time").
# One range of the (participant, purpose, recorded_at) index; ties are ordered among a handful of rows.
_STATUS = (
    sa.select(_r.version, _r.action, _r.recorded_at, _r.period_start, _r.period_end)
    .where(_r.participant == _pid, _r.purpose == _purpose, _r.recorded_at <= sa.bindparam("at"))
    .order_by(_r.recorded_at.desc(), sa.case((_r.decision == "deny", 0), else_=1), _r.version.desc())
    .limit(1)
)
#: indexed by "with ``known_at``"
STATUS = (
    FastQuery(_STATUS, name="consent status"),
    FastQuery(_STATUS.where(_r.entered_at <= sa.bindparam("known_at")), name="consent status known then"),
)


@dataclass(frozen=True)
class ImportSummary:
    """What a bulk import did, in counts (never identifiers).

    ``records`` events were stored for ``participants`` participants (``by_action`` splits them);
    ``duplicates`` were equal to an event already stored (participant, purpose, decision, effective
    time, source) and were not stored again; ``superseded`` were stored as history because a later
    decision was already in force for their purpose; ``unknown`` events named ids the registry does
    not know and were skipped; ``registered`` new participants were registered on the way.
    """

    records: int
    participants: int
    by_action: dict[str, int] = field(default_factory=dict)
    source: str = "csv"
    duplicates: int = 0
    superseded: int = 0
    unknown: int = 0
    registered: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (no identifiers)."""
        return {
            "records": self.records,
            "participants": self.participants,
            "by_action": dict(self.by_action),
            "source": self.source,
            "duplicates": self.duplicates,
            "superseded": self.superseded,
            "unknown": self.unknown,
            "registered": self.registered,
        }

    def to_frame(self) -> pl.DataFrame:
        """Counts by action as a Polars frame."""
        return pl.DataFrame(
            {"action": list(self.by_action), "records": list(self.by_action.values())},
            schema={"action": pl.String, "records": pl.Int64},
        )


def lock_key(participant: str) -> int:
    """The PostgreSQL advisory-lock key that serialises writers of one participant."""
    return int.from_bytes(hashlib.sha256(participant.encode()).digest()[:8], "big", signed=True)


def record_from_row(row: Any) -> ConsentRecord:
    """A stored ``consent_records`` row as a :class:`ConsentRecord`."""
    return ConsentRecord(
        id=int(row.id),
        participant=row.participant,
        purpose=row.purpose,
        version=int(row.version),
        action=Action(row.action),
        recorded_at=to_utc(row.recorded_at),
        entered_at=to_utc(row.entered_at),
        period=Period(
            to_utc(row.period_start) if row.period_start else None,
            to_utc(row.period_end) if row.period_end else None,
        ),
        data_classes=tuple(json.loads(row.data_classes or "[]")),
        actor=row.actor,
        document=row.document,
        document_version=row.document_version,
        recorded_by=row.recorded_by,
        source=row.source,
    )


def insert_values(record: ConsentRecord, version: int, entered: str) -> dict[str, Any]:
    """The ``consent_records`` row for ``record`` as version ``version``, entered at ``entered`` (ISO)."""
    return {
        "participant": record.participant,
        "purpose": record.purpose,
        "version": version,
        "action": record.action.value,
        "decision": record.decision.value,
        "recorded_at": iso(record.recorded_at),
        "entered_at": entered,
        "period_start": iso(record.period.start) if record.period.start else None,
        "period_end": iso(record.period.end) if record.period.end else None,
        "data_classes": json.dumps(list(record.data_classes)) if record.data_classes else "[]",
        "actor": record.actor,
        "document": record.document,
        "document_version": record.document_version,
        "recorded_by": record.recorded_by,
        "source": record.source,
    }


def statuses_from_events(events: pl.DataFrame, /, *, at: str) -> pl.DataFrame:
    """Reduce consent events (participant, version, action, period_start, period_end) to the status at ``at``.

    The event in force is the one with the latest effective time (``recorded_at``, when the person
    decided); a deny wins a tie, then the higher version. Without a ``recorded_at`` column the
    latest version wins. ``at`` is a fixed-width ISO UTC time (see :func:`iso`). Pure Polars, so it
    also runs on a consents table read from a file.
    """
    order = ["version"]
    if "recorded_at" in events.columns:
        deny_last = pl.when(pl.col("action") == "grant").then(0).otherwise(1).alias("__deny")
        events = events.filter(pl.col("recorded_at") <= at).with_columns(deny_last)
        order = ["recorded_at", "__deny", "version"]
    latest = events.sort(order).group_by("participant", maintain_order=False).last()
    reason = (
        pl.when(pl.col("action") == "refuse")
        .then(pl.lit("refused"))
        .when(pl.col("action") == "withdraw")
        .then(pl.lit("withdrawn"))
        .when(pl.col("period_start").is_not_null() & (pl.col("period_start") > at))
        .then(pl.lit("not-yet-valid"))
        .when(pl.col("period_end").is_not_null() & (pl.col("period_end") < at))
        .then(pl.lit("expired"))
        .otherwise(pl.lit("granted"))
    )
    return latest.select(
        "participant",
        pl.when(reason == "granted").then(pl.lit("permit")).otherwise(pl.lit("deny")).alias("decision"),
        reason.alias("reason"),
        "version",
    )
