"""scan: finds identifier columns by content whatever their names, never flags measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ethicompass.errors import ColumnError
from ethicompass.privacy import TableSchema, scan
from ethicompass.privacy.tables._scan_rules import dea_ok, luhn_ok, ssn_ok, vin_ok

VARIED = {
    "participant_id": "SubjectID",
    "mrn": "Medical Record #",
    "first_name": "GivenName",
    "last_name": "Surname",
    "full_name": "Patient Name",
    "ssn": "SSN#",
    "birth_date": "DOB",
    "visit_date": "VisitDt",
    "street": "Addr Line 1",
    "city": "Town",
    "zip": "Post Code",
    "phone": "Tel.",
    "email": "E-Mail",
    "website": "Homepage",
    "ip_address": "IPAddr",
    "card_number": "CreditCardNo",
    "vin": "VehicleVIN",
    "dea_number": "DEA",
    "device_mac": "DeviceSerial",
    "photo": "PortraitFile",
    "health_plan_id": "InsuranceMemberID",
}
MISLEADING_NAMES = (
    "result",
    "value_2",
    "dept",
    "score",
    "category",
    "lab_code",
    "comment_flag",
    "grade",
    "dose_mg",
    "unit",
    "batch",
    "cohort",
    "stage",
    "status",
    "level",
    "visit_type",
    "protocol",
    "flag",
    "rank",
    "region",
    "tier",
)


def _variant(
    table: dict[str, list[Any]], how: str, spec: Any
) -> tuple[pl.DataFrame, dict[str, str], list[str]]:
    """(frame, new name -> PHI type for identifier columns, new names of measurement columns)."""
    IDENTIFIER_COLUMNS, MEASUREMENT_COLUMNS, CATEGORY_COLUMNS = (
        spec.identifiers,
        spec.measurements,
        spec.categories,
    )
    names = list(table)
    if how == "original":
        mapping = {c: c for c in names}
    elif how == "varied":
        mapping = {c: VARIED.get(c, c) for c in names}
    elif how == "misleading":
        ids = list(IDENTIFIER_COLUMNS)
        mapping = {c: MISLEADING_NAMES[i] for i, c in enumerate(ids)}
        mapping.update({c: f"m_{i}" for i, c in enumerate(MEASUREMENT_COLUMNS + CATEGORY_COLUMNS)})
    else:
        mapping = {c: f"col_{i}" for i, c in enumerate(names)}
    frame = pl.DataFrame({mapping[c]: v for c, v in table.items()})
    truth = {mapping[c]: t for c, t in IDENTIFIER_COLUMNS.items()}
    return frame, truth, [mapping[c] for c in MEASUREMENT_COLUMNS]


def test_scan_finds_every_identifier_under_any_names_and_no_measurement(
    id_table: dict[str, list[Any]], table_spec: Any
) -> None:
    found = total = 0
    misses: list[str] = []
    for how in ("original", "varied", "misleading", "missing"):
        frame, truth, measurements = _variant(id_table, how, table_spec)
        report = scan(frame)
        flagged = set(report.identifiers)
        total += len(truth)
        found += len(truth.keys() & flagged)
        misses += [f"{how}:{c}" for c in truth.keys() - flagged]
        wrongly = [m for m in measurements if m in flagged]
        assert not wrongly, f"{how}: measurement columns flagged: {wrongly}"
        categories = [c for c in frame.columns if c not in truth and c not in measurements]
        assert not set(categories) & flagged, how
    assert found / total >= 0.99, misses


@pytest.mark.parametrize("how", ["original", "missing"])
def test_scan_names_the_right_phi_type(id_table: dict[str, list[Any]], table_spec: Any, how: str) -> None:
    frame, truth, _ = _variant(id_table, how, table_spec)
    report = scan(frame)
    wrong = {}
    for column, expected in truth.items():
        got = report[column]
        label = (
            got.role.value if got.role.value == "participant_id" else (got.phi_type and got.phi_type.value)
        )
        if how == "missing" and expected in ("MRN", "HEALTH_PLAN", "participant_id"):
            expected = "ID"  # without a name, a record number is just "a unique identifying number"
        if label != expected:
            wrong[column] = (expected, label)
    assert not wrong


def test_scan_on_the_synthetic_study_matches_the_manifest(small_study: Path) -> None:
    manifest = yaml.safe_load((small_study / "study.yaml").read_text())
    spec = manifest["datasets"]["patients"]["columns"]
    frame = pl.read_csv(small_study / "patients.csv", infer_schema=False)
    report = scan(frame)
    for column, role in spec.items():
        declared_identifier = role.get("phi_type") or role["role"] in ("participant_id", "direct_identifier")
        if declared_identifier:
            assert report[column].is_identifier, column
        if role["role"] in ("other", "sensitive_value") and column not in (
            "site",
            "arm",
            "primary_diagnosis",
        ):
            assert not report[column].is_identifier, column
    labs = scan(pl.read_csv(small_study / "labs.csv", infer_schema=False))
    assert not labs["value"].is_identifier and labs["participant_id"].role.value == "participant_id"


def test_scan_report_shapes(id_table: dict[str, list[Any]]) -> None:
    frame = pl.DataFrame(id_table)
    report = scan(frame)
    data = report.to_dict()
    assert data["rows"] == 300 and len(data["columns"]) == frame.width
    assert report.to_frame().height == frame.width
    schema = TableSchema.from_dict(yaml.safe_load(report.to_yaml(source="x.csv")))
    assert schema == report.to_schema()
    # evidence never quotes a value
    text = str(data)
    for column in ("ssn", "email", "phone", "last_name"):
        assert not any(v in text for v in id_table[column][:50])


def test_scan_measurements_with_identifier_like_names_are_not_flagged() -> None:
    frame = pl.DataFrame({"phone": [1.5, 2.25, 3.75] * 10, "ssn": [120.2, 130.9, 99.1] * 10})
    report = scan(frame)
    assert report.identifiers == []


def test_scan_accepts_every_backend(constructor: Any, id_table: dict[str, list[Any]]) -> None:
    data = {c: id_table[c][:50] for c in ("ssn", "email", "hba1c")}
    report = scan(constructor(data))
    assert set(report.identifiers) == {"ssn", "email"}


def test_scan_of_an_empty_table_is_an_error() -> None:
    with pytest.raises(ColumnError, match="no rows"):
        scan(pl.DataFrame({"a": []}, schema={"a": pl.String}))


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        (luhn_ok, "4111111111111111", True),
        (luhn_ok, "4111111111111112", False),
        (luhn_ok, "79927398713", True),
        (ssn_ok, "123-45-6789", True),
        (ssn_ok, "000-12-3456", False),
        (ssn_ok, "666-12-3456", False),
        (ssn_ok, "912-12-3456", False),
        (ssn_ok, "123-00-3456", False),
        (ssn_ok, "123-45-0000", False),
        (vin_ok, "1M8GDM9AXKP042788", True),
        (vin_ok, "1M8GDM9A1KP042788", False),
        (dea_ok, "AB1234563", True),
        (dea_ok, "AB1234564", False),
    ],
)
def test_checksums(check: Any, value: str, ok: bool) -> None:
    assert check(value) is ok


def test_scan_yaml_reads_back_every_column_name() -> None:
    names = ["Medical Record #", "SSN#", "a: b", '"q"', "yes", "No", "null", "x\ny", "ok_name", "with space"]
    frame = pl.DataFrame({n: ["1", "2", "3"] for n in names})
    text = scan(frame).to_yaml(source="my file.csv")
    assert list(TableSchema.from_dict(yaml.safe_load(text)).columns) == names
