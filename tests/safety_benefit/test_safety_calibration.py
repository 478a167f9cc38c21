"""Calibration pinned to statsmodels' logistic fits; the Brier decomposition is exact; intervals cover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass import safety
from ethicompass.errors import InputError
from ethicompass.safety._calibration import fit_recalibration

sm = pytest.importorskip("statsmodels.api")


def _data(seed: int, n: int, *, distort: float = 1.3, shift: float = 0.2) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 5, n)
    logit = np.log(p / (1 - p))
    truth = 1 / (1 + np.exp(-(shift + distort * logit)))
    y = (rng.random(n) < truth).astype(int)
    return {"y": y.tolist(), "p": p.tolist(), "sex": rng.choice(["F", "M"], n).tolist()}


@pytest.mark.parametrize(("seed", "n", "coarse"), [(0, 400, False), (1, 2000, False), (2, 3000, True)])
def test_slope_and_intercepts_equal_statsmodels(seed: int, n: int, coarse: bool) -> None:
    data = _data(seed, n)
    p = np.array(data["p"])
    if coarse:  # grouped data: many patients share each score
        p = np.clip(np.round(p, 2), 0.01, 0.99)
        data["p"] = p.tolist()
    y = np.array(data["y"])
    report = safety.calibration(pl.DataFrame(data), label="y", score="p")
    x = np.log(p / (1 - p))
    two = sm.Logit(y, sm.add_constant(x)).fit(disp=0, tol=1e-12, maxiter=100)
    one = sm.GLM(y, np.ones(n), offset=x, family=sm.families.Binomial()).fit(tol=1e-12)
    c = report.overall
    assert c.recalibration_intercept == pytest.approx(two.params[0], abs=1e-8)
    assert c.slope == pytest.approx(two.params[1], abs=1e-8)
    assert c.intercept == pytest.approx(one.params[0], abs=1e-8)
    np.testing.assert_allclose(c.slope_ci, two.conf_int()[1], atol=1e-6)
    np.testing.assert_allclose(c.recalibration_intercept_ci, two.conf_int()[0], atol=1e-6)
    np.testing.assert_allclose(c.intercept_ci, one.conf_int()[0], atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 300), st.integers(1, 20))
def test_brier_decomposition_is_exact(seed: int, n: int, n_bins: int) -> None:
    data = _data(seed, n)
    data["y"][0], data["y"][1] = 0, 1
    report = safety.calibration(pl.DataFrame(data), label="y", score="p", n_bins=n_bins, groups=["sex"])
    for c in (report.overall, *report.subgroups):
        rebuilt = (
            c.reliability - c.resolution + c.uncertainty + c.within_bin_variance - 2 * c.within_bin_covariance
        )
        assert rebuilt == pytest.approx(c.brier, abs=1e-12)
    p, y = np.array(data["p"]), np.array(data["y"])
    assert report.overall.brier == pytest.approx(np.mean((p - y) ** 2), abs=1e-12)


def test_ece_and_bins_on_a_hand_worked_example() -> None:
    frame = pl.DataFrame({"y": [0, 1, 0, 0, 1, 1], "p": [0.05, 0.15, 0.1, 0.6, 0.7, 0.8]})
    c = safety.calibration(frame, label="y", score="p", n_bins=2).overall
    # bin [0, .5): mean p 0.1, observed 1/3; bin [.5, 1]: mean p 0.7, observed 2/3
    assert c.ece == pytest.approx(0.5 * abs(0.1 - 1 / 3) + 0.5 * abs(0.7 - 2 / 3))
    np.testing.assert_allclose(c.bins["n"], [3, 3])
    assert c.calibration_in_the_large == pytest.approx(0.5 - 0.4)
    assert c.observed_expected_ratio == pytest.approx(3 / 2.4)


def test_a_well_calibrated_model_looks_calibrated_and_a_distorted_one_does_not() -> None:
    good = safety.calibration(pl.DataFrame(_data(5, 20_000, distort=1.0, shift=0.0)), label="y", score="p")
    bad = safety.calibration(pl.DataFrame(_data(5, 20_000, distort=0.6, shift=-0.4)), label="y", score="p")
    assert good.overall.slope_ci[0] < 1 < good.overall.slope_ci[1]
    assert good.overall.intercept_ci[0] < 0 < good.overall.intercept_ci[1]
    assert bad.overall.slope_ci[1] < 1 and bad.overall.intercept_ci[1] < 0
    assert good.overall.ece < bad.overall.ece
    assert np.nanmax(np.abs(good.overall.smooth_y - good.overall.smooth_x)) < 0.05


def test_subgroups_each_get_their_own_numbers(constructor: Callable[[dict[str, list[Any]]], Any]) -> None:
    data = _data(7, 600)
    report = safety.calibration(constructor(data), label="y", score="p", groups=["sex"])
    assert [(c.attribute, c.value) for c in report.subgroups] == [("sex", "F"), ("sex", "M")]
    assert sum(c.n for c in report.subgroups) == report.overall.n == 600
    frame = report.to_frame()
    assert frame.height == 3 and {"slope_lo", "slope_hi", "ece"} <= set(frame.columns)
    import json

    json.dumps(report.to_dict(), allow_nan=False)
    svg = report.to_svg(attribute="sex")
    assert svg.startswith("<?xml") and "</svg>" in svg and svg == report.to_svg(attribute="sex")


def test_a_subgroup_without_events_reports_nan_instead_of_failing() -> None:
    frame = pl.DataFrame({"y": [0, 0, 0, 1, 0, 1], "p": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "g": list("aaabbb")})
    report = safety.calibration(frame, label="y", score="p", groups=["g"])
    a = report.subgroups[0]
    assert a.events == 0 and np.isnan(a.slope) and np.isnan(a.intercept)
    assert report.to_dict()["subgroups"][0]["slope"] is None


@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1, 1]])
def test_one_class_labels_are_an_input_error(labels: list[int]) -> None:
    with pytest.raises(InputError, match="only"):
        safety.calibration(pl.DataFrame({"y": labels, "p": [0.1, 0.2, 0.3]}), label="y", score="p")


@pytest.mark.slow
def test_slope_interval_covers_the_truth_95_percent() -> None:
    """Data generated with a known slope (0.8) and intercept (0.3): count Wald coverage."""
    rng = np.random.default_rng(11)
    sims, n = 800, 400
    hits = np.zeros(2)
    for _ in range(sims):
        x = np.log(p := rng.beta(2, 4, n)) - np.log1p(-p)
        y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)
        beta, cov, ok = fit_recalibration(x, np.ones(n), y, offset=False)
        assert ok
        se = np.sqrt(np.diag(cov))
        hits += np.abs(beta - np.array([0.3, 0.8])) <= 1.959963984540054 * se
    coverage = hits / sims
    assert np.all((coverage >= 0.93) & (coverage <= 0.97)), coverage
