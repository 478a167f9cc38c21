"""``ethicompass benefit``: the JSON of issue 9, plots, an audit entry, and exit 2 on bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from ethicompass import safety
from ethicompass.cli.safety_benefit import parse_scores, parse_thresholds


@pytest.fixture
def predictions(tmp_path: Path) -> Path:
    rng = np.random.default_rng(9)
    n = 800
    p = rng.beta(2, 5, n)
    frame = pl.DataFrame(
        {
            "participant_id": [f"P{i:07d}" for i in range(n)],
            "y": (rng.random(n) < p).astype(int),
            "p": p,
            "alt": np.clip(p + rng.normal(0, 0.15, n), 0, 1),
            "sex": rng.choice(["F", "M"], n),
        }
    )
    path = tmp_path / "predictions.csv"
    frame.write_csv(path)
    return path


def test_json_has_exactly_the_issue_shape_and_the_library_numbers(
    cli: Callable[..., Any], predictions: Path, tmp_path: Path
) -> None:
    plots = tmp_path / "plots"
    result = cli(
        "benefit", predictions, "--label", "y", "--score", "p", "--score", "simple=alt", "--group", "sex",
        "--thresholds", "0.05:0.6:0.05", "--boot", "200", "--plots", plots, "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = result.json()
    assert list(data) == ["thresholds", "net_benefit", "ci", "useful_range", "calibration", "harm"]
    assert data["thresholds"] == [round(0.05 * k, 2) for k in range(1, 13)]
    assert set(data["net_benefit"]) == {"p", "simple", "treat_all", "treat_none"}
    assert set(data["ci"]) == {"p", "simple"} and len(data["ci"]["p"]) == 12 and len(data["ci"]["p"][0]) == 2
    curve = safety.decision_curve(
        pl.read_csv(predictions), label="y", scores={"p": "p", "simple": "alt"}, thresholds=data["thresholds"],
        n_boot=200, groups=["sex"],
    )  # fmt: skip
    np.testing.assert_allclose(data["net_benefit"]["p"], curve.overall.net_benefit["p"], atol=1e-15)
    np.testing.assert_allclose(data["ci"]["p"], curve.overall.net_benefit_ci["p"], atol=1e-15)
    assert data["useful_range"]["p"] == list(curve.overall.useful_range["p"] or [])
    assert data["calibration"]["p"]["overall"]["slope"] is not None
    assert [s["value"] for s in data["harm"]["p"]["subgroups"]] == ["F", "M"]
    assert sorted(p.name for p in plots.iterdir()) == [
        "calibration_p.svg", "calibration_p_sex.svg", "calibration_simple.svg", "calibration_simple_sex.svg",
        "decision_curve.svg",
    ]  # fmt: skip
    assert "P0000001" not in result.out


def test_run_is_recorded_in_the_audit_log(cli: Callable[..., Any], predictions: Path) -> None:
    import os

    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    assert cli("benefit", predictions, "-y", "y", "-s", "p", "--boot", "0").code == 0
    store = Store(os.environ["ETHICOMPASS_DATABASE_URL"]).open()
    try:
        entries = [e for e in AuditLog(store).entries() if e.action == "safety.benefit"]
    finally:
        store.dispose()
    assert len(entries) == 1
    assert entries[0].hashes["input"].startswith("sha256:")
    assert entries[0].params["models"] == {"p": "p"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-y", "nope", "-s", "p"], "'nope' not found"),
        (["-y", "y", "-s", "p", "--thresholds", "0:1:0.1"], "strictly between 0 and 1"),
        (["-y", "y", "-s", "p", "--thresholds", "a:b"], "START:STOP:STEP"),
        (["-y", "y", "-s", "p", "-s", "p"], "used twice"),
        (["-y", "sex", "-s", "p"], "not 0/1"),
    ],
)
def test_bad_input_exits_2_with_a_fix(
    cli: Callable[..., Any], predictions: Path, args: list[str], words: str
) -> None:
    result = cli("benefit", predictions, *args)
    assert result.code == 2
    assert words in result.err and "fix:" in result.err


def test_table_output_names_the_most_harmed_group(cli: Callable[..., Any], predictions: Path) -> None:
    result = cli(
        "benefit", predictions, "-y", "y", "-s", "p", "-g", "sex", "--boot", "50", "--threshold", "0.2"
    )
    assert result.code == 0, result.err
    assert "useful range" in result.out and "most harm falls on sex=" in result.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.01:0.03:0.01", [0.01, 0.02, 0.03]), ("0.1,0.25", [0.1, 0.25]), ("0.2:0.1:0.1", [])],
)
def test_parse_thresholds(text: str, expected: list[float]) -> None:
    assert parse_thresholds(text) == expected


def test_parse_scores() -> None:
    assert parse_scores(["p", "alt=q"]) == {"p": "p", "alt": "q"}
