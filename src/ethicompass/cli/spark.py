"""``ethicompass spark deid|enforce|risk|fairness``: deprecated aliases of ``--engine spark``.

The ordinary verbs are the one Spark surface: ``ethicompass deid``, ``consent enforce``, ``risk`` and
``fairness`` take ``--engine spark [--master URL]``, and ``deid`` and ``consent enforce`` take
``--out-folder DIR`` for a Parquet folder written in parallel by the executors (``deid`` also
``--no-content-hashes``, so no row crosses to the driver). These aliases keep their old options for
one release: each prints a deprecation line on stderr and runs the ordinary verb's code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import OutputFormat, deprecated_flag, format_option, no_fail_option
from ethicompass.cli import consent, fairness, privacy_risk, privacy_tables
from ethicompass.engines._options import Engine

__all__ = ["register"]

spark_app = typer.Typer(
    name="spark",
    help="Deprecated: use --engine spark on deid, consent enforce, risk and fairness.",
    no_args_is_help=True,
)

MasterOption = Annotated[
    str,
    typer.Option(
        "--master", help="Spark master: local[*] (default), spark://..., yarn, or sc://... (Connect)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the deprecated ``spark`` aliases to the CLI."""
    app.add_typer(spark_app, name="spark")


def _run(verb: Callable[..., None], instead: str, /, **given: Any) -> None:
    """Say the alias is deprecated, then call ``verb`` with ``given`` and its own defaults for the rest."""
    typer.echo(
        f"deprecated: `ethicompass spark ...` goes in the next release; use `ethicompass {instead}`",
        err=True,
    )
    args = {}
    for name, param in inspect.signature(verb).parameters.items():
        if name in given:
            args[name] = given[name]
        else:  # a typer option object as default holds the real default in .default
            args[name] = getattr(param.default, "default", param.default)
    verb(**args)


@spark_app.command("deid")
def deid(
    data: Annotated[
        Path, typer.Argument(help="The table to de-identify (CSV, Parquet file or folder, JSONL).")
    ],
    schema: Annotated[Path, typer.Option("--schema", help="Column roles (YAML from `ethicompass scan`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet folder (must not exist).")],
    key_file: privacy_tables.KeyFileOpt = None,
    policy_file: privacy_tables.PolicyOpt = None,
    dataset: privacy_tables.DatasetOpt = None,
    no_hashes: Annotated[
        bool,
        typer.Option(
            "--no-content-hashes", help="Skip the content hashes (no streaming of rows to the driver)."
        ),
    ] = False,
    master: MasterOption = "local[*]",
    fmt: OutputFormat = format_option(),
) -> None:
    """Deprecated: ``ethicompass deid --engine spark --out-folder OUT``."""
    _run(
        privacy_tables.deid_cmd,
        "deid --engine spark --out-folder DIR",
        data=data,
        schema=schema,
        out_folder=out,
        key_file=key_file,
        policy_file=policy_file,
        dataset=dataset,
        no_content_hashes=no_hashes,
        engine=Engine.spark,
        master=master,
        fmt=fmt,
    )


@spark_app.command("enforce")
def enforce_cmd(
    data: Annotated[Path, typer.Argument(help="The table to filter (CSV, Parquet file or folder, JSONL).")],
    purpose: Annotated[str, typer.Option("--purpose", help="The purpose the data will be used for.")],
    participant_column: Annotated[
        str, typer.Option("--participant-column", help="The column holding participant ids.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet folder (must not exist).")],
    at: Annotated[
        str | None, typer.Option("--at", help="Consent state at this ISO time (default: now).")
    ] = None,
    master: MasterOption = "local[*]",
    fmt: OutputFormat = format_option(),
) -> None:
    """Deprecated: ``ethicompass consent enforce --engine spark --out-folder OUT``."""
    _run(
        consent.enforce_cmd,
        "consent enforce --engine spark --out-folder DIR",
        data=data,
        purpose=purpose,
        participant_column=participant_column,
        out_folder=out,
        at=at,
        engine=Engine.spark,
        master=master,
        fmt=fmt,
    )


@spark_app.command("risk")
def risk_cmd(
    data: Annotated[Path, typer.Argument(help="The table (CSV, Parquet file or folder, JSONL).")],
    quasi_identifiers: Annotated[
        list[str], typer.Option("--qi", help="A quasi-identifier column (repeat for each).")
    ],
    sensitive: Annotated[
        str | None, typer.Option("--sensitive", help="The sensitive column (for l-diversity).")
    ] = None,
    k_threshold: Annotated[int, typer.Option("--k", help="The smallest acceptable class size.")] = 5,
    master: MasterOption = "local[*]",
    fmt: OutputFormat = format_option(),
) -> None:
    """Deprecated: ``ethicompass risk --engine spark``."""
    _run(
        privacy_risk.risk_cmd,
        "risk --engine spark",
        data=data,
        qi=quasi_identifiers,
        sensitive=sensitive,
        k=k_threshold,
        engine=Engine.spark,
        master=master,
        fmt=fmt,
    )


@spark_app.command("fairness")
def fairness_cmd(
    data: Annotated[Path, typer.Argument(help="Table with outcome, score and group columns.")],
    label: Annotated[str, typer.Option("--label", help="The 0/1 outcome column.")],
    groups: Annotated[list[str], typer.Option("--group", help="A sensitive attribute column (repeat).")],
    score: Annotated[
        str | None, typer.Option("--score", "-s", help="The predicted probability column.")
    ] = None,
    prediction: Annotated[
        str | None,
        typer.Option("--prediction", help="The 0/1 decision column (default: score >= threshold)."),
    ] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Decision threshold on the score.")] = 0.5,
    n_boot: Annotated[
        int, typer.Option("--boot", "-b", min=0, help="Bootstrap resamples of the counts.")
    ] = 1000,
    n_boot_old: Annotated[
        int | None, typer.Option("--n-boot", min=0, hidden=True, help="Deprecated: use --boot.")
    ] = None,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fail_on_flag: Annotated[bool, deprecated_flag("--fail-on-flag")] = False,
    master: MasterOption = "local[*]",
    fmt: OutputFormat = format_option(),
) -> None:
    """Deprecated: ``ethicompass fairness --engine spark``."""
    _run(
        fairness.fairness,
        "fairness --engine spark",
        data=data,
        label=label,
        group=groups,
        score=score,
        prediction=prediction,
        threshold=threshold,
        boot=n_boot if n_boot_old is None else n_boot_old,
        no_fail=no_fail,
        fail_on_flag=fail_on_flag,
        engine=Engine.spark,
        master=master,
        fmt=fmt,
    )
