"""``--engine spark`` on the ordinary verbs writes what ``--engine inprocess`` writes, exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ethicompass.engines import _options as eo
from ethicompass.engines import spark as es
from ethicompass.privacy import Key, Policy, TableSchema, deidentify, read_linkage

pytestmark = pytest.mark.spark

SPARK = ("--engine", "spark", "--master", "local[2]")
KEY = Key(b"e" * 32)


def _both(cli: Any, tmp_path: Path, make: Any) -> tuple[Path, Path, str, str]:
    """Run ``make(folder)``'s arguments once per engine, each writing into its own folder."""
    out: list[Any] = []
    for name, extra in (("inprocess", ()), ("spark", SPARK)):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        res = cli(*make(folder), *extra)
        assert res.code == 0, res.err
        out += [folder, res.out]
    return out[0], out[2], out[1], out[3]


@pytest.mark.slow
def test_deid_files_and_certificates_are_identical(
    spark: Any, small_study: Path, tmp_path: Path, cli: Any
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY.to_text(), encoding="utf-8")
    common = ("--schema", small_study / "study.yaml", "--dataset", "patients", "-k", key_file)
    common += ("--drop-free-text", "--dates", "shift", "--format", "json")

    def csv(folder: Path) -> tuple[Any, ...]:
        return ("deid", small_study / "patients.csv", "-o", folder / "p.csv", *common)

    a, b, out_a, out_b = _both(cli, tmp_path / "csv", csv)
    assert out_a == out_b
    for name in ("p.csv", "p.csv.certificate.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name

    def parquet(folder: Path) -> tuple[Any, ...]:
        return ("deid", small_study / "patients.csv", "-o", folder / "p.parquet",
                "--linkage-out", folder.parent / f"{folder.name}.link", *common)  # fmt: skip

    a, b, out_a, out_b = _both(cli, tmp_path / "parquet", parquet)
    cert_a, cert_b = json.loads(out_a), json.loads(out_b)
    # the streamed Parquet file lays out its row groups differently: same rows and types, other bytes
    assert cert_a["files"]["output"].pop("sha256") != cert_b["files"]["output"].pop("sha256")
    assert cert_a == cert_b and cert_a["linkage_rows"] > 0
    assert pl.read_parquet(a / "p.parquet").equals(pl.read_parquet(b / "p.parquet"))
    link_a = read_linkage(a.parent / "inprocess.link", KEY)
    assert link_a.equals(read_linkage(b.parent / "spark.link", KEY))
    entries = json.loads(cli("audit", "log", "--format", "json").out)
    text = json.dumps(entries)
    assert '"engine": "spark"' in text and KEY.to_text() not in text


def test_reversible_linkage_on_many_partitions(spark: Any) -> None:
    frame = pl.DataFrame(
        {
            "mrn": [f"M{i % 37:03d}" for i in range(300)],
            "zip": [f"{(i * 7919) % 100000:05d}" for i in range(300)],
            "x": list(range(300)),
        }
    )
    schema = TableSchema.from_dict(
        {
            "columns": {
                "mrn": {"role": "participant_id"},
                "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
                "x": {"role": "other"},
            }
        }
    )
    policy = Policy.safe_harbor(reversible=True)
    expected = deidentify(frame, schema, policy=policy, key=KEY)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "23")  # many batches, pairs repeat across
    try:
        got = es.deidentify(spark.createDataFrame(frame.to_arrow()), schema, policy=policy, key=KEY)
        assert got.certificate.to_dict() == expected.certificate.to_dict()
        assert expected.linkage is not None and got.linkage is not None
        assert read_linkage(got.linkage, KEY).equals(read_linkage(expected.linkage, KEY))
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")


@pytest.mark.slow
def test_enforce_risk_fairness_are_identical(spark: Any, small_study: Path, tmp_path: Path, cli: Any) -> None:
    data = small_study / "predictions.csv"
    assert cli("consent", "participants", "import", small_study / "patients.csv").code == 0
    for i, pid in enumerate(("P0000001", "P0000002", "P0000003", "P0000005", "P0000008")):
        verb = "grant" if i % 2 == 0 else "refuse"
        res = cli(
            "consent", verb, "-p", pid, "--purpose", "ai-model-training", "--at", "2020-01-01T00:00:00Z"
        )
        assert res.code == 0, res.err
    for suffix in (".csv", ".jsonl"):

        def enforce(folder: Path, suffix: str = suffix) -> tuple[Any, ...]:
            return ("consent", "enforce", data, "--purpose", "ai-model-training", "-c", "participant_id",
                    "--at", "2021-01-01T00:00:00Z", "-o", folder / f"kept{suffix}",
                    "--register-as", f"kept-{folder.name}", "--format", "json")  # fmt: skip

        a, b, out_a, out_b = _both(cli, tmp_path / suffix[1:], enforce)
        got_a, got_b = json.loads(out_a), json.loads(out_b)
        assert got_a.pop("artefact") != got_b.pop("artefact")
        assert got_a == got_b and got_a["rows_kept"] == 3
        assert (a / f"kept{suffix}").read_bytes() == (b / f"kept{suffix}").read_bytes()

    def risk(folder: Path) -> tuple[Any, ...]:
        return ("risk", data, "--qi", "sex,age_group", "--qi", "site:6", "--sensitive", "race",
                "--format", "json")  # fmt: skip

    _, _, out_a, out_b = _both(cli, tmp_path / "risk", risk)
    assert out_a == out_b  # the estimators order the classes themselves: no float depends on group-by order

    def fair(folder: Path) -> tuple[Any, ...]:
        return ("fairness", data, "-y", "outcome", "-p", "risk_score", "-g", "sex", "-g", "age_group",
                "--boot", "100", "--plots", folder, "--format", "json")  # fmt: skip

    a, b, out_a, out_b = _both(cli, tmp_path / "fairness", fair)
    assert out_a == out_b
    for svg in sorted(p.name for p in a.glob("*.svg")):
        assert (a / svg).read_bytes() == (b / svg).read_bytes(), svg


def test_loader_refuses_and_reports(spark: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n", encoding="utf-8")
    from ethicompass.errors import ColumnError, DataFileError

    with pytest.raises(DataFileError, match="no rows"):
        eo.load(empty, engine=eo.Engine.spark, master="local[2]")
    table = tmp_path / "t.csv"
    table.write_text('id,zip,note\n1,02134,"two\nlines"\n2,10001,x\n', encoding="utf-8")
    with pytest.raises(ColumnError, match="nope"):
        eo.load(table, engine=eo.Engine.spark, master="local[2]", columns=["nope"])
    for text in (False, True):
        sdf = eo.load(table, engine=eo.Engine.spark, master="local[2]", text=text)
        expected = eo.load(table, engine=eo.Engine.inprocess, master="", text=text)
        got = pl.from_arrow(sdf.toArrow())
        assert isinstance(got, pl.DataFrame) and got.equals(expected), text
