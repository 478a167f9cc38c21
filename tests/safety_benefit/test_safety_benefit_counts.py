"""The count summary: exact, mergeable, validated; the bootstrap from it covers as it should."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass import safety
from ethicompass.errors import ColumnError, InputError
from ethicompass.safety._benefit import _population, percentile_bands
from ethicompass.safety._counts import CountTable, positives_at, threshold_codes
from ethicompass.safety._counts import summarize as summarise

GRID = np.round(np.arange(1, 100) / 100, 2)


def _frame(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "y": (rng.random(n) < 0.3).astype(int),
            "p": np.round(rng.random(n), 2),
            "site": rng.choice(["a", "b", None], n).tolist(),
        },
        schema_overrides={"site": pl.String},
    )


def _as_dict(table: CountTable) -> dict[tuple[Any, ...], int]:
    return {
        (tuple(g), int(y), tuple(s)): int(c)
        for g, y, s, c in zip(
            table.groups.tolist(), table.label, table.scores.tolist(), table.count, strict=True
        )
    }


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 80), st.integers(1, 80))
def test_merging_two_summaries_equals_summarising_the_union(seed: int, n1: int, n2: int) -> None:
    a, b = _frame(seed, n1), _frame(seed + 1, n2)
    kwargs: dict[str, Any] = {"label": "y", "scores": {"m": "p"}, "groups": ["site"]}
    merged = summarise(a, **kwargs).merge(summarise(b, **kwargs))
    union = summarise(pl.concat([a, b]), **kwargs)
    assert _as_dict(merged) == _as_dict(union)
    assert merged.n == n1 + n2


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 200))
def test_positives_at_equals_a_brute_force_count(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(n), 2)
    weights = rng.integers(0, 5, n).astype(float)
    got = positives_at(threshold_codes(scores, GRID), weights, GRID.size)
    expected = np.array([weights[scores >= t].sum() for t in GRID])
    np.testing.assert_array_equal(got, expected)


def test_lazy_frames_are_summarised_without_collecting_rows_first() -> None:
    frame = _frame(1, 500)
    lazy = safety.decision_curve(frame.lazy(), label="y", scores={"m": "p"}, thresholds=GRID, n_boot=0)
    eager = safety.decision_curve(frame, label="y", scores={"m": "p"}, thresholds=GRID, n_boot=0)
    np.testing.assert_array_equal(lazy.overall.net_benefit["m"], eager.overall.net_benefit["m"])


def test_boolean_labels_are_accepted() -> None:
    frame = _frame(2, 200)
    as_bool = frame.with_columns(pl.col("y").cast(pl.Boolean))
    a = safety.decision_curve(as_bool, label="y", scores={"m": "p"}, thresholds=GRID, n_boot=0)
    b = safety.decision_curve(frame, label="y", scores={"m": "p"}, thresholds=GRID, n_boot=0)
    np.testing.assert_array_equal(a.overall.net_benefit["m"], b.overall.net_benefit["m"])


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"y": [0, 2, 1]}, ColumnError, "other than 0 and 1"),
        ({"y": [0, None, 1]}, ColumnError, "missing values"),
        ({"y": ["a", "b", "c"]}, ColumnError, "not 0/1"),
        ({"p": [0.1, None, 0.3]}, ColumnError, "missing or NaN"),
        ({"p": [0.1, float("nan"), 0.3]}, ColumnError, "missing or NaN"),
        ({"p": [0.1, 1.5, 0.3]}, ColumnError, r"outside \[0, 1\]"),
        ({"p": ["x", "y", "z"]}, ColumnError, "not numeric"),
    ],
)
def test_bad_columns_are_named_with_a_fix(change: dict[str, list[Any]], error: type, words: str) -> None:
    data: dict[str, list[Any]] = {"y": [0, 1, 1], "p": [0.1, 0.2, 0.3], **change}
    with pytest.raises(error, match=words) as info:
        safety.decision_curve(
            pl.DataFrame(data, strict=False), label="y", scores={"m": "p"}, thresholds=[0.5]
        )
    assert info.value.hint


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"thresholds": [0.0, 0.5]}, "strictly between 0 and 1"),
        ({"thresholds": [0.5, 1.0]}, "strictly between 0 and 1"),
        ({"thresholds": [0.5, 0.2]}, "strictly increasing"),
        ({"thresholds": []}, "no thresholds"),
        ({"thresholds": [0.5], "groups": "sex"}, "list of column names"),
        ({"thresholds": [0.5], "n_boot": -1}, "n_boot"),
        ({"thresholds": [0.5], "ci": 1.5}, "ci must"),
        ({"thresholds": [0.5], "scores": {}}, "no score column"),
        ({"thresholds": [0.5], "scores": {"m": "nope"}}, "'nope' not found"),
    ],
)
def test_bad_options_are_input_errors(kwargs: dict[str, Any], words: str) -> None:
    options: dict[str, Any] = {"label": "y", "scores": {"m": "p"}, **kwargs}
    with pytest.raises(InputError, match=words):
        safety.decision_curve(_frame(0, 20), **options)


def test_percentile_bands_equal_numpy_nanquantile() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(400, 6, 5))
    values[rng.random(values.shape) < 0.1] = np.nan
    expected = np.moveaxis(np.nanquantile(values, [0.025, 0.975], axis=0), 0, -1)
    np.testing.assert_allclose(percentile_bands(values, 0.025), expected, atol=1e-15)


@pytest.mark.slow
def test_bootstrap_interval_of_net_benefit_covers_the_truth_95_percent() -> None:
    """Simulate datasets from a known population of (score, label) cells; count coverage."""
    levels = np.linspace(0.05, 0.95, 10)
    weight = np.linspace(2, 1, 10)
    cells_p = np.concatenate([weight * levels, weight * (1 - levels)])
    cells_p /= cells_p.sum()
    scores = np.concatenate([levels, levels])[:, None]
    label = np.concatenate([np.ones(10), np.zeros(10)]).astype(np.int64)
    thresholds = np.array([0.1, 0.25, 0.4])
    odds = thresholds / (1 - thresholds)
    treated = scores[:, 0][:, None] >= thresholds[None, :]
    truth = (cells_p * label) @ treated - odds * ((cells_p * (1 - label)) @ treated)
    rng = np.random.default_rng(2024)
    hits, sims = np.zeros(3), 600
    groups = np.empty((20, 0), dtype=object)
    for _ in range(sims):
        count = rng.multinomial(300, cells_p)
        table = CountTable(("m",), (), scores, label, groups, count.astype(np.int64))
        result = _population(table, thresholds, 400, 0.95, rng, None, None)
        band = result.net_benefit_ci["m"]
        hits += (band[:, 0] <= truth) & (truth <= band[:, 1])
    coverage = hits / sims
    assert np.all((coverage > 0.92) & (coverage < 0.98)), coverage
    assert 0.93 <= coverage.mean() <= 0.97, coverage


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 300))
def test_invariants_of_the_curves(seed: int, n: int) -> None:
    frame = _frame(seed, n).with_columns(pl.col("p").alias("same"))
    curve = safety.decision_curve(
        frame, label="y", scores={"m": "p", "twin": "same"}, thresholds=GRID, n_boot=30
    )
    pop = curve.overall
    prevalence = pop.events / pop.n
    assert np.all(pop.net_benefit["m"] <= prevalence + 1e-15)
    odds = GRID / (1 - GRID)
    np.testing.assert_allclose(pop.treat_all, prevalence - odds * (1 - prevalence), atol=1e-15)
    # a model compared with itself differs by exactly zero in every paired replicate
    np.testing.assert_array_equal(pop.differences["m - twin"], 0.0)
    np.testing.assert_array_equal(pop.differences_ci["m - twin"], 0.0)
    beats = pop.net_benefit["m"] > np.maximum(pop.treat_all, 0)
    useful = pop.useful_range["m"]
    if useful is None:
        assert not beats.any()
    else:
        inside = (useful[0] <= GRID) & (useful[1] >= GRID)
        assert beats[inside].all()
    frame_out = curve.to_frame()
    assert frame_out.height == 4 * GRID.size


def test_runs_and_the_longest_run() -> None:
    from ethicompass.safety._benefit import _longest, runs

    t = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    found = runs(np.array([True, False, True, True, True, False]), t)
    assert found == ((0.1, 0.1), (0.3, 0.5))
    assert _longest(found) == (0.3, 0.5)
    assert _longest(()) is None
