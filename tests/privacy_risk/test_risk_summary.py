"""The equivalence-class summary: one group-by per backend, nulls kept, partitions merge by addition."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import ColumnError, InputError
from ethicompass.privacy import EquivalenceSummary, summarize

ROWS = {
    "age": [30, 30, None, 41, 41, None],
    "sex": ["F", "F", "M", None, None, "M"],
    "dx": ["a", "b", "a", "a", "a", None],
}


def _norm(summary: EquivalenceSummary) -> list[tuple[Any, ...]]:
    frame = summary.to_frame().with_columns(pl.col(c).cast(pl.String) for c in summary.keys)
    return sorted(frame.rows(), key=repr)


def test_summary_same_on_every_backend(constructor: Any) -> None:
    summary = summarize(constructor(ROWS), quasi_identifiers=["age", "sex"], sensitive="dx")
    assert summary.records == 6
    rows = {(None if a is None else int(float(a)), s, d): n for a, s, d, n in _norm(summary)}
    assert rows == {
        (30, "F", "a"): 1,
        (30, "F", "b"): 1,
        (None, "M", "a"): 1,
        (None, "M", None): 1,
        (41, None, "a"): 2,
    }


def test_nulls_are_their_own_class() -> None:
    summary = summarize(pl.DataFrame(ROWS), quasi_identifiers=["age"])
    sizes = summary.class_sizes()
    assert sizes.filter(pl.col("age").is_null())["__records__"].item() == 2
    assert sizes.height == 3


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 3, None]), st.sampled_from(["x", "y", None]), st.sampled_from(["p", "q"])
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None)
@given(rows_strategy, rows_strategy)
def test_summaries_of_partitions_add_up(left: list[tuple[Any, ...]], right: list[tuple[Any, ...]]) -> None:
    def frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
        return pl.DataFrame(rows, schema={"a": pl.Int64, "b": pl.String, "s": pl.String}, orient="row")

    kw: dict[str, Any] = {"quasi_identifiers": ["a", "b"], "sensitive": "s"}
    merged = summarize(frame(left), **kw) + summarize(frame(right), **kw)
    whole = summarize(pl.concat([frame(left), frame(right)]), **kw)
    assert merged.sorted().counts.equals(whole.sorted().counts)
    assert merged.records == len(left) + len(right)


def test_from_counts_adds_duplicate_keys() -> None:
    counts = pl.DataFrame({"age": [30, 30, 41], "n": [10, 5, 7]})
    summary = EquivalenceSummary.from_counts(counts, quasi_identifiers=["age"], count="n")
    assert summary.records == 22
    assert summary.sorted().counts["__records__"].to_list() == [15, 7]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"quasi_identifiers": []}, InputError),
        ({"quasi_identifiers": "age"}, InputError),
        ({"quasi_identifiers": ["age", "age"]}, InputError),
        ({"quasi_identifiers": ["age"], "sensitive": "age"}, InputError),
        ({"quasi_identifiers": ["nope"]}, ColumnError),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        summarize(pl.DataFrame(ROWS), **kwargs)


def test_merge_needs_same_columns() -> None:
    a = summarize(pl.DataFrame(ROWS), quasi_identifiers=["age"])
    b = summarize(pl.DataFrame(ROWS), quasi_identifiers=["sex"])
    with pytest.raises(InputError):
        a + b


def test_negative_counts_rejected() -> None:
    with pytest.raises(ColumnError):
        EquivalenceSummary.from_counts(
            pl.DataFrame({"a": [1], "n": [-1]}), quasi_identifiers=["a"], count="n"
        )
