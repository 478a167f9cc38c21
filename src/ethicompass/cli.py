"""The ``ethicompass`` command line: one verb per capability.

Exit codes: 0 ok, 1 a verdict failed, 2 bad input or usage (with a message that names the
file, column or row and the fix). Each domain package adds its verbs from its own
``_cli.py`` through ``register(app)``; this module owns the app, the shared verbs (``synth``,
``demo``, ``db``, ``study``) and the error handling.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Annotated

import typer

from ethicompass import __version__
from ethicompass._console import (
    OutputFormat,
    emit_json,
    emit_table,
    err_console,
    format_option,
    say,
)
from ethicompass.errors import EthicompassError

try:  # typer >= 0.29 vendors click; its exceptions are not click's
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="ethicompass",
    help="Use AI on patient data ethically, and prove it to an ethics committee.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(
    help="The state database (consent, audit log, lineage, users, training).", no_args_is_help=True
)
study_app = typer.Typer(help="Study manifests: validate one before you use it.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(study_app, name="study")

#: Modules that contribute verbs through ``register(app)``, in help order. A module that is
#: not there yet (a capability still to come) is skipped; one that is there must import.
COMMAND_MODULES = (
    "transparency._cli",
    "privacy.tables._cli",
    "privacy.text._cli",
    "privacy.reidentification._cli",
    "fairness._cli",
    "consent._cli",
    "safety._cli_benefit",
    "safety._cli_monitor",
    "training._cli",
    "review._cli",
    "server._cli",
    "engines._cli",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ethicompass {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Use AI on patient data ethically, and prove it to an ethics committee."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database at $ETHICOMPASS_DATABASE_URL (default ./ethicompass.db)."""
    from ethicompass.store import Store

    store = Store.from_env()
    revisions = store.open(migrate=False).upgrade()
    say(f"database {store!r} is at {', '.join(revisions)}")


@db_app.command("current")
def db_current(fmt: OutputFormat = format_option()) -> None:
    """Show the migration revisions the database is at, and the newest this version ships."""
    from ethicompass.store import Store

    store = Store.from_env().open(migrate=False)
    current, heads = sorted(store.current_revisions()), sorted(store.head_revisions())
    if fmt == OutputFormat.json:
        emit_json({"current": current, "heads": heads, "up_to_date": current == heads})
    else:
        emit_table("database", ["current", "newest"], [[", ".join(current), ", ".join(heads)]])


@study_app.command("validate")
def study_validate(
    manifest: Annotated[Path, typer.Argument(help="The study manifest (study.yaml).")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Check a study manifest: its YAML, fields and roles, and that every file and column exists."""
    from ethicompass.study import Study

    study = Study.from_file(manifest)
    study.check_files()
    datasets = {name: len(spec.columns) for name, spec in study.datasets.items()}
    if fmt == OutputFormat.json:
        emit_json({"study": study.name, "valid": True, "datasets": datasets})
    else:
        say(f"[green]valid[/green]: {study.name}")
        emit_table("datasets", ["dataset", "columns with roles"], list(datasets.items()))


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the study into.")],
    patients: Annotated[int, typer.Option("--patients", "-n", min=10, help="Number of patients.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed; same seed, same bytes.")] = 0,
) -> None:
    """Write a deterministic synthetic AI-backed clinical study with planted, known truths."""
    from ethicompass.synth import generate_study

    result = generate_study(out, patients=patients, seed=seed)
    say(f"wrote a {patients:,}-patient synthetic study to {out} ({len(result.files)} files)")


@app.command("demo")
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the demo study and reports.")
    ] = Path("ethicompass-demo"),
    patients: Annotated[int, typer.Option("--patients", "-n", min=100, help="Number of patients.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", "-s")] = 0,
) -> None:
    """Generate a synthetic study and run every capability on it, end to end."""
    from ethicompass.demo import run_demo

    run_demo(out, patients=patients, seed=seed)


def _register_domains() -> None:
    for module in COMMAND_MODULES:
        package, _, _ = module.partition(".")
        name = f"ethicompass.{module}"
        if importlib.util.find_spec(f"ethicompass.{package}") and importlib.util.find_spec(name):
            importlib.import_module(name).register(app)


_register_domains()


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code (never calls ``sys.exit``)."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="ethicompass", standalone_mode=False)
    except _click_exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except EthicompassError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc.message}", markup=True, highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]fix:[/yellow] {exc.hint}", markup=True, highlight=False)
        return exc.exit_code
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err_console.print(f"[bold red]error:[/bold red] cannot access{where}: {exc.strerror or exc}")
        err_console.print("[yellow]fix:[/yellow] check the path exists and you may read or write it")
        return 2
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))
