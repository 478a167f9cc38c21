"""``consent.enforce``: keep only the rows whose participant's consent permits the purpose.

A pure transform: the frame (Polars, pandas, PyArrow, ... through narwhals) is left-joined on
the participant column to a status table (one row per participant: ``participant``,
``decision``, ``reason``) and filtered. Counts of rows kept and dropped by reason come back in
an :class:`EnforcementRecord`, which holds no identifiers and goes to the audit log. Because it
is a join against a small table, it runs per partition (Arrow batches, Spark ``mapInArrow``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import narwhals.stable.v2 as nw
import polars as pl
import pyarrow as pa

from ethicompass._dispatch import engine_for
from ethicompass._time import iso, to_utc, utc_now
from ethicompass.consent._model import check_purpose
from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import require_columns, to_narwhals

if TYPE_CHECKING:
    from ethicompass.consent._registry import Registry

#: Why a row is dropped.
DROP_REASONS = (
    "refused",
    "withdrawn",
    "expired",
    "not-yet-valid",
    "no-consent-record",
    "missing-participant-id",
)
_KEY = "__ec_participant__"
_REASON = "__ec_reason__"


@dataclass(frozen=True)
class EnforcementRecord:
    """What enforcement did: rows and participants kept and dropped, by reason. No identifiers.

    ``status_hash`` is the SHA-256 of the status table used, so the audit log pins exactly which
    consent state decided the result.
    """

    purpose: str
    at: str
    rows_in: int
    rows_kept: int
    rows_dropped: dict[str, int] = field(default_factory=dict)
    participants_kept: int = 0
    participants_dropped: dict[str, int] = field(default_factory=dict)
    status_hash: str = ""

    @property
    def rows_dropped_total(self) -> int:
        """All rows dropped, whatever the reason."""
        return sum(self.rows_dropped.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "purpose": self.purpose,
            "at": self.at,
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_dropped": dict(self.rows_dropped),
            "rows_dropped_total": self.rows_dropped_total,
            "participants_kept": self.participants_kept,
            "participants_dropped": dict(self.participants_dropped),
            "status_hash": self.status_hash,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per outcome (``kept`` and each drop reason) with row and participant counts."""
        outcomes = ["kept", *DROP_REASONS]
        return pl.DataFrame(
            {
                "outcome": outcomes,
                "rows": [self.rows_kept] + [self.rows_dropped.get(r, 0) for r in DROP_REASONS],
                "participants": [self.participants_kept]
                + [self.participants_dropped.get(r, 0) for r in DROP_REASONS],
            }
        )


def status_hash(statuses: pl.DataFrame) -> str:
    """The hash an :class:`EnforcementRecord` records of the consent states a filter applied.

    The same kernel for every engine (the in-process filter and Spark's), so their records agree.

    Parameters
    ----------
    statuses : polars.DataFrame
        One row per participant with columns ``participant``, ``decision`` and ``reason``.

    Returns
    -------
    str
        ``"sha256:<hex>"`` over the rows sorted by participant, independent of row order.

    Examples
    --------
    >>> import polars as pl
    >>> a = pl.DataFrame({"participant": ["P1", "P2"], "decision": ["permit", "deny"], "reason": [None, "withdrawn"]})
    >>> status_hash(a) == status_hash(a.reverse())
    True
    """
    ordered = statuses.select("participant", "decision", "reason").sort("participant")
    digest = hashlib.sha256()
    for column in ordered.columns:
        digest.update(column.encode())
        digest.update(ordered[column].cast(pl.String).fill_null("").str.join("\x1f").item().encode())
    return f"sha256:{digest.hexdigest()}"


def _check_statuses(statuses: Any) -> pl.DataFrame:
    table = pl.from_arrow(statuses) if isinstance(statuses, pa.Table) else statuses
    if not isinstance(table, pl.DataFrame):
        raise InputError(
            f"statuses is a {type(statuses).__name__}, not a status table",
            hint="pass registry.status_table(purpose, at=...) or a Polars frame with participant, decision, reason",
        )
    require_columns(table, ["participant", "decision", "reason"], source="the status table")
    return table.select(
        pl.col("participant").cast(pl.String),
        pl.col("decision").cast(pl.String),
        pl.col("reason").cast(pl.String),
    ).unique("participant", keep="last")


def consent_state(
    purpose: str,
    /,
    *,
    at: datetime | str | None = None,
    registry: Registry | None = None,
    statuses: pl.DataFrame | None = None,
) -> tuple[str, pl.DataFrame]:
    """The time (ISO, UTC) and the status table ``enforce`` judges rows against, from exactly one source.

    The kernel an engine needs: ``registry`` gives its status table for ``purpose`` at ``at``
    (default now); ``statuses`` is checked to have ``participant``, ``decision`` and ``reason``.
    """
    check_purpose(purpose)
    if (registry is None) == (statuses is None):
        raise InputError(
            "enforce needs exactly one source of consent state",
            hint="pass registry=Registry(store) or statuses=registry.status_table(purpose, at=...)",
        )
    when = iso(to_utc(at, field_name="at") if at is not None else utc_now())
    table = registry.status_table(purpose, at=when) if registry is not None else _check_statuses(statuses)
    return when, table


def enforce(
    frame: Any,
    /,
    *,
    purpose: str,
    participant_column: str,
    at: datetime | str | None = None,
    registry: Registry | None = None,
    statuses: pl.DataFrame | None = None,
) -> tuple[Any, EnforcementRecord]:
    """Keep the rows whose participant permits ``purpose`` at ``at``; return (frame, record).

    The consent state comes from ``registry`` (its status table for the purpose at ``at``) or
    from ``statuses`` (a table with ``participant``, ``decision``, ``reason``), exactly one of
    them. The returned frame is of the input's kind, with the input's columns and row order.
    Rows with no participant id, or whose participant has no consent record, are dropped.
    """
    when, table = consent_state(purpose, at=at, registry=registry, statuses=statuses)
    engine = engine_for(frame)
    if engine is not None:  # per partition of a distributed frame (engines.spark.enforce_table)
        on_engine: tuple[Any, EnforcementRecord] = engine.enforce_table(
            frame, purpose=purpose, participant_column=participant_column, when=when, table=table
        )
        return on_engine
    nwf = to_narwhals(frame)
    require_columns(nwf, [participant_column], source="the frame to enforce on")
    if isinstance(nwf, nw.LazyFrame):
        raise ColumnError(
            "enforce takes an eager frame",
            hint="collect it first, or use enforce_batch on Arrow batches / Spark mapInArrow",
        )
    original = list(nwf.columns)
    if nwf.implementation is nw.Implementation.POLARS:
        kept_native, summary = _enforce_polars(nwf.to_native(), participant_column, table)
    else:
        kept_native, summary = _enforce_narwhals(nwf, participant_column, table, original)
    rows_kept = summary.get("granted", (0, 0))
    record = EnforcementRecord(
        purpose=purpose,
        at=when,
        rows_in=int(nwf.shape[0]),
        rows_kept=rows_kept[0],
        rows_dropped={r: summary[r][0] for r in DROP_REASONS if r in summary},
        participants_kept=rows_kept[1],
        participants_dropped={r: summary[r][1] for r in DROP_REASONS if r in summary},
        status_hash=status_hash(table),
    )
    return kept_native, record


def _enforce_polars(
    frame: pl.DataFrame, column: str, table: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, tuple[int, int]]]:
    """Polars fast path: one lazy plan, the per-participant counts reduced before the reasons join."""
    key = pl.col(column) if frame.schema[column] == pl.String else pl.col(column).cast(pl.String)
    lookup = table.lazy().select(pl.col("participant").alias(_KEY), pl.col("reason").alias(_REASON))
    per_person = (
        frame.lazy()
        .group_by(key.alias(_KEY))
        .len("rows")
        .join(lookup, on=_KEY, how="left")
        .with_columns(
            pl.when(pl.col(_KEY).is_null())
            .then(pl.lit("missing-participant-id"))
            .when(pl.col(_REASON).is_null())
            .then(pl.lit("no-consent-record"))
            .otherwise(pl.col(_REASON))
            .alias(_REASON)
        )
    )
    summary_q = per_person.group_by(_REASON).agg(
        pl.col("rows").sum().alias("rows"), pl.col(_KEY).is_not_null().sum().alias("participants")
    )
    permitted = lookup.filter(pl.col(_REASON) == "granted").select(pl.col(_KEY))
    if frame.schema[column] == pl.String:
        kept_q = frame.lazy().join(permitted.rename({_KEY: column}), on=column, how="semi")
    else:
        kept_q = frame.lazy().with_columns(key.alias(_KEY)).join(permitted, on=_KEY, how="semi").drop(_KEY)
    kept, summary = pl.collect_all([kept_q, summary_q])
    out = {str(r): (int(n), int(p)) for r, n, p in summary.iter_rows()}
    return kept, out


def _enforce_narwhals(
    nwf: Any, column: str, table: pl.DataFrame, original: list[str]
) -> tuple[Any, dict[str, tuple[int, int]]]:
    """Any eager backend through narwhals: left join to the reasons, count, filter."""
    key = nw.col(column)
    if nwf.schema[column] != nw.String:
        key = key.cast(nw.String)
    small = table.rename({"participant": _KEY, "reason": _REASON}).drop("decision")
    if nwf.implementation is nw.Implementation.PYARROW:
        lookup = nw.from_native(
            small.to_arrow().cast(pa.schema([(_KEY, pa.string()), (_REASON, pa.string())]))
        )
    else:
        lookup = nw.from_dict({c: small[c].to_list() for c in small.columns}, backend=nwf.implementation)
    joined = nwf.with_columns(key.alias(_KEY)).join(lookup, on=_KEY, how="left")
    joined = joined.with_columns(
        nw.when(nw.col(_KEY).is_null())
        .then(nw.lit("missing-participant-id"))
        .when(nw.col(_REASON).is_null())
        .then(nw.lit("no-consent-record"))
        .otherwise(nw.col(_REASON))
        .alias(_REASON)
    )
    summary = to_polars_summary(joined)
    kept = joined.filter(nw.col(_REASON) == "granted").select(original)
    return kept.to_native(), summary


def to_polars_summary(joined: Any) -> dict[str, tuple[int, int]]:
    """Rows and distinct participants per reason of a joined narwhals frame (internal helper)."""
    grouped = joined.group_by(_REASON).agg(
        nw.len().alias("rows"), nw.col(_KEY).n_unique().alias("participants")
    )
    out: dict[str, tuple[int, int]] = {}
    for reason, rows, people in grouped.iter_rows():
        if reason == "missing-participant-id":
            people = 0
        out[str(reason)] = (int(rows), int(people))
    return out


def enforce_batch(
    batch: pa.RecordBatch, /, *, participant_column: str, permitted: pa.Array
) -> pa.RecordBatch:
    """Keep the rows of one Arrow batch whose participant is in ``permitted`` (for ``mapInArrow``).

    ``permitted`` is the array of participant ids whose status is ``permit``; build it once
    per job from :meth:`Registry.status_table` and broadcast it.
    """
    import pyarrow.compute as pc

    if participant_column not in batch.schema.names:
        raise ColumnError(
            f"column {participant_column!r} not found in the batch",
            hint=f"available columns: {', '.join(batch.schema.names[:30])}",
        )
    column = batch.column(participant_column).cast(pa.string())
    mask = pc.fill_null(pc.is_in(column, value_set=permitted.cast(pa.string())), False)
    return batch.filter(mask)
