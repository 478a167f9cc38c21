"""CLI verbs for tables: ``scan``, ``deid`` and ``keys new``.

CSV files are read as text (every column a string), so ZIP codes and record numbers keep their
leading zeros and values that are kept pass through byte for byte.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, raw_csv_option, say
from ethicompass.engines._options import (
    Engine,
    check_out,
    engine_option,
    engine_params,
    master_option,
    out_folder_option,
)
from ethicompass.errors import DataFileError, SchemaError
from ethicompass.frames import (
    AtomicGroup,
    atomic_path,
    sha256_file,
)

__all__ = ["register"]

#: Options ``deid`` shares with its deprecated alias ``spark deid``.
KeyFileOpt = Annotated[
    Path | None, typer.Option("--key-file", "-k", help="Secret key file (else $ETHICOMPASS_KEY).")
]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", help="Policy YAML (default: HIPAA Safe Harbor).")]
DatasetOpt = Annotated[
    str | None, typer.Option("--dataset", help="When --schema is a study manifest: which dataset.")
]

keys_app = typer.Typer(help="Secret keys for pseudonyms and date shifting.", no_args_is_help=True)


def scan_cmd(
    data: Annotated[Path, typer.Argument(help="The table to scan (CSV, TSV, Parquet, JSONL).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the proposed schema (YAML) here for review.")
    ] = None,
    sample: Annotated[int, typer.Option("--sample", min=10, help="Values per column to check.")] = 1000,
    fmt: OutputFormat = format_option(),
) -> None:
    """Find identifier columns by name and content, and propose a role for each column."""
    from ethicompass.privacy.tables import read_for_privacy, scan

    frame = read_for_privacy(data)
    report = scan(frame, sample=sample)
    text = report.to_yaml(source=data.name)
    hashes = {"input": sha256_file(data)}
    with ExitStack() as stack:
        if out is not None:
            tmp = stack.enter_context(atomic_path(out))
            tmp.write_text(text, encoding="utf-8")
            hashes["schema"] = sha256_file(tmp)
        from ethicompass.transparency import audited

        with audited() as audit:
            audit.append(
                action="privacy.scan",
                object_type="dataset",
                object_id=data.name,
                hashes=hashes,
                params={
                    "columns": len(report.columns),
                    "identifiers": len(report.identifiers),
                    "review": sum(1 for c in report.columns if c.role.value == "review"),
                    "sample": sample,
                },
            )
    if fmt == OutputFormat.json:
        emit_json(report.to_dict())
        return
    rows = [
        [
            c.column,
            c.role.value,
            c.phi_type.value if c.phi_type else "",
            f"{c.confidence:.2f}",
            "; ".join(c.evidence),
        ]
        for c in report.columns
    ]
    emit_table(f"scan of {data.name}", ["column", "role", "phi type", "confidence", "evidence"], rows)
    say(f"{len(report.identifiers)} of {len(report.columns)} columns look like identifiers")
    review = [c.column for c in report.columns if c.role.value == "review"]
    if review:
        say(
            f"[yellow]{len(review)} column(s) scan could not explain, marked review:[/yellow] "
            f"{', '.join(review)}; `ethicompass deid` refuses them until you set a role or action: keep / drop"
        )
    if out is not None:
        say(f"wrote the proposed schema to {out}; review every line before `ethicompass deid`")


def deid_cmd(
    data: Annotated[Path, typer.Argument(help="The table to de-identify (CSV, TSV, Parquet, JSONL).")],
    schema: Annotated[Path, typer.Option("--schema", help="Column roles (YAML from `ethicompass scan`).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the de-identified table (.csv/.parquet)."),
    ] = None,
    key_file: KeyFileOpt = None,
    policy_file: PolicyOpt = None,
    dataset: DatasetOpt = None,
    dates: Annotated[
        str | None, typer.Option("--dates", help="Override the policy: 'year' or 'shift' (per-participant).")
    ] = None,
    pseudonymise: Annotated[
        list[str] | None,
        typer.Option(
            "--pseudonymise", help="PHI type to replace by keyed pseudonyms instead of dropping (repeat)."
        ),
    ] = None,
    drop_free_text: Annotated[
        bool, typer.Option("--drop-free-text", help="Drop free-text columns instead of refusing the run.")
    ] = False,
    certificate: Annotated[
        Path | None,
        typer.Option("--certificate", help="Certificate JSON path (default: OUT.certificate.json)."),
    ] = None,
    linkage_out: Annotated[
        Path | None,
        typer.Option(
            "--linkage-out", help="Reversible mode: write the AES-GCM encrypted linkage table here."
        ),
    ] = None,
    raw_csv: bool = raw_csv_option(),
    engine: Engine = engine_option(),
    master: str = master_option(),
    out_folder: Annotated[Path | None, out_folder_option()] = None,
    no_content_hashes: Annotated[
        bool,
        typer.Option(
            "--no-content-hashes",
            help="With --out-folder: skip the content hashes, so no row crosses to the Spark driver.",
        ),
    ] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """De-identify a table (Safe Harbor by default) and write it with a de-identification certificate.

    A CSV/TSV is de-identified in batches of whole records: memory stays flat for any file size.
    With ``--engine spark --out-folder DIR`` the executors write a Parquet folder in parallel.
    """
    from ethicompass.engines._options import load, parquet_folder, sha256_path, write_frame
    from ethicompass.privacy import load_key
    from ethicompass.privacy.tables import (
        BatchWriter,
        TableSchema,
        batches_for_privacy,
        deidentify,
        deidentify_batches,
    )

    check_out(out, out_folder, engine)
    if no_content_hashes and out_folder is None:
        raise SchemaError(
            "--no-content-hashes needs --out-folder", hint="add --engine spark --out-folder DIR"
        )
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise DataFileError(f"{out}: write .csv or .parquet", hint="name the output file with one of those")
    target = out or out_folder
    assert target is not None
    key = load_key(key_file)
    table_schema = TableSchema.from_file(schema, dataset=dataset)
    policy = _policy(policy_file, dates, drop_free_text, pseudonymise, reversible=linkage_out is not None)
    cert_path = certificate or target.with_name(target.name + ".certificate.json")
    if linkage_out is not None and linkage_out.resolve().parent == target.resolve().parent:
        say("[yellow]note:[/yellow] keep the linkage table apart from the released data and the key")
    parquet = target.suffix.lower() == ".parquet" or out_folder is not None
    with AtomicGroup() as group, ExitStack() as folder:  # data, linkage, then the certificate last
        neutralised = 0
        if out_folder is not None:  # the executors write the folder; it appears after the audit entry
            from ethicompass.engines import spark

            tmp_dir = folder.enter_context(parquet_folder(out_folder))
            frame = load(data, engine=engine, master=master, text=True)
            result = spark.deidentify(
                frame, table_schema, policy=policy, key=key, content_hashes=not no_content_hashes
            )
            result.frame.write.parquet(str(tmp_dir))
            output_hash = result.certificate.output_sha256
        elif engine == Engine.inprocess:  # batch by batch: the table is never whole in memory
            writer = BatchWriter(group.path(target), parquet=parquet, raw_csv=raw_csv)
            try:
                result = deidentify_batches(
                    batches_for_privacy(data), table_schema, policy=policy, key=key, write=writer.write
                )
            finally:
                output_hash = writer.close()
            neutralised = writer.neutralised
        else:
            tmp_out = group.path(target)
            frame = load(data, engine=engine, master=master, text=True)
            result = deidentify(frame, table_schema, policy=policy, key=key)
            neutralised = write_frame(
                result.frame, tmp_out, fmt="parquet" if parquet else "csv", raw_csv=raw_csv
            )  # the partitions, in order
            output_hash = sha256_file(tmp_out)
        cert = result.certificate.to_dict()
        if not parquet:
            cert["csv_formulas"] = {"neutralised_cells": neutralised, "raw_csv": raw_csv}
        hashes = {"input": sha256_path(data), "output": output_hash}
        if linkage_out is not None and result.linkage is not None:
            tmp_link = group.path(linkage_out, mode=0o600)
            tmp_link.write_bytes(result.linkage)
            hashes["linkage"] = sha256_file(tmp_link)
        cert["files"] = {
            "input": {"name": data.name, **{"sha256": hashes["input"]}},
            "output": {"name": target.name, "sha256": hashes["output"]},
        }
        tmp_cert = group.path(cert_path)
        tmp_cert.write_text(json.dumps(cert, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        hashes["certificate"] = sha256_file(tmp_cert)
        from ethicompass.transparency import audited

        with audited() as audit:
            audit.append(
                action="privacy.deidentify",
                object_type="dataset",
                object_id=target.name,
                hashes=hashes,
                params={
                    "policy": policy.name,
                    "method": policy.method,
                    "dates": policy.dates,
                    "key_fingerprint": key.fingerprint,
                    "rows": cert["rows_out"],
                    "actions": cert["actions"],
                    "reversible": policy.reversible,
                    **engine_params(engine, master),
                },
            )
    if fmt == OutputFormat.json:
        emit_json(cert)
        return
    rows = [
        [c["column"], c["role"], c["phi_type"] or "", c["action"], c["decided_by"], c["reason"]]
        for c in cert["columns"]
    ]
    emit_table(
        f"de-identification of {data.name}",
        ["column", "role", "phi type", "action", "decided by", "why"],
        rows,
    )
    say(f"wrote {target} ({cert['rows_out']:,} rows, {cert['columns_out']} columns) and {cert_path}")


def _policy(
    policy_file: Path | None,
    dates: str | None,
    drop_free_text: bool,
    pseudonymise: list[str] | None,
    *,
    reversible: bool,
) -> Any:
    """The policy file (default Safe Harbor) with the command line's overrides applied."""
    from ethicompass.privacy.tables import Policy

    policy = Policy.from_file(policy_file) if policy_file else Policy.safe_harbor()
    changes: dict[str, Any] = {}
    if dates is not None:
        if dates not in ("year", "shift"):
            raise SchemaError(f"--dates {dates!r}", hint="use --dates year or --dates shift")
        changes["dates"] = dates
        if dates == "shift" and policy.name == "safe_harbor":
            changes["name"] = "date_shift"
    if drop_free_text:
        changes["free_text"] = "drop"
    if pseudonymise:
        changes["pseudonymise_types"] = frozenset(policy.pseudonymise_types) | {
            t.upper() for t in pseudonymise
        }
    if reversible:
        changes["reversible"] = True
    return policy.with_(**changes) if changes else policy


def keys_new(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the new key (mode 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Write a new random 32-byte key for pseudonyms and date shifting (keep it apart from the data)."""
    from ethicompass.privacy import Key, write_key

    key = Key.generate()
    write_key(key, out, overwrite=force)
    say(f"wrote a new key to {out} (mode 0600, fingerprint {key.fingerprint}); keep it apart from the data")


def register(app: typer.Typer) -> None:
    """Add ``scan``, ``deid`` and ``keys new`` to the ``ethicompass`` app."""
    app.command("scan")(scan_cmd)
    app.command("deid")(deid_cmd)
    keys_app.command("new")(keys_new)
    app.add_typer(keys_app, name="keys")
