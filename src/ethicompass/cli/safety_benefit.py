"""``ethicompass benefit``: decision curves, calibration and harm of one or more models."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, say
from ethicompass.errors import InputError
from ethicompass.frames import atomic_write_text, load_table, sha256_file

__all__ = ["benefit_cmd", "parse_scores", "parse_thresholds", "register"]


def parse_thresholds(text: str, /) -> list[float]:
    """``START:STOP:STEP`` (inclusive, exact decimal steps) or a comma list, as floats."""
    try:
        if ":" in text:
            start, stop, step = (Decimal(part) for part in text.split(":"))
            if step <= 0:
                raise InputError(
                    f"--thresholds {text!r}: the step must be positive", hint="e.g. 0.01:0.99:0.01"
                )
            count = int((stop - start) / step) + 1
            values = [float(start + k * step) for k in range(max(count, 0))]
        else:
            values = [float(Decimal(part)) for part in text.split(",") if part.strip()]
    except (InvalidOperation, ValueError):
        raise InputError(
            f"--thresholds {text!r} is not START:STOP:STEP or a comma-separated list",
            hint="e.g. --thresholds 0.01:0.99:0.01 or --thresholds 0.05,0.1,0.2",
        ) from None
    return values


def parse_scores(specs: list[str], /) -> dict[str, str]:
    """``COL`` or ``NAME=COL`` specs as a model-name to column mapping (names unique)."""
    out: dict[str, str] = {}
    for spec in specs:
        name, sep, column = spec.partition("=")
        if not sep:
            name, column = spec, spec
        if not name or not column:
            raise InputError(f"--score {spec!r} is empty on one side of '='", hint="use --score NAME=COLUMN")
        if name in out or name in ("treat_all", "treat_none"):
            raise InputError(
                f"model name {name!r} is used twice or is reserved", hint="give each --score its own NAME"
            )
        out[name] = column
    return out


def benefit_cmd(
    data: Annotated[
        Path, typer.Argument(help="Table of outcomes and predicted risks (CSV, Parquet, JSONL).")
    ],
    label: Annotated[str, typer.Option("--label", "-y", help="The 0/1 outcome column.")],
    score: Annotated[
        list[str],
        typer.Option(
            "--score", "-s", help="A predicted-risk column, as COL or NAME=COL; repeat for more models."
        ),
    ],
    group: Annotated[
        list[str] | None,
        typer.Option("--group", "-g", help="An attribute column for subgroup results; repeat for more."),
    ] = None,
    thresholds: Annotated[
        str,
        typer.Option("--thresholds", "-t", help="Threshold probabilities: START:STOP:STEP or a comma list."),
    ] = "0.01:0.99:0.01",
    boot: Annotated[
        int, typer.Option("--boot", min=0, help="Bootstrap resamples for the intervals (0: none).")
    ] = 1000,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Clinical threshold for the harm table (default: the manifest's predictions.threshold with "
            "--study, else the event rate).",
        ),
    ] = None,
    study: Annotated[
        Path | None,
        typer.Option(
            "--study", help="The study manifest: its decision threshold is the one the review judges harm at."
        ),
    ] = None,
    ci: Annotated[float, typer.Option("--ci", help="Level of every interval.")] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    plots: Annotated[
        Path | None,
        typer.Option("--plots", help="Directory to write SVG decision and calibration curves into."),
    ] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Does acting on the model beat treating everyone or no one, is it calibrated, and whom does it harm?"""
    from ethicompass.safety import (
        CountTable,
        calibration_from_counts,
        check_thresholds,
        decision_curve_from_counts,
        harm_from_counts,
        summarize,
    )

    models = parse_scores(score)
    groups = list(dict.fromkeys(group or []))
    grid = check_thresholds(parse_thresholds(thresholds))
    if not 0 < ci < 1:
        raise InputError(f"--ci {ci} must lie strictly between 0 and 1", hint="e.g. --ci 0.95")
    frame = load_table(data, columns=list(dict.fromkeys([label, *models.values(), *groups])))
    table = summarize(frame, label=label, scores=models, groups=groups)
    if table.events in (0, table.n):
        raise InputError(
            f"label column {label!r} in {data} has only one value",
            hint="the analysis needs patients with and without the event",
        )
    if threshold is None and study is not None:
        from ethicompass.study import Study

        spec = Study.from_file(study).predictions
        if spec is None:
            raise InputError(f"{study} names no predictions", hint="add 'predictions: {..., threshold: T}'")
        threshold = spec.threshold
    cut = float(threshold) if threshold is not None else table.events / table.n
    if not 0 < cut < 1:
        raise InputError(f"--threshold {cut} must lie strictly between 0 and 1", hint="e.g. --threshold 0.2")
    # The JSON and plots show the decision curves of everyone; subgroups serve calibration and harm.
    everyone = CountTable(table.models, (), table.scores, table.label, table.groups[:, :0], table.count)
    curve = decision_curve_from_counts(everyone, thresholds=grid, n_boot=boot, ci=ci, seed=seed)
    calibrations, harms = {}, {}
    for i, name in enumerate(models):
        single = _single(table, i)
        calibrations[name] = calibration_from_counts(single, n_bins=10, ci=ci)
        harms[name] = harm_from_counts(single, threshold=cut, ci=ci, n_boot=2000, seed=seed)
    result = {
        "thresholds": [float(t) for t in grid],
        "net_benefit": {
            **{m: _floats(curve.overall.net_benefit[m]) for m in models},
            "treat_all": _floats(curve.overall.treat_all),
            "treat_none": [0.0] * grid.size,
        },
        "ci": {m: [_floats(row) for row in curve.overall.net_benefit_ci[m]] for m in models},
        "useful_range": {m: None if r is None else list(r) for m, r in curve.overall.useful_range.items()},
        "calibration": {m: c.to_dict() for m, c in calibrations.items()},
        "harm": {
            m: {**h.to_dict(), "threshold_source": "--threshold" if threshold is not None else "event rate"}
            for m, h in harms.items()
        },
    }
    svgs: dict[str, str] = {}
    if plots is not None:
        svgs["decision_curve.svg"] = curve.to_svg()
        for name, report in calibrations.items():
            svgs[f"calibration_{_safe(name)}.svg"] = report.to_svg()
            for attribute in groups:
                svgs[f"calibration_{_safe(name)}_{_safe(attribute)}.svg"] = report.to_svg(attribute=attribute)
    _audit(data, label=label, models=models, groups=groups, grid=grid, boot=boot, cut=cut, ci=ci, seed=seed)
    if plots is not None:
        for filename, text in svgs.items():
            atomic_write_text(plots / filename, text)
        say(f"wrote {len(svgs)} SVG plots to {plots}")
    if fmt == OutputFormat.json:
        emit_json(result)
        return
    _print_tables(curve, calibrations, harms)


def _single(table: Any, index: int) -> Any:
    """The summary restricted to one model's score (cells may repeat; every estimate sums them)."""
    from ethicompass.safety import CountTable

    return CountTable(
        models=(table.models[index],),
        attributes=table.attributes,
        scores=table.scores[:, [index]],
        label=table.label,
        groups=table.groups,
        count=table.count,
    )


def _audit(data: Path, **params: Any) -> None:

    grid = params.pop("grid")
    digest = hashlib.sha256(np.asarray(grid, dtype=np.float64).tobytes()).hexdigest()
    from ethicompass.transparency import audited

    with audited() as entry:
        entry.append(
            action="safety.benefit",
            object_type="dataset",
            object_id=data.name,
            hashes={"input": sha256_file(data)},
            params={
                **params,
                "models": dict(params["models"]),
                "thresholds": {
                    "count": len(grid),
                    "first": float(grid[0]),
                    "last": float(grid[-1]),
                    "sha256": digest,
                },
            },
        )


def _print_tables(curve: Any, calibrations: dict[str, Any], harms: dict[str, Any]) -> None:
    overall = curve.overall
    rows = []
    for m in curve.models:
        useful = overall.useful_range[m]
        confident = overall.confident_range[m]
        rows.append(
            [
                m,
                "never" if useful is None else f"{useful[0]:g} to {useful[1]:g}",
                "never" if confident is None else f"{confident[0]:g} to {confident[1]:g}",
            ]
        )
    emit_table(
        "where each model beats treat-all and treat-none", ["model", "useful range", "confidently"], rows
    )
    emit_table(
        "calibration",
        ["model", "population", "O - E", "intercept", "slope", "ECE", "Brier"],
        [
            [m, _who(c), c.calibration_in_the_large, c.intercept, c.slope, c.ece, c.brier]
            for m, report in calibrations.items()
            for c in (report.overall, *report.subgroups)
        ],
    )
    for m, h in harms.items():
        emit_table(
            f"harm of {m} at threshold {h.threshold:.3g} (per 1,000 patients)",
            ["population", "n", "false negatives", "false positives", "weighted harm"],
            [
                [
                    _who(r),
                    r.n,
                    r.false_negatives_per_1000,
                    r.false_positives_per_1000,
                    r.weighted_harm_per_1000,
                ]
                for r in (h.overall, *h.subgroups)
            ],
        )
        if h.most_harmed is not None:
            say(f"{m}: most harm falls on {_who(h.most_harmed)}")


def _who(pop: Any) -> str:
    return "everyone" if pop.attribute is None else f"{pop.attribute}={pop.value}"


def _floats(values: Any) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def register(app: typer.Typer) -> None:
    """Add ``benefit`` to the ``ethicompass`` app."""
    app.command("benefit")(benefit_cmd)
