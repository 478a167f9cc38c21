"""The ``ethicompass`` app: the shared verbs (``synth``, ``demo``, ``db``, ``study``, ``doctor``) and error handling.

Exit codes: 0 ok, 1 a verdict failed, 2 bad input or usage (with a message that names the
file, column or row and the fix). The verbs of each principle live beside this module
(``cli/fairness.py``, ``cli/consent.py``, ...) and are registered by explicit imports in
``cli/__init__.py``.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass import __version__
from ethicompass._console import (
    OutputFormat,
    emit_json,
    emit_table,
    err_console,
    escape,
    format_option,
    say,
    summary,
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


@study_app.command("init")
def study_init(
    data_dir: Annotated[Path, typer.Argument(help="The folder holding the study's tables.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the manifest (refused if it exists).")
    ] = Path("study.yaml"),
    name: Annotated[str | None, typer.Option("--name", help="The study's title.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Write a first manifest from a team's own files: roles proposed by scan, every guess marked REVIEW."""
    from ethicompass._study_init import init_manifest
    from ethicompass.errors import InputError
    from ethicompass.frames import atomic_write_text
    from ethicompass.study import Study

    if out.exists():
        raise InputError(f"{out} exists", hint="choose another --out, or move the old manifest away")
    result = init_manifest(data_dir, out=out, name=name)
    atomic_write_text(out, result.text)
    Study.from_file(out).check_files()  # what it wrote validates as written
    if fmt == OutputFormat.json:
        emit_json(result.to_dict() | {"manifest": str(out)})
        return
    emit_table(
        f"proposed roles (review every one in {out})",
        ["dataset", "column", "role"],
        [[d, c, r] for d, roles in result.datasets.items() for c, r in roles.items()],
    )
    summary(
        f"wrote {out}: {len(result.datasets)} dataset(s); every role is a guess marked REVIEW. "
        f"Fill in the metadata, then: ethicompass study validate {out}"
    )


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


@app.command("doctor")
def doctor(
    folder: Annotated[Path, typer.Argument(help="The folder to check (and its subfolders).")] = Path("."),
    remove: Annotated[
        bool, typer.Option("--remove", help="Delete the leftover temp files it finds (after reporting them).")
    ] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Find leftover hidden ``.tmp`` files under FOLDER: the partial output of a killed command.

    Exit 1 when there are any (they may hold patient data or keys: every temp file is 0600).
    """
    from ethicompass.errors import DataFileError, VerdictFailed
    from ethicompass.frames import find_temp_files

    if not folder.is_dir():
        raise DataFileError(f"{folder} is not a folder", hint="name the folder that holds your outputs")
    found = find_temp_files(folder)
    rows = [[str(p), p.stat().st_size] for p in found]
    if remove:
        for path in found:
            path.unlink(missing_ok=True)
    if fmt == OutputFormat.json:
        emit_json({"folder": str(folder), "leftover_temp_files": [r[0] for r in rows], "removed": remove})
    elif rows:
        emit_table("leftover temp files", ["file", "bytes"], rows)
    if found and remove:
        say(f"removed {len(found)} leftover temp file(s) under {folder}")
        return
    if found:
        raise VerdictFailed(
            f"found {len(found)} leftover temp file(s) under {folder}",
            hint="a command was killed while writing: rerun it; delete these with `ethicompass doctor --remove`",
        )
    if fmt != OutputFormat.json:
        say(f"[green]ok[/green]: no leftover temp files under {folder}")


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the study into.")],
    patients: Annotated[int, typer.Option("--patients", "-n", min=10, help="Number of patients.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed; same seed, same bytes.")] = 0,
    fmt: OutputFormat = format_option(),
) -> None:
    """Write a deterministic synthetic AI-backed clinical study with planted, known truths."""
    from ethicompass.synth import generate_study

    result = generate_study(out, patients=patients, seed=seed)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
        return
    emit_table(
        f"synthetic study in {out} (seed {seed})",
        ["file", "rows"],
        [[f.name, result.rows.get(f.name)] for f in result.files],
    )
    summary(f"wrote a {patients:,}-patient synthetic study to {out} ({len(result.files)} files)")


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


#: The state store a verb opened through :func:`state_store`; ``run`` disposes it when the verb ends.
_STATE: list[Any] = []


def state_store() -> Any:
    """The verb's state store (``$ETHICOMPASS_DATABASE_URL``): opened on first use, disposed when the verb ends."""
    if not _STATE:
        from ethicompass.store import Store

        _STATE.append(Store.from_env().open())
    return _STATE[0]


def _dispose_state() -> None:
    while _STATE:
        _STATE.pop().dispose()


def _checkpoint_what_was_written() -> None:
    """Sign a checkpoint of every log this verb wrote to, when a signing key is configured.

    So the tail of the log is covered as soon as the verb ends (see ``transparency._witness``).
    """
    log = sys.modules.get("ethicompass.transparency._log")
    if log is None or not log.appended_urls():  # no log was written: start-up stays light
        return
    from ethicompass.store import Store
    from ethicompass.transparency import checkpoint_if_grown

    for url in log.appended_urls():
        store = Store(url)
        try:
            checkpoint_if_grown(store)
        finally:
            store.dispose()


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code (never calls ``sys.exit``)."""
    command = typer.main.get_command(app)
    log = sys.modules.get("ethicompass.transparency._log")  # not imported: nothing was appended
    if log is not None:
        log._APPENDED.clear()  # only what this verb writes (a long-lived process runs many)
    try:
        try:
            result = command.main(args=argv, prog_name="ethicompass", standalone_mode=False)
        finally:
            _dispose_state()
        _checkpoint_what_was_written()
    except _click_exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except EthicompassError as exc:
        # the message and hint are plain text: '[spark]' in a command must not be read as markup
        err_console.print(f"[bold red]error:[/bold red] {escape(exc.message)}", markup=True, highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]fix:[/yellow] {escape(exc.hint)}", markup=True, highlight=False)
        return exc.exit_code
    except UnicodeDecodeError as exc:  # a reader that does not name its file (frames.read_text_file does)
        err_console.print(
            f"[bold red]error:[/bold red] an input file is not UTF-8 text: byte {exc.start} is "
            f"0x{exc.object[exc.start]:02x}",
            highlight=False,
        )
        err_console.print("[yellow]fix:[/yellow] re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)")
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err_console.print(f"[bold red]error:[/bold red] cannot access{where}: {exc.strerror or exc}")
        err_console.print("[yellow]fix:[/yellow] check the path exists and you may read or write it")
        return 2
    return result if isinstance(result, int) else 0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it unwinds as on Ctrl-C: temporary files removed, open
    transactions rolled back, worker processes stopped."""


def _on_sigterm(signum: int, frame: Any) -> None:
    _TERMINATED.append(signum)
    raise Terminated


_TERMINATED: list[int] = []


def main() -> None:
    """Console-script entry point. SIGTERM (``kill``, ``timeout``, a scheduler) ends the command as Ctrl-C does,
    not in mid-write: nothing half-written is left behind; the exit code is then 143."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    code = run(sys.argv[1:])
    if _TERMINATED:
        err_console.print("terminated")
        code = 143
    sys.exit(code)
