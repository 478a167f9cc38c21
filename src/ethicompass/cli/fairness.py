"""``ethicompass fairness`` and ``ethicompass representativeness``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ethicompass._console import (
    OutputFormat,
    deprecated_flag,
    emit_json,
    emit_table,
    escape,
    format_option,
    judge,
    no_fail_option,
    say,
    summary,
)
from ethicompass.engines._options import Engine, engine_option, engine_params, master_option
from ethicompass.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the fairness verbs to the CLI."""
    app.command("fairness")(fairness)
    app.command("representativeness")(representativeness)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def fairness(
    data: Annotated[
        Path, typer.Argument(help="Table with outcome, score and group columns (CSV, Parquet, JSONL).")
    ],
    label: Annotated[str, typer.Option("--label", "-y", help="The 0/1 outcome column.")],
    group: Annotated[
        list[str], typer.Option("--group", "-g", help="A sensitive attribute column; repeat for several.")
    ],
    score: Annotated[
        str | None, typer.Option("--score", "-s", help="The predicted-probability column (0 to 1).")
    ] = None,
    score_old: Annotated[
        str | None, typer.Option("-p", hidden=True, help="Deprecated: use --score/-s.")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option("--prediction", help="A 0/1 decision column (default: score >= threshold).")
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", "-t", help="Decision threshold on the score.")
    ] = 0.5,
    boot: Annotated[int, typer.Option("--boot", "-b", min=0, help="Bootstrap replicates (0: none).")] = 1000,
    ci: Annotated[float, typer.Option("--ci", help="Interval level.")] = 0.95,
    reference: Annotated[
        str, typer.Option("--reference", help="Compare with the 'largest' group or the 'overall' population.")
    ] = "largest",
    min_group_size: Annotated[
        int,
        typer.Option("--min-group-size", min=0, help="Smaller groups are reported as too small to judge."),
    ] = 30,
    margin: Annotated[float, typer.Option("--margin", help="Smallest difference worth flagging.")] = 0.05,
    no_intersections: Annotated[
        bool, typer.Option("--no-intersections", help="Skip the intersections of the groups.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    plots: Annotated[
        Path | None,
        typer.Option("--plots", help="Directory to write SVG plots into (metrics, ROC, calibration)."),
    ] = None,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fail_on_flag: Annotated[bool, deprecated_flag("--fail-on-flag")] = False,
    engine: Engine = engine_option(),
    master: str = master_option(),
    fmt: OutputFormat = format_option(),
) -> None:
    """Audit a model's performance per group and intersection, with intervals and flagged disparities."""
    from ethicompass.engines._options import load, sha256_path
    from ethicompass.fairness import audit, group_label, plot_calibration, plot_metrics, plot_roc
    from ethicompass.frames import atomic_write_text

    score = score or score_old
    if score is None and prediction is None:
        raise InputError("neither --score nor --prediction given", hint="name the score column with --score")
    columns = list(dict.fromkeys(c for c in (label, score, prediction, *group) if c is not None))
    frame = load(data, engine=engine, master=master, columns=columns)
    report = audit(
        frame,
        label=label,
        score=score,
        prediction=prediction,
        groups=group,
        threshold=threshold,
        intersections=not no_intersections,
        n_boot=boot,
        ci=ci,
        reference=reference,
        min_group_size=min_group_size,
        margin=margin,
        seed=seed,
    )
    svgs: dict[str, str] = {}
    if plots is not None:
        svgs["fairness-metrics.svg"] = plot_metrics(report)
        if score is not None:
            svgs["fairness-roc.svg"] = plot_roc(report)
            svgs["fairness-calibration.svg"] = plot_calibration(report)
    from ethicompass.transparency import audited

    with audited() as entry:
        entry.append(
            action="fairness.audit",
            object_type="dataset",
            object_id=data.name,
            hashes={"data": sha256_path(data)},
            params={
                "label": label,
                "score": score,
                "prediction": prediction,
                "groups": list(group),
                "threshold": threshold,
                "n_boot": boot,
                "ci": ci,
                "reference": reference,
                "min_group_size": min_group_size,
                "margin": margin,
                "rows": report.overall.n,
                "findings": len(report.findings),
                **engine_params(engine, master),
            },
        )
    for name, svg in svgs.items():
        assert plots is not None
        atomic_write_text(plots / name, svg)
    if fmt == OutputFormat.json:
        emit_json(report.to_dict())
    else:
        rows = []
        for g in (report.overall, *report.groups, *report.intersections):
            m = g.metrics
            rows.append(
                [
                    group_label(g.group) + (" (too small)" if g.too_small else ""),
                    g.n,
                    *(
                        _fmt(m[k].value)
                        for k in ("prevalence", "selection_rate", "tpr", "fpr", "ppv", "auroc")
                    ),
                ]
            )
        emit_table(
            f"fairness of {score or prediction} for {label} ({report.resolution})",
            ["group", "n", "prevalence", "selected", "TPR", "FPR", "PPV", "AUROC"],
            rows,
        )
        if report.findings:
            summary(f"[bold]{len(report.findings)} flagged disparities[/bold]:")
            for f in report.findings:
                summary(f"  - {escape(f.message)}")
        else:
            summary("no disparity flagged")
    if plots is not None:
        say(f"wrote {len(svgs)} SVG plots to {plots}")
    judge(
        bool(report.findings),
        f"{len(report.findings)} flagged disparities (Holm-adjusted, margin {margin:g})",
        hint="investigate the flagged groups; pass --no-fail to report only",
        no_fail=no_fail,
    )


def representativeness(
    cohort: Annotated[Path, typer.Argument(help="The cohort table (one row per participant).")],
    reference: Annotated[
        Path,
        typer.Option(
            "--reference", "-r", help="Population shares: columns attribute, value, population_share."
        ),
    ],
    attribute: Annotated[
        list[str], typer.Option("--attribute", "-a", help="An attribute to compare; repeat.")
    ],
    ci: Annotated[float, typer.Option("--ci", help="Interval level.")] = 0.95,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fail_on_under: Annotated[bool, deprecated_flag("--fail-on-under")] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Compare a cohort's make-up with its disease population: shares and participation-to-prevalence ratios."""
    from ethicompass.fairness import representativeness as compare
    from ethicompass.frames import load_table, sha256_file

    frame = load_table(cohort, columns=list(dict.fromkeys(attribute)))
    population = load_table(reference)
    report = compare(frame, population, attributes=attribute, ci=ci)
    from ethicompass.transparency import audited

    with audited() as entry:
        entry.append(
            action="fairness.representativeness",
            object_type="dataset",
            object_id=cohort.name,
            hashes={"cohort": sha256_file(cohort), "reference": sha256_file(reference)},
            params={
                "attributes": list(attribute),
                "ci": ci,
                "under_represented": len(report.under_represented),
            },
        )
    if fmt == OutputFormat.json:
        emit_json(report.to_dict())
    else:
        emit_table(
            "cohort vs population",
            ["attribute", "value", "n", "cohort share", "population share", "PPR", "PPR interval", "under"],
            [
                [
                    r.attribute,
                    r.value,
                    r.n,
                    _fmt(r.cohort_share.value),
                    _fmt(r.population_share),
                    _fmt(r.ppr.value),
                    f"{r.ppr.ci[0]:.2f}-{r.ppr.ci[1]:.2f}" if r.ppr.ci else "",
                    "yes" if r.under_represented else "",
                ]
                for r in report.rows
            ],
        )
    under = report.under_represented
    if fmt != OutputFormat.json:
        summary(
            f"{len(under)} under-represented group(s)"
            + "".join(
                f"\n  - {escape(r.attribute)}={escape(r.value)}: PPR {r.ppr.value:.2f}"
                for r in under
                if r.ppr.value is not None
            )
        )
    judge(
        bool(under),
        f"{len(under)} group(s) under-represented (PPR interval below 0.8): "
        + ", ".join(f"{r.attribute}={r.value}" for r in under),
        hint="extend recruitment to those groups; pass --no-fail to report only",
        no_fail=no_fail,
    )
