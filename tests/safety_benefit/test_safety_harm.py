"""Harm at the threshold: exact counts per subgroup, tied to net benefit, the worst group found."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass import safety
from ethicompass.errors import InputError


def _planted(seed: int = 0, n: int = 4000) -> pl.DataFrame:
    """Group 'b' gets a score that under-states its risk: more missed events."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n)
    risk = rng.beta(2, 5, n)
    y = (rng.random(n) < risk).astype(int)
    score = np.clip(np.where(group == "b", 0.5 * risk, risk) + rng.normal(0, 0.03, n), 0.001, 0.999)
    return pl.DataFrame({"y": y, "p": score, "g": group, "sex": rng.choice(["F", "M"], n)})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.1, 0.2, 0.35, 0.5]))
def test_counts_equal_a_brute_force_count(seed: int, threshold: float) -> None:
    frame = _planted(seed, 300)
    report = safety.harm(frame, label="y", score="p", threshold=threshold, groups=["g"], n_boot=0)
    for row in (report.overall, *report.subgroups):
        part = frame if row.attribute is None else frame.filter(pl.col("g") == row.value)
        treated = part["p"].to_numpy() >= threshold
        y = part["y"].to_numpy()
        assert row.false_negatives == int(np.sum((y == 1) & ~treated))
        assert row.false_positives == int(np.sum((y == 0) & treated))
        assert row.false_negatives_per_1000 == pytest.approx(1000 * row.false_negatives / part.height)
        lo, hi = row.false_negatives_per_1000_ci
        assert lo <= row.false_negatives_per_1000 <= hi


def test_weighted_harm_is_prevalence_minus_net_benefit() -> None:
    frame = _planted(1)
    report = safety.harm(frame, label="y", score="p", threshold=0.2, groups=["g"])
    curve = safety.decision_curve(
        frame, label="y", scores={"m": "p"}, thresholds=[0.2], n_boot=0, groups=["g"]
    )
    for row, pop in zip((report.overall, *report.subgroups), (curve.overall, *curve.subgroups), strict=True):
        expected = 1000 * (pop.prevalence - pop.net_benefit["m"][0])
        assert row.weighted_harm_per_1000 == pytest.approx(expected, abs=1e-9)


def test_the_planted_underserved_group_bears_the_most_harm(
    constructor: Callable[[dict[str, list[Any]]], Any],
) -> None:
    frame = constructor(_planted(2).to_dict(as_series=False))
    report = safety.harm(frame, label="y", score="p", threshold=0.25, groups=["sex", "g"])
    assert report.most_harmed is not None
    assert (report.most_harmed.attribute, report.most_harmed.value) == ("g", "b")
    assert report.most_harmed_by_attribute["g"].value == "b"
    worst, others = report.most_harmed, [r for r in report.subgroups if r.attribute == "g" and r.value != "b"]
    assert all(worst.weighted_harm_per_1000_ci[0] > r.weighted_harm_per_1000_ci[1] for r in others)
    json.dumps(report.to_dict(), allow_nan=False)
    assert report.to_frame().height == 1 + 2 + 3


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.2])
def test_threshold_outside_the_unit_interval_is_an_input_error(threshold: float) -> None:
    with pytest.raises(InputError, match="strictly between"):
        safety.harm(_planted(0, 50), label="y", score="p", threshold=threshold, groups=["g"])
