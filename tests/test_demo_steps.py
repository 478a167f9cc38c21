"""The demo's steps are imported by name: each is the ``run`` of the module it names, and a step that
fails stops the demo instead of being skipped (issue 22, items 4 and 5)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from ethicompass import demo
from ethicompass.demo import DEMO_STEPS, DemoStep, run_demo


@pytest.mark.parametrize("step", DEMO_STEPS, ids=[s.module for s in DEMO_STEPS])
def test_each_step_is_the_run_of_the_module_it_names(step: DemoStep) -> None:
    assert importlib.import_module(f"ethicompass.{step.module}").run is step.run


def test_the_printed_titles_are_as_before() -> None:
    titles = [s.title for s in DEMO_STEPS]
    assert titles[:2] == ["transparency", "privacy.tables"]
    assert "safety  benefit" in titles and titles[-1] == "sites"


def test_a_failing_step_stops_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def broken(ctx: Any) -> None:
        raise RuntimeError("this step is broken")

    steps = (DemoStep("first._demo", lambda ctx: ran.append("first")), DemoStep("broken._demo", broken))
    steps += (DemoStep("after._demo", lambda ctx: ran.append("after")),)
    monkeypatch.setattr(demo, "DEMO_STEPS", steps)
    with pytest.raises(RuntimeError, match="broken"):
        run_demo(tmp_path / "demo", patients=200)
    assert ran == ["first"]
