"""The demo step on the small synthetic study: it reports and keeps its results for the review."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console


def test_demo_step_finds_the_useful_range_and_keeps_results(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.demo import DemoContext
    from ethicompass.safety import CalibrationReport, DecisionCurve, HarmReport
    from ethicompass.safety._demo_benefit import run
    from ethicompass.store import Store
    from ethicompass.study import Study
    from ethicompass.transparency import AuditLog

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}").open()
    buffer = io.StringIO()
    ctx = DemoContext(
        out_dir=tmp_path,
        study_dir=small_study,
        study=Study.from_file(small_study / "study.yaml"),
        store=store,
        console=Console(file=buffer, width=200),
    )
    try:
        run(ctx)
        actions = [e.action for e in AuditLog(store).entries()]
    finally:
        store.dispose()
    results = ctx.results["benefit"]
    assert isinstance(results["decision_curve"], DecisionCurve)
    assert isinstance(results["calibration"], CalibrationReport)
    assert isinstance(results["harm"], HarmReport)
    text = buffer.getvalue()
    assert "beats treating everyone and no one" in text and "harms" in text
    assert "planted truth" in text
    assert "safety.benefit" in actions
    assert (tmp_path / "benefit" / "decision_curve.svg").read_text().startswith("<?xml")
