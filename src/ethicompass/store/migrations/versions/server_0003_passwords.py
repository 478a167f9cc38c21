"""server: staff passwords (argon2id) and the person's full name

Revision ID: server_0003
Revises: server_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0003"
down_revision = "server_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop a column in place on downgrade
    with op.batch_alter_table("server_users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(256), nullable=True))
        batch.add_column(sa.Column("password_set_at", sa.String(32), nullable=True))
        batch.add_column(sa.Column("full_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("server_users") as batch:
        batch.drop_column("full_name")
        batch.drop_column("password_set_at")
        batch.drop_column("password_hash")
