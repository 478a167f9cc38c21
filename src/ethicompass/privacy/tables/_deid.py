"""De-identify a table: ``deidentify(frame, schema, policy=..., key=...)`` -> :class:`DeidResult`.

The work is in three steps, one module each: :mod:`._deid_plan` decides each column's action,
:mod:`._deid_transform` applies it to the rows (:class:`DeidTransform`, a pure function over Polars
frames and Arrow record batches), and this module checks the input, runs the transform once over the
whole table and writes the :class:`Certificate` (and, in reversible mode, the encrypted linkage table).

Idempotence: values that already look like pseudonyms are kept, and the dates of a row whose
participant id is already a pseudonym are not shifted again, so de-identifying an output again
changes nothing further.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl
import pyarrow as pa

from ethicompass._dispatch import engine_for
from ethicompass.errors import ColumnError, ConfigurationError
from ethicompass.frames import to_narwhals
from ethicompass.privacy._keys import Key
from ethicompass.privacy.tables._deid_cert import Certificate, ColumnRecord, encrypt_linkage
from ethicompass.privacy.tables._deid_columns import as_text
from ethicompass.privacy.tables._deid_transform import DeidTransform
from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
from ethicompass.transparency import content_hash

__all__ = ["DeidResult", "certificate_of", "deidentify", "linkage_pairs"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


@dataclass(frozen=True)
class DeidResult:
    """A de-identified table, its certificate, and (reversible mode only) the encrypted linkage table.

    ``output_schema`` is the schema of the columns kept: de-identifying ``frame`` again under it,
    with the same policy and key, changes nothing.
    """

    frame: Any
    certificate: Certificate
    output_schema: TableSchema
    linkage: bytes | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The certificate as JSON-ready data (the frame and linkage are not included)."""
        return self.certificate.to_dict()

    def to_frame(self) -> pl.DataFrame:
        """The de-identified table as a Polars frame."""
        return nw.from_native(self.frame, eager_only=True).to_polars()


def _to_polars_checked(frame: Any) -> tuple[pl.DataFrame, str]:
    native_kind = "polars"
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, pl.DataFrame):
        nwf = to_narwhals(frame)
        if isinstance(nwf, nw.LazyFrame):
            nwf = nwf.collect()
        native = nwf.to_native()
        module = type(native).__module__.split(".")[0]
        native_kind = module
        if module == "pandas":
            for name in native.columns:
                kinds = {type(v) for v in native[name].dropna().head(100_000)}
                if len(kinds - {int, float}) > 1 or (str in kinds and kinds & {int, float}):
                    raise ColumnError(f"column {name!r} holds mixed types", hint="give the column one type")
        try:
            frame = nwf.to_polars()
        except (pa.ArrowException, pl.exceptions.PolarsError, TypeError, ValueError) as exc:
            raise ColumnError(
                "the table holds a column of mixed types", hint="give each column one type"
            ) from exc
    for name, dtype in frame.schema.items():
        if dtype == pl.Object:
            raise ColumnError(f"column {name!r} holds mixed types", hint="give the column one type")
    return frame, native_kind


def deidentify(frame: Any, schema: TableSchema, /, *, policy: Policy | None = None, key: Key) -> DeidResult:
    """De-identify ``frame`` (Polars, pandas or Arrow) under ``schema`` and ``policy`` (Safe Harbor).

    A Spark DataFrame is de-identified partition by partition (``engines.spark.deidentify``).

    Returns the table in the input's backend, a :class:`Certificate` and, in reversible mode, the
    AES-GCM-encrypted linkage table. Raises an ``ethicompass.errors`` error for a schema that does
    not fit, an empty table, mixed types, bad dates (when the policy fails on them) or a missing key.
    """
    if not isinstance(key, Key):
        raise ConfigurationError("no key given", hint="load one with privacy.load_key(path)")
    policy = policy or Policy.safe_harbor()
    engine = engine_for(frame)
    if engine is not None:  # the same transform, per partition of a distributed frame (engines.spark)
        on_engine: DeidResult = engine.deidentify(frame, schema, policy=policy, key=key)
        return on_engine
    df, kind = _to_polars_checked(frame)
    if df.height == 0:
        raise ColumnError("the table has no rows", hint="supply a table with at least one data row")
    transform = DeidTransform.build(df.columns, schema, policy=policy, key=key)
    linked = transform.linked_columns()
    out, counts = transform.apply(df)
    linkage = _linkage(df, out, transform, linked) if linked else None
    certificate = certificate_of(
        transform,
        counts,
        rows=(df.height, out.height),
        columns=(len(df.columns), len(out.columns)),
        hashes=(content_hash(df), content_hash(out)),
        linkage_rows=None if linkage is None else linkage[1],
    )
    native: Any = out
    if kind == "pandas":
        native = out.to_pandas()
    elif kind == "pyarrow":
        native = out.to_arrow()
    kept = TableSchema({c: schema.columns[c] for c in out.columns})
    return DeidResult(native, certificate, kept, None if linkage is None else linkage[0])


def certificate_of(
    transform: DeidTransform,
    counts: dict[str, dict[str, int]],
    *,
    rows: tuple[int, int],
    columns: tuple[int, int],
    hashes: tuple[str, str],
    linkage_rows: int | None,
) -> Certificate:
    """The certificate of a run of ``transform`` (in-process, batch by batch, or on Spark)."""
    records = tuple(
        ColumnRecord(
            column=p.column,
            role=p.role,
            phi_type=p.phi_type,
            action=p.action,
            reason=p.reason,
            counts=counts.get(p.column, {}),
            decided_by=p.decided_by,
        )
        for p in transform.plans
    )
    return Certificate(
        policy=transform.policy.to_dict(),
        key_fingerprint=transform.key.fingerprint,
        rows_in=rows[0],
        rows_out=rows[1],
        columns_in=columns[0],
        columns_out=columns[1],
        input_sha256=hashes[0],
        output_sha256=hashes[1],
        columns=records,
        linkage_rows=linkage_rows,
    )


def linkage_pairs(before: pl.DataFrame, after: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The distinct (column, pseudonym, value) rows of ``columns``, column by column, first seen first."""
    return pl.concat(
        [
            pl.DataFrame({"column": c, "pseudonym": after[c], "value": as_text(before[c])}).unique(
                maintain_order=True
            )
            for c in columns
        ]
    )


def _linkage(
    before: pl.DataFrame, after: pl.DataFrame, t: DeidTransform, columns: list[str]
) -> tuple[bytes, int]:
    table = linkage_pairs(before, after, columns).filter(pl.col("pseudonym") != pl.col("value"))
    return encrypt_linkage(table, t.key), table.height
