"""review: stored reviews and sign-offs

Revision ID: review_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = ("review",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "review_reports",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(300), nullable=False),
        sa.Column("generated_at", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("policy_name", sa.String(300), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("report_html", sa.Text, nullable=False),
        sa.Column("report_hash", sa.String(80), nullable=False),
        sa.Column("html_hash", sa.String(80), nullable=False),
        sa.Column("pdf_hash", sa.String(80), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_review_reports_study", "review_reports", ["study"])
    op.create_table(
        "review_signoffs",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("review_id", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_review_signoffs_review_id", "review_signoffs", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_review_signoffs_review_id", table_name="review_signoffs")
    op.drop_table("review_signoffs")
    op.drop_index("ix_review_reports_study", table_name="review_reports")
    op.drop_table("review_reports")
