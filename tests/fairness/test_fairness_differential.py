"""Differential tests: every point estimate equals Fairlearn's / scikit-learn's to 1e-12.

On random data (Hypothesis) and on the ACTG 320 trial (``sksurv.datasets.load_aids``, a
logistic regression of the event on baseline covariates), per group and per intersection.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from fairlearn import metrics as flm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ethicompass import fairness

TOL = 1e-12


def expected_metrics(y: np.ndarray, yhat: np.ndarray, p: np.ndarray | None) -> dict[str, float]:
    """The anchor tools' value of each metric; NaN where the metric is undefined."""
    pos, neg = int(y.sum()), int((1 - y).sum())
    sel, nsel = int(yhat.sum()), int((1 - yhat).sum())
    nan = math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            "n": float(len(y)),
            "prevalence": float(np.mean(y)),
            "selection_rate": float(flm.selection_rate(y, yhat)),
            "tpr": float(flm.true_positive_rate(y, yhat)) if pos else nan,
            "fnr": float(flm.false_negative_rate(y, yhat)) if pos else nan,
            "fpr": float(flm.false_positive_rate(y, yhat)) if neg else nan,
            "tnr": float(flm.true_negative_rate(y, yhat)) if neg else nan,
            "ppv": float(skm.precision_score(y, yhat, zero_division=np.nan)) if sel else nan,
            "npv": float(skm.precision_score(y, yhat, pos_label=0, zero_division=np.nan)) if nsel else nan,
            "accuracy": float(skm.accuracy_score(y, yhat)),
            "balanced_accuracy": float(skm.balanced_accuracy_score(y, yhat)) if pos and neg else nan,
            "f1": float(skm.f1_score(y, yhat, zero_division=np.nan)) if pos or sel else nan,
        }
        if p is not None:
            out["auroc"] = float(skm.roc_auc_score(y, p)) if pos and neg else nan
            out["brier"] = float(skm.brier_score_loss(y, p, labels=[0, 1]))
            out["calibration_in_the_large"] = float(np.mean(p) - np.mean(y))
    return out


def assert_matches(
    report: fairness.FairnessReport, pdf: pd.DataFrame, groups: list[str], score: str | None
) -> None:
    yhat_all = (pdf[score] >= report.threshold).astype(int) if score else pdf["yhat"]
    results = [(report.overall, np.ones(len(pdf), dtype=bool))]
    for g in (*report.groups, *report.intersections):
        mask = np.ones(len(pdf), dtype=bool)
        for column, value in g.group.items():
            mask &= (pdf[column].astype(str) == str(value)).to_numpy()
        results.append((g, mask))
    assert sum(1 for g in report.groups) == sum(pdf[c].nunique() for c in groups)
    for result, mask in results:
        y = pdf["y"].to_numpy()[mask]
        yhat = yhat_all.to_numpy()[mask]
        p = pdf[score].to_numpy()[mask] if score else None
        assert result.n == len(y)
        for metric, value in expected_metrics(y, yhat, p).items():
            got = result.metrics[metric].value
            if math.isnan(value):
                assert got is None, (result.group, metric)
                assert result.metrics[metric].reason
            else:
                assert got is not None, (result.group, metric)
                assert abs(got - value) <= TOL, (result.group, metric, got, value)


def assert_between_groups(
    report: fairness.FairnessReport, pdf: pd.DataFrame, score: str | None, *, functions: bool = False
) -> None:
    """Demographic-parity and equalized-odds differences against a MetricFrame's between-groups
    ranges (and, with ``functions``, Fairlearn's own difference functions)."""
    yhat = (pdf[score] >= report.threshold).astype(int) if score else pdf["yhat"]
    for attributes in {d.attributes for d in report.disparities}:
        features = pdf[list(attributes)].astype(str)
        counts = pdf.groupby([features[c] for c in attributes])["y"].agg(["sum", "count"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = flm.MetricFrame(
                metrics={
                    "sr": flm.selection_rate,
                    "tpr": flm.true_positive_rate,
                    "fpr": flm.false_positive_rate,
                },
                y_true=pdf["y"],
                y_pred=yhat,
                sensitive_features=features,
            )
            diffs = frame.difference(method="between_groups")
            expected = {
                "demographic_parity_difference": diffs["sr"],
                "equalized_odds_difference": max(diffs["tpr"], diffs["fpr"]),
            }
            if functions:
                assert expected["demographic_parity_difference"] == pytest.approx(
                    flm.demographic_parity_difference(pdf["y"], yhat, sensitive_features=features), abs=TOL
                )
                assert expected["equalized_odds_difference"] == pytest.approx(
                    flm.equalized_odds_difference(pdf["y"], yhat, sensitive_features=features), abs=TOL
                )
        # Fairlearn counts an undefined rate as 0; equalized odds compared only where all are defined
        one_class = bool(((counts["sum"] == 0) | (counts["sum"] == counts["count"])).any())
        for d in report.disparities:
            if d.group is not None or d.attributes != attributes:
                continue
            if d.metric == "equalized_odds_difference" and one_class:
                continue
            assert d.difference.value is not None
            assert abs(d.difference.value - expected[d.metric]) <= TOL, (d.metric, attributes)


@st.composite
def random_frames(draw: Any) -> tuple[pd.DataFrame, bool]:
    n = draw(st.integers(20, 300))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    distinct = draw(st.sampled_from([5, 50, 1000]))
    y = (rng.random(n) < draw(st.floats(0.05, 0.95))).astype(int)
    p = np.round(np.clip(rng.normal(0.35 + 0.3 * y, 0.25), 0, 1) * distinct) / distinct
    frame = pd.DataFrame(
        {
            "a": rng.choice(["F", "M"], n),
            "b": rng.choice(["x", "y", "z"], n, p=[0.6, 0.3, 0.1]),
            "y": y,
            "p": p,
        }
    )
    use_prediction = draw(st.booleans())
    if use_prediction:
        frame["yhat"] = (rng.random(n) < 0.4).astype(int)
    return frame, use_prediction


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(random_frames())
def test_point_estimates_equal_fairlearn_and_sklearn(case: tuple[pd.DataFrame, bool]) -> None:
    pdf, use_prediction = case
    report = fairness.audit(
        pl.from_pandas(pdf),
        label="y",
        score="p",
        prediction="yhat" if use_prediction else None,
        groups=["a", "b"],
        n_boot=0,
    )
    assert_matches(report, pdf, ["a", "b"], None if use_prediction else "p")
    assert_between_groups(report, pdf, None if use_prediction else "p")


@pytest.fixture(scope="module")
def actg320() -> pd.DataFrame:
    """ACTG 320 with a logistic model's predicted risk of AIDS or death."""
    from sklearn.linear_model import LogisticRegression
    from sksurv.datasets import load_aids

    x, outcome = load_aids()
    features = pd.get_dummies(
        x[["age", "cd4", "priorzdv", "karnof", "tx", "ivdrug"]], drop_first=True, dtype=float
    )
    y = outcome["censor"].astype(int)
    model = LogisticRegression(max_iter=2000).fit(features, y)
    return pd.DataFrame(
        {
            "sex": x["sex"].astype(str).map({"1": "M", "2": "F"}),
            "raceth": x["raceth"].astype(str),
            "ivdrug": x["ivdrug"].astype(str),
            "y": np.asarray(y),
            "p": model.predict_proba(features)[:, 1],
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [0.1, 0.5])
def test_actg320_equals_fairlearn_and_sklearn(actg320: pd.DataFrame, threshold: float) -> None:
    groups = ["sex", "raceth", "ivdrug"]
    report = fairness.audit(actg320, label="y", score="p", groups=groups, threshold=threshold, n_boot=0)
    assert report.summary.bin_width is None  # 1,151 distinct scores: exact AUROC
    assert_matches(report, actg320, groups, "p")
    assert_between_groups(report, actg320, "p", functions=True)


def test_actg320_metricframe_by_group(actg320: pd.DataFrame) -> None:
    """The whole by-group table of a Fairlearn MetricFrame, metric by metric."""
    yhat = (actg320["p"] >= 0.1).astype(int)
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "accuracy": skm.accuracy_score,
            "balanced_accuracy": skm.balanced_accuracy_score,
            "f1": skm.f1_score,
        },
        y_true=actg320["y"],
        y_pred=yhat,
        sensitive_features=actg320[["sex"]],
    )
    report = fairness.audit(actg320, label="y", score="p", groups=["sex"], threshold=0.1, n_boot=0)
    for g in report.groups:
        row = frame.by_group.loc[g.group["sex"]]
        for metric in frame.by_group.columns:
            assert abs(g.metrics[metric].value - row[metric]) <= TOL
