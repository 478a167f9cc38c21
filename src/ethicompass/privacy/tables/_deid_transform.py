"""The row transform of de-identification: :class:`DeidTransform`, a pure function over Polars frames and Arrow batches.

A distributed engine can run ``DeidTransform.apply_arrow`` per partition unchanged. Each distinct identifier is
pseudonymised once (Arrow dictionary encoding, then one HMAC per dictionary entry), or once per row when a sample
shows the column is mostly distinct; everything else is Polars expressions over the columns of
:mod:`._deid_columns`.

Idempotence: values that already look like pseudonyms are kept, and the dates of a row whose participant id is
already a pseudonym are not shifted again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

from ethicompass.errors import ColumnError, SchemaError
from ethicompass.privacy._keys import PSEUDONYM_PATTERN, Key
from ethicompass.privacy.tables._deid_columns import (
    adjust_birth_year,
    age_cap,
    ages_of,
    as_text,
    offsets_of,
    parse_dates,
    zip3,
)
from ethicompass.privacy.tables._deid_plan import ColumnPlan, plan_columns
from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
from ethicompass.study import Role

__all__ = ["DeidTransform"]


def _transform_free_text(series: pl.Series, *, key: Key, policy: Policy) -> pl.Series:
    """THE PLUG-IN POINT for the clinical-text redactor: redact one free-text column.

    Every PHI span that ``privacy.find_phi`` finds becomes its tag (``[NAME]``, ``[DATE]``, ...): the
    Safe Harbor choice, which needs neither the key nor the participant (nulls stay null).
    """
    from ethicompass.privacy.text._find import find_phi_many
    from ethicompass.privacy.text._redact import redact

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
