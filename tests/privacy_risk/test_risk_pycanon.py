"""Differential tests: k, l (and t) equal pycanon's on random tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.privacy import risk

pycanon = pytest.importorskip("pycanon.anonymity")

table = st.integers(min_value=2, max_value=40).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "a": st.lists(st.integers(0, 3), min_size=n, max_size=n),
            "b": st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n),
            "s": st.lists(st.sampled_from(["p", "q", "r", "t"]), min_size=n, max_size=n),
            "v": st.lists(st.integers(0, 4), min_size=n, max_size=n),
        }
    )
)


@settings(max_examples=20, deadline=None)
@given(table)
def test_k_l_t_match_pycanon(data: dict[str, Any]) -> None:
    frame = pd.DataFrame(data)
    qis = ["a", "b"]
    ours = risk(frame, quasi_identifiers=qis, sensitive="s")
    assert ours.k == pycanon.k_anonymity(frame, qis)
    assert ours.l == pycanon.l_diversity(frame, qis, ["s"])
    assert ours.t == pytest.approx(pycanon.t_closeness(frame, qis, ["s"]), abs=1e-9)
    if frame["v"].nunique() > 1:
        ordinal = risk(frame, quasi_identifiers=qis, sensitive="v")
        assert ordinal.t == pytest.approx(pycanon.t_closeness(frame, qis, ["v"]), abs=1e-9)
