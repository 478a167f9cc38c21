"""De-identification on Spark equals the in-process engine: same rows, same certificate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ethicompass.engines import spark as es
from ethicompass.errors import ColumnError, ConfigurationError, SchemaError
from ethicompass.privacy import Key, Policy, TableSchema, deidentify
from ethicompass.privacy.tables._cli import read_for_privacy
from ethicompass.study import Study

pytestmark = pytest.mark.spark

KEY = Key(b"s" * 32)


def _schema(columns: dict[str, Any]) -> TableSchema:
    return TableSchema.from_dict({"columns": columns})


def _spark_rows(sdf: Any) -> pl.DataFrame:
    table = sdf.toArrow()
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    "policy",
    [Policy.safe_harbor(free_text="drop"), Policy.date_shift(free_text="drop")],
    ids=["safe-harbor", "date-shift"],
)
def test_study_tables_match_in_process(small_study: Path, spark: Any, policy: Policy) -> None:
    study = Study.from_file(small_study / "study.yaml")
    checked = 0
    for name, spec in study.datasets.items():
        schema = TableSchema.from_dataset(spec)
        if not any(s.phi_type is not None or s.role.value == "date" for s in schema.columns.values()):
            continue
        frame = read_for_privacy(study.dataset_path(name)).select(list(schema.columns))
        expected = deidentify(frame, schema, policy=policy, key=KEY)
        sdf = spark.createDataFrame(frame.to_arrow()).coalesce(3)
        got = es.deidentify(sdf, schema, policy=policy, key=KEY)
        assert got.certificate.to_dict() == expected.certificate.to_dict(), name
        assert got.output_schema == expected.output_schema
        rows = _spark_rows(got.frame)
        assert rows.equals(expected.to_frame()), name
        checked += 1
    assert checked >= 2


def test_many_partitions_and_hashes_off(spark: Any) -> None:
    frame = pl.DataFrame(
        {
            "mrn": [f"MRN{i:05d}" for i in range(200)],
            "zip": [f"{(i * 7919) % 100000:05d}" for i in range(200)],
            "admitted": [f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(200)],
            "age": [i % 100 for i in range(200)],
            "value": [i * 0.5 for i in range(200)],
        }
    )
    schema = _schema(
        {
            "mrn": {"role": "participant_id"},
            "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
            "admitted": {"role": "date"},
            "age": {"role": "quasi_identifier", "phi_type": "AGE"},
            "value": {"role": "other"},
        }
    )
    policy = Policy.date_shift()
    expected = deidentify(frame, schema, policy=policy, key=KEY)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "37")  # many batches per partition
    try:
        sdf = spark.createDataFrame(frame.to_arrow())
        got = es.deidentify(sdf, schema, policy=policy, key=KEY)
        assert got.certificate.to_dict() == expected.certificate.to_dict()
        assert _spark_rows(got.frame).equals(expected.to_frame())
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    unhashed = es.deidentify(sdf, schema, policy=policy, key=KEY, content_hashes=False)
    cert = unhashed.certificate.to_dict()
    assert cert["input_sha256"] == es.NOT_HASHED and cert["output_sha256"] == es.NOT_HASHED
    assert cert["columns"] == expected.certificate.to_dict()["columns"]


def test_the_key_never_shows(spark: Any) -> None:
    frame = pl.DataFrame({"mrn": ["a1", "b2"], "x": [1, 2]})
    schema = _schema({"mrn": {"role": "participant_id"}, "x": {"role": "other"}})
    got = es.deidentify(spark.createDataFrame(frame.to_arrow()), schema, key=KEY)
    text = repr(got) + str(got.to_dict()) + got.frame._jdf.queryExecution().toString()
    assert KEY.secret.decode() not in text and KEY.to_text() not in text


def test_errors_from_executors_come_back_as_ours(spark: Any) -> None:
    frame = pl.DataFrame({"mrn": ["a1", "b2"], "seen": ["2020-01-01", "not a date"]})
    schema = _schema({"mrn": {"role": "participant_id"}, "seen": {"role": "date"}})
    sdf = spark.createDataFrame(frame.to_arrow())
    with pytest.raises(ColumnError, match="not a date"):
        es.deidentify(sdf, schema, policy=Policy.safe_harbor(on_bad_date="fail"), key=KEY)
    with pytest.raises(SchemaError, match="reversible mode needs a pseudonymised column"):
        es.deidentify(
            sdf.select("seen"),
            _schema({"seen": {"role": "date"}}),
            policy=Policy.safe_harbor(reversible=True),
            key=KEY,
        )
    with pytest.raises(ConfigurationError, match="no key"):
        es.deidentify(sdf, schema, key=None)  # type: ignore[arg-type]
    with pytest.raises(ColumnError, match="no rows"):
        es.deidentify(sdf.limit(0), schema, key=KEY)
