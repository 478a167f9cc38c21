"""``ethicompass safety monitor`` (adverse events, group-sequential boundaries) and ``ethicompass drift``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ethicompass._console import (
    OutputFormat,
    deprecated_flag,
    emit_json,
    emit_table,
    format_option,
    judge,
    no_fail_option,
    summary,
)

__all__ = ["register"]

safety_app = typer.Typer(
    help="Trial safety monitoring: adverse events against group-sequential boundaries.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``safety monitor`` and ``drift``."""
    app.add_typer(safety_app, name="safety")
    app.command("drift")(drift_command)


def _store_audit(action: str, object_id: str, hashes: dict[str, str], params: dict[str, object]) -> None:
    from ethicompass.transparency import audited

    with audited() as entry:  # the store is disposed after (it was left open)
        entry.append(action=action, object_type="dataset", object_id=object_id, hashes=hashes, params=params)


@safety_app.command("monitor")
def monitor_command(
    data: Annotated[Path, typer.Argument(help="Adverse events, one row per event (CSV, Parquet, JSONL).")],
    participants: Annotated[
        Path | None,
        typer.Option(
            "--participants",
            help="Participants at risk (arm, enrolment date); default: patients.csv beside DATA.",
        ),
    ] = None,
    arm_column: Annotated[
        str, typer.Option("--arm-column", help="Column naming the arm, in both tables.")
    ] = "arm",
    category_column: Annotated[
        str, typer.Option("--category-column", help="Column with the event category.")
    ] = "category",
    onset_column: Annotated[
        str, typer.Option("--onset-column", help="Column with the onset date.")
    ] = "onset_date",
    enrolment_column: Annotated[
        str, typer.Option("--enrolment-column", help="Participants' enrolment date.")
    ] = "enrolment_date",
    control: Annotated[
        str, typer.Option("--control", help="The control arm every other arm is compared with.")
    ] = "control",
    looks: Annotated[int, typer.Option("--looks", min=1, max=20, help="Equally spaced calendar looks.")] = 4,
    alpha: Annotated[
        float, typer.Option("--alpha", help="One-sided type I error over all categories.")
    ] = 0.025,
    spending: Annotated[
        str, typer.Option("--spending", help="obrien-fleming, pocock or hwang-shih-decani (gamma -4).")
    ] = "obrien-fleming",
    fmt: OutputFormat = format_option(),
    no_fail: Annotated[bool, no_fail_option()] = False,
) -> None:
    """Watch adverse events as a trial runs; exit 1 when a harm boundary is crossed."""
    from ethicompass.errors import DataFileError, InputError
    from ethicompass.frames import load_table, sha256_file
    from ethicompass.safety import SPENDING_FUNCTIONS, monitor

    if spending not in SPENDING_FUNCTIONS:
        raise InputError(
            f"--spending {spending!r} is not known", hint=f"use one of {', '.join(SPENDING_FUNCTIONS)}"
        )
    if participants is None:
        participants = data.with_name("patients.csv")
        if not participants.is_file():
            raise DataFileError(
                f"no participants table given and {participants} does not exist",
                hint="pass --participants FILE with one row per participant (arm, enrolment date)",
            )
    report = monitor(
        load_table(data),
        load_table(participants),
        arm_column=arm_column,
        category_column=category_column,
        onset_column=onset_column,
        enrolment_column=enrolment_column,
        control=control,
        looks=looks,
        alpha=alpha,
        spending=spending,  # type: ignore[arg-type]
    )
    crossed = report.crossed
    _store_audit(
        "safety.monitor",
        data.name,
        {"events": sha256_file(data), "participants": sha256_file(participants)},
        {
            "looks": looks,
            "alpha": alpha,
            "spending": spending,
            "crossed": [[s.category, s.arm, s.look] for s in crossed],
        },
    )
    if fmt == OutputFormat.json:
        emit_json(report.to_dict())
    else:
        last = {(s.category, s.arm): s for s in report.signals}
        emit_table(
            f"Adverse events by category, {len(report.looks)} looks, alpha {alpha} one-sided ({report.alpha_per_category:.4f} per category)",
            ["category", "arm", "events (arm / control)", "rate ratio (95% CI)", "Z", "boundary", "crossed"],
            [
                [
                    s.category,
                    s.arm,
                    f"{s.events_arm} / {s.events_control}",
                    f"{s.rate_ratio:.2f} ({s.rate_ratio_ci[0]:.2f}-{s.rate_ratio_ci[1]:.2f})",
                    f"{s.statistic:.2f}",
                    f"{s.boundary:.2f}",
                    "YES" if any(c.category == s.category and c.arm == s.arm for c in crossed) else "no",
                ]
                for s in last.values()
            ],
        )
        for s in crossed:
            summary(
                f"[bold red]boundary crossed[/bold red]: {s.category} in {s.arm} at look {s.look} ({s.date}): "
                f"Z = {s.statistic:.2f} >= {s.boundary:.2f}; rate ratio {s.rate_ratio:.2f} "
                f"(95% CI {s.rate_ratio_ci[0]:.2f}-{s.rate_ratio_ci[1]:.2f})"
            )
        if not crossed:
            summary("no harm boundary crossed")
    judge(
        bool(crossed),
        f"{len(crossed)} harm boundary crossing(s): "
        + ", ".join(f"{s.category} in {s.arm} at look {s.look}" for s in crossed),
        hint="refer to the data monitoring committee; pass --no-fail to report only",
        no_fail=no_fail,
    )


def drift_command(
    reference: Annotated[Path, typer.Argument(help="The reference window (e.g. validation data).")],
    current: Annotated[Path, typer.Argument(help="The current window (recent deployment data).")],
    column: Annotated[
        list[str] | None, typer.Option("--column", "-c", help="Columns to compare (default: all shared).")
    ] = None,
    score: Annotated[
        str | None, typer.Option("--score", "-s", help="The model's score column, for performance by window.")
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="The outcome column, for performance by window.")
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", "-g", help="Repeat the comparison within each subgroup.")
    ] = None,
    bins: Annotated[
        int, typer.Option("--bins", min=2, max=100, help="Quantile bins for numeric columns.")
    ] = 10,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fail_on_drift: Annotated[bool, deprecated_flag("--fail-on-drift")] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Compare a reference and a current window of model inputs and scores, by effect size."""
    from ethicompass.frames import load_table, sha256_file
    from ethicompass.safety import drift

    report = drift(
        load_table(reference),
        load_table(current),
        columns=column or None,
        score=score,
        label=label,
        groups=group or (),
        bins=bins,
    )
    _store_audit(
        "safety.drift",
        current.name,
        {"reference": sha256_file(reference), "current": sha256_file(current)},
        {"drifted": [c.column for c in report.drifted]},
    )
    if fmt == OutputFormat.json:
        emit_json(report.to_dict())
    else:
        emit_table(
            "Drift between the windows",
            ["column", "subgroup", "PSI", "KS D", "Cramér's V", "judgement"],
            [
                [
                    c.column,
                    ", ".join(f"{k}={v}" for k, v in (c.group or {}).items()) or "-",
                    f"{c.psi:.3f}",
                    "-" if c.ks_statistic is None else f"{c.ks_statistic:.3f}",
                    f"{c.cramers_v:.3f}",
                    c.judgement,
                ]
                for c in report.columns
            ],
        )
        if report.performance:
            p = report.performance
            summary(
                f"AUROC {p.auroc_reference:.3f} -> {p.auroc_current:.3f} (difference 95% CI "
                f"{p.auroc_difference_ci[0]:+.3f} to {p.auroc_difference_ci[1]:+.3f}); Brier {p.brier_reference:.3f} -> {p.brier_current:.3f}"
            )
        if report.skipped:
            summary(f"not compared (identifiers): {', '.join(report.skipped)}")
        summary(
            f"{len(report.drifted)} column(s) drifted"
            + (": " + ", ".join(c.column for c in report.drifted) if report.drifted else "")
        )
    judge(
        bool(report.drifted),
        f"{len(report.drifted)} column(s) drifted: " + ", ".join(sorted({c.column for c in report.drifted})),
        hint="check the data pipeline and the population served; re-validate the model; pass --no-fail to report only",
        no_fail=no_fail,
    )
