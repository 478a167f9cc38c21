"""Merging is order-independent; heterogeneity matches statsmodels' meta-analysis."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sites.conftest import Federation


@settings(max_examples=20, deadline=None)
@given(st.permutations([0, 1, 2]), st.permutations([0, 1, 2]))
def test_merge_is_order_independent(three_sites: Federation, first: list[int], second: list[int]) -> None:
    from ethicompass.sites import merge_sites

    one = merge_sites([three_sites.files[i] for i in first], policy=three_sites.policy).summary
    two = merge_sites([three_sites.files[i] for i in second], policy=three_sites.policy).summary
    for x, y in zip(_tables(one), _tables(two), strict=True):
        a, b = x.counts, y.counts
        keys = [c for c in a.columns if not c.startswith("_sum")]
        assert a.select(keys).equals(b.select(keys))
        for c in ("_sum_e", "_sum_e2", "_sum_e4"):
            np.testing.assert_allclose(a[c].to_numpy(), b[c].to_numpy(), rtol=1e-12, atol=1e-12)


def _tables(counts: Any) -> list[Any]:
    """A merge's tables in order: overall, one per attribute, joint."""
    return [counts.overall, *counts.attributes.values(), counts.joint]


def test_merged_counts_equal_the_pooled_summary(three_sites: Federation) -> None:
    from ethicompass.fairness import summarize
    from ethicompass.frames import load_table
    from ethicompass.sites import merge_sites

    merged = merge_sites(three_sites.files, policy=three_sites.policy).summary
    groups = tuple(merged.joint.groups)
    p = three_sites.study.predictions
    kept = load_table(three_sites.study.dataset_path(p.dataset))
    from ethicompass.review import ReviewContext, consent_enforcement
    from ethicompass.store import Store

    ctx = ReviewContext(study=three_sites.study, policy=three_sites.policy, store=Store("sqlite://").open())
    ctx._frames[p.dataset] = kept
    consent_enforcement(ctx)
    pooled = summarize(
        ctx.results["consent"]["kept"],
        label=p.label,
        score=p.score,
        groups=groups,
        threshold=p.threshold,
        exact_limit=10**15,
    )
    # every table of the merge is the pooled rows' counts by its groups (the joint one without score)
    sums = [pl.col(c).sum() for c in ("_n", "_sum_e", "_sum_e2", "_sum_e4")]
    for table in _tables(merged):
        scored = table.has_score
        keys = [*table.groups, "_label", "_pred", *(["_score"] if scored else [])]
        expected = pooled.counts.group_by(keys).agg(sums).sort(keys, nulls_last=True)
        got = table.counts.sort(keys, nulls_last=True)
        assert got.select([*keys, "_n"]).equals(expected.select([*keys, "_n"])), table.groups
        np.testing.assert_allclose(got["_sum_e2"].to_numpy(), expected["_sum_e2"].to_numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cochran_q_and_i2_match_statsmodels(seed: int) -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    from ethicompass.sites import cochran_q

    rng = np.random.default_rng(seed)
    y = rng.normal(0.6, 0.08, 7)
    se = rng.uniform(0.02, 0.06, 7)
    mine = cochran_q("tpr", [f"s{i}" for i in range(7)], y, se)
    assert mine is not None
    theirs = combine_effects(y, se**2)
    assert mine.q == pytest.approx(float(theirs.q), rel=1e-12)
    assert mine.i2 == pytest.approx(float(theirs.i2), rel=1e-12, abs=1e-12)
    assert mine.pooled == pytest.approx(float(theirs.mean_effect_fe), rel=1e-12)
    assert mine.df == 6


def test_cochran_q_by_hand() -> None:
    from ethicompass.sites import cochran_q

    # weights 1/0.01 = 100 and 1/0.04 = 25; pooled (100*0.5 + 25*0.8)/125 = 0.56
    het = cochran_q("x", ["a", "b"], [0.5, 0.8], [0.1, 0.2])
    assert het is not None
    assert het.pooled == pytest.approx(0.56)
    assert het.q == pytest.approx(100 * 0.06**2 + 25 * 0.24**2)  # 0.36 + 1.44 = 1.8
    assert het.i2 == pytest.approx((1.8 - 1) / 1.8)
    assert cochran_q("x", ["a", "b"], [0.5, float("nan")], [0.1, 0.2]) is None


def test_site_file_is_canonical_and_round_trips(three_sites: Federation) -> None:
    from ethicompass.sites import read_site_file
    from ethicompass.sites._merge import site_summary

    f = three_sites.files[0]
    again = read_site_file(f.source)
    assert again.to_text() == f.to_text() and again.signature_valid()
    for x, y in zip(_tables(site_summary(again)), _tables(site_summary(f)), strict=True):
        assert x.counts.equals(y.counts)
    assert all(isinstance(t.counts, pl.DataFrame) for t in _tables(site_summary(f)))
