"""The report: JSON shape, small groups, references, flags on planted and null data, plots."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from ethicompass import fairness
from ethicompass.errors import InputError
from ethicompass.fairness._audit import audit_summary

METRICS = {
    "n", "prevalence", "selection_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv",
    "accuracy", "balanced_accuracy", "f1", "auroc", "brier",
}  # fmt: skip


def planted(seed: int = 0, n: int = 6000, *, worse: str | None = "B") -> pl.DataFrame:
    """Two attributes; the scores of race=``worse`` are noisier (lower AUROC); sex is fair."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C", "D"], n, p=[0.6, 0.2, 0.196, 0.004])
    sex = rng.choice(["F", "M"], n)
    y = (rng.random(n) < 0.3).astype(int)
    signal = np.where(race == worse, 0.3, 0.8)
    logit = -1 + signal * (y - 0.3) * 2 + rng.normal(0, 1, n)
    return pl.DataFrame({"sex": sex, "race": race, "y": y, "p": 1 / (1 + np.exp(-logit))})


@pytest.fixture(scope="module")
def report() -> fairness.FairnessReport:
    return fairness.audit(planted(), label="y", score="p", groups=["sex", "race"], n_boot=300)


def test_json_has_the_documented_shape(report: fairness.FairnessReport) -> None:
    data = json.loads(json.dumps(report.to_dict()))
    assert {"groups", "intersections", "disparities", "small_groups"} <= set(data)
    assert len(data["groups"]) == 2 + 4
    assert len(data["intersections"]) == 8
    first = data["groups"][0]
    assert first["group"] == {"sex": "F"}
    assert set(first["metrics"]) >= METRICS
    for estimate in first["metrics"].values():
        assert set(estimate) >= {"value", "ci"}
    assert (
        first["metrics"]["tpr"]["ci"][0]
        <= first["metrics"]["tpr"]["value"]
        <= first["metrics"]["tpr"]["ci"][1]
    )
    assert data["score_resolution"].startswith("histogram") or data["score_resolution"].startswith("exact")
    frame = report.to_frame()
    assert frame.height == (1 + 6 + 8) * 15
    assert set(frame["metric"].unique()) >= METRICS


def test_small_groups_are_reported_not_dropped(report: fairness.FairnessReport) -> None:
    small = {json.dumps(g.group) for g in report.small_groups}
    assert json.dumps({"race": "D"}) in small
    d = next(g for g in report.groups if g.group == {"race": "D"})
    assert d.too_small and d.metrics["tpr"].value is not None
    entry = next(s for s in report.to_dict()["small_groups"] if s["group"] == {"race": "D"})
    assert "too small to judge" in entry["reason"]
    assert not any(f.group.get("race") == "D" for f in report.findings)


def test_planted_underperformance_is_flagged_and_fair_attribute_is_not(
    report: fairness.FairnessReport,
) -> None:
    flagged = {(tuple(f.group.items()), f.metric) for f in report.findings if len(f.group) == 1}
    assert ((("race", "B"),), "auroc") in flagged
    assert not any(f.group.keys() == {"sex"} for f in report.findings)
    assert not any(f.group == {"race": "C"} for f in report.findings)
    d = next(d for d in report.disparities if d.group == {"race": "B"} and d.metric == "auroc")
    assert d.reference == {"race": "A"} and d.flagged and d.difference.ci[1] < 0  # type: ignore[index]
    assert d.p_adjusted is not None and d.p_adjusted < 0.05


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nothing_flagged_without_a_planted_difference(seed: int) -> None:
    r = fairness.audit(planted(seed, worse=None), label="y", score="p", groups=["sex", "race"], n_boot=200)
    assert r.findings == ()


def test_heterogeneity_detects_planted_tpr_difference(report: fairness.FairnessReport) -> None:
    race = next(h for h in report.heterogeneity if h.attributes == ("race",) and h.metric == "tpr")
    sex = next(h for h in report.heterogeneity if h.attributes == ("sex",) and h.metric == "tpr")
    assert race.p_value is not None and race.p_value < 1e-6 and race.df == 3
    assert sex.p_value is not None and sex.p_value > 0.001


def test_overall_reference_and_no_bootstrap() -> None:
    r = fairness.audit(planted(), label="y", score="p", groups=["race"], reference="overall", n_boot=0)
    d = next(d for d in r.disparities if d.group == {"race": "A"} and d.metric == "tpr")
    assert d.reference == {}
    assert d.difference.ci is None and "n_boot=0" in (d.difference.reason or "")
    ba = r.groups[0].metrics["balanced_accuracy"]
    assert ba.value is not None and ba.ci is None
    assert r.groups[0].metrics["tpr"].ci is not None  # Wilson needs no bootstrap


def test_undefined_metrics_are_null_with_a_reason() -> None:
    frame = pl.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "y": [0] * 5 + [1, 0, 1, 0, 1], "p": [0.1] * 10})
    r = fairness.audit(frame, label="y", score="p", groups=["g"], n_boot=50)
    a = r.groups[0].metrics
    assert a["tpr"].value is None and a["tpr"].reason == "no positive outcomes in this group"
    assert a["auroc"].value is None and a["ppv"].value is None
    assert r.to_dict()["groups"][0]["metrics"]["tpr"] == {
        "value": None, "ci": None, "reason": "no positive outcomes in this group"
    }  # fmt: skip


def test_bootstrap_is_seeded_and_fast_on_counts(report: fairness.FairnessReport) -> None:
    again = audit_summary(report.summary, n_boot=300)
    assert again.to_dict() == report.to_dict()
    other = audit_summary(report.summary, n_boot=300, seed=1)
    assert other.groups[0].metrics["f1"].ci != report.groups[0].metrics["f1"].ci


@pytest.mark.parametrize("plot", [fairness.plot_metrics, fairness.plot_roc, fairness.plot_calibration])
def test_plots_are_svg_text(report: fairness.FairnessReport, plot: object) -> None:
    svg = plot(report)  # type: ignore[operator]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "race" in svg


def test_representativeness_against_population_shares() -> None:
    cohort = pl.DataFrame({"sex": ["F"] * 300 + ["M"] * 700, "eth": ["H"] * 50 + ["N"] * 950})
    population = pl.DataFrame(
        {
            "attribute": ["sex", "sex", "eth", "eth"],
            "value": ["F", "M", "H", "N"],
            "population_share": [0.5, 0.5, 0.2, 0.8],
        }
    )
    rep = fairness.representativeness(cohort, population, attributes=["sex", "eth"])
    rows = {(r.attribute, r.value): r for r in rep.rows}
    assert rows[("sex", "F")].ppr.value == pytest.approx(0.6)
    assert rows[("eth", "H")].ppr.value == pytest.approx(0.25)
    assert {(r.attribute, r.value) for r in rep.under_represented} == {("sex", "F"), ("eth", "H")}
    lo, hi = rows[("sex", "F")].cohort_share.ci  # type: ignore[misc]
    assert lo < 0.3 < hi
    assert all(t["p_value"] < 1e-6 for t in rep.tests)
    assert rep.to_frame().height == 4
    json.dumps(rep.to_dict())


@pytest.mark.parametrize("metric", ["tpr", "fpr", "selection_rate"])
def test_group_thresholds_equalise_a_rate_and_show_the_price(metric: str) -> None:
    frame = planted(4, n=3000)
    summary = fairness.summarize(frame, label="y", score="p", groups=["race"])
    plan = fairness.group_thresholds(summary, attribute="race", metric=metric)
    assert len(plan.rows) == 4
    for row in plan.rows:
        part = frame.filter(pl.col("race") == row["group"]["race"])
        decided = (part["p"] >= row["threshold"]).cast(pl.Int8)
        y = part["y"]
        rates = {
            "tpr": float((decided * y).sum() / y.sum()),
            "fpr": float((decided * (1 - y)).sum() / (1 - y).sum()),
            "selection_rate": float(decided.mean()),  # type: ignore[arg-type]
        }
        assert row[f"{metric}_after"] == pytest.approx(rates[metric], abs=1e-12)
        if row["n"] >= 100:
            assert abs(row[f"{metric}_after"] - plan.target) < 0.05
    assert 0 < plan.accuracy_after <= 1 and plan.to_dict()["groups"]
    with pytest.raises(InputError):
        fairness.group_thresholds(summary, attribute="sex")
