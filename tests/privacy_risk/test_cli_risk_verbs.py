"""The risk, anonymize and release verbs end to end, and the demo step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 400
    path = tmp_path / "d.csv"
    pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["F", "M"], n),
            "zip": [f"0{z}" for z in rng.integers(2100, 2300, n)],
            "birth_date": [
                f"19{y}-0{m}-15" for y, m in zip(rng.integers(30, 99, n), rng.integers(1, 9, n), strict=True)
            ],
            "race": rng.choice(["White", "Black", "Asian"], n),
            "dx": rng.choice(["a", "b", "c"], n),
        }
    ).write_csv(path)
    return path


def test_risk_json_fields(cli: Any, data: Path) -> None:
    result = cli(
        "risk",
        data,
        "--qi",
        "age,sex",
        "--qi",
        "zip:3",
        "--qi",
        "birth_date:year",
        "--sensitive",
        "dx",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    out = result.json()
    for key in (
        "k",
        "l",
        "t",
        "equivalence_classes",
        "records",
        "records_below_k",
        "uniques",
        "prosecutor_risk",
    ):
        assert key in out
    assert out["records"] == 400
    assert out["quasi_identifiers"] == ["age", "sex", "zip:3", "birth_date:year"]


def test_risk_with_population(cli: Any, data: Path, tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pl.DataFrame({"sex": ["F", "M"], "n": [5000, 4800]}).write_csv(pop)
    result = cli(
        "risk", data, "--qi", "sex", "--population", pop, "--population-count", "n", "--format", "json"
    )
    assert result.code == 0, result.err
    assert result.json()["journalist_risk"]["max"] == pytest.approx(1 / 4800)


def test_risk_table_and_bad_qi(cli: Any, data: Path) -> None:
    assert cli("risk", data, "--qi", "age,sex").code == 0
    bad = cli("risk", data, "--qi", "nope")
    assert bad.code == 2 and "nope" in bad.err
    assert cli("risk", data, "--qi", "sex:weird").code == 2


def test_anonymize_writes_and_audits(cli: Any, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    result = cli(
        "anonymize",
        data,
        "--qi",
        "age,sex,zip,race",
        "--k",
        "5",
        "--l",
        "2",
        "--sensitive",
        "dx",
        "--out",
        out,
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["risk_after"]["k"] >= 5 and summary["suppressed_share"] <= 0.05
    table = pl.read_parquet(out)
    assert table.height == summary["records_kept"]


def test_anonymize_with_hierarchy_file(cli: Any, data: Path, tmp_path: Path) -> None:
    hier = tmp_path / "h.yaml"
    hier.write_text("race:\n  type: categorical\n  levels:\n    - {Other: [Asian, Black]}\n")
    out = tmp_path / "out.csv"
    result = cli("anonymize", data, "--qi", "age,sex,race", "--k", "3", "--hierarchies", hier, "--out", out)
    assert result.code == 0, result.err
    assert out.exists()


def test_release_until_refused(cli: Any, data: Path) -> None:
    first = cli(
        "release",
        data,
        "--dataset",
        "d",
        "--query",
        "count",
        "--epsilon",
        "0.6",
        "--budget",
        "1",
        "--format",
        "json",
    )
    assert first.code == 0, first.err
    assert first.json()["budget"]["epsilon_remaining"] == pytest.approx(0.4)
    refused = cli(
        "release",
        data,
        "--dataset",
        "d",
        "--query",
        "mean",
        "--column",
        "age",
        "--bounds",
        "0,120",
        "--epsilon",
        "0.5",
    )
    assert refused.code == 2 and "refused" in refused.err
    hist = cli(
        "release",
        data,
        "--dataset",
        "d",
        "--query",
        "histogram",
        "--column",
        "dx",
        "--categories",
        "a,b",
        "--epsilon",
        "0.4",
    )
    assert hist.code == 0, hist.err
    changed = cli("release", data, "--dataset", "d", "--query", "count", "--epsilon", "0.1", "--budget", "2")
    assert changed.code == 2 and "already has a privacy budget" in changed.err


@pytest.mark.slow
def test_demo_step(small_study: Path, tmp_path: Path) -> None:
    from rich.console import Console

    from ethicompass.demo import DemoContext
    from ethicompass.privacy import AnonymizationResult, RiskReport
    from ethicompass.privacy.reidentification._demo import run
    from ethicompass.store import Store
    from ethicompass.study import Study

    store = Store(f"sqlite:///{tmp_path / 's.db'}").open()
    console = Console(file=open(tmp_path / "out.txt", "w"), width=120)  # noqa: SIM115
    ctx = DemoContext(tmp_path, small_study, Study.from_file(small_study / "study.yaml"), store, console)
    run(ctx)
    store.dispose()
    assert isinstance(ctx.results["privacy_risk"], RiskReport)
    assert isinstance(ctx.results["privacy_anonymization"], AnonymizationResult)
    assert ctx.results["privacy_risk_after"].k >= 5
