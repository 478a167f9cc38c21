"""The CHAI Applied Model Card as XML, and a structural check of it.

The Coalition for Health AI (CHAI) publishes the Applied Model Card and an XML schema for it.
We could not obtain and ship that XSD with its licence in this offline build, so the XML is
built from the card's published field structure (basic information; uses and directions;
warnings; trust ingredients: AI system facts and transparency information; key metrics on
usefulness, fairness and safety; resources) as best we know it, under our own namespace
``urn:ethicompass:chai-applied-model-card:draft-1``, and :func:`check_chai_xml` validates
*that* structure: every section in order, every field present once, each field either
``status="filled"`` with a ``source`` and text, or ``status="missing"`` and empty. Map it to
the official schema when it can be shipped; the field names follow CHAI's section headings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

NAMESPACE = "urn:ethicompass:chai-applied-model-card:draft-1"
ROOT = "AppliedModelCard"

#: section -> fields, in document order. ``TrustIngredients`` has two subsections.
STRUCTURE: dict[str, tuple[str, ...]] = {
    "BasicInformation": (
        "ModelName",
        "ModelDeveloper",
        "DeveloperContact",
        "ReleaseStage",
        "ReleaseDate",
        "ModelVersion",
        "GlobalAvailability",
        "Summary",
        "Keywords",
    ),
    "UsesAndDirections": (
        "IntendedUseAndWorkflow",
        "PrimaryIntendedUsers",
        "HowToUse",
        "TargetedPatientPopulation",
        "CautionedOutOfScopeSettingsAndUse",
    ),
    "Warnings": ("KnownRisksAndLimitations", "KnownBiasesOrEthicalConsiderations", "ClinicalRiskLevel"),
    "AISystemFacts": (
        "OutcomesAndOutputs",
        "ModelType",
        "FoundationModels",
        "InputDataSource",
        "OutputAndInputDataTypes",
        "DevelopmentDataCharacterization",
        "BiasMitigationApproaches",
        "OngoingMaintenance",
        "SecurityAndCompliance",
        "TransparencyIntelligibilityAndAccountability",
    ),
    "TransparencyInformation": ("FundingSource", "ThirdPartyInformation", "StakeholdersConsulted"),
    "KeyMetrics": ("UsefulnessUsabilityAndEfficacy", "FairnessAndEquity", "SafetyAndReliability"),
    "Resources": (
        "EvaluationReferences",
        "ClinicalTrial",
        "PeerReviewedPublications",
        "ReimbursementStatus",
        "PatientConsentOrDisclosure",
    ),
}
_NESTED = {"AISystemFacts": "TrustIngredients", "TransparencyInformation": "TrustIngredients"}
_TOP = ("BasicInformation", "UsesAndDirections", "Warnings", "TrustIngredients", "KeyMetrics", "Resources")


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def build_chai_xml(
    fields: Mapping[str, Mapping[str, Any]], *, metric_rows: Sequence[Mapping[str, Any]] = ()
) -> bytes:
    """The card as XML. ``fields`` maps a field name to ``{"value", "source", "status"}``.

    ``metric_rows`` (performance by group) are added under ``KeyMetrics/FairnessAndEquity``.
    """
    root = etree.Element(_q(ROOT), nsmap={None: NAMESPACE})
    root.set("generator", "ethicompass")
    parents: dict[str, Any] = {}
    for top in _TOP:
        parents[top] = etree.SubElement(root, _q(top))
    for section, names in STRUCTURE.items():
        parent = parents[_NESTED[section]] if section in _NESTED else parents[section]
        holder = etree.SubElement(parent, _q(section)) if section in _NESTED else parent
        for name in names:
            spec = fields.get(name) or {"status": "missing"}
            el = etree.SubElement(holder, _q(name))
            el.set("status", spec.get("status", "missing"))
            if spec.get("status") == "filled":
                el.set("source", str(spec.get("source") or ""))
                el.text = str(spec.get("value") or "")
            if name == "FairnessAndEquity" and metric_rows:
                table = etree.SubElement(el, _q("PerformanceByGroup"))
                for row in metric_rows:
                    item = etree.SubElement(table, _q("Group"))
                    for key, value in row.items():
                        if value is not None:
                            item.set(key, str(value))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def check_chai_xml(data: bytes, /) -> list[str]:
    """Problems with the structure of a card's XML (empty when it is well formed)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    problems: list[str] = []
    if root.tag != _q(ROOT):
        return [f"root element is {root.tag}, expected {_q(ROOT)}"]
    tops = [etree.QName(c).localname for c in root]
    if tops != list(_TOP):
        problems.append(f"sections are {tops}, expected {list(_TOP)}")
    for section, names in STRUCTURE.items():
        path = f"{_NESTED[section]}/{section}" if section in _NESTED else section
        holder = root.find("/".join(_q(p) for p in path.split("/")))
        if holder is None:
            problems.append(f"section {path} is missing")
            continue
        got = [etree.QName(c).localname for c in holder if etree.QName(c).localname in names]
        if got != list(names):
            problems.append(f"{path} has fields {got}, expected {list(names)}")
        for el in holder:
            name = etree.QName(el).localname
            if name not in names:
                if section not in _NESTED:
                    problems.append(f"{path}: unexpected element {name}")
                continue
            status = el.get("status")
            text = (el.text or "").strip()
            if status == "filled" and (not el.get("source") or not text):
                problems.append(f"{path}/{name}: filled but without a source or text")
            elif status == "missing" and text:
                problems.append(f"{path}/{name}: marked missing but has text")
            elif status not in ("filled", "missing"):
                problems.append(f"{path}/{name}: status must be 'filled' or 'missing'")
    return problems
