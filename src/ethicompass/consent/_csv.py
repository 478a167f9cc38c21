"""Reading the synthetic study's ``consents.csv`` (one consent event per row) into records."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ethicompass._time import to_utc
from ethicompass.consent._model import Action, ConsentRecord, check_purpose, normalise_participant
from ethicompass.errors import ColumnError
from ethicompass.frames import load_table

REQUIRED = ("participant_id", "purpose", "action", "recorded_at")


def read_consents_csv(
    path: str | os.PathLike[str], /, *, recorded_by: str = "import", source: str = "csv"
) -> list[ConsentRecord]:
    """Read a consents table (CSV, Parquet, JSONL) into :class:`ConsentRecord` s, checked row by row.

    Columns: ``participant_id``, ``purpose``, ``action`` (grant/refuse/withdraw), ``recorded_at``;
    optional ``decision`` (must agree with the action), ``version`` (orders events of one
    purpose), ``document_version``.
    """
    p = Path(path)
    frame = load_table(p)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"column {', '.join(repr(c) for c in missing)} not found in {p}",
            hint=f"a consents table needs {', '.join(REQUIRED)}",
        )
    if "version" in frame.columns:
        frame = frame.with_row_index("__row").sort("participant_id", "purpose", "version")
    else:
        frame = frame.with_row_index("__row")
    parsed = frame.select(
        pl.col("recorded_at")
        .cast(pl.String)
        .str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
        .alias("when")
    )["when"]
    unparsed = parsed.is_null()
    if unparsed.any():
        fixed = parsed.to_list()
        for i in unparsed.arg_true().to_list():
            line = int(frame["__row"][i]) + 2
            raw = frame["recorded_at"][i]
            if raw is None or str(raw).strip() == "":
                raise ColumnError(f"{p} line {line}: recorded_at is empty", hint="every event needs its time")
            fixed[i] = to_utc(str(raw), field_name=f"{p} line {line} recorded_at")
        parsed = pl.Series("when", fixed, dtype=pl.Datetime("us", "UTC"))
    frame = frame.with_columns(parsed.alias("__when"))
    has_decision = "decision" in frame.columns
    has_doc = "document_version" in frame.columns
    actions = {a.value: a for a in Action}
    records: list[ConsentRecord] = []
    checked_purposes: set[str] = set()
    for row in frame.iter_rows(named=True):
        line = int(row["__row"]) + 2
        participant, purpose = row["participant_id"], row["purpose"]
        if participant is None or str(participant).strip() == "":
            raise ColumnError(
                f"{p} line {line}: participant_id is empty", hint="every event needs its participant"
            )
        if purpose not in checked_purposes:
            check_purpose(str(purpose))
            checked_purposes.add(str(purpose))
        action = actions.get(str(row["action"]))
        if action is None:
            raise ColumnError(
                f"{p} line {line}: action {row['action']!r} is not grant, refuse or withdraw",
                hint="fix the action column",
            )
        if has_decision and row["decision"] is not None and row["decision"] != action.decision.value:
            raise ColumnError(
                f"{p} line {line}: decision {row['decision']!r} contradicts action {action.value!r}",
                hint="grant means permit; refuse and withdraw mean deny",
            )
        participant = normalise_participant(str(participant), where=f"{p} line {line}: participant_id")
        records.append(
            ConsentRecord(
                participant=participant,
                purpose=str(purpose),
                action=action,
                recorded_at=row["__when"],
                document="consents.csv",
                document_version=None
                if not has_doc or row["document_version"] is None
                else str(row["document_version"]),
                recorded_by=recorded_by,
                source=source,
            )
        )
    return records


def consents_frame(records: list[ConsentRecord], /) -> pl.DataFrame:
    """Records as a consents table (the columns :func:`read_consents_csv` reads)."""
    return pl.DataFrame(
        {
            "participant_id": [r.participant for r in records],
            "purpose": [r.purpose for r in records],
            "action": [r.action.value for r in records],
            "decision": [r.decision.value for r in records],
            "recorded_at": [r.to_dict()["recorded_at"] for r in records],
            "version": [r.version for r in records],
            "document_version": [r.document_version for r in records],
        }
    )
