"""training: an unguessable verification id, the holder's name and revocation per certificate

Certificates issued before this revision get a fresh random verification id each (their rows in
``training_certificates`` are untouched, so their audit-log bindings still hold).

Revision ID: training_0002
Revises: training_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import base64
import secrets

import sqlalchemy as sa
from alembic import op

revision = "training_0002"
down_revision = "training_0001"
branch_labels = None
depends_on = None


def _new_id() -> str:
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def upgrade() -> None:
    ids = op.create_table(
        "training_certificate_ids",
        sa.Column("certificate_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("verification_id", sa.String(32), nullable=False, unique=True),
        sa.Column("holder_name", sa.String(200), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
        sa.Column("revoked_reason", sa.Text, nullable=True),
    )
    assert ids is not None
    conn = op.get_bind()
    existing = conn.execute(sa.text("SELECT id FROM training_certificates ORDER BY id")).scalars().all()
    if existing:
        op.bulk_insert(ids, [{"certificate_id": int(i), "verification_id": _new_id()} for i in existing])


def downgrade() -> None:
    op.drop_table("training_certificate_ids")
