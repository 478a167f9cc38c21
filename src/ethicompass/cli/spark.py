"""``ethicompass spark deid|enforce|risk|fairness``: the Spark engine from the command line.

Each verb starts (or joins) a Spark session on ``--master`` (default ``local[*]``; a cluster URL or
a Spark Connect ``sc://`` URL), reads the input with Spark, and runs the same transform or
summary as the in-process verb. Tables are written by Spark as a Parquet directory, first under a
temporary name and renamed once the audit entry is written.

The ordinary verbs take ``--engine spark [--master URL]`` too (``ethicompass deid``, ``consent
enforce``, ``risk``, ``fairness``: see :mod:`ethicompass.engines._options`) and then write exactly
the file the in-process engine writes, streamed through the driver. These verbs stay for what only
a cluster can do: a Parquet folder written in parallel by the executors, and de-identification
without content hashes (``--no-content-hashes``), so no row crosses to the driver.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import (
    OutputFormat,
    deprecated_flag,
    emit_json,
    emit_table,
    format_option,
    judge,
    no_fail_option,
    say,
    summary,
)
from ethicompass.errors import DataFileError, InputError

__all__ = ["register"]

spark_app = typer.Typer(
    name="spark",
    help="Run de-identification, consent enforcement, risk and fairness on Apache Spark.",
    no_args_is_help=True,
)

MasterOption = Annotated[
    str,
    typer.Option(
        "--master", help="Spark master: local[*] (default), spark://..., yarn, or sc://... (Connect)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``spark`` verbs to the CLI."""
    app.add_typer(spark_app, name="spark")


def _read(spark: Any, path: Path, *, infer: bool) -> Any:
    if not path.exists():
        raise DataFileError(f"{path}: no such file or folder", hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        reader = spark.read.option("header", True).option("inferSchema", infer)
        return reader.option("sep", "\t" if suffix == ".tsv" else ",").csv(str(path))
    if suffix == ".parquet" or path.is_dir():
        return spark.read.parquet(str(path))
    if suffix in (".jsonl", ".ndjson"):
        return spark.read.json(str(path))
    raise DataFileError(f"{path}: unknown table format", hint="use .csv, .tsv, .parquet or .jsonl")


def _audit(**entry: Any) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    store = Store.from_env().open()
    try:
        AuditLog(store).append(**entry)
    finally:
        store.dispose()


def _write_then(out: Path, sdf: Any, entry: dict[str, Any]) -> None:
    """Write ``sdf`` to a temporary Parquet folder next to ``out``; audit; then rename it to ``out``."""
    if out.exists():
        raise DataFileError(f"{out} exists", hint="remove it or name another output folder")
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex}")
    try:
        sdf.write.parquet(str(tmp))
        _audit(**entry)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@spark_app.command("deid")
def deid(
    data: Annotated[
        Path, typer.Argument(help="The table to de-identify (CSV, Parquet file or folder, JSONL).")
    ],
    schema: Annotated[Path, typer.Option("--schema", help="Column roles (YAML from `ethicompass scan`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet folder (must not exist).")],
    key_file: Annotated[
        Path | None, typer.Option("--key-file", "-k", help="Secret key file (else $ETHICOMPASS_KEY).")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: HIPAA Safe Harbor).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="When --schema is a study manifest: which dataset.")
    ] = None,
    no_hashes: Annotated[
        bool,
        typer.Option(
            "--no-content-hashes", help="Skip the content hashes (no streaming of rows to the driver)."
        ),
    ] = False,
    master: MasterOption = "local[*]",
    fmt: OutputFormat = format_option(),
) -> None:
    """De-identify a table on Spark; write a Parquet folder and OUT.certificate.json."""
    from ethicompass.engines.spark import deidentify, session
    from ethicompass.frames import atomic_path
    from ethicompass.privacy import Policy, TableSchema, load_key

    key = load_key(key_file)
    table_schema = TableSchema.from_file(schema, dataset=dataset)
    policy = Policy.from_file(policy_file) if policy_file else Policy.safe_harbor()
    spark = session(master)
    result = deidentify(
        _read(spark, data, infer=False), table_schema, policy=policy, key=key, content_hashes=not no_hashes
    )
    cert = result.certificate.to_dict()
    cert_path = out.with_name(out.name + ".certificate.json")
    entry = {
        "action": "privacy.deidentify",
        "object_type": "dataset",
        "object_id": out.name,
        "hashes": {"input": cert["input_sha256"], "output": cert["output_sha256"]},
        "params": {
            "engine": "spark",
            "policy": policy.name,
            "dates": policy.dates,
            "key_fingerprint": key.fingerprint,
            "rows": cert["rows_out"],
            "actions": cert["actions"],
        },
    }
    with atomic_path(cert_path) as tmp_cert:
        tmp_cert.write_text(json.dumps(cert, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _write_then(out, result.frame, entry)
    if fmt == OutputFormat.json:
        emit_json(cert)
        return
    rows = [[c["column"], c["role"], c["phi_type"] or "", c["action"], c["reason"]] for c in cert["columns"]]
    emit_table(
        f"de-identification of {data.name} (spark)", ["column", "role", "phi type", "action", "why"], rows
    )
    say(f"wrote {out} ({cert['rows_out']:,} rows) and {cert_path}")


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
    """Keep the rows whose participant's consent permits PURPOSE (state from the consent registry)."""
    from ethicompass.consent import Registry
    from ethicompass.engines.spark import enforce, session
    from ethicompass.store import Store

    spark = session(master)
    store = Store.from_env().open()
    try:
        statuses = Registry(store).status_table(purpose, at=at)
    finally:
        store.dispose()
    kept, record = enforce(
        _read(spark, data, infer=False),
        purpose=purpose,
        participant_column=participant_column,
        at=at,
        statuses=statuses,
    )
    summary = record.to_dict()
    entry = {
        "action": "consent.enforce",
        "object_type": "dataset",
        "object_id": out.name,
        "hashes": {"statuses": record.status_hash},
        "params": {"engine": "spark", **{k: v for k, v in summary.items() if k != "status_hash"}},
    }
    _write_then(out, kept, entry)
    if fmt == OutputFormat.json:
        emit_json(summary)
        return
    rows = [[r, n] for r, n in record.rows_dropped.items()]
    emit_table(
        f"consent for {purpose}: {record.rows_kept:,} of {record.rows_in:,} rows kept",
        ["dropped", "rows"],
        rows,
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
    """Re-identification risk with equivalence classes counted by Spark."""
    from ethicompass.engines.spark import risk, session

    spark = session(master)
    report = risk(
        _read(spark, data, infer=False),
        quasi_identifiers=quasi_identifiers,
        sensitive=sensitive,
        k_threshold=k_threshold,
    )
    out = report.to_dict()
    _audit(
        action="privacy.risk",
        object_type="dataset",
        object_id=data.name,
        hashes={},
        params={"engine": "spark", "quasi_identifiers": quasi_identifiers, "k_threshold": k_threshold},
    )
    if fmt == OutputFormat.json:
        emit_json(out)
        return
    rows = [[k, v] for k, v in out.items() if not isinstance(v, dict | list)]
    emit_table(f"re-identification risk of {data.name} (spark)", ["measure", "value"], rows)


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
    """Fairness audit with the counts made by Spark (exit 1 when a disparity is flagged, unless --no-fail)."""
    from ethicompass.engines.spark import audit, session

    if score is None and prediction is None:
        raise InputError("neither --score nor --prediction given", hint="pass one of them")
    n_boot = n_boot if n_boot_old is None else n_boot_old
    spark = session(master)
    report = audit(
        _read(spark, data, infer=True),
        label=label,
        groups=groups,
        score=score,
        prediction=prediction,
        threshold=threshold,
        n_boot=n_boot,
    )
    out = report.to_dict()
    _audit(
        action="fairness.audit",
        object_type="dataset",
        object_id=data.name,
        hashes={},
        params={"engine": "spark", "label": label, "groups": groups, "score": score, "threshold": threshold},
    )
    if fmt == OutputFormat.json:
        emit_json(out)
    else:
        rows = [[k, v] for k, v in out.items() if not isinstance(v, dict | list)]
        emit_table(f"fairness of {data.name} (spark)", ["field", "value"], rows)
    if fmt != OutputFormat.json:
        summary(f"{len(report.findings)} flagged disparities" if report.findings else "no disparity flagged")
    judge(
        bool(report.findings),
        f"{len(report.findings)} flagged disparities",
        hint="investigate the flagged groups; pass --no-fail to report only",
        no_fail=no_fail,
    )
