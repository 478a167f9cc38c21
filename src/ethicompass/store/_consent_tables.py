"""Tables of the consent registry: the known participants, append-only consent records, artefact
membership, withdrawal decisions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ethicompass.store._metadata import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

consent_records = Table(
    "consent_records",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("participant", String(128), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("decision", String(8), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("entered_at", String(32), nullable=False),
    Column("period_start", String(32), nullable=True),
    Column("period_end", String(32), nullable=True),
    Column("data_classes", Text, nullable=False, default="[]"),
    Column("actor", String(200), nullable=True),
    Column("document", String(256), nullable=True),
    Column("document_version", String(64), nullable=True),
    Column("recorded_by", String(200), nullable=False),
    Column("source", String(64), nullable=False),
    UniqueConstraint("participant", "purpose", "version", name="uq_consent_records_version"),
    Index("ix_consent_records_purpose", "purpose", "recorded_at"),
    # consent_0002: the decision in force is the latest effective time of (participant, purpose)
    Index("ix_consent_records_effective", "participant", "purpose", "recorded_at"),
)

# consent_0002: the participants the registry knows; a consent event for any other id is refused
consent_participants = Table(
    "consent_participants",
    metadata,
    Column("participant", String(128), primary_key=True),
    Column("registered_at", String(32), nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("source", String(64), nullable=False),
)

consent_artefact_members = Table(
    "consent_artefact_members",
    metadata,
    Column("artefact_id", String(256), primary_key=True),
    Column("participant", String(128), primary_key=True, index=True),
    Column("purpose", String(128), nullable=False),
)

consent_artefact_edges = Table(
    "consent_artefact_edges",
    metadata,
    Column("upstream", String(256), primary_key=True),
    Column("downstream", String(256), primary_key=True),
    Column("kind", String(64), nullable=False),
)

consent_withdrawal_decisions = Table(
    "consent_withdrawal_decisions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("consent_record_id", BigInteger, nullable=False, index=True),
    Column("artefact_id", String(256), nullable=False),
    Column("opened_at", String(32), nullable=False),
    Column("excluded_from_future_use", Integer, nullable=False, default=1),
    Column("action", String(16), nullable=True),
    Column("legal_basis", String(256), nullable=True),
    Column("note", Text, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", String(32), nullable=True),
)
