"""``ethicompass demo``: a synthetic study, and every capability run on it, end to end.

Each domain package that has something to show provides ``<package>._demo.run(ctx)``; the
steps run in :data:`DEMO_STEPS` order, all with the same :class:`DemoContext`, and print in
plain language what they found. Later steps (the ethics review) read ``ctx.results``.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from ethicompass.store import Store
from ethicompass.study import Study

__all__ = ["DEMO_STEPS", "DemoContext", "run_demo"]

#: Modules whose ``run(ctx)`` joins the demo, in the order they run. A module not there yet
#: (a capability still to come) is skipped.
DEMO_STEPS = (
    "transparency._demo",
    "privacy.tables._demo",
    "privacy.text._demo",
    "privacy.reidentification._demo",
    "consent._demo",
    "fairness._demo",
    "safety._demo_benefit",
    "safety._demo_monitor",
    "training._demo",
    "review._demo",
    "sites._demo",
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
    for module in DEMO_STEPS:
        package, _, _ = module.partition(".")
        name = f"ethicompass.{module}"
        if (
            importlib.util.find_spec(f"ethicompass.{package}") is None
            or importlib.util.find_spec(name) is None
        ):
            continue
        console.print(Rule(module.replace("._demo", " ").replace("_", " ").strip()))
        step_started = time.perf_counter()
        importlib.import_module(name).run(ctx)
        console.print(f"[dim]({module}: {time.perf_counter() - step_started:.1f} s)[/dim]")
    store.dispose()
    console.print(Rule())
    console.print(f"Demo finished in {time.perf_counter() - started:.1f} s; everything is under {out_dir}.")
    shutil.rmtree(out_dir / ".cache", ignore_errors=True)
    return ctx
