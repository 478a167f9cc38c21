"""``ethicompass review``: exit 0 for pass or warn, 1 for fail, 2 for bad input (naming the field)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ethicompass.review import Check, PrincipleResult, Report
from ethicompass.review._report import Verdict


def _canned(verdict: Verdict) -> Callable[..., Report]:
    def assess(study: Any, /, **_: Any) -> Report:
        checks = (
            Check(id="privacy.k_anonymity", title="k-anonymity", verdict=verdict, value=5, threshold=5),
        )
        return Report(
            study=study.name,
            policy={},
            generated_at="2026-01-01T00:00:00Z",
            principles={"privacy": PrincipleResult("privacy", checks)},
        )

    return assess


@pytest.mark.parametrize(("verdict", "code"), [("pass", 0), ("warn", 0), ("fail", 1)])
def test_exit_code_is_the_verdict(
    cli: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verdict: Verdict, code: int
) -> None:
    monkeypatch.setattr("ethicompass.review._run.assess", _canned(verdict))
    monkeypatch.delenv("ETHICOMPASS_SIGNING_KEY", raising=False)
    out = tmp_path / "out"
    result = cli("review", small_study / "study.yaml", "--out", out, "--no-pdf", "--format", "json")
    assert result.code == code, result.err
    data = result.json()
    assert data["verdict"] == verdict
    assert data["principles"] == {"privacy": verdict}
    assert isinstance(data["review_id"], int) and data["signed_checkpoint"] is None
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == verdict
    assert (out / "report.html").is_file()


def test_table_output_says_where_the_report_is(
    cli: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ethicompass.review._run.assess", _canned("warn"))
    result = cli("review", small_study / "study.yaml", "--out", tmp_path / "o", "--no-pdf")
    assert result.code == 0, result.err
    assert "WARN" in result.out and "report.html" in (result.out + result.err).replace("\n", "")


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ("privacy: {k: 1}\n", "privacy.k"),
        ("fairness: {max_fpr_difference: 3}\n", "fairness.max_fpr_difference"),
        ("nonsense: true\n", "nonsense"),
    ],
)
def test_bad_policy_exits_2_naming_the_field(
    cli: Any, small_study: Path, tmp_path: Path, policy: str, words: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(policy, encoding="utf-8")
    result = cli("review", small_study / "study.yaml", "--policy", path, "--out", tmp_path / "o", "--no-pdf")
    assert result.code == 2
    assert words in result.err
    assert not (tmp_path / "o" / "report.json").exists()


def test_missing_manifest_exits_2(cli: Any, tmp_path: Path) -> None:
    result = cli("review", tmp_path / "absent.yaml", "--out", tmp_path / "o", "--no-pdf")
    assert result.code == 2


def test_missing_policy_file_exits_2(cli: Any, small_study: Path, tmp_path: Path) -> None:
    result = cli(
        "review", small_study / "study.yaml", "--policy", tmp_path / "nope.yaml", "--out", tmp_path / "o"
    )
    assert result.code == 2
    assert "no such policy file" in result.err


def test_help_describes_every_option(cli: Any) -> None:
    result = cli("review", "--help")
    assert result.code == 0
    for option in ("--out", "--policy", "--pdf", "--format"):
        assert option in result.out
