"""Consent JSON API: status, history and changes per participant; FHIR import/export; withdrawal decisions.

The reads are ``async`` routes whose queries run through :func:`run_read` (inline on SQLite, in a
worker thread on PostgreSQL); changes, imports and exports are plain routes, so their writes wait
for the write lock in a worker thread, never on the event loop.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from ethicompass.accounts import User, require_role, run_read
from ethicompass.consent import (
    PURPOSE_TEXT,
    FhirVersion,
    Registry,
    bundle_resources,
    decide,
    decisions,
    from_fhir,
    to_fhir,
    unresolved_decisions,
)
from ethicompass.errors import ForbiddenError, InputError
from ethicompass.server._params import RowId
from ethicompass.store import FastQuery, Store
from ethicompass.store._consent_tables import consent_withdrawal_decisions as _decisions
from ethicompass.training import require_training

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["consent"])

READERS = ("participant", "investigator", "data_manager", "reviewer", "admin")
CHANGERS = ("participant", "data_manager", "admin")


class Change(BaseModel):
    """A consent change for one purpose."""

    action: Literal["grant", "refuse", "withdraw"]
    document_version: str | None = Field(default=None, max_length=64)


class DecisionBody(BaseModel):
    """What happens to an artefact after a withdrawal."""

    action: Literal["exclude", "retain", "retrain", "erase"]
    legal_basis: str = Field(min_length=1, max_length=256)
    note: str | None = Field(default=None, max_length=2000)


def _own(user: User, participant: str) -> None:
    if user.role == "participant" and user.participant != participant:
        raise ForbiddenError(
            "participants may see and change only their own consent", hint="use your own participant id"
        )


_ANY_DECISION = FastQuery(
    sa.select(sa.literal(1)).where(_decisions.c.consent_record_id == sa.bindparam("record")).limit(1),
    name="withdrawal decision lookup",
)


def _any_decision(store: Store, consent_record_id: int | None) -> bool:
    """Whether a withdrawal opened any decision (one indexed probe; most open none)."""
    return _ANY_DECISION.one(store, record=consent_record_id) is not None


def _registry(request: Request, user: User) -> Registry:
    return Registry(request.app.state.store, actor=user.actor, role=user.role)


@router.get("/consent/purposes")
async def purposes(_: User = Depends(require_role(*READERS))) -> list[dict[str, str]]:
    """The standard purposes, each with its plain-language text."""
    return [{"code": code, "text": text} for code, text in PURPOSE_TEXT.items()]


@router.get("/participants/{participant}/consent")
async def statuses(
    participant: str, request: Request, at: str | None = None, user: User = Depends(require_role(*READERS))
) -> list[dict[str, Any]]:
    """The participant's consent for every purpose (now, or ``at`` a past time)."""
    _own(user, participant)
    registry = _registry(request, user)
    return [s.to_dict() for s in await run_read(registry.store, registry.statuses, participant, at=at)]


@router.get("/participants/{participant}/consent/history")
async def history(
    participant: str,
    request: Request,
    purpose: str | None = None,
    user: User = Depends(require_role(*READERS)),
) -> list[dict[str, Any]]:
    """Every recorded version of the participant's consent, oldest first."""
    _own(user, participant)
    registry = _registry(request, user)
    return [
        r.to_dict() for r in await run_read(registry.store, registry.history, participant, purpose=purpose)
    ]


@router.get("/participants/{participant}/consent/{purpose}")
async def status(
    participant: str,
    purpose: str,
    request: Request,
    at: str | None = None,
    user: User = Depends(require_role(*READERS)),
) -> dict[str, Any]:
    """``{"participant", "purpose", "decision", "since", "version", "reason"}`` now or ``at``."""
    _own(user, participant)
    registry = _registry(request, user)
    return (await run_read(registry.store, registry.status, participant, purpose, at=at)).to_dict()


@router.post("/participants/{participant}/consent/{purpose}")
def change(
    participant: str,
    purpose: str,
    body: Change,
    request: Request,
    user: User = Depends(require_role(*CHANGERS)),
) -> dict[str, Any]:
    """Grant, refuse or withdraw one purpose; answers once the change is durable."""
    _own(user, participant)
    registry = _registry(request, user)
    source = "portal" if user.role == "participant" else "api"
    if body.action == "grant":
        record = registry.grant(participant, purpose, document_version=body.document_version, source=source)
    elif body.action == "refuse":
        record = registry.refuse(participant, purpose, document_version=body.document_version, source=source)
    else:
        record = registry.withdraw(participant, purpose, source=source)
    result = registry.status(participant, purpose, at=record.recorded_at).to_dict()
    if body.action == "withdraw" and user.role != "participant":
        store = request.app.state.store
        opened = decisions(store, consent_record_id=record.id) if _any_decision(store, record.id) else []
        result["decisions_opened"] = [d.to_dict() for d in opened]
    return result


@router.post("/participants/{participant}/withdraw-all")
def withdraw_all(
    participant: str, request: Request, user: User = Depends(require_role(*CHANGERS))
) -> dict[str, Any]:
    """Withdraw every purpose the participant permits."""
    _own(user, participant)
    done = _registry(request, user).withdraw_all(participant, source="api")
    return {"withdrawn": [r.purpose for r in done]}


@router.post("/consent/import")
def import_fhir(
    request: Request,
    resource: dict[str, Any] = Body(..., description="A FHIR Consent, or a Bundle of them"),
    fhir: FhirVersion | None = Query(default=None, description="r4 or r5 (default: detect)"),
    user: User = Depends(require_role("data_manager", "admin")),
) -> dict[str, Any]:
    """Import FHIR Consent resources (R4/R4B or R5 JSON)."""
    if resource.get("resourceType") == "Bundle":
        items = bundle_resources(resource)
    else:
        items = [("the resource", resource)]
    records = [
        r
        for where, item in items
        for r in from_fhir(item, fhir_version=fhir, recorded_by=user.actor, where=where)
    ]
    if not records:
        raise InputError("the request holds no Consent resources", hint="send a Consent or a Bundle of them")
    return _registry(request, user).import_records(records, source=records[0].source).to_dict()


@router.get("/consent/export", dependencies=[Depends(require_training)])
def export_fhir(
    request: Request,
    fhir: FhirVersion = Query(description="r4 or r5"),
    purpose: str | None = None,
    user: User = Depends(require_role("data_manager", "reviewer", "admin")),
) -> dict[str, Any]:
    """Every consent record as a FHIR Bundle of Consent resources."""
    records = _registry(request, user).records(purpose=purpose)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": to_fhir(r, fhir_version=fhir)} for r in records],
    }


@router.get("/withdrawals/decisions")
def list_decisions(
    request: Request,
    unresolved: bool = False,
    _: User = Depends(require_role("investigator", "data_manager", "reviewer", "admin")),
) -> list[dict[str, Any]]:
    """Decisions opened by withdrawals for derived artefacts (``unresolved=true``: only open ones)."""
    store = request.app.state.store
    found = unresolved_decisions(store) if unresolved else decisions(store)
    return [d.to_dict() for d in found]


@router.post("/withdrawals/decisions/{decision_id}")
def record_decision(
    decision_id: RowId,
    body: DecisionBody,
    request: Request,
    user: User = Depends(require_role("data_manager", "admin")),
) -> dict[str, Any]:
    """Decide what happens to one artefact after a withdrawal, on a named legal basis."""
    result = decide(
        request.app.state.store,
        decision_id,
        action=body.action,
        legal_basis=body.legal_basis,
        note=body.note,
        decided_by=user.actor,
        role=user.role,
    )
    return result.to_dict()
