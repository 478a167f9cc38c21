"""The report's hash goes into the audit log under a signed checkpoint when a key is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ethicompass.review import Check, Policy, PrincipleResult, Report, review
from ethicompass.study import Study
from ethicompass.transparency import AuditLog, generate_signing_key, verify_log


def _assess(study: Any, /, **_: Any) -> Report:
    check = Check(id="privacy.k", title="k", verdict="pass")
    return Report(study.name, {}, "2026-01-01T00:00:00Z", {"privacy": PrincipleResult("privacy", (check,))})


@pytest.fixture(autouse=True)
def _canned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ethicompass.review._run.assess", _assess)
    monkeypatch.delenv("ETHICOMPASS_SIGNING_KEY", raising=False)


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_signed_checkpoint_covers_the_report_hash(
    store: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    key = tmp_path / "key.pem"
    public = generate_signing_key(key)
    if how == "environment":
        monkeypatch.setenv("ETHICOMPASS_SIGNING_KEY", key.read_text(encoding="utf-8"))
    output = review(
        Study.from_file(small_study / "study.yaml"),
        policy=Policy.default(),
        store=store,
        out_dir=tmp_path / "out",
        pdf=False,
        signing_key=key if how == "argument" else None,
    )
    assert output.checkpoint is not None
    entries = AuditLog(store).entries()
    report_entry = next(e for e in entries if e.action == "review.report")
    assert report_entry.hashes["report.json"] == output.report_hash
    assert report_entry.seq < output.checkpoint["tree_size"]
    assert entries[-1].action == "audit.checkpoint"
    result = verify_log(store, trusted_keys=[public])
    assert result.ok, result.problem
    assert output.to_dict()["signed_checkpoint"]["key_id"] == output.checkpoint["key_id"]


def test_no_key_no_checkpoint(store: Any, small_study: Path, tmp_path: Path) -> None:
    output = review(
        Study.from_file(small_study / "study.yaml"),
        policy=Policy.default(),
        store=store,
        out_dir=tmp_path / "out",
        pdf=False,
    )
    assert output.checkpoint is None
    assert [e.action for e in AuditLog(store).entries()] == ["review.report"]


def test_cli_signs_with_key_file_and_rejects_a_bad_key(cli: Any, small_study: Path, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    generate_signing_key(key)
    ok = cli(
        "review",
        small_study / "study.yaml",
        "--out",
        tmp_path / "a",
        "--no-pdf",
        "--key-file",
        key,
        "-f",
        "json",
    )
    assert ok.code == 0, ok.err
    assert ok.json()["signed_checkpoint"]["tree_size"] >= 1
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n", encoding="utf-8")
    result = cli("review", small_study / "study.yaml", "--out", tmp_path / "b", "--no-pdf", "--key-file", bad)
    assert result.code == 2
    assert "signing key" in result.err


@pytest.mark.skipif(not __import__("importlib").util.find_spec("weasyprint"), reason="needs the pdf extra")
def test_pdf_is_written_and_its_hash_logged(store: Any, small_study: Path, tmp_path: Path) -> None:
    from ethicompass.frames import sha256_file

    output = review(
        Study.from_file(small_study / "study.yaml"),
        policy=Policy.default(),
        store=store,
        out_dir=tmp_path / "out",
        pdf=True,
    )
    assert output.pdf_path is not None
    assert output.pdf_path.read_bytes().startswith(b"%PDF")
    entry = AuditLog(store).entries(action="review.report")[0]
    assert entry.hashes["report.pdf"] == sha256_file(output.pdf_path)
    assert not list((tmp_path / "out").glob(".*partial"))
