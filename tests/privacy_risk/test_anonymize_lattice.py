"""anonymize: targets met, suppression within budget, a minimal node chosen, hierarchies."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from ethicompass.errors import ColumnError, InputError, ManifestError, VerdictFailed
from ethicompass.privacy import Hierarchy, anonymize, load_hierarchies, risk


def _table(n: int = 600, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["F", "M"], n),
            "zip": [f"{z:05d}" for z in rng.integers(2000, 2300, n)],
            "race": rng.choice(["White", "Black", "Asian", "Other"], n, p=[0.6, 0.2, 0.15, 0.05]),
            "dx": rng.choice(["a", "b", "c"], n),
        }
    )


QIS = ["age", "sex", "zip", "race"]


def _suppressed_at(frame: pl.DataFrame, result: Any, levels: dict[str, int], k: int) -> int:
    """Brute force on the rows: records in classes smaller than k at these levels."""
    gen = frame.with_columns(
        result.hierarchies[q].generalise(frame[q], lv).cast(pl.String).alias(q) for q, lv in levels.items()
    )
    sizes = gen.group_by(QIS).len()
    return int(sizes.filter(pl.col("len") < k)["len"].sum())


@pytest.mark.parametrize("k", [2, 5])
def test_k_reached_and_node_minimal(k: int) -> None:
    frame = _table()
    result = anonymize(frame, quasi_identifiers=QIS, k=k, max_suppression=0.05)
    budget = int(0.05 * frame.height)
    assert result.suppressed <= budget
    assert result.table.height == frame.height - result.suppressed
    assert risk(result.table, quasi_identifiers=QIS).k >= k
    assert result.risk.k >= k
    levels = result.level_indices
    assert _suppressed_at(frame, result, levels, k) == result.suppressed
    for q in QIS:  # every direct specialisation fails: the node is minimal
        if levels[q] > 0:
            lower = {**levels, q: levels[q] - 1}
            assert _suppressed_at(frame, result, lower, k) > budget


def test_chosen_node_has_least_ncp_among_minimal_nodes() -> None:
    frame = _table(300)
    result = anonymize(frame, quasi_identifiers=QIS, k=3, max_suppression=0.02)
    budget = int(0.02 * frame.height)
    shape = [len(result.hierarchies[q].levels) for q in QIS]
    passing = {
        node
        for node in itertools.product(*(range(s) for s in shape))
        if _suppressed_at(frame, result, dict(zip(QIS, node, strict=True)), 3) <= budget
    }
    chosen = tuple(result.level_indices[q] for q in QIS)
    assert chosen in passing
    minimal = [
        node
        for node in passing
        if not any(
            node[d] > 0 and tuple(x - (i == d) for i, x in enumerate(node)) in passing for d in range(4)
        )
    ]
    assert chosen in minimal


def test_l_and_t_targets() -> None:
    frame = _table()
    result = anonymize(frame, quasi_identifiers=QIS, k=3, l=2, t=0.4, sensitive="dx", max_suppression=0.05)
    after = risk(result.table, quasi_identifiers=QIS, sensitive="dx")
    assert after.k >= 3 and after.l is not None and after.l >= 2
    assert after.t is not None and after.t <= 0.4 + 1e-9
    assert result.to_dict()["risk_after"]["k"] == after.k


def test_nulls_in_quasi_identifiers_kept() -> None:
    frame = pl.DataFrame({"age": [None] * 6 + [30] * 6 + [31] * 6, "sex": ["F", "M"] * 9})
    result = anonymize(frame, quasi_identifiers=["age", "sex"], k=3, max_suppression=0.0)
    assert result.suppressed == 0
    assert result.table["age"].null_count() == 6


def test_single_class_and_all_unique() -> None:
    same = pl.DataFrame({"a": [1] * 10})
    assert anonymize(same, quasi_identifiers=["a"], k=5).level_indices == {"a": 0}
    unique = pl.DataFrame({"a": list(range(40))})
    result = anonymize(unique, quasi_identifiers=["a"], k=5, max_suppression=0.0)
    assert result.risk.k >= 5 and result.suppressed == 0


def test_unreachable_target() -> None:
    with pytest.raises(VerdictFailed, match="no generalisation"):
        anonymize(pl.DataFrame({"a": [1, 2, 3]}), quasi_identifiers=["a"], k=5, max_suppression=0.0)


@pytest.mark.parametrize(
    ("hierarchy", "values", "level", "expected"),
    [
        (Hierarchy.age_bands(), [42, 17], 1, ["40-44", "15-19"]),
        (Hierarchy.age_bands(), [42, 17], 3, ["40-59", "0-19"]),
        (Hierarchy.dates(), [dt.date(2024, 5, 3)], 1, ["2024-05"]),
        (Hierarchy.dates(), [dt.date(2024, 5, 3)], 2, ["2024-Q2"]),
        (Hierarchy.dates(), ["2024-05-03"], 3, ["2024"]),
        (Hierarchy.prefix(), ["02139"], 1, ["021**"]),
        (Hierarchy.prefix(), ["02139"], 3, ["0****"]),
        (Hierarchy.prefix(), ["02139"], 4, ["*"]),
        (
            Hierarchy.categorical([{"Asian/PI": ["Asian", "Pacific Islander"]}]),
            ["Asian", "White"],
            1,
            ["Asian/PI", "White"],
        ),
        (Hierarchy.suppression(), ["F"], 1, ["*"]),
        (Hierarchy.age_bands(), [None], 1, [None]),
    ],
)
def test_hierarchy_levels(hierarchy: Hierarchy, values: list[Any], level: int, expected: list[Any]) -> None:
    assert hierarchy.generalise(pl.Series("x", values), level).to_list() == expected


def test_hierarchies_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "hierarchies:\n  age: {type: intervals, widths: [10, 30]}\n  zip: zip\n"
        "  race:\n    type: categorical\n    levels:\n      - {Other: [Asian, Other]}\n"
    )
    hierarchies = load_hierarchies(path)
    assert hierarchies["age"].levels == ("raw", "band10", "band30", "*")
    frame = _table(400)
    result = anonymize(frame, quasi_identifiers=QIS, hierarchies=hierarchies, k=2)
    assert result.risk.k >= 2


@pytest.mark.parametrize(
    "text",
    ["age: {type: nope}", "age: {widths: [1]}", "race: {type: categorical, levels: oops}", "[1, 2]"],
)
def test_bad_hierarchy_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(text)
    with pytest.raises(ManifestError):
        load_hierarchies(path)


def test_wrong_hierarchy_for_column() -> None:
    with pytest.raises(ColumnError):
        anonymize(_table(50), quasi_identifiers=["sex"], hierarchies={"sex": Hierarchy.age_bands()}, k=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": 0},
        {"k": 2, "l": 2},
        {"k": 2, "max_suppression": 1.0},
        {"k": 2, "hierarchies": {"nope": Hierarchy.suppression()}},
    ],
)
def test_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        anonymize(_table(50), quasi_identifiers=["sex"], **kwargs)


def test_backends_agree(constructor: Any) -> None:
    frame = _table(200)
    native = constructor({c: frame[c].to_list() for c in frame.columns})
    result = anonymize(native, quasi_identifiers=QIS, k=3)
    assert result.level_indices == anonymize(frame, quasi_identifiers=QIS, k=3).level_indices
