"""The summary: one group-by, every backend, merge by addition, input checks that name the fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from sklearn.metrics import roc_auc_score

from ethicompass import fairness
from ethicompass.errors import ColumnError, InputError

DATA = {
    "sex": ["F", "M", "F", "M", "F", "M", "F", "M"],
    "race": ["a", "a", "b", "b", "a", "b", "a", "b"],
    "y": [1, 0, 1, 1, 0, 0, 1, 0],
    "p": [0.9, 0.2, 0.4, 0.7, 0.6, 0.1, 0.8, 0.5],
}


def test_every_backend_gives_the_same_summary(constructor: Callable[[dict[str, list[Any]]], Any]) -> None:
    got = fairness.summarize(constructor(DATA), label="y", score="p", groups=["sex", "race"])
    want = fairness.summarize(pl.DataFrame(DATA), label="y", score="p", groups=["sex", "race"])
    assert_frame_equal(got.counts, want.counts, check_exact=False, abs_tol=1e-12)
    report = fairness.audit(constructor(DATA), label="y", score="p", groups=["sex", "race"], n_boot=50)
    assert report.overall.n == 8
    assert report.overall.metrics["tpr"].value == pytest.approx(3 / 4)


def test_lazy_frame_is_summarised() -> None:
    lazy = pl.DataFrame(DATA).lazy()
    assert fairness.summarize(lazy, label="y", score="p", groups=["sex"]).n == 8


def _frame(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pl.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "y": y,
            "p": np.round(np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1), 2),
        }
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 200), st.integers(1, 200))
@example(0, 198, 160)  # once failed exact equality in the 17th digit of calibration-in-the-large
def test_merging_summaries_equals_summarising_the_union(seed: int, n1: int, n2: int) -> None:
    a, b = _frame(seed, n1), _frame(seed + 1, n2)
    kwargs: dict[str, Any] = {"label": "y", "score": "p", "groups": ["g"]}
    merged = fairness.summarize(a, **kwargs) + fairness.summarize(b, **kwargs)
    union = fairness.summarize(pl.concat([a, b]), **kwargs)
    cols = ["g", "_label", "_pred", "_score", "_n"]
    assert merged.counts.select(cols).equals(union.counts.select(cols))
    assert np.allclose(merged.counts["_sum_e2"].to_numpy(), union.counts["_sum_e2"].to_numpy(), atol=1e-12)
    ra = fairness.audit_summary(merged, n_boot=0)
    rb = fairness.audit(pl.concat([a, b]), n_boot=0, **kwargs)
    # equal up to the order of floating-point sums (seed 0, sizes 198 and 160 differ in the 17th digit)
    assert _close(ra.to_dict()["groups"], rb.to_dict()["groups"])


def _close(x: Any, y: Any) -> bool:
    """Equal structures whose floats agree to 1e-12 (relative) and everything else exactly."""
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(_close(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)):
        return isinstance(y, (list, tuple)) and len(x) == len(y) and all(map(_close, x, y))
    if isinstance(x, float) and isinstance(y, float):
        return bool(np.isclose(x, y, rtol=1e-12, atol=1e-15, equal_nan=True))
    return bool(x == y)


def test_histogram_mode_states_precision_and_stays_close() -> None:
    rng = np.random.default_rng(3)
    n = 30_000
    y = rng.integers(0, 2, n)
    p = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
    report = fairness.audit(
        pl.DataFrame({"g": ["a"] * n, "y": y, "p": p}),
        label="y",
        score="p",
        groups=["g"],
        bins=1000,
        n_boot=0,
    )
    assert report.summary.bin_width == pytest.approx(1e-3)
    assert "1,000 bins" in report.resolution
    assert abs(report.overall.metrics["auroc"].value - roc_auc_score(y, p)) < 1e-3
    # Brier stays exact in histogram mode
    assert report.overall.metrics["brier"].value == pytest.approx(np.mean((p - y) ** 2), abs=1e-12)


def test_merging_exact_and_histogram_summaries_rebins() -> None:
    a = fairness.summarize(_frame(1, 50), label="y", score="p", groups=["g"])
    big = _frame(2, 12_000).with_columns(
        pl.col("p") + pl.Series(np.random.default_rng(0).random(12_000)) * 1e-3
    )
    big = big.with_columns(pl.col("p").clip(0, 1))
    b = fairness.summarize(big, label="y", score="p", groups=["g"], bins=100)
    assert a.bin_width is None and b.bin_width == pytest.approx(0.01)
    merged = a + b
    assert merged.bin_width == pytest.approx(0.01)
    assert merged.n == 12_050


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "text"),
    [
        ({"g": ["a"], "y": [2], "p": [0.5]}, {}, ColumnError, "not 0/1"),
        ({"g": ["a"], "y": [0.5], "p": [0.5]}, {}, ColumnError, "not 0/1"),
        ({"g": ["a", "b"], "y": [None, 1], "p": [0.5, 0.5]}, {}, ColumnError, "missing or not 0/1"),
        ({"g": ["a"], "y": [1], "p": [1.5]}, {}, ColumnError, "outside [0, 1]"),
        ({"g": ["a", "b"], "y": [1, 0], "p": [None, 0.5]}, {}, ColumnError, "missing scores"),
        ({"g": ["a"], "y": ["1"], "p": [0.5]}, {}, ColumnError, "not numeric"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"groups": ["nope"]}, ColumnError, "'nope' not found"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"groups": []}, InputError, "no group column"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"groups": ["y"]}, ColumnError, "also the label"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"threshold": 2.0}, InputError, "outside [0, 1]"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"reference": "best"}, InputError, "'largest' or 'overall'"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"ci": 95.0}, InputError, "pass e.g. 0.95"),
        ({"g": ["a"], "y": [1], "p": [0.5]}, {"score": None}, InputError, "neither a score"),
    ],
)
def test_bad_input_names_the_column_and_the_fix(
    data: dict[str, list[Any]], kwargs: dict[str, Any], error: type[Exception], text: str
) -> None:
    options: dict[str, Any] = {"label": "y", "score": "p", "groups": ["g"], **kwargs}
    with pytest.raises(error) as info:
        fairness.audit(pl.DataFrame(data, strict=False), **options)
    assert text in str(info.value)
    assert info.value.hint  # type: ignore[attr-defined]


def test_boolean_label_and_prediction_only() -> None:
    frame = pl.DataFrame({"g": ["a", "a", "b", "b"], "y": [True, False, True, False], "d": [1, 0, 0, 0]})
    report = fairness.audit(frame, label="y", prediction="d", groups=["g"], n_boot=0)
    assert report.overall.metrics["tpr"].value == 0.5
    assert report.overall.metrics["auroc"].value is None
    assert report.overall.metrics["auroc"].reason == "no score column given"
    assert report.threshold is None


def test_an_empty_summary_is_refused_with_a_clear_error() -> None:
    """Every cell suppressed (a site file can come to that): a named error, not a reshape failure."""
    from dataclasses import replace

    from ethicompass.fairness import audit_summary, summarize

    rows = pl.DataFrame({"sex": ["F", "M"] * 10, "y": [1, 0] * 10, "p": [0.8, 0.2] * 10})
    full = summarize(rows, label="y", score="p", groups=["sex"])
    empty = replace(full, counts=full.counts.head(0))
    with pytest.raises(InputError, match="counts no rows"):
        audit_summary(empty, n_boot=0)
