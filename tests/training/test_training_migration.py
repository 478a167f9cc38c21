"""training_0002 and server_0003 upgrade a database that already holds certificates and users.

The previous release's schema (training_0001, server_0002) with a user and two bound certificates:
after ``Store.open()`` migrates, each old certificate has its own unguessable verification id that
verifies, users have the new (empty) password and full-name columns, the certificate rows are as
they were (``audit verify`` still passes: their bindings hold), and new certificates print the
holder's full name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ethicompass.store import Store
from ethicompass.store._engine import _alembic_config
from ethicompass.store._training_tables import training_certificates
from ethicompass.training import certificates, revoke_certificate, verify_certificate
from ethicompass.training._certificates import VERIFY_STATES
from ethicompass.transparency import AuditLog
from ethicompass.transparency._bindings import bind_ids

OLD_HEADS = ("audit_0003", "consent_0002", "training_0001", "review_0001", "server_0002", "privacy_0001")


def _old_release(url: str) -> None:
    store = Store(url)
    store.open(migrate=False)
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for head in OLD_HEADS:
            command.upgrade(cfg, head)
    with store.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO server_users (name, role, participant, created_at) "
                "VALUES ('olga', 'data_manager', NULL, '2025-01-01T00:00:00Z')"
            )
        )
        for cid, course in ((1, "privacy-security"), (2, "fairness")):
            conn.execute(
                sa.text(
                    "INSERT INTO training_certificates (id, user_name, course_id, issued_on, expires_on, source, "
                    "recorded_at) VALUES (:id, 'olga', :course, '2025-01-01', '2099-01-01', 'import', "
                    "'2025-01-01T00:00:00Z')"
                ),
                {"id": cid, "course": course},
            )
        hashes, bound = bind_ids(conn, training_certificates, [1, 2])  # as that release bound them
        AuditLog(store).append_in(
            conn,
            action="training.certificate.import",
            object_type="training_certificate",
            object_id="old-release",
            actor="old-release",
            role="staff",
            hashes=hashes,
            params=bound,
        )
    store.dispose()


def test_old_certificates_get_verification_ids_and_stay_bound(database_url: str) -> None:
    _old_release(database_url)
    store = Store(database_url).open()
    try:
        assert store.current_revisions() == Store.head_revisions()
        old = certificates(store, user="olga")
        assert [c.id for c in old] == [1, 2]
        ids = [c.verification_id for c in old]
        assert all(v is not None and len(v) == 26 for v in ids) and len(set(ids)) == 2
        result = AuditLog(store).verify()
        assert result.ok, result.problem
        found = verify_certificate(store, str(ids[0]).lower(), at="2026-12-07")
        assert found.state == "valid" and found.holder_name == "olga" and found.state in VERIFY_STATES
        with store.connect() as conn:
            row = conn.execute(
                sa.text("SELECT password_hash, full_name FROM server_users WHERE name = 'olga'")
            ).one()
        assert tuple(row) == (None, None)
        revoke_certificate(store, 2, reason="issued in error", actor="test", role="admin")
        assert verify_certificate(store, str(ids[1])).state == "revoked"
        assert [c.id for c in certificates(store, user="olga")] == [1]
        assert AuditLog(store).verify().ok
    finally:
        store.dispose()


def test_training_0003_binds_the_old_verification_ids_so_an_edited_revocation_is_found(
    database_url: str,
) -> None:
    _old_release(database_url)
    store = Store(database_url).open()
    try:
        baseline = [e for e in AuditLog(store).entries() if e.action == "audit.bind.baseline"]
        assert [e.object_id for e in baseline] == ["training_certificate_ids"]
        assert AuditLog(store).verify().ok
        with store.begin() as conn:
            conn.execute(
                sa.text("UPDATE training_certificate_ids SET revoked_at = '2026-01-01T00:00:00.000000Z'")
            )
        result = AuditLog(store).verify()
        assert not result.ok
        assert [(r.table, r.problem) for r in result.records] == [("training_certificate_ids", "changed")]
    finally:
        store.dispose()
