"""The Polars fast path of ``summarize`` gives the generic group-by's summary: same cells, counts,
score keys, dtypes and row order; error sums equal to rounding (summed in row order)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from ethicompass import _fastpath, fairness
from ethicompass.errors import ColumnError
from ethicompass.fairness import _summary

SUMS = ["_sum_e", "_sum_e2", "_sum_e4"]


def _generic(frame: Any, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> fairness.Summary:
    with _fastpath.plain("polars"):
        return fairness.summarize(frame, **kwargs)


def _same(fast: fairness.Summary, generic: fairness.Summary) -> None:
    assert fast.counts.drop(SUMS).equals(generic.counts.drop(SUMS)), (fast.counts, generic.counts)
    assert fast.counts.schema == generic.counts.schema
    assert_frame_equal(
        fast.counts.select(SUMS), generic.counts.select(SUMS), check_exact=False, rel_tol=1e-12, abs_tol=1e-12
    )
    assert (fast.bin_width, fast.threshold, fast.has_score) == (
        generic.bin_width,
        generic.threshold,
        generic.has_score,
    )


def _frame(n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers
    y = pick(0, 2, n)
    return pl.DataFrame(
        {
            "text": pl.Series([["F", "M", None, "a much longer text value"][j] for j in pick(0, 4, n)]),
            "cat": pl.Series([["x", "y", "z"][j] for j in pick(0, 3, n)]).cast(pl.Categorical),
            "enum": pl.Series([["lo", "hi"][j] for j in pick(0, 2, n)]).cast(pl.Enum(["lo", "hi"])),
            "int": pl.Series([[5, -3, None, 10**12][j] for j in pick(0, 4, n)], dtype=pl.Int64),
            "flag": pl.Series([[True, False, None][j] for j in pick(0, 3, n)], dtype=pl.Boolean),
            "day": pl.Series([dt.date(2024, 1, 1 + int(j)) for j in pick(0, 3, n)]),
            "y": y,
            "y_bool": y.astype(bool),
            "y_float": y.astype(float),
            "p": np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1),
            "p_coarse": np.round(rng.random(n), 2),
            "decision": pick(0, 2, n).astype(float),
        }
    )


FRAME = _frame(4000)

CASES: list[dict[str, Any]] = [
    {"label": "y", "score": "p", "groups": ["text", "cat"]},
    {"label": "y", "score": "p_coarse", "groups": ["text", "int", "flag"]},
    {"label": "y_bool", "score": "p", "groups": ["enum", "day"], "bins": 50},
    {"label": "y_float", "score": "p_coarse", "groups": ["cat"], "threshold": 0.3},
    {"label": "y", "score": "p_coarse", "groups": ["int"], "bins": 7, "exact_limit": 50},
    {"label": "y", "prediction": "decision", "groups": ["flag", "text"]},
    {"label": "y", "score": "p", "prediction": "decision", "groups": ["day"]},
]


@pytest.mark.parametrize("options", CASES, ids=lambda o: "-".join(o["groups"]) + f"-{o.get('score')}")
@pytest.mark.parametrize("shape", ["eager", "lazy", "slice", "chunked"])
def test_fast_path_equals_the_generic_group_by(
    options: dict[str, Any], shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame: Any = {
        "eager": FRAME,
        "lazy": FRAME.lazy(),
        "slice": FRAME.slice(333, 2500),
        "chunked": pl.concat([FRAME.head(700), FRAME.tail(1900)], rechunk=False),
    }[shape]
    native = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    assert _summary._summarize_polars(native, **_fast_options(options)) is not None  # the fast path ran
    _same(fairness.summarize(frame, **options), _generic(frame, monkeypatch, **options))


def _fast_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": options["label"],
        "groups": tuple(options["groups"]),
        "score": options.get("score"),
        "prediction": options.get("prediction"),
        "threshold": options.get("threshold", 0.5),
        "bins": options.get("bins", 1000),
        "exact_limit": options.get("exact_limit", 10_000),
    }


UNUSUAL = {
    "missing label": pl.col("y").cast(pl.Float64).replace(1.0, None).alias("y"),
    "label of 2": (pl.col("y") * 2).alias("y"),
    "NaN score": pl.when(pl.col("y") == 1).then(float("nan")).otherwise(pl.col("p")).alias("p"),
    "score above 1": (pl.col("p") + 1).alias("p"),
    "negative zero score": pl.when(pl.col("p") < 0.1).then(-0.0).otherwise(pl.col("p")).alias("p"),
    "float32 score": pl.col("p").cast(pl.Float32).alias("p"),
    "float group": pl.col("p_coarse").alias("text"),
    "negative zero label": pl.col("y_float").replace(0.0, -0.0).alias("y"),
}


@pytest.mark.parametrize("change", list(UNUSUAL), ids=list(UNUSUAL))
def test_unusual_input_takes_the_generic_path(change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = FRAME.with_columns(UNUSUAL[change])
    options: dict[str, Any] = {"label": "y", "score": "p", "groups": ["text"]}
    assert _summary._summarize_polars(frame, **_fast_options(options)) is None
    try:
        want = _generic(frame, monkeypatch, **options)
    except ColumnError as exc:
        with pytest.raises(ColumnError, match=str(exc).split(":")[0][:20]):
            fairness.summarize(frame, **options)
        return
    got = fairness.summarize(frame, **options)  # the same generic path: the same frame (NaN included)
    assert_frame_equal(got.counts, want.counts)


def test_empty_frame_takes_the_generic_path() -> None:
    empty = FRAME.head(0).select("y", "p", "text")
    assert _summary._summarize_polars(empty, **_fast_options({"label": "y", "groups": ["text"]})) is None


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(0, 10_000),
    st.sampled_from([2, 10, 1000]),
    st.integers(1, 60),
)
def test_fast_path_matches_on_random_frames(n: int, seed: int, bins: int, exact_limit: int) -> None:
    frame = _frame(n, seed)
    options: dict[str, Any] = {
        "label": "y",
        "score": "p_coarse",
        "groups": ["text", "flag"],
        "bins": bins,
        "exact_limit": exact_limit,
    }
    fast = fairness.summarize(frame, **options)
    with _fastpath.plain("polars"):
        generic = fairness.summarize(frame, **options)
    _same(fast, generic)
    assert fast.n == n


def test_large_group_space_uses_the_sparse_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many groups x exact scores exceed the dense key table: cells are found by np.unique instead."""
    rng = np.random.default_rng(4)
    n = 3000
    frame = pl.DataFrame(
        {"g": rng.integers(0, 2000, n), "y": rng.integers(0, 2, n), "p": np.round(rng.random(n), 3)}
    )
    options: dict[str, Any] = {"label": "y", "score": "p", "groups": ["g"]}
    _same(fairness.summarize(frame, **options), _generic(frame, monkeypatch, **options))


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_audit_indexes_groups_of_sorted_and_unsorted_counts(order: str) -> None:
    """Summaries come sorted (groups found by runs); any other row order takes a join: same report."""
    summary = fairness.summarize(FRAME, label="y", score="p", groups=["text", "flag"])
    counts = (
        summary.counts if order == "sorted" else summary.counts.sample(fraction=1.0, shuffle=True, seed=1)
    )
    shuffled = fairness.Summary(counts, summary.groups, summary.threshold, summary.bin_width, True, "y", "p")
    got = fairness.audit_summary(shuffled, n_boot=50)
    want = fairness.audit_summary(summary, n_boot=50)
    _close(got.to_dict(), want.to_dict())  # error sums add up in another order: equal to rounding


def _close(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True)
    else:
        assert a == b


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["F", "M", None]),
        st.one_of(st.none(), st.integers(-3, 3)),
        st.integers(0, 1),
        st.floats(0, 1, allow_nan=False).map(lambda p: round(p, 3)),
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=40, deadline=None)
@given(rows=ROWS, prediction=st.booleans(), exact_limit=st.sampled_from([5, 10_000]))
def test_fast_and_plain_paths_agree_on_drawn_frames(
    rows: list[tuple[Any, ...]], prediction: bool, exact_limit: int
) -> None:
    frame = pl.DataFrame(
        rows, schema={"sex": pl.String, "age": pl.Int64, "y": pl.Int64, "p": pl.Float64}, orient="row"
    ).with_columns((pl.col("p") > 0.4).cast(pl.Int64).alias("d"))
    options: dict[str, Any] = {
        "label": "y",
        "score": "p",
        "groups": ["sex", "age"],
        "exact_limit": exact_limit,
    }
    if prediction:
        options["prediction"] = "d"
    fast = fairness.summarize(frame, **options)
    with _fastpath.plain("polars"):
        plain = fairness.summarize(frame, **options)
    _same(fast, plain)


def test_the_environment_forces_the_plain_group_by(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = _summary._summarize_polars
    monkeypatch.setattr(_summary, "_summarize_polars", lambda *a, **k: calls.append(1) or real(*a, **k))
    fairness.summarize(FRAME, label="y", score="p", groups=["text"])
    monkeypatch.setattr(_fastpath, "_FROM_ENV", _fastpath.forced_by_environment("polars"))
    fairness.summarize(FRAME, label="y", score="p", groups=["text"])
    assert calls == [1]
