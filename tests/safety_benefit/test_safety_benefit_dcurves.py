"""Net benefit pinned to ``dcurves`` (the tool a Python user would otherwise pick) to 1e-12."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass import safety

dcurves = pytest.importorskip("dcurves")

GRID = [round(0.01 * i, 2) for i in range(1, 100)]


def _reference(df: pd.DataFrame, models: list[str], thresholds: list[float]) -> pd.DataFrame:
    return dcurves.dca(data=df, outcome="y", modelnames=models, thresholds=thresholds)


def _assert_matches(curve: safety.DecisionCurve, ref: pd.DataFrame, models: list[str]) -> None:
    for model in models:
        rows = ref[ref["model"] == model]
        np.testing.assert_allclose(curve.overall.net_benefit[model], rows["net_benefit"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(
            curve.overall.interventions_avoided[model], rows["net_intervention_avoided"], rtol=0, atol=1e-12
        )
    everyone = ref[ref["model"] == "all"]
    np.testing.assert_allclose(curve.overall.treat_all, everyone["net_benefit"], rtol=0, atol=1e-12)
    nobody = ref[ref["model"] == "none"]
    np.testing.assert_allclose(nobody["net_benefit"], 0.0, atol=1e-12)


@st.composite
def datasets(draw: Any) -> tuple[pd.DataFrame, list[float]]:
    n = draw(st.integers(4, 120))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    coarse = draw(st.booleans())
    p = rng.random(n)
    if coarse:  # many ties, and scores exactly on thresholds
        p = np.round(p, 2)
    q = np.clip(p + rng.normal(0, 0.2, n), 0, 1)
    y = (rng.random(n) < p).astype(int)
    y[0], y[1] = 0, 1  # dcurves divides by the number of events and of non-events
    thresholds = sorted({round(float(t), 6) for t in rng.uniform(0.001, 0.999, draw(st.integers(1, 25)))})
    if coarse:  # thresholds that coincide with scores
        thresholds = sorted({*thresholds, *(round(0.05 * i, 2) for i in range(1, 20))})
    return pd.DataFrame({"y": y, "p": p, "q": q}), thresholds


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_net_benefit_equals_dcurves_on_random_data(case: tuple[pd.DataFrame, list[float]]) -> None:
    df, thresholds = case
    curve = safety.decision_curve(df, label="y", scores={"p": "p", "q": "q"}, thresholds=thresholds, n_boot=0)
    _assert_matches(curve, _reference(df, ["p", "q"], thresholds), ["p", "q"])


@pytest.mark.slow
def test_net_benefit_equals_dcurves_on_actg_320() -> None:
    """ACTG 320 (Hammer et al. 1997) via scikit-survival, offline; a logistic model of our choice."""
    datasets_module = pytest.importorskip("sksurv.datasets")
    from sklearn.linear_model import LogisticRegression

    features, outcome = datasets_module.load_aids()
    y = outcome["censor"].astype(int)
    numeric = features[["age", "cd4", "karnof", "priorzdv"]].astype(float)
    dummies = pd.get_dummies(features[["tx", "ivdrug", "sex", "raceth"]].astype(str), drop_first=True)
    x = pd.concat([numeric, dummies.astype(float)], axis=1).to_numpy()
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    full = LogisticRegression(max_iter=1000).fit(x, y).predict_proba(x)[:, 1]
    cd4_only = LogisticRegression(max_iter=1000).fit(x[:, [1]], y).predict_proba(x[:, [1]])[:, 1]
    df = pd.DataFrame({"y": y, "full": full, "cd4": cd4_only})
    thresholds = [round(0.005 * i, 3) for i in range(1, 60)]
    curve = safety.decision_curve(df, label="y", scores={"full": "full", "cd4": "cd4"}, thresholds=thresholds)
    _assert_matches(curve, _reference(df, ["full", "cd4"], thresholds), ["full", "cd4"])
    assert curve.overall.n == 1151 and curve.overall.events == int(y.sum())
    assert curve.overall.useful_range["full"] is not None


def test_every_backend_gives_the_same_curves(constructor: Callable[[dict[str, list[Any]]], Any]) -> None:
    rng = np.random.default_rng(3)
    data = {
        "y": (rng.random(300) < 0.3).astype(int).tolist(),
        "p": np.round(rng.random(300), 3).tolist(),
        "sex": rng.choice(["F", "M"], 300).tolist(),
    }
    curve = safety.decision_curve(
        constructor(data), label="y", scores={"m": "p"}, thresholds=GRID, n_boot=50, groups=["sex"]
    )
    expected = safety.decision_curve(
        pl.DataFrame(data), label="y", scores={"m": "p"}, thresholds=GRID, n_boot=50, groups=["sex"]
    )
    assert curve.to_dict() == expected.to_dict()
