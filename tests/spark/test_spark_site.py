"""``site summarize --engine spark`` writes the same counts as in process (issue 23: the one Spark surface
of multi-site review): consent enforcement and the fairness counts run on Spark, the file is the same
but for its time stamp, its audit checkpoint and its signature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _body(path: Path) -> dict[str, Any]:
    body = json.loads(path.read_text())["body"]
    for volatile in ("created_at", "checkpoint"):
        body.pop(volatile)
    body["certificate"].pop("body_hash")  # covers created_at
    return body


def test_spark_summary_equals_polars(spark: Any, small_study: Path, tmp_path: Path, cli: Any) -> None:
    key = tmp_path / "site.pem"
    assert cli("audit", "keygen", "--out", key).code == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text("sites:\n  min_cell_size: 5\n  score_bins: 20\n", encoding="utf-8")
    out = {}
    for name, extra in (("inprocess", ()), ("spark", ("--engine", "spark", "--master", "local[2]"))):
        out[name] = tmp_path / f"{name}.ecsite"
        result = cli(
            "site", "summarize", small_study / "study.yaml", "--site", "A", "--policy", policy,
            "--key-file", key, "--out", out[name], *extra,
        )  # fmt: skip
        assert result.code == 0, result.err
    inprocess, on_spark = _body(out["inprocess"]), _body(out["spark"])
    assert on_spark["fairness"]["tables"][0]["rows"] and on_spark["consent"]["rows_kept"] > 0
    assert on_spark == inprocess
    assert cli("site", "check", out["spark"]).code == 0
