"""The Spark engine: the same row transforms per partition, the same summaries by Spark itself.

Row transforms (de-identification, consent enforcement, text redaction) run through
``DataFrame.mapInArrow`` with an explicit Arrow/Spark schema; each partition's Arrow batches go
through the very functions the in-process engine uses (``DeidTransform.apply_arrow``,
``consent.enforce_batch``, ``privacy.redact_column``), so the output rows are identical.
Summaries (equivalence classes, fairness counts, benefit counts) are one group-by run by Spark
(through narwhals) and collected as the same small count tables; the estimate step is unchanged.

The key travels to the executors inside the task closure (pickled by Spark, never logged: a
:class:`~ethicompass.privacy.Key`'s repr hides its secret) and is never written to an output.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from ethicompass.engines._spark_session import (
    arrow_schema_of,
    map_arrow,
    relay_errors,
    spark_schema_of,
)
from ethicompass.errors import ColumnError, ConfigurationError, InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ethicompass.consent import EnforcementRecord
    from ethicompass.fairness import FairnessReport, Summary
    from ethicompass.privacy import DeidResult, EquivalenceSummary, Key, Policy, RiskReport, TableSchema
    from ethicompass.safety import CountTable

__all__ = [
    "audit",
    "benefit_counts",
    "deidentify",
    "enforce",
    "fairness_summary",
    "redact",
    "risk",
    "risk_summary",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: What the certificate records in place of a content hash when hashing is turned off.
NOT_HASHED = "not computed (content_hashes=False)"


def _check_frame(sdf: Any) -> None:
    from ethicompass.engines._spark_session import is_spark_frame

    if not is_spark_frame(sdf):
        raise InputError(
            f"the Spark engine takes a Spark DataFrame, not a {type(sdf).__name__}",
            hint="use the in-process function (e.g. privacy.deidentify) for Polars, pandas or Arrow",
        )


# --------------------------------------------------------------------------- de-identification
def _certificate_batch(transform: Any, hashes: bool, linked: Sequence[str]) -> Any:
    """Per batch: the transform's counts, rows, (optionally) input and output canonical bytes, and (reversible
    mode) the batch's distinct (column, pseudonym, value) pairs of the ``linked`` columns as Arrow IPC."""

    def one(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        from ethicompass.privacy.tables import canonical_columns, linkage_pairs, pack_parts

        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        out, counts = transform.apply(frame)
        row: dict[str, Any] = {
            "rows": frame.height,
            "counts": json.dumps(counts),
            "inp": b"",
            "out": b"",
            "link": b"",
        }
        if hashes:  # the canonical bytes of the content hash, added up in order on the driver
            row["inp"] = pack_parts(canonical_columns(frame))
            row["out"] = pack_parts(canonical_columns(out))
        if linked:
            row["link"] = _ipc(linkage_pairs(frame, out, linked))
        yield pa.RecordBatch.from_pylist([row], schema=_CERT_SCHEMA)

    return one


_CERT_SCHEMA = pa.schema(
    [
        ("rows", pa.int64()),
        ("counts", pa.string()),
        ("inp", pa.binary()),
        ("out", pa.binary()),
        ("link", pa.binary()),
    ]
)


def _ipc(frame: pl.DataFrame) -> bytes:
    sink = pa.BufferOutputStream()
    table = frame.to_arrow()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()  # type: ignore[no-any-return]


def deidentify(
    sdf: DataFrame,
    schema: TableSchema,
    /,
    *,
    policy: Policy | None = None,
    key: Key,
    content_hashes: bool = True,
) -> DeidResult:
    """De-identify a Spark DataFrame partition by partition; return a lazy Spark frame and a certificate.

    The certificate equals the in-process one for the same rows in the same order. It is built by
    one pass over the data (counts per partition, added up); with ``content_hashes`` (default)
    each partition's rows also stream to the driver, in order, as the canonical bytes of the content
    hashes (``privacy.tables.content_hash``: the in-process hashes, whatever the partitioning): turn it off for tables too large for that, and the certificate says the hashes were
    not computed. ``result.frame`` is the de-identified Spark DataFrame (lazy: write it with
    ``result.frame.write``). In reversible mode each partition sends its distinct (column,
    pseudonym, value) pairs to the driver in the same pass, which keeps them distinct in first-seen
    order and encrypts the linkage table: the same table the in-process engine makes.
    """
    from ethicompass.privacy import DeidResult, DeidTransform, Key, Policy, TableSchema
    from ethicompass.privacy.tables import (
        ContentHasher,
        LinkagePairs,
        certificate_of,
        encrypt_linkage,
        merge_counts,
        unpack_parts,
    )

    _check_frame(sdf)
    if not isinstance(key, Key):
        raise ConfigurationError("no key given", hint="load one with privacy.load_key(path)")
    policy = policy or Policy.safe_harbor()
    columns = list(sdf.columns)
    transform = DeidTransform.build(columns, schema, policy=policy, key=key)
    linked = transform.linked_columns()
    linkage = LinkagePairs(linked)
    in_schema = arrow_schema_of(sdf)
    empty = pl.from_arrow(in_schema.empty_table())
    assert isinstance(empty, pl.DataFrame)
    empty_out = transform.apply(empty)[0]
    out_schema = empty_out.to_arrow().schema

    def rows(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        yield from transform.apply_arrow(batch).to_batches()

    out_sdf = sdf.mapInArrow(map_arrow(rows, out_schema), spark_schema_of(out_schema))
    certificate_rows = sdf.mapInArrow(
        map_arrow(_certificate_batch(transform, content_hashes, linked), _CERT_SCHEMA),
        spark_schema_of(_CERT_SCHEMA),
    )
    inp, out = ContentHasher(empty.schema), ContentHasher(empty_out.schema)
    counts: dict[str, dict[str, int]] = {}

    def collect() -> int:
        n = 0
        for row in certificate_rows.toLocalIterator(prefetchPartitions=True):
            n += int(row["rows"])
            merge_counts(counts, json.loads(row["counts"]))
            if content_hashes:
                inp.update_canonical(unpack_parts(row["inp"]), rows=int(row["rows"]))
                out.update_canonical(unpack_parts(row["out"]), rows=int(row["rows"]))
            if linked:
                linkage.add_ipc(row["link"])
        return n

    n_rows = relay_errors(collect)
    if n_rows == 0:
        raise ColumnError("the table has no rows", hint="supply a table with at least one data row")
    pairs = linkage.table() if linked else pl.DataFrame()
    certificate = certificate_of(
        transform,
        counts,
        rows=(n_rows, n_rows),
        columns=(len(columns), len(out_schema)),
        hashes=(inp.hexdigest(), out.hexdigest()) if content_hashes else (NOT_HASHED, NOT_HASHED),
        linkage_rows=None if not linked else pairs.height,
    )
    kept = TableSchema({c: schema.columns[c] for c in out_schema.names})
    return DeidResult(out_sdf, certificate, kept, None if not linked else encrypt_linkage(pairs, key))


# --------------------------------------------------------------------------- consent
def enforce(sdf: DataFrame, /, **options: Any) -> tuple[DataFrame, EnforcementRecord]:
    """:func:`ethicompass.consent.enforce` on a Spark DataFrame (the same options): (kept rows, lazy; the record)."""
    from ethicompass.consent import enforce as enforce_frame

    _check_frame(sdf)
    return enforce_frame(sdf, **options)  # type: ignore[no-any-return]


def enforce_table(
    sdf: DataFrame, /, *, purpose: str, participant_column: str, when: str, table: pl.DataFrame
) -> tuple[DataFrame, EnforcementRecord]:
    """Keep the rows of ``sdf`` that ``table`` (from ``consent.consent_state``) permits: (kept, lazy; record).

    The status table (one row per participant) is built on the driver and travels to the
    executors as the permitted ids (filtering with ``consent.enforce_batch`` per partition) and as
    a broadcast join for the counts by reason, which Spark computes. Row order is kept.
    """
    from pyspark.sql import functions as F

    from ethicompass.consent import DROP_REASONS, EnforcementRecord, enforce_batch, status_hash
    from ethicompass.frames import require_columns

    if participant_column not in sdf.columns:
        require_columns(pl.DataFrame({c: [] for c in sdf.columns}), [participant_column], source="the frame")
    permitted = table.filter(pl.col("reason") == "granted")["participant"].to_arrow().cast(pa.string())
    in_schema = arrow_schema_of(sdf)

    def keep(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        yield enforce_batch(batch, participant_column=participant_column, permitted=permitted)

    kept = sdf.mapInArrow(map_arrow(keep, in_schema), sdf.schema)
    spark = sdf.sparkSession
    lookup = spark.createDataFrame(
        table.select(pl.col("participant").alias("_k"), pl.col("reason").alias("_r")).to_arrow()
    )
    per_person = sdf.groupBy(F.col(participant_column).cast("string").alias("_k")).agg(
        F.count("*").alias("n")
    )
    joined = per_person.join(F.broadcast(lookup), on="_k", how="left").withColumn(
        "_r",
        F.when(F.col("_k").isNull(), F.lit("missing-participant-id"))
        .when(F.col("_r").isNull(), F.lit("no-consent-record"))
        .otherwise(F.col("_r")),
    )
    summary_rows = relay_errors(
        lambda: joined.groupBy("_r").agg(F.sum("n").alias("rows"), F.count("_k").alias("people")).collect()
    )
    summary = {str(r["_r"]): (int(r["rows"]), int(r["people"])) for r in summary_rows}
    granted = summary.get("granted", (0, 0))
    record = EnforcementRecord(
        purpose=purpose,
        at=when,
        rows_in=sum(v[0] for v in summary.values()),
        rows_kept=granted[0],
        rows_dropped={r: summary[r][0] for r in DROP_REASONS if r in summary},
        participants_kept=granted[1],
        participants_dropped={r: summary[r][1] for r in DROP_REASONS if r in summary},
        status_hash=status_hash(table),
    )
    return kept, record


# --------------------------------------------------------------------------- text
def redact(
    sdf: DataFrame,
    /,
    *,
    column: str,
    style: str = "tag",
    key: Key | None = None,
    participant_column: str | None = None,
    threshold: float | None = None,
) -> DataFrame:
    """:func:`ethicompass.privacy.redact_column` per partition: a lazy Spark frame, ``column`` redacted."""
    from ethicompass.frames import require_columns
    from ethicompass.privacy import redact_column
    from ethicompass.privacy.text import DEFAULT_THRESHOLD

    _check_frame(sdf)
    needed = [column] + ([participant_column] if participant_column else [])
    require_columns(pl.DataFrame({c: [] for c in sdf.columns}), needed, source="the frame")
    cut = DEFAULT_THRESHOLD if threshold is None else threshold
    in_schema = arrow_schema_of(sdf)
    if in_schema.field(column).type not in (pa.string(), pa.large_string(), pa.null()):
        raise ColumnError(
            f"column {column!r} holds {in_schema.field(column).type}, not text",
            hint="pass a free-text column",
        )

    def one(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        frame = pl.from_arrow(batch)
        out = redact_column(
            frame,
            column=column,
            style=style,  # type: ignore[arg-type]
            key=key,
            participant_column=participant_column,
            threshold=cut,
        )
        yield from out.to_arrow().to_batches()

    return sdf.mapInArrow(map_arrow(one, in_schema), sdf.schema)


# --------------------------------------------------------------------------- summaries
def risk_summary(
    sdf: DataFrame, /, *, quasi_identifiers: Sequence[str], sensitive: str | None = None
) -> EquivalenceSummary:
    """Equivalence-class counts computed by Spark (one group-by through narwhals), collected and sorted.

    Sorted, so that the estimate step (float sums over the classes) does not depend on the order in
    which Spark's partitions answered.
    """
    from ethicompass.privacy import summarize

    _check_frame(sdf)
    summary = relay_errors(lambda: summarize(sdf, quasi_identifiers=quasi_identifiers, sensitive=sensitive))
    return summary.sorted()


def risk(
    sdf: DataFrame,
    /,
    *,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
    **options: Any,
) -> RiskReport:
    """:func:`ethicompass.privacy.risk` on a Spark DataFrame: Spark counts, the same estimate step.

    ``options`` are those of :func:`ethicompass.privacy.risk_from_summary` (``k_threshold``,
    ``risk_threshold``, ``population``, ...).
    """
    from ethicompass.privacy.reidentification import risk_from_summary

    summary = risk_summary(sdf, quasi_identifiers=quasi_identifiers, sensitive=sensitive)
    return risk_from_summary(summary, **options)


def fairness_summary(
    sdf: DataFrame,
    /,
    *,
    label: str,
    groups: Sequence[str],
    score: str | None = None,
    prediction: str | None = None,
    threshold: float = 0.5,
    bins: int = 1_000,
) -> Summary:
    """Fairness counts (per group, label, prediction, score) computed by Spark through narwhals."""
    from ethicompass.fairness import summarize

    _check_frame(sdf)
    return relay_errors(
        lambda: summarize(
            sdf,
            label=label,
            groups=list(groups),
            score=score,
            prediction=prediction,
            threshold=threshold,
            bins=bins,
        )
    )


def audit(
    sdf: DataFrame,
    /,
    *,
    label: str,
    groups: Sequence[str],
    score: str | None = None,
    prediction: str | None = None,
    threshold: float = 0.5,
    bins: int = 1_000,
    **options: Any,
) -> FairnessReport:
    """:func:`ethicompass.fairness.audit` on a Spark DataFrame: Spark counts, the same estimate step.

    ``options`` are those of :func:`ethicompass.fairness.audit_summary` (``n_boot``, ``ci``, ...).
    """
    from ethicompass.fairness import audit as audit_in_process

    _check_frame(sdf)  # the in-process audit checks the options before Spark counts anything
    return relay_errors(
        lambda: audit_in_process(
            sdf,
            label=label,
            groups=list(groups),
            score=score,
            prediction=prediction,
            threshold=threshold,
            bins=bins,
            **options,
        )
    )


def benefit_counts(
    sdf: DataFrame,
    /,
    *,
    label: str,
    scores: Mapping[str, str],
    groups: Sequence[str] = (),
    require_unit_scores: bool = True,
) -> CountTable:
    """The benefit/harm count table (``safety`` counts per groups, label and scores) computed by Spark."""
    from ethicompass.safety import summarize as summarize_counts

    _check_frame(sdf)
    return relay_errors(
        lambda: summarize_counts(
            sdf, label=label, scores=scores, groups=groups, require_unit_scores=require_unit_scores
        )
    )
