"""training: bind the verification ids, holder names and revocations of certificates to the audit log

``training_certificate_ids`` became a bound table (``transparency._bindings``): certificates issued,
imported or revoked from this release on bind its rows in their audit entries, so a revocation edited
or undone behind the log's back is found by ``ethicompass audit verify``. Rows stored before get one
baseline entry binding them as they are now: an edit made before the upgrade cannot be detected, any
edit after it can.

Revision ID: training_0003
Revises: training_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0003"
down_revision = "training_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ethicompass.store import Store
    from ethicompass.store._training_tables import training_certificate_ids
    from ethicompass.transparency import AuditEvent, AuditLog
    from ethicompass.transparency._bindings import binding

    conn = op.get_bind()
    table = training_certificate_ids
    rows = [r._mapping for r in conn.execute(sa.select(table).order_by(table.c.certificate_id))]
    if not rows:
        return  # a fresh database (or none issued yet): nothing to baseline
    if "audit_entries" not in sa.inspect(conn).get_table_names():  # rows but no log: cannot bind them
        raise RuntimeError(
            "training_0003 needs the audit log: run the audit branch first (`ethicompass db upgrade`)"
        )
    hashes, params = binding(table, rows)
    event = AuditEvent.from_mapping(
        {
            "action": "audit.bind.baseline",
            "object_type": "table",
            "object_id": table.name,
            "actor": "migration",
            "role": "system",
            "hashes": hashes,
            "params": params | {"rows": len(rows), "revision": revision},
        }
    )
    # the log's writer only needs the connection; the store is never opened here
    AuditLog(Store("sqlite://"))._insert(conn, [event])


def downgrade() -> None:
    pass
