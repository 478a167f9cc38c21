"""Withdrawal reaches derived artefacts: one decision per artefact, legal basis, unresolved list."""

from __future__ import annotations

from typing import Any

import pytest

from ethicompass.consent import (
    Registry,
    affected_artefacts,
    decide,
    decisions,
    link_artefacts,
    register_members,
    unresolved_decisions,
)
from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.transparency import AuditLog, Lineage


def test_withdrawal_opens_decisions_for_dataset_and_downstream(store: Any) -> None:
    reg = Registry(store)
    for p in ("P1", "P2"):
        reg.grant(p, "ai-model-training")
    register_members(store, "dataset:train@1", ["P1", "P2"], purpose="ai-model-training")
    register_members(store, "dataset:other@1", ["P1"], purpose="recontact")
    link_artefacts(store, "dataset:train@1", "model:risk@1", kind="trained-on")
    link_artefacts(store, "model:risk@1", "report:card@1", kind="describes")
    assert affected_artefacts(store, "P1", purpose="ai-model-training") == [
        "dataset:train@1",
        "model:risk@1",
        "report:card@1",
    ]
    record = reg.withdraw("P1", "ai-model-training")
    opened = decisions(store, consent_record_id=record.id)
    assert [d.artefact_id for d in opened] == ["dataset:train@1", "model:risk@1", "report:card@1"]
    assert all(d.excluded_from_future_use and not d.resolved for d in opened)
    assert len(unresolved_decisions(store)) == 3
    done = decide(store, opened[1].id, action="retain", legal_basis="eu-ctr-art-28-3", decided_by="dm")
    assert done.to_dict()["status"] == "decided"
    assert "P1" not in str(done.to_dict())
    decide(store, opened[0].id, action="exclude", legal_basis="eu-ctr-art-28-3")
    decide(store, opened[2].id, action="erase", legal_basis="gdpr-art-17")
    assert unresolved_decisions(store) == []
    assert any(e.action == "consent.withdrawal-decision" for e in AuditLog(store).entries())


def test_withdrawal_follows_lineage(store: Any) -> None:
    lineage = Lineage(store)
    data = lineage.register("dataset", "cohort", content_hash="sha256:" + "a" * 64)
    model = lineage.register("model", "risk", content_hash="sha256:" + "b" * 64, upstream=[data.id])
    reg = Registry(store)
    reg.grant("P1", "secondary-research")
    register_members(store, data.id, ["P1"], purpose="secondary-research")
    record = reg.withdraw("P1", "secondary-research")
    assert {d.artefact_id for d in decisions(store, consent_record_id=record.id)} == {data.id, model.id}


@pytest.mark.parametrize(
    ("action", "basis", "error"),
    [("keep", "gdpr-art-17", InputError), ("retain", "  ", InputError)],
)
def test_decide_rejects(store: Any, action: str, basis: str, error: type[Exception]) -> None:
    reg = Registry(store)
    reg.grant("P1", "recontact")
    register_members(store, "dataset:x@1", ["P1"], purpose="recontact")
    record = reg.withdraw("P1", "recontact")
    (d,) = decisions(store, consent_record_id=record.id)
    with pytest.raises(error):
        decide(store, d.id, action=action, legal_basis=basis)


def test_decide_is_final_and_unknown_is_not_found(store: Any) -> None:
    reg = Registry(store)
    reg.grant("P1", "recontact")
    register_members(store, "dataset:x@1", ["P1"], purpose="recontact")
    (d,) = decisions(store, consent_record_id=reg.withdraw("P1", "recontact").id)
    decide(store, d.id, action="retrain", legal_basis="gdpr-art-17")
    with pytest.raises(ConflictError):
        decide(store, d.id, action="erase", legal_basis="gdpr-art-17")
    with pytest.raises(NotFoundError):
        decide(store, 999_999, action="erase", legal_basis="gdpr-art-17")


def test_bulk_import_withdrawal_opens_decisions(store: Any) -> None:
    from datetime import UTC, datetime

    from ethicompass.consent import Action, ConsentRecord

    register_members(store, "dataset:y@1", ["P5"], purpose="recontact")
    Registry(store).import_records(
        [
            ConsentRecord("P5", "recontact", Action.grant, datetime(2024, 1, 1, tzinfo=UTC)),
            ConsentRecord("P5", "recontact", Action.withdraw, datetime(2024, 2, 1, tzinfo=UTC)),
        ]
    )
    assert [d.artefact_id for d in unresolved_decisions(store)] == ["dataset:y@1"]
