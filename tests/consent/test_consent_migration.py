"""A registry made by the previous release migrates without losing history, and is bound afterwards.

The previous release's schema is every branch at its old head (consent_0001, audit_0002, ...); its
consent records were audited without their content hash. After ``Store.open()`` migrates: every
participant with a record is registered, every version is still there with the same decision,
``audit verify`` passes (a baseline entry binds the old rows), and an edit after the upgrade is
caught.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ethicompass.consent import Registry
from ethicompass.consent._rows import COLUMNS
from ethicompass.store import Store
from ethicompass.store._engine import _alembic_config
from ethicompass.transparency import AuditLog

OLD_HEADS = ("audit_0002", "consent_0001", "training_0001", "review_0001", "server_0001", "privacy_0001")


def _old_release_registry(url: str) -> None:
    store = Store(url)
    store.open(migrate=False)
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for head in OLD_HEADS:
            command.upgrade(cfg, head)
    rows = [
        ("P0000001", "ai-model-training", 1, "grant", "permit", "2021-03-27T00:00:00.000000Z"),
        ("P0000001", "ai-model-training", 2, "withdraw", "deny", "2024-05-01T10:00:00.000000Z"),
        ("P0000002", "recontact", 1, "refuse", "deny", "2022-01-02T00:00:00.000000Z"),
    ]
    log = AuditLog(store)
    with store.begin() as conn:
        for participant, purpose, version, action, decision, at in rows:
            values = dict.fromkeys(COLUMNS) | {
                "participant": participant,
                "purpose": purpose,
                "version": version,
                "action": action,
                "decision": decision,
                "recorded_at": at,
                "entered_at": at,
                "data_classes": "[]",
                "recorded_by": "old-release",
                "source": "csv",
            }
            new_id = conn.execute(
                sa.text("SELECT coalesce(max(id), 0) + 1 FROM consent_records")
            ).scalar_one()
            conn.execute(
                sa.text(
                    f"INSERT INTO consent_records (id, {', '.join(COLUMNS)}) "
                    f"VALUES (:id, {', '.join(':' + c for c in COLUMNS)})"
                ),
                values | {"id": new_id},
            )
            # the old release's entry: id, purpose and version, no content hash
            log.append_in(
                conn,
                action=f"consent.{action}",
                object_type="consent_record",
                object_id=str(new_id),
                params={"purpose": purpose, "version": version, "source": "csv"},
            )
    store.dispose()


def test_previous_release_registry_migrates_with_its_history(database_url: str) -> None:
    _old_release_registry(database_url)
    store = Store(database_url).open()
    try:
        assert store.current_revisions() == Store.head_revisions()
        reg = Registry(store)
        assert reg.participants() == ["P0000001", "P0000002"]
        history = reg.history("P0000001")
        assert [(r.version, r.action.value) for r in history] == [(1, "grant"), (2, "withdraw")]
        assert reg.status("P0000001", "ai-model-training").reason == "withdrawn"
        assert reg.status("P0000002", "recontact").reason == "refused"
        result = AuditLog(store).verify()
        assert result.ok, result.problem
        baseline = AuditLog(store).entries(action="audit.bind.baseline")
        assert [e.object_id for e in baseline] == ["consent_records"]
        with store.begin() as conn:
            conn.execute(
                sa.text("UPDATE consent_records SET action = 'grant', decision = 'permit' WHERE version = 2")
            )
        after = AuditLog(store).verify()
        assert not after.ok and after.records[0].problem == "changed"
        # the registry keeps working under the new rules
        reg.grant("P0000002", "recontact", recorded_at="2021-01-01")  # older than the refusal: history
        assert reg.status("P0000002", "recontact").reason == "refused"
    finally:
        store.dispose()
