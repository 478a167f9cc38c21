"""``consent enforce --register-as`` writes the dataset, its participants and the audit entries in one
transaction, before the output appears: a failed ``consent.enforce`` entry leaves none of them (issue 22)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from ethicompass.store import Store
from ethicompass.store._consent_tables import consent_artefact_members
from ethicompass.transparency import AuditLog, Lineage


def _enforce(cli: Callable[..., Any], data: Path, out: Path) -> Any:
    return cli(
        "consent", "enforce", data, "--purpose", "ai-model-training", "-c", "participant_id",
        "--out", out, "--register-as", "training-set",
    )  # fmt: skip


def test_a_failed_enforce_entry_leaves_no_dataset_members_entries_or_output(
    cli_db: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = cli_db  # SQLite and PostgreSQL
    (tmp_path / "patients.csv").write_text("participant_id\nP1\nP2\n")
    assert cli("consent", "participants", "import", tmp_path / "patients.csv").code == 0
    assert cli("consent", "grant", "-p", "P1", "--purpose", "ai-model-training").code == 0
    data, out = tmp_path / "pred.csv", tmp_path / "kept.csv"
    pl.DataFrame({"participant_id": ["P1", "P2"], "score": [0.1, 0.2]}).write_csv(data)
    store = Store(os.environ["ETHICOMPASS_DATABASE_URL"]).open()
    before = len(AuditLog(store).entries())
    real = AuditLog._insert

    def refuse_enforce(self: AuditLog, conn: Any, batch: Any) -> Any:
        if batch[0].action.value == "consent.enforce":  # after lineage.register and the members
            raise sa.exc.OperationalError("INSERT INTO audit_entries", None, Exception("disk I/O error"))
        return real(self, conn, batch)

    with monkeypatch.context() as patch:
        patch.setattr(AuditLog, "_insert", refuse_enforce)
        failed = _enforce(cli, data, out)
    assert failed.code != 0 and "audit log" in failed.err
    assert not out.exists()
    assert Lineage(store).artefacts() == []
    with store.connect() as conn:
        assert conn.execute(sa.select(consent_artefact_members)).all() == []
    assert len(AuditLog(store).entries()) == before

    done = _enforce(cli, data, out)  # and it all lands once the log takes entries
    assert done.code == 0, done.err
    assert [a.name for a in Lineage(store).artefacts()] == ["training-set"]
    actions = [e.action for e in AuditLog(store).entries()[before:]]
    assert actions == ["lineage.register", "consent.enforce"]
    store.dispose()
