"""Explanations of a model: global feature importance, and one prediction on request (logged).

* ``explain_global(model, X, y)``: permutation importance (scikit-learn) for any fitted
  scikit-learn-compatible estimator: how much the score drops when one feature's values are
  shuffled, averaged over ``n_repeats`` shuffles. ``method="shap"`` gives the mean absolute
  SHAP value per feature instead (needs the ``explain`` extra: ``pip install ethicompass[explain]``).
* ``explain_prediction(model, X, row=i, audit=log)``: each feature's contribution to one
  prediction (SHAP when installed, otherwise occlusion: the change in the predicted
  probability when the feature is replaced by its mean). Every such request is written to the
  audit log (feature names and ranks only, never the patient's values).

Importance explains the *model*, not the world: a feature the model leans on is not thereby a
cause of the outcome, and correlated features share (and can hide) importance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import ConfigurationError, InputError
from ethicompass.transparency._log import AuditLog


@dataclass(frozen=True)
class GlobalExplanation:
    """Importance of each feature for the whole model (higher means the model relies on it more)."""

    method: str
    features: tuple[str, ...]
    importance: tuple[float, ...]
    importance_std: tuple[float, ...]
    n_repeats: int
    seed: int
    scoring: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, features ordered by importance."""
        order = np.argsort(self.importance)[::-1]
        return {
            "method": self.method,
            "n_repeats": self.n_repeats,
            "seed": self.seed,
            "scoring": self.scoring,
            "features": [
                {"feature": self.features[i], "importance": self.importance[i], "std": self.importance_std[i]}
                for i in order
            ],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per feature, most important first."""
        return pl.DataFrame(self.to_dict()["features"]).with_columns(pl.lit(self.method).alias("method"))


@dataclass(frozen=True)
class LocalExplanation:
    """Each feature's contribution to one prediction (positive pushes the prediction up)."""

    row: int
    method: str
    prediction: float
    base_value: float
    features: tuple[str, ...]
    contributions: tuple[float, ...]
    audit_seq: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, largest contributions (in absolute value) first."""
        order = np.argsort(np.abs(self.contributions))[::-1]
        return {
            "row": self.row,
            "method": self.method,
            "prediction": self.prediction,
            "base_value": self.base_value,
            "audit_seq": self.audit_seq,
            "contributions": [
                {"feature": self.features[i], "contribution": self.contributions[i]} for i in order
            ],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per feature, largest contribution first."""
        return pl.DataFrame(self.to_dict()["contributions"])


def _matrix(X: Any) -> tuple[Any, tuple[str, ...]]:
    if isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise InputError(
                "X must be two-dimensional (rows x features)", hint="reshape it or pass a data frame"
            )
        return X, tuple(f"x{i}" for i in range(X.shape[1]))
    from ethicompass.frames import to_polars

    frame = to_polars(X, name="X")
    return frame.to_pandas(), tuple(frame.columns)


def _predict(model: Any) -> Any:
    if hasattr(model, "predict_proba"):
        return lambda data: np.asarray(model.predict_proba(data))[:, -1]
    if hasattr(model, "predict"):
        return lambda data: np.asarray(model.predict(data), dtype=float)
    raise InputError(
        f"{type(model).__name__} has no predict or predict_proba", hint="pass a fitted estimator"
    )


def _shap() -> Any:
    try:
        import shap
    except ImportError as exc:
        raise ConfigurationError(
            "SHAP explanations need the `explain` extra", hint="pip install 'ethicompass[explain]'"
        ) from exc
    return shap


def explain_global(
    model: Any,
    X: Any,
    y: Sequence[Any] | np.ndarray | Any,
    /,
    *,
    n_repeats: int = 10,
    seed: int = 0,
    scoring: str | None = None,
    method: str = "permutation",
    max_rows: int = 500,
) -> GlobalExplanation:
    """Global importance of each feature of a fitted model on ``X``, ``y`` (see module docstring).

    ``method`` is ``"permutation"`` (default) or ``"shap"`` (mean |SHAP| over at most
    ``max_rows`` rows). ``scoring`` is any scikit-learn scorer name (default: the model's own).
    """
    if n_repeats < 1:
        raise InputError("n_repeats must be at least 1", hint="use e.g. n_repeats=10")
    data, names = _matrix(X)
    target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if len(target) != len(data):
        raise InputError(
            f"X has {len(data)} rows but y has {len(target)}", hint="pass labels for every row of X"
        )
    if method == "permutation":
        from sklearn.inspection import permutation_importance

        result = permutation_importance(
            model, data, target, n_repeats=n_repeats, random_state=seed, scoring=scoring
        )
        return GlobalExplanation(
            "permutation",
            names,
            tuple(float(v) for v in result.importances_mean),
            tuple(float(v) for v in result.importances_std),
            n_repeats,
            seed,
            scoring,
        )
    if method == "shap":
        values = _shap_values(model, data, seed=seed, max_rows=max_rows)
        mean_abs = np.abs(values).mean(axis=0)
        return GlobalExplanation(
            "shap",
            names,
            tuple(float(v) for v in mean_abs),
            tuple(float(v) for v in np.abs(values).std(axis=0)),
            0,
            seed,
            None,
        )
    raise InputError(f"unknown explanation method {method!r}", hint="use 'permutation' or 'shap'")


def _rows(data: Any, index: Any) -> Any:
    return data.iloc[index] if hasattr(data, "iloc") else data[index]


def _shap_values(model: Any, data: Any, *, seed: int, max_rows: int, rows: Any = None) -> np.ndarray:
    shap = _shap()
    rng = np.random.default_rng(seed)
    n = len(data)
    background = _rows(data, np.sort(rng.choice(n, size=min(n, 100), replace=False)))
    explainer = shap.Explainer(_predict(model), background, seed=seed)
    sample = rows if rows is not None else np.sort(rng.choice(n, size=min(n, max_rows), replace=False))
    return np.asarray(explainer(_rows(data, sample), silent=True).values)


def explain_prediction(
    model: Any,
    X: Any,
    /,
    *,
    row: int,
    audit: AuditLog,
    method: str = "auto",
    seed: int = 0,
    actor: str | None = None,
) -> LocalExplanation:
    """Each feature's contribution to the prediction for ``X``'s row ``row``; logged to ``audit``.

    ``method``: ``"shap"``, ``"occlusion"``, or ``"auto"`` (SHAP when installed). The audit
    entry (``explain.prediction``) records the row number, the method, the model type and the
    ranked feature names, never feature values.
    """
    from ethicompass.transparency._content_hash import content_hash

    data, names = _matrix(X)
    if not 0 <= row < len(data):
        raise InputError(f"row {row} is outside X (0 to {len(data) - 1})", hint="pass a row number within X")
    predict = _predict(model)
    if method == "auto":
        try:
            _shap()
            method = "shap"
        except ConfigurationError:
            method = "occlusion"
    one = _rows(data, [row])
    prediction = float(predict(one)[0])
    if method == "shap":
        contributions = _shap_values(model, data, seed=seed, max_rows=1, rows=[row])[0]
        base = prediction - float(np.sum(contributions))
    elif method == "occlusion":
        means = np.asarray(data, dtype=float).mean(axis=0)
        contributions = np.empty(len(names))
        for j in range(len(names)):
            changed = one.copy()
            if hasattr(changed, "iloc"):
                changed.iloc[0, j] = means[j]
            else:
                changed[0, j] = means[j]
            contributions[j] = prediction - float(predict(changed)[0])
        base = float(
            predict(means.reshape(1, -1) if not hasattr(one, "iloc") else _mean_frame(one, means))[0]
        )
    else:
        raise InputError(f"unknown explanation method {method!r}", hint="use 'auto', 'shap' or 'occlusion'")
    ranked = [names[i] for i in np.argsort(np.abs(contributions))[::-1]]
    frame_hash = content_hash(
        pl.from_pandas(data) if hasattr(data, "iloc") else pl.DataFrame(data, schema=list(names))
    )
    entry = audit.append(
        action="explain.prediction",
        object_type="prediction",
        object_id=f"row-{row}",
        actor=actor,
        hashes={"data": frame_hash},
        params={"method": method, "model": type(model).__name__, "features_ranked": ranked[:20]},
    )
    return LocalExplanation(
        row, method, prediction, base, names, tuple(float(c) for c in contributions), entry.seq
    )


def _mean_frame(one: Any, means: np.ndarray) -> Any:
    frame = one.copy()
    frame.iloc[0, :] = means
    return frame
