"""Drift: known shifts are found, no shift is quiet, and judgements account for sample size."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ethicompass.errors import InputError
from ethicompass.safety import drift
from ethicompass.safety._drift import compare_counts


def _window(rng: np.random.Generator, n: int, *, age_shift: float = 0.0, sex_p: float = 0.5) -> pl.DataFrame:
    age = rng.normal(60 + age_shift, 12, n)
    score = 1 / (1 + np.exp(-(age - 60) / 10))
    y = (rng.random(n) < score).astype(int)
    return pl.DataFrame(
        {"age": age, "sex": np.where(rng.random(n) < sex_p, "F", "M"), "score": score, "y": y}
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def test_no_shift_is_stable(rng) -> None:
    report = drift(_window(rng, 3000), _window(rng, 3000), score="score", label="y")
    assert report.drifted == ()
    assert {c.judgement for c in report.columns} == {"stable"}
    assert (
        report.performance is not None
        and abs(report.performance.auroc_current - report.performance.auroc_reference) < 0.05
    )


def test_known_shift_is_drift(rng) -> None:
    report = drift(_window(rng, 3000), _window(rng, 3000, age_shift=6, sex_p=0.7), columns=["age", "sex"])
    assert {c.column for c in report.drifted} == {"age", "sex"}


def test_tiny_shift_on_huge_samples_is_not_drift(rng) -> None:
    report = drift(_window(rng, 200_000), _window(rng, 200_000, age_shift=0.4), columns=["age"])
    (age,) = report.columns
    assert age.ks_p_value is not None and age.ks_p_value < 1e-6  # detectable...
    assert age.judgement == "stable"  # ...but negligible


def test_big_shift_on_tiny_samples_is_only_possible(rng) -> None:
    report = drift(_window(rng, 25), _window(rng, 25, age_shift=5), columns=["age"])
    assert report.columns[0].judgement in ("possible", "drift")
    assert report.columns[0].psi_expected_null > 0.5  # PSI alone would mislead here


def test_subgroups(rng) -> None:
    ref = _window(rng, 4000)
    cur = _window(rng, 4000).with_columns(
        pl.when(pl.col("sex") == "F").then(pl.col("age") + 8).otherwise(pl.col("age")).alias("age")
    )
    report = drift(ref, cur, columns=["age"], groups=["sex"])
    by_group = {tuple((c.group or {}).items()): c.judgement for c in report.columns}
    assert by_group[(("sex", "F"),)] == "drift" and by_group[(("sex", "M"),)] == "stable"


def test_psi_of_identical_histograms_is_zero() -> None:
    psi, _expected, p, v = compare_counts(np.array([10.0, 20, 30]), np.array([10.0, 20, 30]))
    assert psi == pytest.approx(0) and v == pytest.approx(0) and p == pytest.approx(1)


def test_empty_window() -> None:
    with pytest.raises(InputError, match="no rows"):
        drift(pl.DataFrame({"a": [1]}), pl.DataFrame({"a": []}))


def test_cli_drift(cli, tmp_path, rng) -> None:
    _window(rng, 2000).write_csv(tmp_path / "ref.csv")
    _window(rng, 2000, age_shift=8).write_csv(tmp_path / "cur.csv")
    result = cli(
        "drift",
        tmp_path / "ref.csv",
        tmp_path / "cur.csv",
        "--score",
        "score",
        "--label",
        "y",
        "--format",
        "json",
    )
    assert result.code == 1, result.err
    assert "age" in result.json()["drifted"]
    assert "column(s) drifted: age" in result.err
    reported = cli("drift", tmp_path / "ref.csv", tmp_path / "cur.csv", "--no-fail")
    assert reported.code == 0, reported.err
    assert "drifted: age" in reported.out  # the summary travels with the table
    assert cli("drift", tmp_path / "ref.csv", tmp_path / "cur.csv", "--fail-on-drift").code == 1
    assert cli("drift", tmp_path / "ref.csv", tmp_path / "ref.csv").code == 0
