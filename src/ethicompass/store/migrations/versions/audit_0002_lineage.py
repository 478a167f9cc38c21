"""audit log: checkpoint public key and origin; lineage artefacts and edges

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.add_column(sa.Column("public_key", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(200), nullable=True))
    op.create_table(
        "lineage_artefacts",
        sa.Column("id", sa.String(400), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("content_hash", sa.String(160), nullable=False),
        sa.Column("code_version", sa.String(128), nullable=True),
        sa.Column("params_json", sa.Text, nullable=False),
        sa.Column("attributes_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_lineage_artefacts_kind", "lineage_artefacts", ["kind"])
    op.create_table(
        "lineage_edges",
        sa.Column("artefact_id", sa.String(400), primary_key=True),
        sa.Column("upstream_id", sa.String(400), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_lineage_edges_upstream_id", "lineage_edges", ["upstream_id"])


def downgrade() -> None:
    op.drop_index("ix_lineage_edges_upstream_id", table_name="lineage_edges")
    op.drop_table("lineage_edges")
    op.drop_index("ix_lineage_artefacts_kind", table_name="lineage_artefacts")
    op.drop_table("lineage_artefacts")
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("origin")
        batch.drop_column("public_key")
