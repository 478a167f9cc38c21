"""RiskReport: edge cases, hand-computed measures, populations and the Zayatz estimate."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from ethicompass.errors import InputError
from ethicompass.privacy import EquivalenceSummary, risk, summarize


@pytest.mark.parametrize(
    ("ages", "k", "classes", "uniques", "below", "prosecutor_max", "prosecutor_mean"),
    [
        pytest.param([1, 2, 3, 4, 5], 1, 5, 5, 5, 1.0, 1.0, id="all-unique"),
        pytest.param([7] * 6, 6, 1, 0, 0, 1 / 6, 1 / 6, id="single-class"),
        pytest.param([1, 1, 2, 2, 2, 3], 1, 3, 1, 6, 1.0, 0.5, id="mixed"),
        pytest.param([None, None, 1, 1, 1, 1, 1], 2, 2, 0, 2, 0.5, 2 / 7, id="nulls-own-class"),
    ],
)
def test_edge_cases(
    constructor: Any,
    ages: list[int | None],
    k: int,
    classes: int,
    uniques: int,
    below: int,
    prosecutor_max: float,
    prosecutor_mean: float,
) -> None:
    report = risk(constructor({"age": ages}), quasi_identifiers=["age"], k_threshold=5)
    assert (report.k, report.equivalence_classes, report.uniques, report.records_below_k) == (
        k,
        classes,
        uniques,
        below,
    )
    assert report.prosecutor.max == pytest.approx(prosecutor_max)
    assert report.prosecutor.mean == pytest.approx(prosecutor_mean)
    assert report.null_records == {"age": sum(a is None for a in ages)}
    json.dumps(report.to_dict())


def test_json_has_the_issue_fields() -> None:
    report = risk(
        pl.DataFrame({"a": [1, 1, 2], "s": ["x", "y", "x"]}), quasi_identifiers=["a"], sensitive="s"
    )
    data = report.to_dict()
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
        assert key in data
    assert set(data["prosecutor_risk"]) >= {"max", "mean", "share_above_threshold"}
    assert "journalist_risk" not in data


def test_l_diversity_and_t_closeness_by_hand() -> None:
    # class A: s = x, x, y ; class B: s = x, z
    frame = pl.DataFrame({"q": ["A", "A", "A", "B", "B"], "s": ["x", "x", "y", "x", "z"]})
    report = risk(frame, quasi_identifiers=["q"], sensitive="s")
    assert report.l_diversity is not None
    assert report.l_diversity.distinct == 2
    entropy_a = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert report.l_diversity.entropy == pytest.approx(math.exp(entropy_a))
    # recursive (c, 2): r1 / (r2 + ...) = 2/1 for A, 1/1 for B
    assert report.l_diversity.recursive_c == pytest.approx(2.0)
    # global p: x 3/5, y 1/5, z 1/5; A: 2/3, 1/3, 0 -> 0.5 * (1/15 + 2/15 + 3/15) = 0.2
    # B: 1/2, 0, 1/2 -> 0.5 * (1/10 + 2/10 + 3/10) = 0.3
    assert report.t == pytest.approx(0.3)
    assert report.t_kind == "categorical"


def test_ordinal_t_closeness() -> None:
    # values 1, 2, 3; p = (1/3, 1/3, 1/3); class A = all 1s: cumulative diff (2/3, 1/3) -> 1/2
    frame = pl.DataFrame({"q": ["A", "A", "B", "B", "C", "C"], "s": [1, 1, 2, 2, 3, 3]})
    report = risk(frame, quasi_identifiers=["q"], sensitive="s")
    assert report.t_kind == "ordinal"
    assert report.t == pytest.approx(0.5)


def test_journalist_risk_from_population_table() -> None:
    sample = pl.DataFrame({"a": [1, 1, 2]})
    population = pl.DataFrame({"a": [1] * 10 + [2] * 4 + [3] * 100})
    report = risk(sample, quasi_identifiers=["a"], population=summarize(population, quasi_identifiers=["a"]))
    assert report.journalist is not None
    assert report.journalist.max == pytest.approx(1 / 4)
    assert report.journalist.mean == pytest.approx((2 / 10 + 1 / 4) / 3)
    assert report.marketer_risk == pytest.approx((2 / 10 + 1 / 4) / 3)
    assert report.population_uniques.estimate == 0
    assert "journalist_risk" in report.to_dict()


def test_population_counts_and_missing_classes() -> None:
    sample = pl.DataFrame({"a": [1, 5]})
    counts = pl.DataFrame({"a": [1], "n": [20]})
    population = EquivalenceSummary.from_counts(counts, quasi_identifiers=["a"], count="n")
    report = risk(sample, quasi_identifiers=["a"], population=population)
    assert report.classes_missing_from_population == 1
    assert report.journalist is not None and report.journalist.max == 1.0  # treated as its own population


def test_zayatz_estimate() -> None:
    rng = np.random.default_rng(1)
    frame = pl.DataFrame({"a": rng.integers(0, 300, 500)})
    report = risk(frame, quasi_identifiers=["a"], population_size=5000)
    sizes = frame.group_by("a").len()["len"].to_numpy()
    pi = 0.1
    u1 = (sizes == 1).sum()
    values, freq = np.unique(sizes, return_counts=True)
    expected = u1 * (u1 * pi) / (freq * values * pi * (1 - pi) ** (values - 1)).sum()
    assert report.population_uniques.estimator == "Zayatz"
    assert report.population_uniques.estimate == pytest.approx(expected)
    assert 0 <= report.population_uniques.estimate <= report.uniques
    whole = risk(frame, quasi_identifiers=["a"])
    assert whole.population_uniques.estimate == whole.uniques  # the sample is the population


def test_share_above_threshold() -> None:
    frame = pl.DataFrame({"a": [1] * 20 + [2] * 5})  # risks 0.05 and 0.2
    report = risk(frame, quasi_identifiers=["a"], risk_threshold=0.09)
    assert report.prosecutor.share_above_threshold == pytest.approx(5 / 25)


def test_merged_summaries_give_the_same_report() -> None:
    a = pl.DataFrame({"a": [1, 2, 2], "s": ["x", "y", "x"]})
    b = pl.DataFrame({"a": [1, 3, 2], "s": ["y", "y", "x"]})
    kw: dict[str, Any] = {"quasi_identifiers": ["a"], "sensitive": "s"}
    merged = risk(summarize(a, **kw) + summarize(b, **kw), **kw)
    whole = risk(pl.concat([a, b]), **kw)
    assert merged.to_dict() == whole.to_dict()


@pytest.mark.parametrize(
    "kwargs",
    [{"k_threshold": 0}, {"risk_threshold": 0.0}, {"risk_threshold": 1.5}, {"population_size": 2}],
)
def test_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        risk(pl.DataFrame({"a": [1, 2, 3]}), quasi_identifiers=["a"], **kwargs)


def test_to_frame_lists_classes() -> None:
    report = risk(pl.DataFrame({"a": [1, 1, 2]}), quasi_identifiers=["a"])
    frame = report.to_frame()
    assert frame.height == 2 and set(frame.columns) == {"a", "size", "prosecutor_risk"}


def test_journalist_risk_lines_up_population_classes_by_key_with_two_text_quasi_identifiers() -> None:
    # with text codes in order of first appearance, class ids need not follow the keys' sort order:
    # (B, a) must get its own population size (2), not that of (B, z) (100)
    sample = pl.DataFrame({"a": ["A", "B", "B", "B"], "b": ["z", "a", "a", "z"]})
    population = pl.DataFrame({"a": ["A"] * 10 + ["B"] * 102, "b": ["z"] * 10 + ["a"] * 2 + ["z"] * 100})
    report = risk(
        sample, quasi_identifiers=["a", "b"], population=summarize(population, quasi_identifiers=["a", "b"])
    )
    assert report.journalist is not None
    assert report.journalist.max == 0.5
    assert report.journalist.mean == pytest.approx((1 / 10 + 1 / 2 + 1 / 2 + 1 / 100) / 4, abs=1e-15)
    assert report.marketer_risk == pytest.approx((1 / 10 + 2 / 2 + 1 / 100) / 4, abs=1e-15)
