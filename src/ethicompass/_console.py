"""What every CLI verb shares: the ``--format`` and ``--no-fail`` options, JSON and table
output, the verdict as exit code, progress bars.

Data goes to standard output (JSON or a table), and so does the summary that belongs with it
(``summary``); messages and progress go to standard error, so ``ethicompass VERB --format json >
out.json`` stays clean and ``ethicompass VERB > out.txt`` keeps the verdict. Off a terminal,
tables are plain text with every value in full (no truncation, no colour).
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ethicompass.errors import VerdictFailed

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

__all__ = [
    "OutputFormat",
    "emit_json",
    "emit_table",
    "err_console",
    "escape",
    "format_option",
    "judge",
    "no_fail_option",
    "out_console",
    "progress",
    "say",
    "summary",
]


class OutputFormat(enum.StrEnum):
    """How a verb prints its result."""

    table = "table"
    json = "json"


def format_option() -> Any:
    """The shared ``--format table|json`` option (use as a parameter default)."""
    return typer.Option(
        OutputFormat.table,
        "--format",
        "-f",
        help="Output as a readable table or as JSON.",
        case_sensitive=False,
    )


def raw_csv_option() -> Any:
    """The shared ``--raw-csv`` option: keep formula-looking CSV cells as they are (use as a default)."""
    return typer.Option(
        False,
        "--raw-csv",
        help="Write CSV cells that start with = + - @ (or tab, CR) unchanged. By default they get a leading ' "
        "so a spreadsheet shows them as text instead of running them as formulas.",
    )


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def no_fail_option() -> Any:
    """The shared ``--no-fail`` option of every verb that judges (use as a parameter default)."""
    return typer.Option(
        "--no-fail",
        help="Report only: exit 0 even when the judgement fails (by default a failed judgement exits 1).",
    )


def deprecated_flag(name: str) -> Any:
    """A former opt-in flag, kept hidden so old scripts still run (failing is now the default)."""
    return typer.Option(name, hidden=True, help="Deprecated: a failed judgement exits 1 by default.")


def judge(failed: bool, message: str, *, hint: str, no_fail: bool) -> None:
    """The verb's verdict as its exit code: exit 1 (naming the failure) unless ``--no-fail``."""
    if not failed:
        return
    if no_fail:
        say(f"[yellow]judgement failed (reported only, --no-fail)[/yellow]: {escape(message)}")
        return
    raise VerdictFailed(message, hint=hint)


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a titled table on standard output: a rich table on a terminal, plain text with every
    value in full elsewhere (a file, a pipe)."""
    cells = [["" if v is None else _fmt(v) for v in row] for row in rows]
    if not out_console.is_terminal:
        widths = [len(c) for c in columns]
        for row in cells:
            widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
        lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=False)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in cells]
        sys.stdout.write("\n".join(lines) + "\n\n")
        sys.stdout.flush()
        return
    table = Table(title=escape(title), title_justify="left")
    for column in columns:
        table.add_column(escape(column), overflow="fold")
    for row in cells:
        table.add_row(*(escape(v) for v in row))
    out_console.print(table)


def summary(text: str) -> None:
    """Print the result's summary on standard output, with the data (markup allowed)."""
    if out_console.is_terminal:
        out_console.print(text)
    else:
        sys.stdout.write(_plain(text) + "\n")
        sys.stdout.flush()


def _plain(text: str) -> str:
    from rich.text import Text

    return Text.from_markup(text).plain


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def say(text: str) -> None:
    """Print a message for the person at the terminal (standard error)."""
    err_console.print(text)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[tuple[Progress, Any]]:
    """A rich progress bar on standard error: ``with progress("Reading", 10) as (bar, task)``."""
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}" if total else ""),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield bar, task
