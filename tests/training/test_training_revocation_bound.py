"""Revocations are bound to the audit log: ``training_certificate_ids`` edited, undone, deleted or
inserted behind the log's back fails ``audit verify``, on SQLite and PostgreSQL (issue 22, item 2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from ethicompass.training import certificates, load_courses, record_certificate, revoke_certificate
from ethicompass.transparency import AuditLog


def _two_certificates_one_revoked(store: Any) -> tuple[int, int]:
    course = load_courses()[0].id
    for user in ("ana", "ben"):
        record_certificate(store, user, course, completed=date(2026, 1, 5), verified_by="registrar")
    kept, revoked = (c.id for c in certificates(store))
    revoke_certificate(store, revoked, reason="issued in error", actor="test", role="admin")
    return kept, revoked


def _findings(store: Any) -> list[tuple[str, str, tuple[int, ...]]]:
    result = AuditLog(store).verify()
    return [] if result.ok else [(r.table, r.problem, r.record_ids) for r in result.records]


def test_issue_and_revocation_verify(store: Any) -> None:
    _two_certificates_one_revoked(store)
    assert _findings(store) == []
    revoke = [e for e in AuditLog(store).entries() if e.action == "training.certificate.revoke"]
    assert "rows:training_certificate_ids" in revoke[0].hashes


TAMPERING = {
    "undo the revocation": (
        "UPDATE training_certificate_ids SET revoked_at = NULL WHERE certificate_id = :r",
        "r",
    ),
    "backdate the revocation": (
        "UPDATE training_certificate_ids SET revoked_at = '2020-01-01T00:00:00.000000Z' WHERE certificate_id = :r",
        "r",
    ),
    "revoke silently": (
        "UPDATE training_certificate_ids SET revoked_at = '2026-02-01T00:00:00.000000Z', "
        "revoked_reason = 'x' WHERE certificate_id = :k",
        "k",
    ),
    "rename the holder": (
        "UPDATE training_certificate_ids SET holder_name = 'Eve' WHERE certificate_id = :k",
        "k",
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_revocation_changed_behind_the_log_fails_verify(store: Any, how: str) -> None:
    kept, revoked = _two_certificates_one_revoked(store)
    sql, which = TAMPERING[how]
    target = {"k": kept, "r": revoked}[which]
    with store.begin() as conn:
        conn.execute(sa.text(sql), {"k": kept, "r": revoked})
    findings = _findings(store)
    assert findings and {(t, p) for t, p, _ in findings} == {("training_certificate_ids", "changed")}
    assert all(target in ids for _, _, ids in findings)


def test_a_deleted_verification_id_fails_verify(store: Any) -> None:
    kept, _ = _two_certificates_one_revoked(store)
    with store.begin() as conn:
        conn.execute(sa.text("DELETE FROM training_certificate_ids WHERE certificate_id = :k"), {"k": kept})
    assert ("training_certificate_ids", "deleted", (kept,)) in _findings(store)
