"""server: server-side sign-in sessions (revoked at logout and with their token)

Revision ID: server_0002
Revises: server_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0002"
down_revision = "server_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("token_id", sa.String(32), nullable=True),
        sa.Column("participant", sa.String(128), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_server_sessions_token_id", "server_sessions", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_server_sessions_token_id", table_name="server_sessions")
    op.drop_table("server_sessions")
