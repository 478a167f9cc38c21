"""``audit_marginals`` on a population's marginal tables equals ``audit_summary`` on its joint table."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["F", "M"]),
        st.sampled_from(["a", "b", "c"]),
        st.integers(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=30,
    max_size=200,
)


def _numbers(report: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for g in (report.overall, *report.groups, *report.intersections):
        for metric, est in g.metrics.items():
            if est.value is not None:
                out[f"{metric}:{dict(g.group)}"] = float(est.value)
                if est.ci:
                    out[f"{metric}:{dict(g.group)}:ci"] = float(est.ci[0]) + 1e3 * float(est.ci[1])
    for d in report.disparities:
        if d.difference.value is not None:
            out[f"{d.metric}:{d.attributes}:{d.group}"] = float(d.difference.value)
            if d.ci_holm:
                out[f"{d.metric}:{d.attributes}:{d.group}:holm"] = float(d.ci_holm[0]) + 1e3 * float(
                    d.ci_holm[1]
                )
    return out


@settings(max_examples=40, deadline=None)
@given(rows_strategy)
def test_marginal_tables_give_the_joint_audit(rows: list[tuple[str, str, int, int]]) -> None:
    """Point estimates, intervals and Holm intervals equal (to 1e-12) those of the joint audit, but for the
    intersections' AUROC, which the joint table without score cannot give (and so the intersections' Holm
    intervals, whose family no longer holds the AUROC comparisons)."""
    from ethicompass.fairness import MarginalSummary, audit_marginals, audit_summary, summarize

    frame = pl.DataFrame(
        {
            "sex": [r[0] for r in rows],
            "ward": [r[1] for r in rows],
            "y": [r[2] for r in rows],
            "p": [r[3] / 30 for r in rows],
        }
    )
    summary = summarize(frame, label="y", score="p", groups=["sex", "ward"])
    joint = _numbers(audit_summary(summary, n_boot=60, min_group_size=5))
    marginal = _numbers(audit_marginals(MarginalSummary.from_summary(summary), n_boot=60, min_group_size=5))
    both = ("'sex'", "'ward'")
    unscored = {k for k in joint if k.startswith("auroc:") and all(a in k for a in both)}

    def intersection_holm(key: str) -> bool:
        return key.endswith(":holm") and key.split(":")[1] == str(("sex", "ward"))

    joint = {k: v for k, v in joint.items() if not intersection_holm(k)}
    marginal = {k: v for k, v in marginal.items() if not intersection_holm(k)}
    assert not unscored & marginal.keys()
    assert joint.keys() - unscored == marginal.keys()
    for key, value in marginal.items():
        assert abs(value - joint[key]) <= 1e-12 * max(1.0, abs(value)), key


def test_an_incomplete_joint_table_resamples_each_scope() -> None:
    """With the joint table incomplete, the point estimates still equal the joint audit's; the intervals
    come from resampling each scope's own table (so they differ, and exist)."""
    from ethicompass.fairness import MarginalSummary, audit_marginals, audit_summary, summarize

    rng = np.random.default_rng(0)
    size = 500
    frame = pl.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size),
            "ward": rng.choice(["a", "b"], size),
            "y": rng.integers(0, 2, size),
            "p": rng.random(size).round(2),
        }
    )
    summary = summarize(frame, label="y", score="p", groups=["sex", "ward"])
    split = MarginalSummary.from_summary(summary)
    incomplete = MarginalSummary(split.overall, split.attributes, split.joint, joint_complete=False)
    joint = audit_summary(summary, n_boot=200)
    report = audit_marginals(incomplete, n_boot=200)
    for mine, theirs in zip(report.groups, joint.groups, strict=True):
        assert mine.group == theirs.group
        assert abs(mine.metrics["f1"].value - theirs.metrics["f1"].value) < 1e-12
        assert mine.metrics["f1"].ci is not None
