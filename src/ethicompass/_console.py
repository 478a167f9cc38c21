"""What every CLI verb shares: the ``--format`` option, JSON and table output, progress bars.

Data goes to standard output (JSON or a rich table); messages and progress go to standard
error, so ``ethicompass VERB --format json > out.json`` stays clean.
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
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False, soft_wrap=True)


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


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a titled table on standard output."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else _fmt(v) for v in row))
    out_console.print(table)


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
