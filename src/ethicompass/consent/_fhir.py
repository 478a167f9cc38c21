"""FHIR Consent in and out: R4 (read with the R4B models) and R5, as JSON resources.

Files (JSON, Bundle, NDJSON, XML for R4 and R5) are read and written by ``_fhir_files``
(``read_fhir_file``, ``write_fhir_file``), which builds on this module.

Mapping onto the version-neutral model (see docs/consent.md):

- R4: the root ``provision.type`` is the base decision (permit when absent); each nested
  provision states its own ``type``.
- R5: ``Consent.decision`` is the base (permit when absent); each level of ``provision``
  is an exception that inverts the decision of the level above.
- A provision's ``purpose`` codes name the purposes it decides; a provision without purposes
  applies to its parent's. The base applies to every purpose the resource names, or to all
  standard purposes when it names none. A provision that only narrows (by data class, code,
  data or action) and denies makes the purpose deny (the safe reading); one that permits
  records its data classes. A provision holding only a period sets the period.
- ``status``: ``active`` gives grant/refuse; ``inactive`` turns a permit into a withdrawal;
  R4 ``rejected`` / R5 ``not-done`` refuse. Other statuses are not recorded consent.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from pydantic import ValidationError

from ethicompass._time import iso, to_utc
from ethicompass.consent._model import (
    STANDARD_PURPOSES,
    Action,
    ConsentRecord,
    Decision,
    Period,
    normalise_participant,
)
from ethicompass.errors import InputError

PURPOSE_SYSTEM = "https://ethicompass.org/fhir/CodeSystem/consent-purpose"
EXT_RECORDED_AT = "https://ethicompass.org/fhir/StructureDefinition/consent-recorded-at"
EXT_DOCUMENT_VERSION = "https://ethicompass.org/fhir/StructureDefinition/consent-document-version"
EXT_VERSION = "https://ethicompass.org/fhir/StructureDefinition/consent-version"
#: HL7 v3 ActReason codes that name one of our purposes.
ACT_REASON = {
    "HRESCH": "secondary-research",
    "CLINTRCH": "primary-study",
    "CLINTRCHNPC": "primary-study",
    "CLINTRCHPC": "primary-study",
}
_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
_STATUSES = {
    "r4": ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error"),
    "r5": ("draft", "active", "inactive", "not-done", "entered-in-error", "unknown"),
}
_R5_ONLY = (
    "decision",
    "subject",
    "date",
    "grantor",
    "grantee",
    "controller",
    "manager",
    "regulatoryBasis",
    "policyBasis",
    "policyText",
)
_R4_ONLY = ("scope", "patient", "dateTime", "performer", "organization", "policy", "policyRule")


class FhirVersion(enum.StrEnum):
    """The FHIR release of a Consent: ``r4`` (parsed with the R4B models) or ``r5``."""

    r4 = "r4"
    r5 = "r5"


def _model(version: FhirVersion) -> Any:
    if version is FhirVersion.r4:
        from fhir.resources.R4B.consent import Consent as R4Consent

        return R4Consent
    from fhir.resources.consent import Consent as R5Consent

    return R5Consent


def _loc(loc: tuple[Any, ...]) -> str:
    out = "Consent"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def detect_version(
    resource: dict[str, Any], /, *, expected: FhirVersion | None = None, where: str = ""
) -> FhirVersion:
    """The release a Consent is written for; with ``expected``, fail naming the element that disagrees."""
    prefix = f"{where}: " if where else ""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Consent":
        kind = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise InputError(f"{prefix}resourceType {kind!r} is not Consent", hint="pass FHIR Consent resources")
    r5 = [k for k in _R5_ONLY if k in resource] + (
        ["provision (a list)"] if isinstance(resource.get("provision"), list) else []
    )
    r4 = [k for k in _R4_ONLY if k in resource] + (
        ["provision (an object)"] if isinstance(resource.get("provision"), dict) else []
    )
    if expected is FhirVersion.r4 and r5:
        raise InputError(
            f"{prefix}Consent.{r5[0]} is an R5 element; expected FHIR R4",
            hint="this resource is R5: read it with --fhir r5 (fhir_version='r5')",
        )
    if expected is FhirVersion.r5 and r4:
        raise InputError(
            f"{prefix}Consent.{r4[0]} is an R4 element; expected FHIR R5",
            hint="this resource is R4: read it with --fhir r4 (fhir_version='r4')",
        )
    if expected is not None:
        return expected
    if r4 and r5:
        raise InputError(
            f"{prefix}Consent mixes R4 ({r4[0]}) and R5 ({r5[0]}) elements",
            hint="fix the resource so it follows one FHIR release",
        )
    if r4:
        return FhirVersion.r4
    if r5:
        return FhirVersion.r5
    raise InputError(
        f"{prefix}cannot tell the FHIR release of this Consent",
        hint="pass the release with --fhir r4|r5 (R4 needs Consent.patient, R5 Consent.subject)",
    )


def _check_codes(resource: dict[str, Any], version: FhirVersion, prefix: str) -> None:
    def bad(element: str, value: Any, allowed: tuple[str, ...]) -> InputError:
        return InputError(
            f"{prefix}{element} {value!r} is invalid for FHIR {version.value.upper()}: "
            f"must be one of {', '.join(allowed)}",
            hint="fix that element",
        )

    status = resource.get("status")
    if status is not None and status not in _STATUSES[version.value]:
        raise bad("Consent.status", status, _STATUSES[version.value])
    if version is FhirVersion.r5 and resource.get("decision") not in (None, "permit", "deny"):
        raise bad("Consent.decision", resource["decision"], ("permit", "deny"))

    def walk(node: Any, element: str) -> None:
        if not isinstance(node, dict):
            return
        if version is FhirVersion.r4 and node.get("type") not in (None, "permit", "deny"):
            raise bad(f"{element}.type", node["type"], ("permit", "deny"))
        children = node.get("provision") or []
        for i, child in enumerate(children if isinstance(children, list) else []):
            walk(child, f"{element}.provision[{i}]")

    top = resource.get("provision")
    if isinstance(top, list):
        for i, node in enumerate(top):
            walk(node, f"Consent.provision[{i}]")
    else:
        walk(top, "Consent.provision")


def _validate(resource: dict[str, Any], version: FhirVersion, where: str) -> Any:
    prefix = f"{where}: " if where else ""
    _check_codes(resource, version, prefix)
    try:
        return _model(version).model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"{prefix}{_loc(tuple(first['loc']))} is invalid for FHIR {version.value.upper()}: {first['msg']}",
            hint=f"fix that element ({len(exc.errors())} problem(s) in all) so the Consent is valid {version.value.upper()}",
        ) from None


def _purposes(node: Any) -> list[str]:
    out = []
    for coding in getattr(node, "purpose", None) or []:
        code = coding.code or ""
        if coding.system == PURPOSE_SYSTEM or code in STANDARD_PURPOSES:
            out.append(code)
        elif code in ACT_REASON:
            out.append(ACT_REASON[code])
        elif code:
            out.append(code.lower())
    return out


def _classes(node: Any, version: FhirVersion) -> list[str]:
    items = (
        getattr(node, "class_fhir", None)
        if version is FhirVersion.r4
        else getattr(node, "resourceType", None)
    ) or []
    return [c.code for c in items if c.code]


def _narrows(node: Any, version: FhirVersion) -> bool:
    return bool(
        _classes(node, version)
        or getattr(node, "code", None)
        or getattr(node, "data", None)
        or getattr(node, "action", None)
        or getattr(node, "securityLabel", None)
    )


def _period(node: Any, inherited: Period) -> Period:
    p = getattr(node, "period", None)
    if p is None:
        return inherited
    return Period(to_utc(str(p.start)) if p.start else None, to_utc(str(p.end)) if p.end else None)


def _actor(node: Any, inherited: str | None) -> str | None:
    for actor in getattr(node, "actor", None) or []:
        ref = actor.reference
        if ref is not None:
            return ref.display or ref.reference or inherited
    return inherited


def _mentioned(node: Any) -> set[str]:
    found = set(_purposes(node))
    for child in getattr(node, "provision", None) or []:
        found |= _mentioned(child)
    return found


def _walk(
    node: Any,
    decision: Decision,
    version: FhirVersion,
    scope: list[str],
    period: Period,
    actor: str | None,
    out: dict[str, tuple[Decision, Period, tuple[str, ...], str | None]],
) -> None:
    here = _purposes(node) or scope
    period = _period(node, period)
    actor = _actor(node, actor)
    if _narrows(node, version):
        for purpose in here:
            if decision is Decision.deny:
                out[purpose] = (Decision.deny, period, (), actor)
            else:
                out[purpose] = (Decision.permit, period, tuple(_classes(node, version)), actor)
    else:
        for purpose in here:
            out[purpose] = (decision, period, (), actor)
    for child in getattr(node, "provision", None) or []:
        if version is FhirVersion.r4:
            child_decision = Decision(child.type) if child.type else decision
        else:
            only_period = not (_purposes(child) or _narrows(child, version) or child.actor or child.provision)
            child_decision = (
                decision
                if only_period
                else (Decision.deny if decision is Decision.permit else Decision.permit)
            )
        _walk(child, child_decision, version, here, period, actor, out)


def _extension(resource: Any, url: str) -> Any:
    for ext in getattr(resource, "extension", None) or []:
        if ext.url == url:
            return ext.valueDateTime or ext.valueString or ext.valueInteger
    return None


def bundle_resources(bundle: dict[str, Any], /, *, where: str = "") -> list[tuple[str, Any]]:
    """The (where, resource) of each entry of a FHIR Bundle; a Bundle whose ``entry`` is not a list of
    objects is an :class:`InputError` naming the entry (422 in the server, exit 2 in the CLI)."""
    prefix = f"{where} " if where else ""
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InputError(
            f"{prefix}Bundle.entry is a {type(entries).__name__}, not a list",
            hint="give Bundle.entry as a list of objects, each with a 'resource'",
        )
    found = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InputError(
                f"{prefix}entry {n}: a Bundle entry must be an object, not a {type(entry).__name__}",
                hint='write each entry as {"resource": {...a Consent...}}',
            )
        found.append((f"{prefix}entry {n}", entry.get("resource")))
    return found


def from_fhir(
    resource: dict[str, Any],
    /,
    *,
    fhir_version: FhirVersion | None = None,
    recorded_by: str = "import",
    where: str = "",
) -> list[ConsentRecord]:
    """Map one FHIR Consent (a JSON dict) onto consent records, one per purpose it decides.

    ``fhir_version`` None detects the release; given, a resource of the other release is an
    :class:`InputError` naming the element. ``where`` (e.g. a file and line) prefixes errors.
    """
    version = detect_version(resource, expected=fhir_version, where=where)
    consent = _validate(resource, version, where)
    prefix = f"{where}: " if where else ""
    status = consent.status
    if status not in ("active", "inactive", "rejected", "not-done"):
        raise InputError(
            f"{prefix}Consent.status {status!r} is not a recorded consent",
            hint="only active, inactive, rejected (R4) or not-done (R5) Consents can be imported",
        )
    subject = consent.patient if version is FhirVersion.r4 else consent.subject
    reference = subject.reference if subject is not None else None
    if not reference:
        element = "patient" if version is FhirVersion.r4 else "subject"
        raise InputError(
            f"{prefix}Consent.{element} has no reference", hint="reference the participant as Patient/<id>"
        )
    participant = normalise_participant(reference.rsplit("/", 1)[-1], where=f"{prefix}Consent participant id")
    when_text = _extension(consent, EXT_RECORDED_AT) or (
        consent.dateTime if version is FhirVersion.r4 else consent.date
    )
    if not when_text:
        element = "dateTime" if version is FhirVersion.r4 else "date"
        # an undated event would take effect "now" and could outrank a later withdrawal
        raise InputError(
            f"{prefix}Consent.{element} is missing: the time the person decided is not known",
            hint=f"give Consent.{element} (when the consent was given, refused or withdrawn)",
        )
    recorded_at = to_utc(str(when_text), field_name=f"{prefix}Consent date")
    if version is FhirVersion.r4:
        root = consent.provision
        base = Decision(root.type) if root is not None and root.type else Decision.permit
        nodes = [root] if root is not None else []
        document = None
        if consent.sourceAttachment is not None:
            document = consent.sourceAttachment.title or consent.sourceAttachment.url
        elif consent.sourceReference is not None:
            document = consent.sourceReference.reference
    else:
        base = Decision(consent.decision) if consent.decision else Decision.permit
        nodes = consent.provision or []
        document = None
        if consent.sourceAttachment:
            document = consent.sourceAttachment[0].title or consent.sourceAttachment[0].url
        elif consent.sourceReference:
            document = consent.sourceReference[0].reference
    mentioned = set()
    for node in nodes:
        mentioned |= _mentioned(node)
    scope = sorted(mentioned) if mentioned else list(STANDARD_PURPOSES)
    decided: dict[str, tuple[Decision, Period, tuple[str, ...], str | None]] = {
        p: (base, Period(), (), None) for p in scope
    }
    if version is FhirVersion.r4:
        if nodes:
            _walk(nodes[0], base, version, scope, Period(), None, decided)
    else:
        root_like = type("Root", (), {"provision": nodes, "purpose": None, "period": None, "actor": None})()
        _walk(root_like, base, version, scope, Period(), None, decided)
    doc_version = _extension(consent, EXT_DOCUMENT_VERSION)
    records = []
    for purpose in sorted(decided):
        decision, period, classes, actor = decided[purpose]
        if status in ("rejected", "not-done"):
            action = Action.refuse
        elif status == "inactive":
            action = Action.withdraw if decision is Decision.permit else Action.refuse
        else:
            action = Action.grant if decision is Decision.permit else Action.refuse
        records.append(
            ConsentRecord(
                participant=participant,
                purpose=purpose,
                action=action,
                recorded_at=recorded_at,
                period=period,
                data_classes=classes,
                actor=actor,
                document=document,
                document_version=None if doc_version is None else str(doc_version),
                recorded_by=recorded_by,
                source=f"fhir-{version.value}",
            )
        )
    return records


def to_fhir(record: ConsentRecord, /, *, fhir_version: FhirVersion) -> dict[str, Any]:
    """One consent record as a valid FHIR Consent of the given release (a JSON dict).

    A withdrawal is an ``inactive`` Consent of the permit it ends; a refusal an ``active``
    deny. The exact time, version and document version ride in ethicompass extensions.
    """
    version = FhirVersion(fhir_version)
    purpose = [{"system": PURPOSE_SYSTEM, "code": record.purpose}]
    period = None
    if record.period.start or record.period.end:
        period = {
            k: iso(v).replace(".000000", "")
            for k, v in (("start", record.period.start), ("end", record.period.end))
            if v
        }
    extension: list[dict[str, Any]] = [
        {"url": EXT_RECORDED_AT, "valueDateTime": iso(record.recorded_at).replace(".000000", "")}
    ]
    if record.version:
        extension.append({"url": EXT_VERSION, "valueInteger": record.version})
    if record.document_version:
        extension.append({"url": EXT_DOCUMENT_VERSION, "valueString": record.document_version})
    status = "inactive" if record.action is Action.withdraw else "active"
    permit = record.action is not Action.refuse
    inner: dict[str, Any] = {"purpose": purpose}
    if period:
        inner["period"] = period
    if record.actor:
        actor: dict[str, Any] = {"reference": {"display": record.actor}}
        if version is FhirVersion.r4:
            actor["role"] = {"coding": [{"system": _PARTICIPATION, "code": "PRCP"}]}
        inner["actor"] = [actor]
    resource: dict[str, Any] = {"resourceType": "Consent", "status": status, "extension": extension}
    if record.id is not None:
        resource["id"] = f"ec-{record.id}"
    if version is FhirVersion.r4:
        if record.data_classes:
            inner["class"] = [
                {"system": "http://hl7.org/fhir/resource-types", "code": c} for c in record.data_classes
            ]
        resource.update(
            scope={
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
                ]
            },
            category=[{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            patient={"reference": f"Patient/{record.participant}"},
            dateTime=iso(record.recorded_at).replace(".000000", ""),
            provision={"type": "permit" if permit else "deny", **inner},
        )
        if record.document:
            resource["sourceAttachment"] = {"title": record.document}
    else:
        if record.data_classes:
            inner["resourceType"] = [
                {"system": "http://hl7.org/fhir/fhir-types", "code": c} for c in record.data_classes
            ]
        resource.update(
            category=[
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                            "code": "research",
                        }
                    ]
                }
            ],
            subject={"reference": f"Patient/{record.participant}"},
            date=record.recorded_at.date().isoformat(),
            decision="deny" if permit else "permit",
            provision=[inner],
        )
        if record.document:
            resource["sourceAttachment"] = [{"title": record.document}]
    model = _model(version).model_validate(resource)
    return json.loads(model.model_dump_json())
