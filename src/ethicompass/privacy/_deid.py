"""De-identify a table: ``deidentify(frame, schema, policy=..., key=...)`` -> :class:`DeidResult`.

The row transform (:class:`DeidTransform`) is a pure function over Polars frames and Arrow record
batches: a distributed engine can run ``DeidTransform.apply_arrow`` per partition unchanged.
Each distinct identifier is pseudonymised once (Arrow dictionary encoding, then one HMAC per
dictionary entry); everything else is Polars expressions.

Idempotence: values that already look like pseudonyms are kept, and the dates of a row whose
participant id is already a pseudonym are not shifted again, so de-identifying an output again
changes nothing further.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl
import pyarrow as pa

from ethicompass.errors import ColumnError, ConfigurationError, SchemaError
from ethicompass.frames import to_narwhals
from ethicompass.privacy._content_hash import content_hash
from ethicompass.privacy._deid_cert import Certificate, ColumnRecord, encrypt_linkage
from ethicompass.privacy._deid_columns import (
    adjust_birth_year,
    age_cap,
    ages_of,
    as_text,
    offsets_of,
    parse_dates,
    zip3,
)
from ethicompass.privacy._keys import PSEUDONYM_PATTERN, Key
from ethicompass.privacy._safe_harbor import Policy, TableSchema
from ethicompass.study import PhiType, Role

__all__ = ["DeidResult", "DeidTransform", "certificate_of", "deidentify"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

Action = Literal["keep", "drop", "pseudonymise", "zip3", "year", "shift", "age_cap", "free_text"]

_BIRTH = re.compile(r"birth|dob|born", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnPlan:
    """What happens to one column, and why (no values)."""

    column: str
    role: str
    phi_type: str | None
    action: Action
    reason: str
    birth: bool = False
    decided_by: str = "author"  # "scan" (its proposal stands), "author" (of the schema), or "policy"


def plan_columns(names: list[str], schema: TableSchema, policy: Policy) -> list[ColumnPlan]:
    """Decide the action for every column; raise :class:`SchemaError` for a schema that does not fit."""
    _check_fit(names, schema)
    unknown = [c for c in policy.actions if c not in names]
    if unknown:
        raise SchemaError(f"the policy's actions name column {unknown[0]!r}, which the table lacks")
    undecided = [
        c
        for c in names
        if schema.columns[c].role == Role.REVIEW and schema.columns[c].action is None and c not in policy.actions
    ]
    if undecided:
        listed = ", ".join(repr(c) for c in undecided)
        raise SchemaError(
            f"the schema still marks {len(undecided)} column(s) for review: {listed}; "
            "scan could not explain them, and nothing passes unreviewed",
            hint="for each, either set its role (e.g. {role: direct_identifier, phi_type: NAME}, or "
            "{role: other} once you know it identifies no one), or decide it explicitly with "
            "action: keep or action: drop on its line",
        )
    free = [c for c in names if schema.columns[c].role == Role.FREE_TEXT and c not in policy.actions]
    if free and policy.free_text == "refuse":
        raise SchemaError(
            f"free-text column {free[0]!r} may hold identifiers and cannot be de-identified as a table column",
            hint="set the policy's free_text to 'drop' (or 'redact' with the text redactor), "
            "or give the column another role after checking it holds no identifiers",
        )
    plans = [_plan_one(c, schema, policy) for c in names]
    if any(p.action == "shift" for p in plans) and not schema.columns_with(Role.PARTICIPANT_ID):
        raise SchemaError(
            "date shifting needs a participant_id column to key the offsets",
            hint="mark the participant column with role: participant_id, or use dates: year",
        )
    return plans


def _check_fit(names: list[str], schema: TableSchema) -> None:
    """Refuse a schema that names columns the table lacks or leaves columns out, naming both sides."""
    missing = [c for c in schema.columns if c not in names]
    unlisted = [c for c in names if c not in schema.columns]
    if not missing and not unlisted:
        return
    parts = []
    if missing:
        parts.append(f"the schema names {len(missing)} column(s) the table lacks: {_names(missing)}")
    if unlisted:
        parts.append(f"the table has {len(unlisted)} column(s) the schema leaves out: {_names(unlisted)}")
    raise SchemaError(
        "; ".join(parts),
        hint="give every column of the table a role and no other (run `ethicompass scan` on this file and "
        f"review it; role: other keeps a column); the table has: {', '.join(names[:30])}",
    )


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns[:20]) + (f" and {len(columns) - 20} more" if len(columns) > 20 else "")


def _plan_one(name: str, schema: TableSchema, policy: Policy) -> ColumnPlan:
    spec = schema.columns[name]
    role, phi = spec.role, spec.phi_type
    phi_value = phi.value if phi else None
    by = spec.decided_by

    def plan(action: Action, reason: str, *, birth: bool = False) -> ColumnPlan:
        return ColumnPlan(name, role.value, phi_value, action, reason, birth, by)

    if name in policy.actions:
        by = "policy"
        return plan(policy.actions[name], reason="policy override for this column")
    if spec.action is not None:
        return plan(spec.action, reason=f"the schema's author decided: {spec.action}")
    if role == Role.PARTICIPANT_ID:
        return plan("pseudonymise", reason="participant id: keyed pseudonym keeps joins")
    if role == Role.FREE_TEXT:
        if policy.free_text == "drop":
            return plan("drop", reason="free text may hold identifiers; policy drops it")
        return plan("free_text", reason="free text redacted by the text redactor")
    if phi == PhiType.ZIP:
        return plan("zip3", reason="Safe Harbor (B): ZIP to 3 digits, 000 if <= 20,000 people")
    if phi == PhiType.AGE:
        return plan("age_cap", reason=f"Safe Harbor (C): ages over {policy.age_cap} to 90+")
    if role == Role.DATE or phi == PhiType.DATE:
        birth = bool(_BIRTH.search(name))
        if policy.dates == "shift":
            return plan("shift", birth=birth, reason="dates shifted by the participant's keyed offset")
        return plan("year", birth=birth, reason="Safe Harbor (C): dates to the year")
    if role == Role.DIRECT_IDENTIFIER or (phi is not None and phi not in (PhiType.AGE, PhiType.DATE)):
        if phi is not None and phi.value in policy.pseudonymise_types:
            return plan("pseudonymise", reason=f"policy: {phi.value} replaced by a keyed pseudonym")
        label = phi.value if phi else "direct identifier"
        return plan("drop", reason=f"Safe Harbor (A): {label} removed")
    return plan("keep", reason="not an identifier under the schema")


def _transform_free_text(series: pl.Series, *, key: Key, policy: Policy) -> pl.Series:
    """THE PLUG-IN POINT for the clinical-text redactor: redact one free-text column.

    Every PHI span that ``privacy.find_phi`` finds becomes its tag (``[NAME]``, ``[DATE]``, ...): the
    Safe Harbor choice, which needs neither the key nor the participant (nulls stay null).
    """
    from ethicompass.privacy._text import find_phi_many
    from ethicompass.privacy._text_redact import redact

    values = series.cast(pl.String).to_list()
    found = iter(find_phi_many(v for v in values if v is not None))
    redacted = [None if v is None else redact(v, next(found)) for v in values]
    return pl.Series(series.name, redacted, dtype=pl.String)


# the two hex digits of every byte value, as one 2-byte item: one gather per byte, no shifts
_HEX_PAIRS = np.frombuffer(b"".join(f"{b:02x}".encode() for b in range(256)), dtype=np.uint16)
_SAMPLE = 20_000
_DISTINCT = 0.6


def _mostly_distinct(text: pl.Series) -> bool:
    """Whether most values in a sample differ (then hashing every row beats finding the distinct ones).

    Only the speed depends on it: both paths give the same pseudonyms, offsets and counts.
    """
    sample = text.head(_SAMPLE).drop_nulls()
    return sample.len() > 0 and sample.n_unique() > _DISTINCT * sample.len()


def _pseudonyms(digests: np.ndarray, name: str) -> pl.Series:
    """``"ps_" + hex(D[0:12])`` for each row of ``digests`` (n x 32 bytes), built without a Python loop."""
    n = digests.shape[0]
    head = digests[:, :12]
    chars = np.empty((n, 27), dtype=np.uint8)
    chars[:, :3] = np.frombuffer(b"ps_", dtype=np.uint8)
    chars[:, 3:] = _HEX_PAIRS[head].view(np.uint8).reshape(n, 24)
    offsets = np.arange(0, 27 * n + 1, 27, dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars.reshape(-1))]
    )
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series.alias(name)


@dataclass(frozen=True)
class DeidTransform:
    """The row transform, fixed by a schema, a policy and a key. Pure: no I/O, no state.

    ``apply(frame)`` returns the de-identified Polars frame and per-column counts;
    ``apply_arrow(batch)`` does the same for one Arrow record batch (e.g. a Spark partition).
    """

    plans: tuple[ColumnPlan, ...]
    policy: Policy
    key: Key = field(repr=False)

    @classmethod
    def build(cls, columns: list[str], schema: TableSchema, /, *, policy: Policy, key: Key) -> DeidTransform:
        """Check the schema against the column names and fix every column's action."""
        return cls(tuple(plan_columns(columns, schema, policy)), policy, key)

    def linked_columns(self) -> list[str]:
        """The pseudonymised columns a reversible run's linkage table covers (none unless reversible).

        Raises :class:`SchemaError` when the policy is reversible but no column is pseudonymised.
        """
        if not self.policy.reversible:
            return []
        columns = [p.column for p in self.plans if p.action == "pseudonymise"]
        if not columns:
            raise SchemaError("reversible mode needs a pseudonymised column", hint="or turn reversible off")
        return columns

    def apply_arrow(self, batch: pa.RecordBatch | pa.Table, /) -> pa.Table:
        """De-identify one Arrow batch (or table); the counts are discarded."""
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        return self.apply(frame)[0].to_arrow()

    def apply_arrow_batches(self, batches: Iterator[pa.RecordBatch], /) -> Iterator[pa.RecordBatch]:
        """De-identify a stream of Arrow batches (Spark ``mapInArrow`` shape)."""
        for batch in batches:
            yield from self.apply_arrow(batch).to_batches()

    def apply(
        self, df: pl.DataFrame, /, *, first_row: int = 1
    ) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
        """De-identify ``df`` (row order kept); return the frame and counts per column.

        ``first_row``: the data row number of ``df``'s first row, for error messages (a batch of a
        larger table).
        """
        counts: dict[str, dict[str, int]] = {}
        pid_col = next((p.column for p in self.plans if p.role == Role.PARTICIPANT_ID.value), None)
        offsets: pl.Series | None = None
        pid_done: dict[str, pl.Series] = {}
        if pid_col is not None:
            pseud, offsets, n_new = self._pseudonymise(df[pid_col], with_offsets=True)
            pid_done[pid_col] = pseud
            counts[pid_col] = {"pseudonymised": n_new}
        ages = next((p.column for p in self.plans if p.action == "age_cap"), None)
        age_values = ages_of(df[ages], first_row=first_row) if ages is not None else None
        out: list[pl.Series] = []
        for plan in self.plans:
            s = df[plan.column]
            c = counts.setdefault(plan.column, {})
            c["values"] = s.len() - s.null_count()
            if plan.action in ("drop",):
                continue
            if plan.action == "keep":
                out.append(s)
            elif plan.action == "pseudonymise":
                if plan.column in pid_done:
                    out.append(pid_done[plan.column])
                else:
                    pseud, _, c["pseudonymised"] = self._pseudonymise(s, with_offsets=False)
                    out.append(pseud)
            elif plan.action == "zip3":
                out.append(zip3(s, self.policy, c))
            elif plan.action == "age_cap":
                assert age_values is not None
                out.append(age_cap(s, age_values, self.policy, c))
            elif plan.action in ("year", "shift"):
                out.append(self._dates(s, plan, offsets, age_values, c, first_row))
            elif plan.action == "free_text":
                out.append(_transform_free_text(s, key=self.key, policy=self.policy))
        return pl.DataFrame(out, height=df.height), counts

    def _pseudonymise(self, s: pl.Series, *, with_offsets: bool) -> tuple[pl.Series, pl.Series | None, int]:
        text = s if s.dtype == pl.String else as_text(s)
        if _mostly_distinct(text):
            return self._pseudonymise_rows(text, s.name, with_offsets=with_offsets)
        arrow = text.to_arrow()
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        encoded = arrow.dictionary_encode()  # one pass: distinct values and, per row, its index
        dictionary = pl.from_arrow(encoded.dictionary)
        indices = pl.from_arrow(encoded.indices)
        assert isinstance(dictionary, pl.Series) and isinstance(indices, pl.Series)
        already = dictionary.str.contains(PSEUDONYM_PATTERN).fill_null(False)
        n_already = int(already.sum())
        todo = dictionary.filter(~already) if n_already else dictionary
        fresh, fresh_offsets = self._fresh(todo, s.name)
        if n_already:
            positions = already.not_().arg_true()
            names = dictionary.clone().scatter(positions, fresh)
            offs = pl.zeros(dictionary.len(), dtype=pl.Int32, eager=True).scatter(positions, fresh_offsets)
            n_new = int(already.not_().gather(indices).sum())
        else:  # the usual case: nothing is a pseudonym yet
            names, offs = fresh, fresh_offsets
            n_new = indices.len() - indices.null_count()
        pseud = names.gather(indices).alias(s.name)
        offsets = offs.gather(indices).alias("offset") if with_offsets else None
        return pseud, offsets, n_new

    def _pseudonymise_rows(
        self, text: pl.Series, name: str, *, with_offsets: bool
    ) -> tuple[pl.Series, pl.Series | None, int]:
        """One HMAC per row: for a column of (nearly) distinct values, cheaper than finding them."""
        todo = text.is_not_null() & ~text.str.contains(PSEUDONYM_PATTERN).fill_null(False)
        n_new = int(todo.sum())
        if n_new == text.len():
            fresh, fresh_offsets = self._fresh(text, name)
            return fresh, (fresh_offsets if with_offsets else None), n_new
        positions = todo.arg_true()
        fresh, fresh_offsets = self._fresh(text.gather(positions), name)
        pseud = text.clone().scatter(positions, fresh).alias(name)
        offsets = None
        if with_offsets:  # already a pseudonym: 0 (not shifted again); no participant: null (suppressed)
            zero = pl.select(pl.when(text.is_null()).then(None).otherwise(pl.lit(0, dtype=pl.Int32)))
            offsets = zero.to_series().alias("offset").scatter(positions, fresh_offsets)
        return pseud, offsets, n_new

    def _fresh(self, values: pl.Series, name: str) -> tuple[pl.Series, pl.Series]:
        """Pseudonyms and date offsets of non-null ``values``: one HMAC each, the rest vectorised."""
        binary = values.cast(pl.Binary).to_arrow()
        if isinstance(binary, pa.ChunkedArray):
            binary = binary.combine_chunks()
        if binary.type != pa.large_binary():
            binary = binary.cast(pa.large_binary())
        n = len(binary)
        bounds = np.frombuffer(binary.buffers()[1], dtype=np.int64)[binary.offset : binary.offset + n + 1]
        joined = self.key.digests_of_buffer(binary.buffers()[2], bounds)
        digests = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 32)
        raw = np.frombuffer(joined, dtype=">u8").reshape(-1, 4)[:, 2].astype(np.uint64)
        offsets = pl.Series("offset", offsets_of(raw, self.policy), dtype=pl.Int32)
        return _pseudonyms(digests, name), offsets

    def _dates(
        self,
        s: pl.Series,
        plan: ColumnPlan,
        offsets: pl.Series | None,
        ages: pl.Series | None,
        c: dict[str, int],
        first_row: int,
    ) -> pl.Series:
        policy = self.policy
        parsed, years_only = parse_dates(s, plan.column, policy, c, first_row=first_row)
        cap = policy.age_cap + 1
        if plan.action == "year":
            year = parsed.dt.year() if parsed.dtype != pl.Int32 else parsed
            year = pl.select(pl.coalesce(year.cast(pl.Int32), years_only)).to_series().alias(s.name)
            if plan.birth:
                year, c["birth_years_adjusted"] = adjust_birth_year(year, ages, policy)
            return year
        assert offsets is not None
        if years_only.null_count() < years_only.len():
            raise ColumnError(
                f"column {plan.column!r} holds years only; it cannot be date-shifted",
                hint="use the policy dates: year, or supply full dates",
            )
        shifted = pl.select(pl.lit(parsed) + pl.duration(days=pl.lit(offsets))).to_series()
        c["suppressed"] = c.get("suppressed", 0) + int((offsets.is_null() & parsed.is_not_null()).sum())
        if plan.birth:
            if ages is not None:
                excess = (ages - cap).clip(lower_bound=0).fill_null(0).cast(pl.Int64)
            else:
                limit = policy.effective_reference_year() - cap
                excess = (limit - shifted.dt.year().cast(pl.Int64)).clip(lower_bound=0).fill_null(0)
            moved = (excess > 0).arg_true()  # few rows (ages over the cap): move only those
            c["birth_years_adjusted"] = moved.len()
            if moved.len():
                frame = pl.DataFrame({"d": shifted.gather(moved), "e": excess.gather(moved)})
                later = frame.select(pl.col("d").dt.offset_by(pl.format("{}y", pl.col("e"))))["d"]
                shifted = shifted.clone().scatter(moved, later)
        return shifted.alias(s.name)


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
    from ethicompass.engines._spark_session import is_spark_frame

    if is_spark_frame(frame):  # the same transform, per Spark partition
        from ethicompass.engines.spark import deidentify as on_spark

        return on_spark(frame, schema, policy=policy, key=key)
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
