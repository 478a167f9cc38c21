"""audit log: bind the records stored before bindings existed (consent, certificates, sign-offs)

Every row of a bound table must be covered by an audit entry holding its content hash (see
``transparency._bindings``). Rows stored by earlier releases were audited without it, so this
migration appends one baseline entry per table that holds rows, binding them as they are now:
an edit made before the upgrade cannot be detected, any edit after it can.

Revision ID: audit_0003
Revises: audit_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0003"
down_revision = "audit_0002"
branch_labels = None
depends_on = None

#: The tables bound when this revision was written: a table added to BOUND_TABLES later gets its own.
_TABLES = ("consent_records", "training_certificates", "review_signoffs")


def upgrade() -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditEvent, AuditLog
    from ethicompass.transparency._bindings import BOUND_TABLES, binding

    conn = op.get_bind()
    present = set(sa.inspect(conn).get_table_names())
    items = []
    for table in BOUND_TABLES:
        if table.name not in _TABLES:  # bound later, with a baseline of their own (training_0003)
            continue
        if table.name not in present:  # a fresh database: that branch is not created yet, so it is empty
            continue
        rows = [r._mapping for r in conn.execute(sa.select(table).order_by(table.c.id))]
        if not rows:
            continue
        hashes, params = binding(table, rows)
        items.append(
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
    if items:
        # the log's writer only needs the connection; the store is never opened here
        AuditLog(Store("sqlite://"))._insert(conn, [AuditEvent.from_mapping(item) for item in items])


def downgrade() -> None:
    pass
