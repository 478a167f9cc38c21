"""``ethicompass fairness`` / ``representativeness``, and the demo step."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest


@pytest.fixture
def predictions(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 3000
    race = rng.choice(["A", "B"], n, p=[0.7, 0.3])
    y = (rng.random(n) < 0.3).astype(int)
    signal = np.where(race == "B", 0.3, 1.5)
    p = 1 / (1 + np.exp(-(-1 + signal * (2 * y - 0.6) + rng.normal(0, 1, n))))
    path = tmp_path / "pred.csv"
    pl.DataFrame({"sex": rng.choice(["F", "M"], n), "race": race, "y": y, "p": p}).write_csv(path)
    return path


def test_fairness_json_and_audit_entry(cli: Callable[..., Any], predictions: Path, tmp_path: Path) -> None:
    result = cli(
        "fairness", predictions, "--label", "y", "--score", "p", "--group", "sex", "--group", "race",
        "--boot", "200", "--plots", tmp_path / "plots", "--format", "json", "--no-fail",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = result.json()
    assert [g["group"] for g in data["groups"]] == [{"sex": "F"}, {"sex": "M"}, {"race": "A"}, {"race": "B"}]
    assert len(data["intersections"]) == 4
    assert any(f["group"] == {"race": "B"} for f in data["findings"])
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "fairness-calibration.svg", "fairness-metrics.svg", "fairness-roc.svg"
    ]  # fmt: skip
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    store = Store.from_env().open()
    try:
        entries = [e for e in AuditLog(store).entries() if e.action == "fairness.audit"]
    finally:
        store.dispose()
    assert entries and entries[-1].hashes["data"].startswith("sha256:")
    assert entries[-1].params["groups"] == ["sex", "race"]


def test_the_exit_code_is_the_verdict(cli: Callable[..., Any], predictions: Path) -> None:
    base = ("fairness", predictions, "--label", "y", "--score", "p", "--boot", "0")
    flagged = cli(*base, "--group", "race")
    assert flagged.code == 1
    assert "flagged" in flagged.err
    assert "flagged disparities" in flagged.out  # the summary travels with the data
    fair = cli(*base, "--group", "sex")
    assert fair.code == 0 and "no disparity flagged" in fair.out
    reported = cli(*base, "--group", "race", "--no-fail")
    assert reported.code == 0 and "flagged disparities" in reported.out
    # the former opt-in flag and score spelling still work
    assert (
        cli("fairness", predictions, "-y", "y", "-p", "p", "-b", "0", "-g", "race", "--fail-on-flag").code
        == 1
    )
    assert cli(*base[:4], "-s", "p", "--boot", "0", "-g", "sex").code == 0


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--label", "nope", "--score", "p", "--group", "sex"), "'nope' not found"),
        (("--label", "y", "--group", "sex"), "neither --score nor --prediction"),
        (("--label", "sex", "--score", "p", "--group", "race"), "not numeric"),
    ],
)
def test_bad_input_exits_2_with_the_fix(
    cli: Callable[..., Any], predictions: Path, args: tuple[str, ...], text: str
) -> None:
    result = cli("fairness", predictions, *args)
    assert result.code == 2
    assert text in result.err and "fix:" in result.err


def test_representativeness_verb(cli: Callable[..., Any], tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    pl.DataFrame({"sex": ["F"] * 30 + ["M"] * 70}).write_csv(cohort)
    reference = tmp_path / "ref.csv"
    pl.DataFrame(
        {"attribute": ["sex", "sex"], "value": ["F", "M"], "population_share": [0.5, 0.5]}
    ).write_csv(reference)
    ok = cli(
        "representativeness", cohort, "--reference", reference, "--attribute", "sex", "--format", "json", "--no-fail"
    )  # fmt: skip
    assert ok.code == 0, ok.err
    rows = {r["value"]: r for r in ok.json()["rows"]}
    assert rows["F"]["ppr"]["value"] == pytest.approx(0.6)
    assert cli("representativeness", cohort, "-r", reference, "-a", "sex").code == 1
    assert cli("representativeness", cohort, "-r", reference, "-a", "sex", "--fail-on-under").code == 1


def test_demo_step_on_the_small_study(small_study: Path, tmp_path: Path) -> None:
    from rich.console import Console

    from ethicompass.demo import DemoContext
    from ethicompass.fairness._demo import run
    from ethicompass.store import Store
    from ethicompass.study import Study

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}").open()
    console = Console(record=True, width=200)
    ctx = DemoContext(
        out_dir=tmp_path, study_dir=small_study, study=Study.from_file(small_study / "study.yaml"),
        store=store, console=console,
    )  # fmt: skip
    try:
        run(ctx)
    finally:
        store.dispose()
    text = console.export_text()
    assert "Audited" in text and "planted truth" in text
    assert ctx.results["fairness"].overall.n == 400


@pytest.mark.slow
def test_demo_finds_the_planted_underperformance(tmp_path: Path) -> None:
    """On the demo's 5,000-patient study: both planted groups found, nothing on sex."""
    from ethicompass import fairness
    from ethicompass.synth import generate_study

    generate_study(tmp_path, patients=5000, seed=0)
    truth = json.loads((tmp_path / "synth_truth.json").read_text())
    frame = pl.read_csv(tmp_path / "predictions.csv")
    report = fairness.audit(frame, label="outcome", score="risk_score", groups=["sex", "race", "age_group"])
    worse_auroc = {
        next(iter(f.group.items())) for f in report.findings if len(f.group) == 1 and f.metric == "auroc"
    }
    assert worse_auroc == {(t["attribute"], t["value"]) for t in truth["underperforming_subgroups"]}
    for attribute in truth["fair_attributes"]:
        assert not any(attribute in f.group and len(f.group) == 1 for f in report.findings)
