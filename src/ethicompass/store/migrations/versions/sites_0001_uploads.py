"""sites: site file uploads and the federated reviews run from them

Revision ID: sites_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sites_0001"
down_revision = None
branch_labels = ("sites",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "site_uploads",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(300), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("manifest_hash", sa.String(80), nullable=False),
        sa.Column("policy_hash", sa.String(80), nullable=False),
        sa.Column("policy_name", sa.String(300), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("file_hash", sa.String(80), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.String(32), nullable=False),
        sa.Column("replaced_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_site_uploads_study", "site_uploads", ["study"])
    op.create_table(
        "site_reviews",
        sa.Column("review_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("study", sa.String(300), nullable=False),
        sa.Column("detail_json", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("site_reviews")
    op.drop_index("ix_site_uploads_study", table_name="site_uploads")
    op.drop_table("site_uploads")
