"""consent: append-only records, artefact membership and edges, withdrawal decisions

Revision ID: consent_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "consent_0001"
down_revision = None
branch_labels = ("consent",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("participant", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("entered_at", sa.String(32), nullable=False),
        sa.Column("period_start", sa.String(32), nullable=True),
        sa.Column("period_end", sa.String(32), nullable=True),
        sa.Column("data_classes", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("document", sa.String(256), nullable=True),
        sa.Column("document_version", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.UniqueConstraint("participant", "purpose", "version", name="uq_consent_records_version"),
    )
    op.create_index("ix_consent_records_purpose", "consent_records", ["purpose", "recorded_at"])
    op.create_table(
        "consent_artefact_members",
        sa.Column("artefact_id", sa.String(256), primary_key=True),
        sa.Column("participant", sa.String(128), primary_key=True),
        sa.Column("purpose", sa.String(128), nullable=False),
    )
    op.create_index("ix_consent_artefact_members_participant", "consent_artefact_members", ["participant"])
    op.create_table(
        "consent_artefact_edges",
        sa.Column("upstream", sa.String(256), primary_key=True),
        sa.Column("downstream", sa.String(256), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
    )
    op.create_table(
        "consent_withdrawal_decisions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("consent_record_id", sa.BigInteger, nullable=False),
        sa.Column("artefact_id", sa.String(256), nullable=False),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("excluded_from_future_use", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=True),
        sa.Column("legal_basis", sa.String(256), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.String(32), nullable=True),
    )
    op.create_index(
        "ix_consent_withdrawal_decisions_consent_record_id",
        "consent_withdrawal_decisions",
        ["consent_record_id"],
    )


def downgrade() -> None:
    op.drop_table("consent_withdrawal_decisions")
    op.drop_table("consent_artefact_edges")
    op.drop_index("ix_consent_artefact_members_participant", table_name="consent_artefact_members")
    op.drop_table("consent_artefact_members")
    op.drop_index("ix_consent_records_purpose", table_name="consent_records")
    op.drop_table("consent_records")
