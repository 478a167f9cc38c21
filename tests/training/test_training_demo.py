"""The demo step on an empty store: two staff, one refused, a reminder, staff_gaps in ctx.results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from ethicompass.training import StaffGaps, certificates
from ethicompass.training._demo import CURRENT, EXPIRED, run


class _Ctx:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.seed = 0
        self.results: dict[str, Any] = {}
        self.lines: list[str] = []
        self.console = Console(record=True)

    def say(self, text: str) -> None:
        self.lines.append(text)


def test_demo_step(tmp_path: Path) -> None:
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}").open()
    ctx = _Ctx(store)
    run(ctx)
    text = "\n".join(ctx.lines)
    assert "6 training courses" in text
    assert f"{EXPIRED} (investigator) is refused" in text and "expired on" in text
    assert "1 certificate(s) expire within 60 days" in text
    gaps = ctx.results["training"]
    assert isinstance(gaps, StaffGaps)
    assert gaps.staff == 2 and {p.user for p in gaps.problems} == {EXPIRED}
    # certificates name the person and carry distinct verification ids
    issued = certificates(store, user=CURRENT)
    assert {c.holder_name for c in issued} == {"Dana Okafor"}
    assert len({c.verification_id for c in issued}) == len(issued) == 7
    store.dispose()
