"""The ``ethicompass consent`` verbs, with the JSON shapes of issue 6."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

CSV = (
    "participant_id,purpose,action,decision,recorded_at,version,document_version\n"
    "P1,ai-model-training,grant,permit,2024-01-01T00:00:00Z,1,v1\n"
    "P2,ai-model-training,grant,permit,2024-01-01T00:00:00Z,1,v1\n"
    "P2,ai-model-training,withdraw,deny,2024-06-01T00:00:00Z,2,v1\n"
)


def test_cli_round(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "consents.csv").write_text(CSV)
    (tmp_path / "patients.csv").write_text("participant_id,age\nP1,40\nP2,50\nP3,60\n")
    r = cli("consent", "participants", "import", tmp_path / "patients.csv", "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["added"] == 3
    r = cli("consent", "import", tmp_path / "consents.csv", "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["imported"][0]["records"] == 3

    r = cli("consent", "status", "--participant", "P2", "--purpose", "ai-model-training", "--format", "json")
    assert r.code == 0
    assert set(r.json()) == {"participant", "purpose", "decision", "since", "version"}
    assert (r.json()["decision"], r.json()["version"]) == ("deny", 2)
    r = cli(
        "consent", "status", "-p", "P2", "--purpose", "ai-model-training", "--at", "2024-03-01", "-f", "json"
    )
    assert r.json()["decision"] == "permit"

    assert (
        cli("consent", "grant", "-p", "P3", "--purpose", "recontact", "-f", "json").json()["decision"]
        == "permit"
    )
    assert cli("consent", "refuse", "-p", "P3", "--purpose", "recontact", "-f", "json").json()["version"] == 2
    r = cli("consent", "history", "-p", "P3", "-f", "json")
    assert [h["action"] for h in r.json()] == ["grant", "refuse"]

    data = tmp_path / "pred.csv"
    pl.DataFrame({"participant_id": ["P1", "P2", "P3"], "score": [0.1, 0.2, 0.3]}).write_csv(data)
    out = tmp_path / "kept.csv"
    r = cli(
        "consent",
        "enforce",
        data,
        "--purpose",
        "ai-model-training",
        "--participant-column",
        "participant_id",
        "--out",
        out,
        "--register-as",
        "training-set",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    assert r.json()["rows_dropped"] == {"withdrawn": 1, "no-consent-record": 1}
    assert pl.read_csv(out)["participant_id"].to_list() == ["P1"]
    assert "P2" not in r.out and "P3" not in r.out

    r = cli("consent", "withdraw", "-p", "P1", "--purpose", "ai-model-training", "-f", "json")
    assert r.code == 0 and "1 derived artefact" in r.err
    r = cli("consent", "decisions", "--unresolved", "-f", "json")
    (open_one,) = r.json()
    r = cli(
        "consent",
        "decide",
        str(open_one["id"]),
        "--action",
        "retain",
        "--legal-basis",
        "eu-ctr-art-28-3",
        "-f",
        "json",
    )
    assert r.json()["status"] == "decided"
    assert cli("consent", "decisions", "--unresolved", "-f", "json").json() == []

    for version, suffix in (("r4", ".json"), ("r5", ".xml")):
        out = tmp_path / f"export-{version}{suffix}"
        r = cli("consent", "export", "--fhir", version, "--out", out)
        assert r.code == 0, r.err
        r = cli("consent", "import", out, "--fhir", version, "-f", "json")
        assert r.code == 0, r.err


def test_cli_errors(cli: Callable[..., Any], tmp_path: Path) -> None:
    r = cli("consent", "status", "-p", "P1", "--purpose", "Not A Code")
    assert r.code == 2 and "purpose" in r.err
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "resourceType": "Consent",
                "status": "active",
                "decision": "permit",
                "subject": {"reference": "Patient/P1"},
            }
        )
    )
    r = cli("consent", "import", bad, "--fhir", "r4")
    assert r.code == 2 and "Consent.decision is an R5 element; expected FHIR R4" in r.err
    r = cli("consent", "decide", "99", "--action", "erase", "--legal-basis", "gdpr-art-17")
    assert r.code == 2


def test_enforce_neutralises_formula_cells_unless_raw(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("participant_id\nP1\n")
    cli("consent", "participants", "import", tmp_path / "patients.csv")
    cli("consent", "grant", "-p", "P1", "--purpose", "recontact", "--at", "2024-01-01")
    data = tmp_path / "data.csv"
    pl.DataFrame(
        {"participant_id": ["P1"], "note": ['=HYPERLINK("http://x","click")'], "delta": [-3.2]}
    ).write_csv(data)
    args = ["--purpose", "recontact", "-c", "participant_id", "-f", "json"]
    r = cli("consent", "enforce", data, *args, "--out", tmp_path / "safe.csv")
    assert r.code == 0 and r.json()["csv_formulas_neutralised"] == 1
    safe = pl.read_csv(tmp_path / "safe.csv")
    assert safe["note"][0].startswith("'=") and safe["delta"][0] == -3.2
    r = cli("consent", "enforce", data, *args, "--out", tmp_path / "raw.csv", "--raw-csv")
    assert r.json()["csv_formulas_neutralised"] == 0
    assert pl.read_csv(tmp_path / "raw.csv")["note"][0].startswith("=")
    assert not list(tmp_path.glob(".enforce-*"))
