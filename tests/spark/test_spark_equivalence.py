"""Consent enforcement, text redaction and every summary on Spark equal the in-process engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ethicompass import fairness, privacy
from ethicompass.consent import enforce
from ethicompass.engines import spark as es
from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import read_table
from ethicompass.privacy import Key
from ethicompass.privacy.reidentification._report import risk_from_summary
from ethicompass.safety._counts import summarise

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def predictions(small_study: Path) -> pl.DataFrame:
    """The study's predictions, with a few missing participant ids and ages as quasi-identifiers."""
    frame = pl.read_csv(small_study / "predictions.csv", infer_schema=False).with_columns(
        pl.col("outcome").cast(pl.Int64),
        pl.col("risk_score").cast(pl.Float64),
        pl.col("risk_score_alt").cast(pl.Float64),
    )
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 97 == 5)
        .then(None)
        .otherwise(pl.col("participant_id"))
        .alias("participant_id")
    )


@pytest.fixture(scope="module")
def sdf(spark: Any, predictions: pl.DataFrame) -> Any:
    """The predictions as a Spark DataFrame of several partitions (order kept)."""
    return spark.createDataFrame(predictions.to_arrow()).coalesce(3)


def _rows(sdf: Any) -> pl.DataFrame:
    out = pl.from_arrow(sdf.toArrow())
    assert isinstance(out, pl.DataFrame)
    return out


def test_enforce_matches(predictions: pl.DataFrame, sdf: Any) -> None:
    ids = predictions["participant_id"].drop_nulls().to_list()
    reasons = ["granted", "granted", "withdrawn", "refused", "expired"]
    statuses = pl.DataFrame(
        {
            "participant": ids[: len(ids) - 20],
            "decision": ["permit" if i % 5 < 2 else "deny" for i in range(len(ids) - 20)],
            "reason": [reasons[i % 5] for i in range(len(ids) - 20)],
        }
    )
    at = "2025-01-01T00:00:00Z"
    kw: dict[str, Any] = {"purpose": "ai-model-training", "participant_column": "participant_id", "at": at}
    kept, record = enforce(predictions, statuses=statuses, **kw)
    got_frame, got = es.enforce(sdf, statuses=statuses, **kw)
    assert got.to_dict() == record.to_dict()
    assert _rows(got_frame).equals(kept)
    assert record.rows_dropped["missing-participant-id"] > 0 and record.rows_dropped["no-consent-record"] > 0


def test_enforce_refuses_bad_input(sdf: Any) -> None:
    with pytest.raises(InputError):
        es.enforce(sdf, purpose="ai-model-training", participant_column="participant_id")
    with pytest.raises(ColumnError, match="nope"):
        es.enforce(
            sdf,
            purpose="ai-model-training",
            participant_column="nope",
            statuses=pl.DataFrame({"participant": ["x"], "decision": ["permit"], "reason": ["granted"]}),
        )


@pytest.mark.parametrize("style", ["tag", "surrogate"])
def test_redaction_matches(small_study: Path, spark: Any, style: str) -> None:
    notes = read_table(small_study / "notes.jsonl").collect().head(60)
    key = Key(b"r" * 32)
    kw: dict[str, Any] = {
        "column": "text",
        "style": style,
        "key": key,
        "participant_column": "participant_id",
    }
    expected = privacy.redact_column(notes, **kw)
    got = _rows(es.redact(spark.createDataFrame(notes.to_arrow()).coalesce(2), **kw))
    assert got.equals(expected)


@pytest.mark.parametrize(
    ("qis", "sensitive"),
    [(["sex", "age_group"], None), (["sex", "race", "age_group", "site"], None), (["sex", "site"], "race")],
)
def test_risk_matches(predictions: pl.DataFrame, sdf: Any, qis: list[str], sensitive: str | None) -> None:
    expected_summary = privacy.summarize(predictions, quasi_identifiers=qis, sensitive=sensitive)
    got_summary = es.risk_summary(sdf, quasi_identifiers=qis, sensitive=sensitive)
    assert got_summary.sorted().counts.equals(expected_summary.sorted().counts)
    got = es.risk(sdf, quasi_identifiers=qis, sensitive=sensitive, k_threshold=3)
    # the estimators order the classes themselves, so the result does not depend on group-by order: bit-identical
    assert got.to_dict() == risk_from_summary(expected_summary.sorted(), k_threshold=3).to_dict()
    assert (
        got.to_dict()
        == privacy.risk(predictions, quasi_identifiers=qis, sensitive=sensitive, k_threshold=3).to_dict()
    )


@pytest.mark.parametrize(
    "options",
    [
        {"score": "risk_score", "groups": ["sex", "age_group"]},
        {"score": "risk_score", "groups": ["race"], "bins": 50},
        {"prediction": "outcome", "groups": ["site"]},
    ],
    ids=["score", "binned", "prediction"],
)
def test_fairness_matches(predictions: pl.DataFrame, sdf: Any, options: dict[str, Any]) -> None:
    data = predictions
    spark_data = sdf
    if options.get("bins"):  # force the histogram path: more distinct scores than exact_limit
        options = {**options}
    expected_summary = fairness.summarize(data, label="outcome", **options)
    got_summary = es.fairness_summary(spark_data, label="outcome", **options)
    assert got_summary.to_dict() == expected_summary.to_dict()
    expected = fairness.audit(data, label="outcome", n_boot=200, **options)
    got = es.audit(spark_data, label="outcome", n_boot=200, **options)
    assert got.to_dict() == expected.to_dict()


def test_benefit_counts_match(predictions: pl.DataFrame, sdf: Any) -> None:
    kw: dict[str, Any] = {
        "label": "outcome",
        "scores": {"model": "risk_score", "alt": "risk_score_alt"},
        "groups": ["sex"],
    }
    expected = summarise(predictions, **kw)
    got = es.benefit_counts(sdf, **kw)

    def table(t: Any) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "g": t.groups[:, 0].astype(str),
                "y": t.label,
                "s0": t.scores[:, 0],
                "s1": t.scores[:, 1],
                "n": t.count,
            }
        ).sort("g", "y", "s0", "s1")

    assert table(got).equals(table(expected))
    assert (got.models, got.attributes) == (expected.models, expected.attributes)


def test_polars_frame_is_refused(predictions: pl.DataFrame) -> None:
    with pytest.raises(InputError, match="Spark DataFrame"):
        es.risk(predictions, quasi_identifiers=["sex"])
