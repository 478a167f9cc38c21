"""``ethicompass spark ...`` verbs, and the Python API dispatching a Spark DataFrame to the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ethicompass import consent, privacy
from ethicompass.privacy import Key, TableSchema

pytestmark = pytest.mark.spark


@pytest.mark.slow
def test_cli_deid_risk_fairness(spark: Any, small_study: Path, tmp_path: Path, cli: Any) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(Key(b"c" * 32).to_text(), encoding="utf-8")
    out = tmp_path / "predictions-deid"
    master = ["--master", "local[2]"]
    data = small_study / "predictions.csv"
    manifest = small_study / "study.yaml"
    res = cli("spark", "deid", data, "--schema", manifest, "--dataset", "predictions", "--out", out,
              "--key-file", key_file, "--format", "json", *master)  # fmt: skip
    assert res.code == 0, res.err
    cert = json.loads(res.out)
    assert cert["rows_out"] == 400 and (tmp_path / "predictions-deid.certificate.json").exists()
    written = pl.read_parquet(out / "*.parquet")
    assert written.height == 400 and "P0000001" not in written.to_pandas().to_string()
    res = cli("spark", "risk", data, "--qi", "sex", "--qi", "age_group", "--format", "json", *master)
    assert res.code == 0, res.err
    assert json.loads(res.out)["k"] >= 1
    res = cli("spark", "fairness", data, "--label", "outcome", "--score", "risk_score", "--group", "sex",
              "--n-boot", "50", "--format", "json", *master)  # fmt: skip
    assert res.code == 0, res.err
    res = cli("audit", "log", "--format", "json")
    assert "privacy.deidentify" in res.out and "fairness.audit" in res.out


def test_cli_refuses_existing_output(small_study: Path, tmp_path: Path, cli: Any, spark: Any) -> None:
    (tmp_path / "x").mkdir()
    res = cli("spark", "enforce", small_study / "predictions.csv", "--purpose", "ai-model-training",
              "--participant-column", "participant_id", "--out", tmp_path / "x", "--master", "local[2]")  # fmt: skip
    assert res.code == 2 and "exists" in res.err


@pytest.mark.slow
def test_out_folder_and_the_deprecated_alias_take_one_path(
    small_study: Path, tmp_path: Path, cli: Any, spark: Any
) -> None:
    data = small_study / "predictions.csv"
    common = (
        "--purpose",
        "ai-model-training",
        "--participant-column",
        "participant_id",
        "--master",
        "local[2]",
    )
    res = cli(
        "consent", "enforce", data, *common, "--engine", "spark", "--out-folder", tmp_path / "a", "-f", "json"
    )
    assert res.code == 0, res.err
    assert "deprecated" not in res.err
    alias = cli("spark", "enforce", data, *common, "--out", tmp_path / "b", "-f", "json")
    assert alias.code == 0, alias.err
    assert "deprecated" in alias.err and "consent enforce --engine spark --out-folder" in alias.err
    got, want = json.loads(alias.out), json.loads(res.out)
    assert (got["rows_kept"], got["rows_dropped"]) == (want["rows_kept"], want["rows_dropped"])
    assert pl.read_parquet(tmp_path / "a" / "*.parquet").height == json.loads(res.out)["rows_kept"]
    # a Parquet folder is an input too, on the one Spark reader
    (tmp_path / "c").mkdir()
    pl.read_csv(data).write_parquet(tmp_path / "c" / "part-0.parquet")
    res = cli("risk", tmp_path / "c", "--qi", "sex", "--engine", "spark", "--master", "local[2]", "--no-fail")
    assert res.code == 0, res.err


def test_python_api_dispatches_spark_frames(spark: Any) -> None:
    frame = pl.DataFrame({"mrn": ["a1", "b2", "a1"], "x": [1, 2, 3]})
    schema = TableSchema.from_dict({"columns": {"mrn": {"role": "participant_id"}, "x": {"role": "other"}}})
    key = Key(b"d" * 32)
    sdf = spark.createDataFrame(frame.to_arrow())
    got = privacy.deidentify(sdf, schema, key=key)
    assert got.certificate.to_dict() == privacy.deidentify(frame, schema, key=key).certificate.to_dict()
    statuses = pl.DataFrame({"participant": ["a1"], "decision": ["permit"], "reason": ["granted"]})
    kept, record = consent.enforce(
        sdf,
        purpose="ai-model-training",
        participant_column="mrn",
        statuses=statuses,
        at="2025-01-01T00:00:00Z",
    )
    assert kept.count() == 2 and record.rows_dropped == {"no-consent-record": 1}
