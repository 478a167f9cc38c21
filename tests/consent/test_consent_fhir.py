"""FHIR Consent: R4 (R4B models) and R5 import, nested provisions, round trips, rejections."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ethicompass.consent import (
    STANDARD_PURPOSES,
    Action,
    ConsentRecord,
    FhirVersion,
    Period,
    Registry,
    from_fhir,
    read_fhir_file,
    to_fhir,
    write_fhir_file,
)
from ethicompass.errors import InputError

DATA = Path(__file__).with_name("data")


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def by_purpose(records: list[ConsentRecord]) -> dict[str, str]:
    return {r.purpose: r.action.value for r in records}


def test_r4_nested_provisions() -> None:
    records = from_fhir(load("r4-research-nested.json"))
    assert by_purpose(records) == {
        "primary-study": "grant",
        "secondary-research": "grant",
        "ai-model-training": "refuse",
        "data-sharing-external": "refuse",
        "recontact": "grant",
    }
    recontact = next(r for r in records if r.purpose == "recontact")
    assert recontact.data_classes == ("Patient",)
    assert recontact.actor == "Study team"
    assert recontact.period.end == datetime(2029, 3, 5, tzinfo=UTC)
    assert {r.participant for r in records} == {"P0000042"}
    assert all(r.source == "fhir-r4" for r in records)


def test_r4_basic_optin_applies_to_all_standard_purposes() -> None:
    records = from_fhir(load("r4-basic-optin.json"), fhir_version=FhirVersion.r4)
    assert by_purpose(records) == dict.fromkeys(STANDARD_PURPOSES, "grant")
    assert records[0].period.start == datetime(1964, 1, 1, tzinfo=UTC)
    assert records[0].document == "The terms of the consent in lawyer speak."


def test_r5_nested_provisions_invert() -> None:
    records = from_fhir(load("r5-research-nested.json"))
    assert by_purpose(records) == {
        "primary-study": "grant",
        "secondary-research": "grant",
        "ai-model-training": "refuse",
    }
    assert all(r.source == "fhir-r5" for r in records)


@pytest.mark.parametrize(("status", "expected"), [("inactive", "withdraw"), ("not-done", "refuse")])
def test_r5_statuses(status: str, expected: str) -> None:
    resource = load("r5-research-nested.json")
    resource["status"] = status
    assert by_purpose(from_fhir(resource))["primary-study"] == expected


RECORDS = [
    ConsentRecord(
        "P1",
        "ai-model-training",
        Action.grant,
        datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC),
        version=1,
        document="ICF",
        document_version="2.1",
        data_classes=("Observation",),
    ),
    ConsentRecord("P1", "ai-model-training", Action.withdraw, datetime(2025, 5, 1, tzinfo=UTC), version=2),
    ConsentRecord("P2", "recontact", Action.refuse, datetime(2025, 1, 1, 12, tzinfo=UTC), version=1),
    ConsentRecord(
        "P3",
        "biobank-storage",
        Action.grant,
        datetime(2025, 1, 1, tzinfo=UTC),
        period=Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)),
        actor="Lab",
    ),
]


@pytest.mark.parametrize("version", list(FhirVersion))
@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r.purpose}-{r.action}")
def test_round_trip(version: FhirVersion, record: ConsentRecord) -> None:
    resource = to_fhir(record, fhir_version=version)
    (back,) = from_fhir(resource, fhir_version=version)
    keep = (
        "participant",
        "purpose",
        "action",
        "recorded_at",
        "period",
        "data_classes",
        "document",
        "document_version",
        "actor",
    )
    assert {k: getattr(back, k) for k in keep} == {k: getattr(record, k) for k in keep}


@pytest.mark.parametrize("suffix", [".json", ".ndjson", ".xml"])
def test_file_round_trip_r5(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    assert write_fhir_file(RECORDS, path, fhir_version=FhirVersion.r5) == 4
    back = read_fhir_file(path)
    assert [(r.participant, r.purpose, r.action) for r in back] == [
        (r.participant, r.purpose, r.action) for r in RECORDS
    ]


@pytest.mark.parametrize("fhir", [FhirVersion.r4, None])
def test_r4_xml_round_trip(tmp_path: Path, fhir: FhirVersion | None) -> None:
    path = tmp_path / "r4.xml"
    assert write_fhir_file(RECORDS, path, fhir_version=FhirVersion.r4) == 4
    assert b"<scope>" in path.read_bytes() and b"<decision" not in path.read_bytes()  # R4, not R5
    back = read_fhir_file(path, fhir_version=fhir)  # None: R5 fails to parse it, R4 reads it
    via_json = tmp_path / "r4.json"
    write_fhir_file(RECORDS, via_json, fhir_version=FhirVersion.r4)
    same = read_fhir_file(via_json, fhir_version=FhirVersion.r4)
    keep = ("participant", "purpose", "action", "recorded_at", "period", "data_classes", "document_version")
    assert [{k: getattr(r, k) for k in keep} for r in back] == [
        {k: getattr(r, k) for k in keep} for r in same
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not xml at all", r"bad\.xml: not a valid FHIR R5 or R4 Consent XML"),
        ('<Consent xmlns="http://hl7.org/fhir"><status value="nonsense"/></Consent>', r"bad\.xml entry 1: "),
    ],
)
def test_bad_xml_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_fhir_file(path)


def test_file_round_trip_r4_into_registry(store: Any, tmp_path: Path) -> None:
    path = tmp_path / "r4.json"
    write_fhir_file(RECORDS, path, fhir_version=FhirVersion.r4)
    reg = Registry(store)
    reg.import_records(read_fhir_file(path, fhir_version=FhirVersion.r4), source="fhir-r4")
    assert reg.status("P1", "ai-model-training").reason == "withdrawn"
    assert reg.status("P1", "ai-model-training", at="2025-03-01").reason == "granted"


def _mutate(name: str, path: list[Any], value: Any) -> dict[str, Any]:
    resource = copy.deepcopy(load(name))
    node: Any = resource
    for part in path[:-1]:
        node = node[part]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return resource


_DELETE = object()


@pytest.mark.parametrize(
    ("resource", "version", "message"),
    [
        (
            load("r5-research-nested.json"),
            FhirVersion.r4,
            r"Consent\.decision is an R5 element; expected FHIR R4",
        ),
        (
            load("r4-research-nested.json"),
            FhirVersion.r5,
            r"Consent\.scope is an R4 element; expected FHIR R5",
        ),
        (
            _mutate("r4-research-nested.json", ["provision", "type"], "allow"),
            None,
            r"Consent\.provision\.type",
        ),
        (
            _mutate("r4-research-nested.json", ["scope"], _DELETE),
            FhirVersion.r4,
            r"Consent\.scope is invalid for FHIR R4",
        ),
        (
            _mutate("r5-research-nested.json", ["decision"], "maybe"),
            None,
            r"Consent\.decision 'maybe' is invalid for FHIR R5",
        ),
        (_mutate("r5-research-nested.json", ["status"], "draft"), None, "Consent.status 'draft'"),
        (
            _mutate("r5-research-nested.json", ["subject"], _DELETE),
            FhirVersion.r5,
            r"Consent\.subject has no reference",
        ),
        ({"resourceType": "Patient", "id": "x"}, None, "resourceType 'Patient' is not Consent"),
        ({"resourceType": "Consent", "status": "active"}, None, "cannot tell the FHIR release"),
    ],
)
def test_rejections_name_element_and_version(
    resource: dict[str, Any], version: FhirVersion | None, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        from_fhir(resource, fhir_version=version)
    assert "P0000042" not in str(info.value)


def test_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text('{"resourceType": "Consent"\n')
    with pytest.raises(InputError, match="line 1"):
        read_fhir_file(path)
