"""The consent demo step on the small synthetic study."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def test_demo_step(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.consent import EnforcementRecord
    from ethicompass.consent._demo import run
    from ethicompass.demo import DemoContext
    from ethicompass.store import Store
    from ethicompass.study import Study

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}").open()
    console = Console(record=True, width=200)
    ctx = DemoContext(
        out_dir=tmp_path,
        study_dir=small_study,
        study=Study.from_file(small_study / "study.yaml"),
        store=store,
        console=console,
    )
    run(ctx)
    result = ctx.results["consent"]
    assert isinstance(result["enforcement"], EnforcementRecord)
    assert result["enforcement"].rows_dropped_total > 0
    assert len(result["unresolved"]) == 2
    assert "excluded" in console.export_text()
    store.dispose()
