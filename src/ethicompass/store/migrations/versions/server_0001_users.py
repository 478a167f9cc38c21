"""server: users, argon2-hashed API tokens, one-time portal access codes

Revision ID: server_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0001"
down_revision = None
branch_labels = ("server",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "server_users",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("participant", sa.String(128), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_server_users_participant", "server_users", ["participant"])
    op.create_table(
        "server_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("secret_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_server_tokens_user_id", "server_tokens", ["user_id"])
    op.create_table(
        "server_access_codes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("participant", sa.String(128), nullable=False),
        sa.Column("code_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("used_at", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("server_access_codes")
    op.drop_index("ix_server_tokens_user_id", table_name="server_tokens")
    op.drop_table("server_tokens")
    op.drop_index("ix_server_users_participant", table_name="server_users")
    op.drop_table("server_users")
