"""``ethicompass demo``: a synthetic study, and every capability run on it, end to end.

Each domain package that has something to show provides ``<package>._demo.run(ctx)``; the
steps run in :data:`DEMO_STEPS` order, all with the same :class:`DemoContext`, and print in
plain language what they found. Later steps (the ethics review) read ``ctx.results``.
The steps are imported here by name: a step that fails to import stops the demo (and this
module) instead of being skipped.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rich.console import Console
from rich.rule import Rule

from ethicompass.consent import _demo as consent_demo
from ethicompass.fairness import _demo as fairness_demo
from ethicompass.privacy.reidentification import _demo as reidentification_demo
from ethicompass.privacy.tables import _demo as tables_demo
from ethicompass.privacy.text import _demo as text_demo
from ethicompass.review import _demo as review_demo
from ethicompass.safety import _demo_benefit as benefit_demo
from ethicompass.safety import _demo_monitor as monitor_demo
from ethicompass.sites import _demo as sites_demo
from ethicompass.store import Store
from ethicompass.study import Study
from ethicompass.training import _demo as training_demo
from ethicompass.transparency import _demo as transparency_demo

__all__ = ["DEMO_STEPS", "DemoContext", "DemoStep", "run_demo"]


class DemoStep(NamedTuple):
    """One step of the demo: the module it comes from (as the demo prints it) and its ``run(ctx)``."""

    module: str
    run: Callable[[DemoContext], None]

    @property
    def title(self) -> str:
        """The heading printed above the step's output."""
        return self.module.replace("._demo", " ").replace("_", " ").strip()


#: The demo's steps, in the order they run.
DEMO_STEPS: tuple[DemoStep, ...] = (
    DemoStep("transparency._demo", transparency_demo.run),
    DemoStep("privacy.tables._demo", tables_demo.run),
    DemoStep("privacy.text._demo", text_demo.run),
    DemoStep("privacy.reidentification._demo", reidentification_demo.run),
    DemoStep("consent._demo", consent_demo.run),
    DemoStep("fairness._demo", fairness_demo.run),
    DemoStep("safety._demo_benefit", benefit_demo.run),
    DemoStep("safety._demo_monitor", monitor_demo.run),
    DemoStep("training._demo", training_demo.run),
    DemoStep("review._demo", review_demo.run),
    DemoStep("sites._demo", sites_demo.run),
)


@dataclass
class DemoContext:
    """What every demo step receives: the study, its files, the store, and a console.

    ``results`` carries each step's result objects, keyed by package name, to later steps.
    """

    out_dir: Path
    study_dir: Path
    study: Study
    store: Store
    console: Console
    seed: int = 0
    results: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        """Print a plain-language line of the demo."""
        self.console.print(text)

    def path(self, dataset: str) -> Path:
        """The file of a dataset named in the study manifest."""
        return self.study.dataset_path(dataset)


def run_demo(
    out_dir: Path, /, *, patients: int = 5000, seed: int = 0, console: Console | None = None
) -> DemoContext:
    """Generate the synthetic study in ``out_dir/study`` and run every demo step on it."""
    from ethicompass.synth import generate_study

    console = console or Console(stderr=True, highlight=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    study_dir = out_dir / "study"
    started = time.perf_counter()
    console.print(Rule("ethicompass demo"))
    generate_study(study_dir, patients=patients, seed=seed)
    console.print(
        f"Generated a synthetic AI-backed study of {patients:,} patients in {study_dir} "
        f"({time.perf_counter() - started:.1f} s); its planted truths are in synth_truth.json."
    )
    db = out_dir / "ethicompass.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{db}").open()
    study = Study.from_file(study_dir / "study.yaml")
    study.check_files()
    ctx = DemoContext(
        out_dir=out_dir, study_dir=study_dir, study=study, store=store, console=console, seed=seed
    )
    try:
        for step in DEMO_STEPS:
            console.print(Rule(step.title))
            step_started = time.perf_counter()
            step.run(ctx)
            console.print(f"[dim]({step.module}: {time.perf_counter() - step_started:.1f} s)[/dim]")
    finally:
        store.dispose()
    console.print(Rule())
    console.print(f"Demo finished in {time.perf_counter() - started:.1f} s; everything is under {out_dir}.")
    shutil.rmtree(out_dir / ".cache", ignore_errors=True)
    return ctx
