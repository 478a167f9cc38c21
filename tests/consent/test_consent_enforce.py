"""Enforcement: only permitted participants pass, counts by reason, every backend, no identifiers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.consent import Registry, enforce, enforce_batch, statuses_from_events
from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import to_polars

T0 = datetime(2025, 1, 1, tzinfo=UTC)
STATUSES = pl.DataFrame(
    {
        "participant": ["A", "B", "C", "D"],
        "decision": ["permit", "deny", "deny", "permit"],
        "reason": ["granted", "withdrawn", "refused", "granted"],
    }
)


def test_enforce_each_backend(constructor: Callable[[dict[str, list[Any]]], Any]) -> None:
    frame = constructor({"pid": ["A", "B", "C", "E", None, "A", "D"], "x": [1, 2, 3, 4, 5, 6, 7]})
    kept, record = enforce(frame, purpose="ai-model-training", participant_column="pid", statuses=STATUSES)
    assert type(kept) is type(frame)
    out = to_polars(kept)
    assert out.columns == ["pid", "x"]
    assert out["x"].to_list() == [1, 6, 7]
    assert record.rows_in == 7
    assert record.rows_kept == 3
    assert record.participants_kept == 2
    assert record.rows_dropped == {
        "refused": 1,
        "withdrawn": 1,
        "no-consent-record": 1,
        "missing-participant-id": 1,
    }
    text = str(record.to_dict())
    assert "'B'" not in text and "'E'" not in text
    assert record.to_frame()["rows"].sum() == 7


def test_enforce_integer_ids() -> None:
    frame = pl.DataFrame({"pid": [1, 2, 3]})
    statuses = pl.DataFrame(
        {"participant": ["1", "3"], "decision": ["permit", "deny"], "reason": ["granted", "refused"]}
    )
    kept, record = enforce(frame, purpose="recontact", participant_column="pid", statuses=statuses)
    assert kept["pid"].to_list() == [1]
    assert record.rows_dropped == {"refused": 1, "no-consent-record": 1}


def test_withdrawn_participant_never_downstream(store: Any) -> None:
    reg = Registry(store)
    reg.grant("P1", "ai-model-training", recorded_at=T0)
    reg.grant("P2", "ai-model-training", recorded_at=T0)
    reg.withdraw("P2", "ai-model-training", recorded_at=T0 + timedelta(days=3))
    frame = pl.DataFrame({"participant_id": ["P1", "P2", "P2", "P3"], "y": [1, 0, 1, 1]})
    kept, record = enforce(
        frame, purpose="ai-model-training", participant_column="participant_id", registry=reg
    )
    assert kept["participant_id"].to_list() == ["P1"]
    assert record.rows_dropped == {"withdrawn": 2, "no-consent-record": 1}
    before, _ = enforce(
        frame,
        purpose="ai-model-training",
        participant_column="participant_id",
        registry=reg,
        at=T0 + timedelta(days=1),
    )
    assert before["participant_id"].to_list() == ["P1", "P2", "P2"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"participant_column": "nope", "statuses": STATUSES}, ColumnError, "nope"),
        ({"participant_column": "pid"}, InputError, "exactly one"),
        (
            {"participant_column": "pid", "statuses": pl.DataFrame({"participant": ["A"]})},
            ColumnError,
            "decision",
        ),
    ],
)
def test_enforce_rejects(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        enforce(pl.DataFrame({"pid": ["A"]}), purpose="recontact", **kwargs)


def test_enforce_batch_matches() -> None:
    batch = pa.RecordBatch.from_pydict({"pid": ["A", "B", None, "D"], "v": [1, 2, 3, 4]})
    out = enforce_batch(batch, participant_column="pid", permitted=pa.array(["A", "D"]))
    assert out.column("v").to_pylist() == [1, 4]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["A", "B", "C", "D", "E", None]), max_size=40),
)
def test_partition_invariance(ids: list[str | None]) -> None:
    """Enforcing two halves and concatenating equals enforcing the whole; counts add up."""
    frame = pl.DataFrame({"pid": ids, "i": list(range(len(ids)))}, schema={"pid": pl.String, "i": pl.Int64})
    whole, rec = enforce(frame, purpose="recontact", participant_column="pid", statuses=STATUSES)
    half = len(ids) // 2
    a, ra = enforce(frame[:half], purpose="recontact", participant_column="pid", statuses=STATUSES)
    b, rb = enforce(frame[half:], purpose="recontact", participant_column="pid", statuses=STATUSES)
    assert pl.concat([a, b])["i"].to_list() == whole["i"].to_list()
    assert rec.rows_kept + rec.rows_dropped_total == len(ids)
    assert ra.rows_kept + rb.rows_kept == rec.rows_kept
    assert set(whole["pid"].to_list()) <= {"A", "D"}


def test_statuses_from_events() -> None:
    events = pl.DataFrame(
        {
            "participant": ["A", "A", "B"],
            "version": [1, 2, 1],
            "action": ["grant", "withdraw", "grant"],
            "period_start": [None, None, None],
            "period_end": [None, None, "2024-01-01T00:00:00.000000Z"],
        },
        schema={
            "participant": pl.String,
            "version": pl.Int64,
            "action": pl.String,
            "period_start": pl.String,
            "period_end": pl.String,
        },
    )
    out = statuses_from_events(events, at="2025-01-01T00:00:00.000000Z").sort("participant")
    assert out["reason"].to_list() == ["withdrawn", "expired"]
