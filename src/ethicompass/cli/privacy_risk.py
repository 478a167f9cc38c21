"""CLI verbs ``risk``, ``anonymize`` and ``release``: re-identification risk, k-anonymisation, DP aggregates.

Quasi-identifiers are named with ``--qi`` (comma lists and repeats both work). A raw column can be
coarsened in the same breath: ``birth_date:year`` (or ``:quarter``, ``:month``) truncates a date,
``zip:3`` keeps the first 3 characters (numbers are read as text), ``age:band10`` bands a
numeric column in 10-wide bands. The coarsened column keeps its name. Every verb writes an audit entry (content
hashes and parameters only) before it prints or writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from ethicompass._console import (
    OutputFormat,
    emit_json,
    emit_table,
    format_option,
    judge,
    no_fail_option,
    raw_csv_option,
    say,
)
from ethicompass.engines._options import Engine, by_partition, engine_option, engine_params, master_option
from ethicompass.errors import ColumnError, InputError, VerdictFailed

__all__ = ["parse_qis", "register"]

_DATE_PARTS = ("year", "quarter", "month")

QiOpt = Annotated[
    list[str],
    typer.Option(
        "--qi",
        help="Quasi-identifier column(s), comma-separated or repeated; coarsen with COL:year|quarter|month "
        "(dates), COL:N (first N characters), COL:bandN (N-wide bands of numbers).",
    ),
]
SensitiveOpt = Annotated[
    str | None,
    typer.Option("--sensitive", help="The sensitive value column (for l-diversity and t-closeness)."),
]


def parse_qis(frame: pl.DataFrame, specs: list[str]) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Apply ``--qi`` specs to ``frame``: the coarsened frame, the QI column names, and the specs."""
    items = [s.strip() for spec in specs for s in spec.split(",") if s.strip()]
    if not items:
        raise InputError("no quasi-identifiers given", hint="name them with --qi age,sex,zip3")
    names: list[str] = []
    exprs: list[pl.Expr] = []
    for item in items:
        name, _, how = item.partition(":")
        if name not in frame.columns:
            raise ColumnError(
                f"quasi-identifier column {name!r} not found",
                hint=f"available columns: {', '.join(frame.columns[:30])}",
            )
        if name in names:
            raise InputError(f"quasi-identifier {name!r} is named twice", hint="name each column once")
        names.append(name)
        if how:
            exprs.append(_coarsen(frame, name, how).alias(name))
    out = frame.with_columns(exprs) if exprs else frame
    return out, names, items


def _coarsen(frame: pl.DataFrame, name: str, how: str) -> pl.Expr:
    dtype = frame.schema[name]
    col = pl.col(name)
    if how in _DATE_PARTS:
        d = col if dtype.is_temporal() else col.cast(pl.String).str.to_date(strict=False)
        if how == "year":
            return d.dt.year().cast(pl.String)
        if how == "quarter":
            return pl.format("{}-Q{}", d.dt.year(), d.dt.quarter())
        return d.dt.strftime("%Y-%m")
    if how.isdigit() and int(how) > 0:
        return col.cast(pl.String).str.slice(0, int(how))
    if how.startswith("band") and how[4:].isdigit() and int(how[4:]) > 0:
        if not dtype.is_numeric():
            raise ColumnError(
                f"column {name!r} is {dtype}, not numeric", hint=f"use {name}:N to keep N characters"
            )
        width = int(how[4:])
        lo = ((col / width).floor() * width).cast(pl.Int64)
        return pl.format("{}-{}", lo, lo + width - 1)
    raise InputError(
        f"cannot coarsen {name!r} by {how!r}",
        hint="use COL:year, COL:quarter, COL:month (dates), COL:N (first N characters) or COL:bandN (bands)",
    )


def _load(path: Path, engine: Engine = Engine.inprocess, master: str = "") -> tuple[Any, str]:
    from ethicompass.engines._options import load, sha256_path

    return load(path, engine=engine, master=master), sha256_path(path)


def register(app: typer.Typer) -> None:
    """Add ``risk``, ``anonymize`` and ``release`` to the ``ethicompass`` app."""
    app.command("risk")(risk_cmd)
    app.command("anonymize")(anonymize_cmd)
    app.command("release")(release_cmd)


def risk_cmd(
    data: Annotated[Path, typer.Argument(help="The table (CSV, TSV, Parquet, JSONL).")],
    qi: QiOpt,
    sensitive: SensitiveOpt = None,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="A population table (rows, or counts with --population-count)."),
    ] = None,
    population_count: Annotated[
        str | None,
        typer.Option("--population-count", help="Column of --population holding a count per class."),
    ] = None,
    population_size: Annotated[
        int | None,
        typer.Option("--population-size", min=1, help="Size of the population sampled (for Zayatz)."),
    ] = None,
    k: Annotated[
        int, typer.Option("--k", min=1, help="Policy k: classes smaller than this are at risk.")
    ] = 5,
    risk_threshold: Annotated[
        float,
        typer.Option("--risk-threshold", min=0.0, max=1.0, help="Per-record risk threshold (0.09 common)."),
    ] = 0.09,
    engine: Engine = engine_option(),
    master: str = master_option(),
    fmt: OutputFormat = format_option(),
    no_fail: Annotated[bool, no_fail_option()] = False,
) -> None:
    """Measure re-identification risk: k, l, t, prosecutor / journalist / marketer risk, uniques."""
    from ethicompass.privacy.reidentification import EquivalenceSummary, risk, summarize

    frame, digest = _load(data, engine, master)
    frame, names, specs = by_partition(parse_qis, frame, qi)
    pop = None
    hashes = {"data": digest}
    if population is not None:
        pframe, pdigest = _load(population)
        hashes["population"] = pdigest
        if population_count:
            pframe, _, _ = parse_qis(pframe, specs)
            pop = EquivalenceSummary.from_counts(pframe, quasi_identifiers=names, count=population_count)
        else:
            pframe, _, _ = parse_qis(pframe, specs)
            pop = summarize(pframe, quasi_identifiers=names)
    report = risk(
        frame,
        quasi_identifiers=names,
        sensitive=sensitive,
        population=pop,
        population_size=population_size,
        k_threshold=k,
        risk_threshold=risk_threshold,
    )
    result = report.to_dict()
    result["quasi_identifiers"] = specs
    from ethicompass.transparency import audited

    with audited() as audit:
        audit.append(
            action="privacy.risk",
            object_type="dataset",
            object_id=digest,
            hashes=hashes,
            params={
                "quasi_identifiers": specs,
                "sensitive": sensitive,
                "k_threshold": k,
                "k": report.k,
                "prosecutor_max": report.prosecutor.max,
                "records_below_k": report.records_below_k,
                **engine_params(engine, master),
            },
        )
    verdict = (
        report.k < k,
        f"k = {report.k} is below the policy's k = {k}: {report.records_below_k:,} records in smaller classes",
    )
    if fmt == OutputFormat.json:
        emit_json(result)
        judge(verdict[0], verdict[1], hint=_RISK_HINT, no_fail=no_fail)
        return
    rows: list[list[Any]] = [
        ["records", report.records],
        ["equivalence classes", report.equivalence_classes],
        ["k (smallest class)", report.k],
        [f"records in classes < {k}", f"{report.records_below_k} ({report.share_below_k:.1%})"],
        ["sample uniques", report.uniques],
        ["prosecutor risk max / mean", f"{report.prosecutor.max:.3f} / {report.prosecutor.mean:.3f}"],
        [f"records above risk {risk_threshold:g}", f"{report.prosecutor.share_above_threshold:.1%}"],
        ["marketer risk", f"{report.marketer_risk:.3f}"],
        [
            "population uniques (" + report.population_uniques.estimator + ")",
            f"{report.population_uniques.estimate:.1f}",
        ],
    ]
    if report.l_diversity is not None:
        rows.append(
            ["l (distinct / entropy)", f"{report.l_diversity.distinct} / {report.l_diversity.entropy:.2f}"]
        )
        rows.append([f"t ({report.t_kind} EMD)", f"{report.t:.3f}"])
    if report.journalist is not None:
        rows.append(
            ["journalist risk max / mean", f"{report.journalist.max:.3f} / {report.journalist.mean:.3f}"]
        )
    nulls = {q: c for q, c in report.null_records.items() if c}
    if nulls:
        rows.append(["records with a null QI", ", ".join(f"{q}: {c}" for q, c in nulls.items())])
    emit_table(f"re-identification risk of {data.name} ({', '.join(specs)})", ["measure", "value"], rows)
    judge(verdict[0], verdict[1], hint=_RISK_HINT, no_fail=no_fail)


_RISK_HINT = "generalise with `ethicompass anonymize --k K`, then re-measure; pass --no-fail to report only"


def _write(frame: pl.DataFrame, tmp: Path, suffix: str, *, raw_csv: bool) -> int:
    from ethicompass.frames import neutralise_formulas

    hits = 0
    if suffix in (".csv", ".tsv") and not raw_csv:
        frame, hits = neutralise_formulas(frame)
    if suffix == ".csv":
        frame.write_csv(tmp)
    elif suffix == ".tsv":
        frame.write_csv(tmp, separator="\t")
    elif suffix == ".parquet":
        frame.write_parquet(tmp)
    elif suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(tmp)
    else:
        raise InputError(
            f"{suffix or '(none)'} is not an output type", hint="use .csv, .tsv, .parquet or .jsonl"
        )
    return hits


def anonymize_cmd(
    data: Annotated[Path, typer.Argument(help="The table (CSV, TSV, Parquet, JSONL).")],
    qi: QiOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the generalised table.")],
    k: Annotated[int, typer.Option("--k", min=1, help="Target k (smallest class kept).")] = 5,
    l_min: Annotated[
        int | None, typer.Option("--l", min=1, help="Target distinct l-diversity (needs --sensitive).")
    ] = None,
    t: Annotated[
        float | None, typer.Option("--t", min=0.0, max=1.0, help="Target t-closeness (needs --sensitive).")
    ] = None,
    sensitive: SensitiveOpt = None,
    max_suppression: Annotated[
        float,
        typer.Option(
            "--max-suppression", min=0.0, max=0.99, help="Most records that may be removed (share)."
        ),
    ] = 0.05,
    hierarchies: Annotated[
        Path | None, typer.Option("--hierarchies", help="YAML of generalisation hierarchies per column.")
    ] = None,
    raw_csv: bool = raw_csv_option(),
    fmt: OutputFormat = format_option(),
    no_fail: Annotated[bool, no_fail_option()] = False,
) -> None:
    """Generalise quasi-identifiers (least information loss) until the table meets k (and l, t)."""
    from ethicompass.frames import atomic_path
    from ethicompass.privacy.reidentification import anonymize, load_hierarchies

    if out.suffix.lower() not in (".csv", ".tsv", ".parquet", ".jsonl", ".ndjson"):
        raise InputError(f"{out}: unsupported output type", hint="use .csv, .tsv, .parquet or .jsonl")
    frame, digest = _load(data)
    frame, names, specs = parse_qis(frame, qi)
    hier = load_hierarchies(hierarchies) if hierarchies else None
    try:
        result = anonymize(
            frame,
            quasi_identifiers=names,
            hierarchies=hier,
            k=k,
            l=l_min,
            t=t,
            sensitive=sensitive,
            max_suppression=max_suppression,
        )
    except VerdictFailed as exc:  # the target cannot be reached: nothing is written
        judge(True, exc.message, hint=exc.hint or "", no_fail=no_fail)
        return
    summary = result.to_dict()
    summary["quasi_identifiers"] = specs
    summary["out"] = str(out)
    with atomic_path(out) as tmp:
        summary["csv_formulas_neutralised"] = _write(result.table, tmp, out.suffix.lower(), raw_csv=raw_csv)
        from ethicompass.frames import sha256_file
        from ethicompass.transparency import audited

        with audited() as audit:
            audit.append(
                action="privacy.anonymize",
                object_type="dataset",
                object_id=digest,
                hashes={"input": digest, "output": sha256_file(tmp)},
                params={
                    "quasi_identifiers": specs,
                    "k": k,
                    "l": l_min,
                    "t": t,
                    "levels": result.levels,
                    "suppressed": result.suppressed,
                    "max_suppression": max_suppression,
                    "csv_formulas_neutralised": summary["csv_formulas_neutralised"],
                },
            )
    if fmt == OutputFormat.json:
        emit_json(summary)
        return
    say(
        f"wrote {out}: {result.records - result.suppressed:,} records, {result.suppressed:,} suppressed "
        f"({result.suppressed_share:.1%}), k = {result.risk.k}"
    )
    emit_table(
        "generalisation chosen",
        ["quasi-identifier", "level"],
        [[q, lv] for q, lv in result.levels.items()],
    )
    emit_table(
        "information loss",
        ["measure", "value"],
        [
            ["NCP (0 none, 1 all)", result.ncp_loss],
            ["discernibility", result.discernibility],
            ["lattice nodes / evaluated", f"{result.lattice_nodes} / {result.nodes_evaluated}"],
        ],
    )


def release_cmd(
    data: Annotated[Path, typer.Argument(help="The table (CSV, TSV, Parquet, JSONL), one row per person.")],
    dataset: Annotated[str, typer.Option("--dataset", help="The dataset's name in the budget ledger.")],
    query: Annotated[str, typer.Option("--query", help="count, histogram or mean.")],
    epsilon: Annotated[float, typer.Option("--epsilon", min=0.0, help="Privacy loss spent by this release.")],
    column: Annotated[str | None, typer.Option("--column", help="Column of the histogram or mean.")] = None,
    categories: Annotated[
        str | None,
        typer.Option("--categories", help="Histogram categories, comma-separated (others: '(other)')."),
    ] = None,
    bounds: Annotated[
        str | None, typer.Option("--bounds", help="Mean: LOW,HIGH; values are clamped to them.")
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget", min=0.0, help="Total epsilon of the dataset: set once; a different one is refused."
        ),
    ] = None,
    contributions: Annotated[
        int, typer.Option("--contributions", min=1, help="Most rows one person has.")
    ] = 1,
    fmt: OutputFormat = format_option(),
) -> None:
    """Release a differentially private count, histogram or mean, debiting the dataset's budget."""
    from ethicompass.cli._app import state_store
    from ethicompass.privacy.dp import BudgetLedger, release

    bounds_pair: tuple[float, float] | None = None
    if bounds:
        try:
            lo, hi = (float(x) for x in bounds.split(","))
        except ValueError as exc:
            raise InputError(f"--bounds {bounds!r} is not LOW,HIGH", hint="e.g. --bounds 0,120") from exc
        bounds_pair = (lo, hi)
    cats = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    frame, _ = _load(data)
    store = state_store()
    try:
        ledger = BudgetLedger(store)
        if budget is not None:
            ledger.set_budget(dataset, epsilon=budget)
        result = release(
            frame,
            store=store,
            dataset=dataset,
            query=query,  # type: ignore[arg-type]
            epsilon=epsilon,
            column=column,
            bounds=bounds_pair,
            categories=cats,
            contributions=contributions,
        )
    finally:
        store.dispose()
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
        return
    b = result.budget
    if result.query == "histogram":
        emit_table(
            f"DP histogram of {column} (epsilon {epsilon:g})",
            ["category", "noisy count"],
            list(result.histogram.items()),
        )
    else:
        emit_table(
            f"DP {result.query} (epsilon {epsilon:g})",
            ["value", "mechanism"],
            [[result.value, result.mechanism]],
        )
    say(
        f"budget of {dataset!r}: {b.epsilon_spent:g} of {b.epsilon_total:g} spent, {b.epsilon_remaining:g} left"
    )
