"""Fail closed: a column scan cannot explain goes to ``review``, and ``deid`` refuses it until a person decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ethicompass.errors import SchemaError
from ethicompass.privacy import Key, Policy, TableSchema, deidentify, scan
from ethicompass.study import PhiType, Role

# generator-style names (digits appended), in no dictionary, under headers that say nothing
GIVEN = [
    f"{w}{i * 7 % 997}" for i, w in enumerate(["Jacinto", "Ngozi", "Thandiwe", "Bartholomäus", "Yuki"] * 40)
]
FAMILY = [
    f"{w}{i * 13 % 991}" for i, w in enumerate(["Kub", "Okonkwo", "Wuckert", "Schulist", "Abernathy"] * 40)
]
LAB = [round(5 + (i % 37) / 10, 1) for i in range(200)]


def _frame(**columns: list[Any]) -> pl.DataFrame:
    return pl.DataFrame({"pid": [f"P{i:05d}" for i in range(200)], **columns, "hba1c": LAB})


def test_a_lone_name_like_column_goes_to_review_with_its_evidence() -> None:
    report = scan(_frame(col_7=GIVEN))
    finding = report["col_7"]
    assert finding.role == Role.REVIEW and finding.phi_type is None
    assert "capitalised words" in finding.evidence[0] and "action: keep" in finding.evidence[-1]
    assert report["hba1c"].role == Role.OTHER  # a measurement is never sent to review


def test_name_like_columns_beside_each_other_are_names() -> None:
    report = scan(_frame(col_7=GIVEN, col_8=FAMILY))
    for column in ("col_7", "col_8"):
        assert report[column].role == Role.DIRECT_IDENTIFIER and report[column].phi_type == PhiType.NAME
        assert "beside name column" in report[column].evidence[0]


def test_unexplained_text_goes_to_review_and_categories_do_not() -> None:
    words = ["alpha", "bravo", "delta", "echo", "golf", "hotel", "india", "kilo", "lima", "mike"]
    codes = [f"{a}-{b}" for a in words for b in words + ["x" + w for w in words]]
    report = scan(_frame(col_1=codes, col_2=["mild", "moderate", "severe", "none"] * 50))
    assert report["col_1"].role == Role.REVIEW
    assert report["col_2"].role == Role.OTHER


@pytest.mark.parametrize(
    ("values", "phi"),
    [
        (["Boston", "Worcester", "Springfield", "Lowell", "Cambridge", "Quincy", "Lynn", "Newton", "Salem",
          "Chicopee", "Revere", "Medford"] * 17, PhiType.LOCATION),
        ([f"{c}  Massachusetts  US" for c in ["Boston", "Worcester", "Springfield", "Lowell", "Cambridge",
          "Quincy", "Lynn", "Newton", "Salem", "Chicopee", "Revere", "Medford"]] * 17, PhiType.LOCATION),
        ([f"{n} Hospital" for n in ["Mercy", "Saint Vincent", "Holy Family", "Good Samaritan", "Cape Cod",
          "Emerson", "Winchester", "Heywood", "Morton", "Falmouth", "Sturdy", "Harrington"]] * 17,
         PhiType.LOCATION),
    ],
)  # fmt: skip
def test_places_are_found_by_gazetteer_and_shape(values: list[str], phi: PhiType) -> None:
    report = scan(_frame(col_3=values[:200]))
    assert report["col_3"].phi_type == phi and report["col_3"].role == Role.DIRECT_IDENTIFIER


def test_scan_yaml_records_the_proposal_and_a_review_line_reads_back() -> None:
    report = scan(_frame(col_7=GIVEN))
    data = yaml.safe_load(report.to_yaml(source="t.csv"))
    assert data["columns"]["col_7"] == {"role": "review", "proposed": "review"}
    schema = TableSchema.from_dict(data)
    assert schema.columns["col_7"].decided_by == "scan" and schema.columns["hba1c"].decided_by == "scan"


def test_deid_refuses_review_columns_until_decided() -> None:
    frame = _frame(col_7=GIVEN, col_9=FAMILY[::-1])
    data = yaml.safe_load(scan(_frame(col_7=GIVEN)).to_yaml())
    data["columns"]["col_9"] = {"role": "review", "proposed": "review"}
    key = Key.generate()
    with pytest.raises(SchemaError, match=r"2 column\(s\) for review: 'col_7', 'col_9'") as caught:
        deidentify(frame, TableSchema.from_dict(data), policy=Policy.safe_harbor(), key=key)
    assert "set its role" in (caught.value.hint or "") and "action: keep" in (caught.value.hint or "")
    data["columns"]["col_7"]["action"] = "drop"
    data["columns"]["col_9"] = {"role": "direct_identifier", "phi_type": "NAME", "proposed": "review"}
    result = deidentify(frame, TableSchema.from_dict(data), policy=Policy.safe_harbor(), key=key)
    cert = result.certificate.to_dict()
    by = {c["column"]: (c["action"], c["decided_by"]) for c in cert["columns"]}
    assert by["col_7"] == ("drop", "author") and by["col_9"] == ("drop", "author")
    assert by["hba1c"] == ("keep", "scan") and by["pid"] == ("pseudonymise", "scan")
    assert cert["kept"] == [{"column": "hba1c", "role": "other", "decided_by": "scan"}]
    assert "col_7" not in result.to_frame().columns


def test_a_review_column_kept_explicitly_is_kept_and_the_certificate_says_who() -> None:
    frame = _frame(col_7=GIVEN)
    schema = TableSchema.from_dict(
        {
            "columns": {
                "pid": {"role": "participant_id"},
                "col_7": {"role": "review", "action": "keep", "proposed": "review"},
                "hba1c": {"role": "other"},
            }
        }
    )
    result = deidentify(frame, schema, policy=Policy.safe_harbor(), key=Key.generate())
    assert result.to_frame()["col_7"].to_list() == GIVEN
    kept = {c["column"]: c["decided_by"] for c in result.certificate.to_dict()["kept"]}
    assert kept == {"col_7": "author", "hba1c": "author"}  # no `proposed`: a hand-written line


# ------------------------------------------------------------------------------------------- CLI
def _write(path: Path, frame: pl.DataFrame) -> Path:
    frame.write_csv(path)
    return path


def test_cli_deid_exits_2_naming_each_review_column_and_the_ways_out(tmp_path: Path, cli: Any) -> None:
    data = _write(tmp_path / "t.csv", _frame(col_7=GIVEN))
    schema = tmp_path / "t.yaml"
    scanned = cli("scan", data, "--out", schema)
    assert scanned.code == 0 and "marked review" in scanned.out + scanned.err
    key = tmp_path / "key"
    assert cli("keys", "new", "--out", key).code == 0
    out = tmp_path / "out" / "t.csv"
    refused = cli("deid", data, "--schema", schema, "--key-file", key, "--out", out)
    assert refused.code == 2 and "'col_7'" in refused.err
    assert "set its role" in refused.err and "action: keep" in refused.err and not out.exists()
    text = schema.read_text().replace(
        "{role: review, proposed: review}", "{role: review, proposed: review, action: drop}"
    )
    schema.write_text(text)
    done = cli("deid", data, "--schema", schema, "--key-file", key, "--out", out, "--format", "json")
    assert done.code == 0, done.err
    cert = json.loads((out.parent / "t.csv.certificate.json").read_text())
    assert {c["column"]: c["decided_by"] for c in cert["columns"]}["col_7"] == "author"
    assert [k["column"] for k in cert["kept"]] == ["hba1c"]


def test_cli_deid_names_both_sides_of_a_schema_that_does_not_fit(tmp_path: Path, cli: Any) -> None:
    data = _write(tmp_path / "t.csv", _frame(col_7=GIVEN))
    schema = tmp_path / "s.yaml"
    schema.write_text(
        "columns:\n  pid: {role: participant_id}\n  hba1c: {role: other}\n  ghost: {role: other}\n"
    )
    key = tmp_path / "key"
    assert cli("keys", "new", "--out", key).code == 0
    done = cli("deid", data, "--schema", schema, "--key-file", key, "--out", tmp_path / "o.csv")
    assert done.code == 2
    assert "lacks: 'ghost'" in done.err and "leaves out: 'col_7'" in done.err


def test_cli_refuses_duplicate_headers(tmp_path: Path, cli: Any) -> None:
    data = tmp_path / "dup.csv"
    data.write_text("pid,name,age,name\nP1,Ann,40,Bo\nP2,Cy,50,Di\n")
    scanned = cli("scan", data)
    assert scanned.code == 2 and "more than once: 'name'" in scanned.err
    schema = tmp_path / "s.yaml"
    schema.write_text(
        "columns:\n  pid: {role: participant_id}\n  name: {role: other}\n  age: {role: other}\n"
    )
    key = tmp_path / "key"
    assert cli("keys", "new", "--out", key).code == 0
    done = cli("deid", data, "--schema", schema, "--key-file", key, "--out", tmp_path / "o.csv")
    assert done.code == 2 and "'name'" in done.err


def test_the_demo_shows_a_review_column_being_decided() -> None:
    from ethicompass.privacy.tables._demo import review_step

    frame = _frame(hba2=LAB).rename({"pid": "participant_id"}).drop("hba2")
    schema = TableSchema.from_dict(
        {"columns": {"participant_id": {"role": "participant_id"}, "hba1c": {"role": "other"}}}
    )
    lines: list[str] = []
    review_step(frame, schema, Key.generate(), say=lines.append)
    text = "\n".join(lines)
    assert "scan proposes 'review'" in text
    assert "deid refuses (exit 2)" in text and "'preferred_pharmacy'" in text
    assert "preferred_pharmacy drop, decided by the author" in text
