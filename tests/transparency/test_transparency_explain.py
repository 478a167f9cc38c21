"""Explanations: permutation importance finds the planted signal; per-prediction requests are logged."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

from ethicompass.errors import InputError
from ethicompass.store import Store
from ethicompass.transparency import AuditLog, explain_global, explain_prediction


def _data(n: int = 300) -> tuple[pl.DataFrame, np.ndarray, Any]:
    rng = np.random.default_rng(0)
    X = pl.DataFrame({"strong": rng.normal(size=n), "weak": rng.normal(size=n), "noise": rng.normal(size=n)})
    y = ((2 * X["strong"] + 0.5 * X["weak"] + rng.normal(size=n) * 0.5) > 0).cast(pl.Int64).to_numpy()
    model = LogisticRegression().fit(X.to_pandas(), y)
    return X, y, model


def test_permutation_importance_ranks_the_planted_signal() -> None:
    X, y, model = _data()
    result = explain_global(model, X, y, n_repeats=5, seed=1)
    ranked = [f["feature"] for f in result.to_dict()["features"]]
    assert ranked == ["strong", "weak", "noise"]
    assert result.to_frame().height == 3
    again = explain_global(model, X, y, n_repeats=5, seed=1)
    assert again == result  # seeded: same result


def test_numpy_input_and_bad_input() -> None:
    X, y, _ = _data()
    model = LogisticRegression().fit(X.to_numpy(), y)
    assert explain_global(model, X.to_numpy(), y, n_repeats=2).features == ("x0", "x1", "x2")
    with pytest.raises(InputError):
        explain_global(model, X.to_numpy(), y[:-1])
    with pytest.raises(InputError):
        explain_global(model, X.to_numpy(), y, method="lime")


def test_prediction_explanation_is_logged_without_values() -> None:
    X, _, model = _data()
    log = AuditLog(Store("sqlite://").open())
    result = explain_prediction(model, X, row=5, audit=log, method="occlusion")
    assert len(result.contributions) == 3
    entry = log.get(result.audit_seq)
    assert entry.action == "explain.prediction" and entry.object_id == "row-5"
    assert set(entry.params["features_ranked"]) == {"strong", "weak", "noise"}
    text = entry.canonical().decode()
    assert str(round(float(X["strong"][5]), 6))[:6] not in text
    with pytest.raises(InputError):
        explain_prediction(model, X, row=10_000, audit=log)


@pytest.mark.slow
def test_shap_local_explanation_adds_up() -> None:
    pytest.importorskip("shap")
    X, _, model = _data(120)
    log = AuditLog(Store("sqlite://").open())
    result = explain_prediction(model, X, row=2, audit=log, method="shap")
    assert result.method == "shap"
    assert abs(result.base_value + sum(result.contributions) - result.prediction) < 1e-9
