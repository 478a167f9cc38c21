"""privacy: differential-privacy budgets and their ledger

Revision ID: privacy_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "privacy_0001"
down_revision = None
branch_labels = ("privacy",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_dp_budgets",
        sa.Column("dataset", sa.String(256), primary_key=True),
        sa.Column("epsilon_total", sa.Float, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "privacy_dp_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(256), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("query", sa.String(32), nullable=False),
        sa.Column("column_name", sa.String(200), nullable=True),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("mechanism", sa.String(200), nullable=False),
    )
    op.create_index("ix_privacy_dp_ledger_dataset", "privacy_dp_ledger", ["dataset"])


def downgrade() -> None:
    op.drop_index("ix_privacy_dp_ledger_dataset", table_name="privacy_dp_ledger")
    op.drop_table("privacy_dp_ledger")
    op.drop_table("privacy_dp_budgets")
