"""CLI: ``ethicompass scan``, ``deid`` and ``keys new``; bad input exits 2 and writes nothing."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ethicompass.privacy import load_key, pseudonym, read_linkage

CSV = """participant_id,mrn,ssn,zip,birth_date,visit_date,hba1c
P0000001,00012345,123-45-6789,02139,1950-01-02,2020-05-06,6.1
P0000002,00012346,234-56-7890,03601,1931-02-03,2020-06-07,7.4
P0000003,00012347,345-67-8901,10001,1980-03-04,2021-07-08,5.9
"""


@pytest.fixture
def files(tmp_path: Path, cli: Callable[..., Any]) -> dict[str, Path]:
    data = tmp_path / "patients.csv"
    data.write_text(CSV)
    key = tmp_path / "secret" / "KEY"
    assert cli("keys", "new", "--out", key).code == 0
    return {"data": data, "key": key, "dir": tmp_path}


def test_keys_new_writes_a_private_key_and_refuses_to_overwrite(files: dict[str, Path], cli: Any) -> None:
    mode = stat.S_IMODE(os.stat(files["key"]).st_mode)
    assert mode == 0o600
    load_key(files["key"])
    again = cli("keys", "new", "--out", files["key"])
    assert again.code == 2 and "refusing" in again.err


def test_scan_then_deid_end_to_end(files: dict[str, Path], cli: Any) -> None:
    schema = files["dir"] / "schema.yaml"
    scanned = cli("scan", files["data"], "--out", schema)
    assert scanned.code == 0, scanned.err
    roles = yaml.safe_load(schema.read_text())["columns"]
    assert roles["ssn"] == {"role": "direct_identifier", "phi_type": "SSN", "proposed": "direct_identifier"}
    assert roles["hba1c"]["role"] == "other"
    as_json = cli("scan", files["data"], "--format", "json")
    assert "ssn" in as_json.json()["identifiers"]

    out = files["dir"] / "release" / "patients.csv"
    done = cli("deid", files["data"], "--schema", schema, "--key-file", files["key"], "--out", out)
    assert done.code == 0, done.err
    table = pl.read_csv(out, infer_schema=False)
    key = load_key(files["key"])
    assert table["participant_id"].to_list()[0] == pseudonym("P0000001", key)
    assert table["zip"].to_list() == ["021", "000", "100"] and "ssn" not in table.columns
    assert table["hba1c"].to_list() == ["6.1", "7.4", "5.9"]  # kept byte for byte
    cert = json.loads((out.parent / "patients.csv.certificate.json").read_text())
    assert cert["files"]["output"]["name"] == "patients.csv" and cert["rows_out"] == 3
    assert "123-45-6789" not in json.dumps(cert)


def test_deid_parquet_shift_and_linkage(files: dict[str, Path], cli: Any, monkeypatch: Any) -> None:
    schema = files["dir"] / "schema.yaml"
    cli("scan", files["data"], "--out", schema)
    monkeypatch.setenv("ETHICOMPASS_KEY", files["key"].read_text())
    out = files["dir"] / "out.parquet"
    link = files["dir"] / "vault" / "linkage.bin"
    done = cli(
        "deid",
        files["data"],
        "--schema",
        schema,
        "--out",
        out,
        "--dates",
        "shift",
        "--linkage-out",
        link,
        "-f",
        "json",
    )
    assert done.code == 0, done.err
    assert done.json()["policy"]["dates"] == "shift"
    assert pl.read_parquet(out)["visit_date"].dtype == pl.Date
    assert stat.S_IMODE(os.stat(link).st_mode) == 0o600
    table = read_linkage(link, load_key(files["key"]))
    assert "P0000002" in table["value"].to_list()


def test_deid_is_audited(files: dict[str, Path], cli: Any, tmp_path: Path) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    schema = files["dir"] / "schema.yaml"
    cli("scan", files["data"], "--out", schema)
    cli("deid", files["data"], "--schema", schema, "--key-file", files["key"], "--out", tmp_path / "o.csv")
    store = Store(os.environ["ETHICOMPASS_DATABASE_URL"]).open()
    try:
        entries = AuditLog(store).entries()
    finally:
        store.dispose()
    actions = [e.action for e in entries]
    assert "privacy.scan" in actions and "privacy.deidentify" in actions
    text = json.dumps([e.to_dict() for e in entries])
    assert "P0000001" not in text and "123-45-6789" not in text


SCHEMA_OK = (
    "columns:\n  participant_id: {role: participant_id}\n  mrn: {role: direct_identifier, phi_type: MRN}\n"
    "  ssn: {role: direct_identifier, phi_type: SSN}\n  zip: {role: quasi_identifier, phi_type: ZIP}\n"
    "  birth_date: {role: date}\n  visit_date: {role: date}\n  hba1c: {role: other}\n"
)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing-column", "ghost"),
        ("unknown-role", "not one of"),
        ("bad-date", "visit_date"),
        ("empty-table", "no rows"),
        ("no-key", "no key"),
        ("mixed-types-json", "mixed"),
        ("bad-yaml", "YAML"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    files: dict[str, Path], cli: Any, monkeypatch: Any, case: str, message: str
) -> None:
    monkeypatch.delenv("ETHICOMPASS_KEY", raising=False)
    d = files["dir"]
    data, schema_text, key_args = files["data"], SCHEMA_OK, ["--key-file", str(files["key"])]
    if case == "missing-column":
        schema_text += "  ghost: {role: other}\n"
    elif case == "unknown-role":
        schema_text = schema_text.replace("role: other", "role: measurement")
    elif case == "bad-date":
        data = d / "bad.csv"
        data.write_text(CSV.replace("2020-06-07", "2020-13-45"))
    elif case == "empty-table":
        data = d / "empty.csv"
        data.write_text(CSV.splitlines()[0] + "\n")
    elif case == "no-key":
        key_args = []
    elif case == "mixed-types-json":
        data = d / "mixed.jsonl"
        data.write_text('{"participant_id": "P1", "hba1c": 6.1}\n{"participant_id": "P2", "hba1c": "high"}\n')
        schema_text = "columns:\n  participant_id: {role: participant_id}\n  hba1c: {role: other}\n"
    elif case == "bad-yaml":
        schema_text = "columns: [unclosed\n"
    schema = d / "schema.yaml"
    schema.write_text(schema_text)
    out = d / "out" / "release.csv"
    result = cli("deid", data, "--schema", schema, *key_args, "--out", out)
    assert result.code == 2, (result.out, result.err)
    assert message.lower() in result.err.lower()
    assert not out.parent.exists() or not any(out.parent.iterdir())
    for secret in ("123-45-6789", "2020-13-45", "P0000001"):
        assert secret not in result.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "name one output"),
        (("--out-folder", "folder"), "needs --engine spark"),
        (("--out", "release.csv", "--no-content-hashes"), "needs --out-folder"),
    ],
)
def test_deid_takes_one_output_and_the_folder_only_on_spark(
    files: dict[str, Path], cli: Any, extra: tuple[str, ...], message: str
) -> None:
    d = files["dir"]
    schema = d / "schema.yaml"
    schema.write_text(SCHEMA_OK)
    args = [str(d / a) if a in ("folder", "release.csv") else a for a in extra]
    result = cli("deid", files["data"], "--schema", schema, "--key-file", files["key"], *args)
    assert result.code == 2, (result.out, result.err)
    assert message in result.err
    assert not (d / "folder").exists() and not (d / "release.csv").exists()
