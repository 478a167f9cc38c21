"""Failures surface: a broken assessor or a broken figure is an error, never "not assessed" or a missing plot."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np
import polars as pl
import pytest

from ethicompass.review import _assess_beneficence, _assess_fairness, _assess_training, _assess_transparency


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise TypeError("a bug in the plotting code")


def _frame(n: int = 400, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 1, n)
    return pl.DataFrame({"label": (rng.uniform(0, 1, n) < score).astype(int), "score": score})


@pytest.mark.parametrize("module", ["_assess_privacy", "_assess_training"])
def test_an_assessor_that_cannot_be_imported_stops_the_review(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    # None in sys.modules makes the import raise ModuleNotFoundError naming an ethicompass module,
    # which the review used to report as "not assessed" (a warning, exit 0).
    import ethicompass.review

    monkeypatch.setitem(sys.modules, f"ethicompass.review.{module}", None)
    monkeypatch.delattr(ethicompass.review, module, raising=False)
    monkeypatch.delitem(sys.modules, "ethicompass.review._run", raising=False)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("ethicompass.review._run")


def test_a_broken_training_package_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ethicompass.training", None)
    with pytest.raises(ImportError):
        _assess_training.assess(None)  # type: ignore[arg-type]  # fails before the context is read


def test_a_broken_model_card_module_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ethicompass.transparency", None)
    with pytest.raises(ImportError):
        _assess_transparency._model_card(None)  # type: ignore[arg-type]


def test_a_broken_decision_curve_plot_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ethicompass.safety import _plots, decision_curve

    curve = decision_curve(_frame(), label="label", scores={"m": "score"}, thresholds=[0.2, 0.3], n_boot=0)
    assert _assess_beneficence._net_benefit(curve, "m", 0.2, 0.3).figures  # the figure is drawn
    monkeypatch.setattr(_plots, "decision_curve_svg", _broken)
    with pytest.raises(TypeError, match="plotting"):
        _assess_beneficence._net_benefit(curve, "m", 0.2, 0.3)


def test_a_broken_calibration_plot_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ethicompass.safety import _plots, calibration

    report = calibration(_frame(), label="label", score="score")
    assert _assess_beneficence._calibration(report, (0.8, 1.2)).figures
    monkeypatch.setattr(_plots, "calibration_svg", _broken)
    with pytest.raises(TypeError, match="plotting"):
        _assess_beneficence._calibration(report, (0.8, 1.2))


def test_a_broken_fairness_plot_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ethicompass.fairness

    monkeypatch.setattr(ethicompass.fairness, "plot_metrics", _broken)
    with pytest.raises(TypeError, match="plotting"):
        _assess_fairness._figures(object(), "tpr", set())
