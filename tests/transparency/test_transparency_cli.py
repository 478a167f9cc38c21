"""CLI verbs: audit keygen/log/checkpoint/verify/prove/verify-proof, lineage show, modelcard build."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ethicompass.transparency import check_chai_xml


def _db(tmp_path: Path) -> Path:
    return tmp_path / "cli-state.db"


def _seed(n: int = 6) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    store = Store.from_env().open()
    AuditLog(store).append_many(
        [
            {
                "action": "data.read" if i % 2 else "study.open",
                "object_type": "dataset",
                "object_id": f"d{i}",
                "actor": "ann" if i < 3 else "bob",
            }
            for i in range(n)
        ]
    )
    store.dispose()


def test_audit_round_trip(cli: Callable[..., Any], tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    made = cli("audit", "keygen", "--out", key, "--format", "json")
    assert made.code == 0, made.err
    public = made.json()["public_key"]
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert cli("audit", "keygen", "--out", key).code == 2  # never overwrites silently
    _seed()
    listed = cli("audit", "log", "--actor", "bob", "--format", "json")
    assert [e["object_id"] for e in listed.json()] == ["d3", "d4", "d5"]
    assert len(cli("audit", "log", "--action", "data.r*", "--format", "json").json()) == 3
    assert cli("audit", "log", "--since", "yesterday").code == 2
    assert len(cli("audit", "log", "--since", "2000-01-01T02:00+02:00", "--format", "json").json()) == 6
    assert cli("audit", "log", "--since", "2999-01-01", "--format", "json").json() == []
    cp_file = tmp_path / "cp.json"
    cp = cli("audit", "checkpoint", "--key-file", key, "--out", cp_file, "--format", "json")
    assert cp.code == 0, cp.err
    assert cp.json()["tree_size"] == 6
    ok = cli("audit", "verify", "--public-key", public, "--checkpoint", cp_file, "--format", "json")
    assert ok.code == 0, ok.err
    assert ok.json()["ok"] and ok.json()["signer_pinned"]
    proof = tmp_path / "proof.json"
    assert cli("audit", "prove", "4", "--out", proof).code == 0
    checked = cli(
        "audit", "verify-proof", proof, "--public-key", public, "--checkpoint", cp_file, "--format", "json"
    )
    assert checked.code == 0 and checked.json()["ok"]
    other = cli("audit", "keygen", "--out", tmp_path / "other.pem", "--format", "json").json()["public_key"]
    assert cli("audit", "verify-proof", proof, "--public-key", other).code == 1
    _seed(3)
    assert cli("audit", "checkpoint", "--key-file", key).code == 0
    cons = tmp_path / "cons.json"
    assert cli("audit", "prove", "--consistency-from", cp_file, "--out", cons).code == 0
    assert cli("audit", "verify-proof", cons, "--public-key", public, "--checkpoint", cp_file).code == 0
    assert cli("audit", "prove").code == 2
    # tamper with one entry: verify exits 1 and names it
    con = sqlite3.connect(_db(tmp_path))
    con.execute("UPDATE audit_entries SET entry_json = replace(entry_json, '\"d2\"', '\"d9\"') WHERE seq = 2")
    con.commit()
    con.close()
    bad = cli("audit", "verify")
    assert bad.code == 1
    assert "entry 2" in bad.err
    assert cli("audit", "verify", "--no-fail").code == 0


def test_checkpoint_needs_a_key(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETHICOMPASS_SIGNING_KEY", raising=False)
    result = cli("audit", "checkpoint")
    assert result.code == 2
    assert "ETHICOMPASS_SIGNING_KEY" in result.err


def test_signing_key_from_environment(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    monkeypatch.setenv("ETHICOMPASS_SIGNING_KEY", base64.b64encode(seed).decode())
    _seed(2)
    assert cli("audit", "checkpoint", "--format", "json").code == 0
    assert cli("audit", "verify").code == 0


def test_lineage_show(cli: Callable[..., Any]) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import Lineage

    store = Store.from_env().open()
    lin = Lineage(store)
    raw = lin.register("dataset", "raw", content_hash="sha256:" + "a" * 64)
    model = lin.register("model", "m", content_hash="sha256:" + "b" * 64, upstream=[raw.id])
    store.dispose()
    shown = cli("lineage", "show", raw.id, "--format", "json")
    assert shown.code == 0, shown.err
    assert [a["id"] for a in shown.json()["downstream"]] == [model.id]
    prov = cli("lineage", "show", model.id, "--prov")
    assert f"ec:{raw.id}" in prov.json()["entity"]
    assert cli("lineage", "show", "dataset:nope@123").code == 2
    assert cli("lineage", "list", "--format", "json").json()[0]["id"] == raw.id


@pytest.mark.slow
def test_modelcard_build(cli: Callable[..., Any], small_study: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "IntendedUseAndWorkflow: Flag adults for a cardiometabolic review.\n", encoding="utf-8"
    )
    out = tmp_path / "card"
    built = cli(
        "modelcard",
        "build",
        small_study / "study.yaml",
        "--out",
        out,
        "--answers",
        answers,
        "--n-boot",
        "50",
        "--format",
        "json",
    )
    assert built.code == 0, built.err
    card = built.json()
    fields = {f["name"]: f for f in card["fields"]}
    assert fields["IntendedUseAndWorkflow"]["status"] == "filled"
    assert fields["IntendedUseAndWorkflow"]["source"].startswith("answers file")
    for human in ("CautionedOutOfScopeSettingsAndUse", "KnownRisksAndLimitations", "ModelDeveloper"):
        assert fields[human]["status"] == "missing" and fields[human]["value"] is None
        assert human in card["missing_fields"]
    for f in card["fields"]:
        assert (f["status"] == "filled") == bool(f["source"]), f
    assert fields["FairnessAndEquity"]["status"] == "filled"
    assert card["performance_by_group"]
    xml = (out / "model_card.chai.xml").read_bytes()
    assert check_chai_xml(xml) == []
    page = (out / "model_card.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.split("<body>")[1]
    assert "missing" in (out / "model_card.md").read_text(encoding="utf-8")
    log = cli("audit", "log", "--action", "modelcard.build", "--format", "json").json()
    assert log[0]["object_id"] == card["artefact"]
    assert set(log[0]["hashes"]) == {"model_card.md", "model_card.html", "model_card.chai.xml"}


@pytest.mark.slow
def test_modelcard_build_leaves_no_lineage_and_no_card_when_the_audit_fails(
    cli_db: Callable[..., Any], small_study: Path, tmp_path: Path
) -> None:
    cli = cli_db  # SQLite and PostgreSQL
    import sqlalchemy as sa

    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    def refuse(self: AuditLog, conn: Any, batch: Any) -> Any:
        raise sa.exc.OperationalError("INSERT INTO audit_entries", None, Exception("disk I/O error"))

    out = tmp_path / "card"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AuditLog, "_insert", refuse)
        failed = cli("modelcard", "build", small_study / "study.yaml", "--out", out, "--boot", "0")
    assert failed.code != 0 and "audit log" in failed.err
    assert not out.exists() or not any(out.iterdir())
    store = Store.from_env().open()
    try:
        with store.connect() as conn:
            artefacts = conn.execute(sa.text("SELECT count(*) FROM lineage_artefacts")).scalar_one()
        assert artefacts == 0
        assert AuditLog(store).entries(action="modelcard.build") == []
    finally:
        store.dispose()


def test_chai_check_catches_broken_structure() -> None:
    from ethicompass.transparency._chai import build_chai_xml

    good = build_chai_xml({"ModelName": {"status": "filled", "value": "m", "source": "manifest"}})
    assert check_chai_xml(good) == []
    assert check_chai_xml(good.replace(b"<Warnings>", b"<Warning>").replace(b"</Warnings>", b"</Warning>"))
    assert check_chai_xml(good.replace(b'source="manifest"', b""))
    assert check_chai_xml(good.replace(b'<Keywords status="missing"/>', b""))
    assert check_chai_xml(b"<not xml")
    data = json.dumps({"x": 1}).encode()
    assert check_chai_xml(data)


@pytest.mark.slow
def test_model_card_reuses_an_earlier_fairness_report(small_study: Path) -> None:
    import polars as pl

    from ethicompass.fairness import audit
    from ethicompass.review import model_card as build_model_card
    from ethicompass.study import Study

    study = Study.from_file(small_study / "study.yaml")
    assert study.predictions is not None
    frame = pl.read_csv(study.dataset_path(study.predictions.dataset))
    report = audit(frame, label="outcome", score="risk_score", groups=["sex"], n_boot=20, intersections=False)
    card = build_model_card(study, results={"fairness": report}, n_boot=20)
    assert {r["group"] for r in card.performance} == {"all", "sex=F", "sex=M"}
    assert "KnownRisksAndLimitations" in card.missing


@pytest.mark.slow
def test_a_card_names_the_analyses_it_was_not_given(small_study: Path) -> None:
    """transparency builds the card from results it is given (it imports no principle package);
    review.model_card runs them. Without them the fields stay missing and the card says why."""
    from ethicompass.review import model_card
    from ethicompass.study import Study
    from ethicompass.transparency import build_model_card

    study = Study.from_file(small_study / "study.yaml")
    bare = build_model_card(study)
    assert {"FairnessAndEquity", "UsefulnessUsabilityAndEfficacy", "SafetyAndReliability"} <= set(
        bare.missing
    )
    assert [s.split(":")[0] for s in bare.missing_sections] == ["fairness", "benefit and calibration"]
    assert bare.performance == ()
    full = model_card(study, n_boot=20)
    assert not {"FairnessAndEquity", "UsefulnessUsabilityAndEfficacy", "SafetyAndReliability"} & set(
        full.missing
    )
    assert full.missing_sections == ()
