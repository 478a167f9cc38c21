"""Registry: append-only versions, time travel, history, bulk import, concurrency on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.consent import STANDARD_PURPOSES, Action, Period, Registry, read_consents_csv
from ethicompass.errors import InputError

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_grant_refuse_withdraw_versions_and_status(store: Any) -> None:
    reg = Registry(store)
    a = reg.grant("P1", "ai-model-training", recorded_at=T0)
    b = reg.withdraw("P1", "ai-model-training", recorded_at=T0 + timedelta(days=10))
    c = reg.refuse("P1", "recontact", recorded_at=T0)
    assert (a.version, b.version, c.version) == (1, 2, 1)
    now = reg.status("P1", "ai-model-training")
    assert now.to_dict() | {"since": None} == {
        "participant": "P1",
        "purpose": "ai-model-training",
        "decision": "deny",
        "since": None,
        "version": 2,
        "reason": "withdrawn",
    }
    assert reg.status("P1", "recontact").reason == "refused"
    assert reg.status("P2", "recontact").reason == "no-consent-record"
    assert [r.version for r in reg.history("P1", purpose="ai-model-training")] == [1, 2]


@pytest.mark.parametrize(
    ("days", "decision", "reason", "version"),
    [
        (-1, "deny", "no-consent-record", None),
        (0, "permit", "granted", 1),
        (5, "permit", "granted", 1),
        (10, "deny", "withdrawn", 2),
        (20, "permit", "granted", 3),
    ],
)
def test_time_travel(store: Any, days: int, decision: str, reason: str, version: int | None) -> None:
    reg = Registry(store)
    reg.grant("P1", "secondary-research", recorded_at=T0)
    reg.withdraw("P1", "secondary-research", recorded_at=T0 + timedelta(days=10))
    reg.grant("P1", "secondary-research", recorded_at=T0 + timedelta(days=20))
    status = reg.status("P1", "secondary-research", at=T0 + timedelta(days=days))
    assert (status.decision.value, status.reason, status.version) == (decision, reason, version)


def test_period_expiry(store: Any) -> None:
    reg = Registry(store)
    reg.grant("P1", "recontact", recorded_at=T0, period=Period(T0, T0 + timedelta(days=30)))
    assert reg.status("P1", "recontact", at=T0 + timedelta(days=29)).decision.value == "permit"
    assert reg.status("P1", "recontact", at=T0 + timedelta(days=31)).reason == "expired"
    table = reg.status_table("recontact", at=T0 + timedelta(days=31))
    assert table.row(0, named=True)["reason"] == "expired"


def test_withdraw_all_and_statuses(store: Any) -> None:
    reg = Registry(store)
    for purpose in STANDARD_PURPOSES[:3]:
        reg.grant("P9", purpose)
    reg.grant("P9", "biobank-storage")
    done = reg.withdraw_all("P9")
    assert sorted(r.purpose for r in done) == sorted([*STANDARD_PURPOSES[:3], "biobank-storage"])
    assert all(s.decision.value == "deny" for s in reg.statuses("P9"))
    assert "biobank-storage" in reg.purposes("P9")


def test_concurrent_writers_lose_nothing(store: Any) -> None:
    reg = Registry(store)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            (reg.grant if i % 2 else reg.withdraw)("P-shared", "ai-model-training")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    history = reg.history("P-shared", purpose="ai-model-training")
    assert sorted(r.version for r in history) == list(range(1, 51))
    latest = max(history, key=lambda r: r.version)
    assert reg.status("P-shared", "ai-model-training").version == 50
    assert reg.status("P-shared", "ai-model-training").decision == latest.decision


_WRITER = """
import sys
from ethicompass.consent import Registry
from ethicompass.store import Store
s = Store(sys.argv[1]).open()
for _ in range(int(sys.argv[2])):
    Registry(s).grant("P-proc", "recontact")
s.dispose()
"""


@pytest.mark.slow
def test_concurrent_processes(store: Any) -> None:
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, store.url, "5"]) for _ in range(3)]
    assert all(p.wait(120) == 0 for p in procs)
    assert [r.version for r in Registry(store).history("P-proc")] == list(range(1, 16))


def test_bulk_import_csv(store: Any, tmp_path: Path) -> None:
    path = tmp_path / "consents.csv"
    path.write_text(
        "participant_id,purpose,action,decision,recorded_at,version,document_version\n"
        "P1,ai-model-training,grant,permit,2024-01-01T00:00:00Z,1,v1\n"
        "P1,ai-model-training,withdraw,deny,2024-06-01T00:00:00Z,2,v1\n"
        "P2,ai-model-training,grant,permit,2024-01-02T00:00:00Z,1,v2\n"
        "P3,recontact,refuse,deny,2024-01-02T00:00:00Z,1,v2\n"
    )
    reg = Registry(store)
    summary = reg.import_records(read_consents_csv(path))
    assert summary.to_dict() == {
        "records": 4,
        "participants": 3,
        "by_action": {"grant": 2, "withdraw": 1, "refuse": 1},
        "source": "csv",
        "duplicates": 0,
        "superseded": 0,
        "unknown": 0,
        "registered": 0,
    }
    assert reg.status("P1", "ai-model-training").reason == "withdrawn"
    assert reg.status("P1", "ai-model-training", at="2024-03-01").reason == "granted"
    # importing the same file again is a no-op (it once stored version 4, a grant, undoing the withdrawal)
    again = reg.import_records(read_consents_csv(path))
    assert (again.records, again.duplicates) == (0, 4)
    assert (reg.status("P1", "ai-model-training").version, reg.status("P1", "ai-model-training").reason) == (
        2,
        "withdrawn",
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ZQ7,ai-model-training,maybe,permit,2024-01-01,1,v1", "action 'maybe'"),
        ("ZQ7,ai-model-training,grant,deny,2024-01-01,1,v1", "contradicts"),
        ("ZQ7,AI Training,grant,permit,2024-01-01,1,v1", "purpose"),
        ("ZQ7,ai-model-training,grant,permit,yesterday,1,v1", "not an ISO 8601"),
    ],
)
def test_bad_csv_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "consents.csv"
    path.write_text(
        "participant_id,purpose,action,decision,recorded_at,version,document_version\n" + row + "\n"
    )
    with pytest.raises(InputError, match=message) as info:
        read_consents_csv(path)
    assert "ZQ7" not in str(info.value)


_HYPO_STORE: dict[str, Any] = {}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), min_size=1, max_size=8))
def test_latest_version_is_last_action(
    tmp_path_factory: pytest.TempPathFactory, actions: list[Action]
) -> None:
    import uuid

    from ethicompass.store import Store

    if "store" not in _HYPO_STORE:  # one migrated database for all examples; a fresh participant each
        _HYPO_STORE["store"] = Store(f"sqlite:///{tmp_path_factory.mktemp('h') / 's.db'}").open()
    reg = Registry(_HYPO_STORE["store"])
    participant = f"H{uuid.uuid4().hex[:12]}"
    reg.register_participants([participant])
    for i, action in enumerate(actions):
        change = {Action.grant: reg.grant, Action.refuse: reg.refuse, Action.withdraw: reg.withdraw}[action]
        change(participant, "recontact", recorded_at=T0 + timedelta(hours=i))
    status = reg.status(participant, "recontact")
    assert status.version == len(actions)
    assert status.decision == actions[-1].decision
    assert len(reg.history(participant)) == len(actions)
