"""``withdraw_all`` is one transaction: every withdrawal and its audit entry, or nothing (issue 22, item 2)."""

from __future__ import annotations

from typing import Any

import pytest

from ethicompass.consent import STANDARD_PURPOSES, Registry
from ethicompass.errors import AuditError
from ethicompass.transparency import AuditLog

PURPOSES = [*STANDARD_PURPOSES[:4], "biobank-storage"]


def _granted(store: Any) -> Registry:
    reg = Registry(store)
    for purpose in PURPOSES:
        reg.grant("P9", purpose)
    return reg


def test_a_failure_mid_way_withdraws_nothing_and_audits_nothing(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = _granted(store)
    log = AuditLog(store)
    entries, history = len(log.entries()), len(reg.history("P9"))
    real = Registry._audit
    calls = {"n": 0}

    def fail_on_the_third(self: Registry, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise AuditError("the audit log is full", hint="free some space")
        real(self, *args, **kwargs)

    monkeypatch.setattr(Registry, "_audit", fail_on_the_third)
    with pytest.raises(AuditError):
        reg.withdraw_all("P9")
    monkeypatch.undo()
    assert calls["n"] == 3  # two withdrawals were written and audited before the failure
    decisions = {s.purpose: s.decision.value for s in reg.statuses("P9")}
    assert {p: decisions[p] for p in PURPOSES} == dict.fromkeys(PURPOSES, "permit")
    assert len(reg.history("P9")) == history
    assert len(log.entries()) == entries
    assert log.verify().ok


def test_withdraw_all_commits_and_syncs_once(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = _granted(store)
    real = type(store).begin
    durable: list[bool] = []

    def begin(self: Any, *args: Any, **kwargs: Any) -> Any:
        durable.append(bool(kwargs.get("durable")))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(store), "begin", begin)
    done = reg.withdraw_all("P9")
    monkeypatch.undo()
    assert sorted(r.purpose for r in done) == sorted(PURPOSES)
    assert durable.count(True) == 1
    assert [r.version for r in done] == [2] * len(PURPOSES)
    assert all(s.decision.value == "deny" for s in reg.statuses("P9"))
    withdrawn = [e for e in AuditLog(store).entries() if e.action == "consent.withdraw"]
    assert len(withdrawn) == len(PURPOSES)
