"""training: quiz attempts and certificates

Revision ID: training_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0001"
down_revision = None
branch_labels = ("training",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "training_attempts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("submitted_at", sa.String(32), nullable=True),
        sa.Column("answers", sa.Text, nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
    )
    op.create_index("ix_training_attempts_user_name", "training_attempts", ["user_name"])
    op.create_table(
        "training_certificates",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("issued_on", sa.String(10), nullable=False),
        sa.Column("expires_on", sa.String(10), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("attempt_id", sa.BigInteger, nullable=True),
        sa.Column("provider", sa.String(200), nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("verified_by", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_training_certificates_user_name", "training_certificates", ["user_name"])


def downgrade() -> None:
    op.drop_index("ix_training_certificates_user_name", table_name="training_certificates")
    op.drop_table("training_certificates")
    op.drop_index("ix_training_attempts_user_name", table_name="training_attempts")
    op.drop_table("training_attempts")
