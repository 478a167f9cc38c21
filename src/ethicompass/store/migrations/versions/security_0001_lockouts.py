"""security: sign-in lockouts kept in the database (they survive a restart and are shared by workers)

Revision ID: security_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "security_0001"
down_revision = None
branch_labels = ("security",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_lockouts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.String(32), nullable=True),
        sa.Column("last_failure_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_security_lockouts_last_failure_at", "security_lockouts", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_security_lockouts_last_failure_at", table_name="security_lockouts")
    op.drop_table("security_lockouts")
