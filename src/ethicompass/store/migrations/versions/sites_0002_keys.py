"""sites: site keys pinned in advance (``site_keys``); the keys of uploads already stored become registered

A database that already holds site uploads keeps accepting them: the signing key of every stored upload
is registered for its site (``source`` ``migration``), exactly the key the old first-upload rule had
fixed. Their fingerprints show in ``ethicompass site-keys list``; an administrator who did not check
them out of band revokes any that are wrong.

Revision ID: sites_0002
Revises: sites_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "sites_0002"
down_revision = "sites_0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _public_key(content: str) -> str | None:
    """The base64 public key of a stored upload, or None when its text does not hold one."""
    try:
        signature = json.loads(content)["signature"]
        public = str(signature["public_key"])
        raw = base64.b64decode(public, validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return public if hashlib.sha256(raw).hexdigest() == signature.get("key_id") else None


def upgrade() -> None:
    keys = op.create_table(
        "site_keys",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
        sa.UniqueConstraint("site", "key_id", name="uq_site_keys_site_key"),
    )
    assert keys is not None
    op.create_index("ix_site_keys_site", "site_keys", ["site"])
    conn = op.get_bind()
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    found: dict[tuple[str, str], str] = {}
    for site, key_id, content in conn.execute(
        sa.text("SELECT site, key_id, content FROM site_uploads ORDER BY id")
    ):
        if (site, key_id) not in found:
            public = _public_key(content)
            if public is not None:
                found[(site, key_id)] = public
    if found:
        op.bulk_insert(
            keys,
            [
                {
                    "site": site,
                    "key_id": key_id,
                    "public_key": public,
                    "source": "migration",
                    "registered_by": "migration sites_0002",
                    "registered_at": now,
                }
                for (site, key_id), public in sorted(found.items())
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_site_keys_site", table_name="site_keys")
    op.drop_table("site_keys")
