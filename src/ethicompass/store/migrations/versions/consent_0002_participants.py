"""consent: the registry's participant list (filled from the records already stored); an index on effective time

Revision ID: consent_0002
Revises: consent_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "consent_0002"
down_revision = "consent_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_participants",
        sa.Column("participant", sa.String(128), primary_key=True),
        sa.Column("registered_at", sa.String(32), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_consent_records_effective", "consent_records", ["participant", "purpose", "recorded_at"]
    )
    # every participant with a stored record was known to the registry that stored it
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    op.execute(
        sa.text(
            "INSERT INTO consent_participants (participant, registered_at, registered_by, source) "
            "SELECT DISTINCT participant, :now, 'migration', 'consent_records' FROM consent_records"
        ).bindparams(now=now)
    )


def downgrade() -> None:
    op.drop_index("ix_consent_records_effective", table_name="consent_records")
    op.drop_table("consent_participants")
