"""CLI verbs for tables: ``scan``, ``deid`` and ``keys new``.

CSV files are read as text (every column a string), so ZIP codes and record numbers keep their
leading zeros and values that are kept pass through byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import polars as pl
import pyarrow as pa
import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, say
from ethicompass.engines._options import Engine, engine_option, engine_params, master_option
from ethicompass.errors import ColumnError, DataFileError, SchemaError
from ethicompass.frames import atomic_path, check_csv_shape, iter_csv_text, load_table, sha256_file

__all__ = ["batches_for_privacy", "read_for_privacy", "register"]

keys_app = typer.Typer(help="Secret keys for pseudonyms and date shifting.", no_args_is_help=True)


def read_for_privacy(path: Path, /) -> pl.DataFrame:
    """Read a data file for scanning or de-identification (CSV/TSV as text; others typed)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv") and path.is_file():
        separator = _separator(path)
        check_csv_shape(path, separator=separator)
        try:
            frame = pl.read_csv(path, separator=separator, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise DataFileError(f"{path}: cannot read as CSV", hint="check the file's format") from exc
        _require_rows(path, frame.height)
        return frame
    if suffix in (".jsonl", ".ndjson") and path.is_file():
        _check_json_types(path)
    return load_table(path)


_BATCH_BYTES = 8 << 20
_PARQUET_ROWS = 65_536


def batches_for_privacy(path: Path, /) -> Iterator[pl.DataFrame]:
    """Read a data file for de-identification in batches of rows, in order.

    A CSV/TSV is shape-checked, then read as text by Polars' own CSV parser in batches of whole
    records of about ``_BATCH_BYTES`` (``frames.iter_csv_text``: the same values as
    :func:`read_for_privacy`); a Parquet file is read ``_PARQUET_ROWS`` rows at a time, with the
    column types Polars gives the whole file. Either way the table is never whole in memory. Other
    formats (JSON lines) are read whole (one batch).
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".parquet") or not path.is_file():
        yield read_for_privacy(path)
        return
    rows = 0
    for batch in _parquet_batches(path) if suffix == ".parquet" else _csv_batches(path):
        rows += batch.height
        yield batch
    _require_rows(path, rows)


def _separator(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _require_rows(path: Path, rows: int) -> None:
    if rows == 0:
        raise DataFileError(f"{path} has no rows", hint="supply a table with at least one data row")


def _csv_batches(path: Path) -> Iterator[pl.DataFrame]:
    separator = _separator(path)
    check_csv_shape(path, separator=separator)
    try:
        yield from iter_csv_text(path, separator=separator, block=_BATCH_BYTES)
    except pl.exceptions.PolarsError as exc:
        raise DataFileError(f"{path}: cannot read as CSV", hint="check the file's format") from exc


def _parquet_batches(path: Path) -> Iterator[pl.DataFrame]:
    import pyarrow.parquet as pq

    try:
        schema = pl.scan_parquet(path).collect_schema()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_PARQUET_ROWS, use_threads=False):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame.cast(schema) if frame.schema != schema else frame
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as exc:
        raise DataFileError(f"{path}: cannot read as Parquet", hint="check the file's format") from exc


class _BatchWriter:
    """Writes output batches to one CSV (hashing the bytes as they go) or Parquet file."""

    def __init__(self, path: Path, *, parquet: bool) -> None:
        self.path, self.parquet = path, parquet
        self.digest = hashlib.sha256()
        self._csv: BinaryIO | None = None
        self._parquet: Any = None
        self._schema: pa.Schema | None = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.parquet:
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.path, self._schema)
            self._parquet.write_table(table.cast(self._schema))
            return
        first = self._csv is None
        if self._csv is None:
            self._csv = self.path.open("wb")
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=first)
        with buffer.getbuffer() as view:
            self.digest.update(view)
            self._csv.write(view)

    def close(self) -> str:
        """Finish the file; return its SHA-256 (``sha256:<hex>``)."""
        if self._parquet is not None:
            self._parquet.close()
            return sha256_file(self.path)
        if self._csv is not None:
            self._csv.close()
        return f"sha256:{self.digest.hexdigest()}"


def _check_json_types(path: Path) -> None:
    """Refuse a JSON-lines file whose column holds values of different JSON types (e.g. 6.1 and "high")."""
    kinds: dict[str, tuple[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path} line {line_no}: not valid JSON", hint="fix the line") from exc
            if not isinstance(record, dict):
                raise DataFileError(f"{path} line {line_no}: not a JSON object", hint="one object per line")
            for column, value in record.items():
                if value is None:
                    continue
                kind = (
                    "number"
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else type(value).__name__
                )
                seen = kinds.setdefault(column, (kind, line_no))
                if seen[0] != kind:
                    raise ColumnError(
                        f"column {column!r} in {path.name} holds mixed types ({seen[0]} on line {seen[1]}, "
                        f"{kind} on line {line_no})",
                        hint="give the column one type",
                    )


def _audit(**entry: Any) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    store = Store.from_env().open()
    try:
        AuditLog(store).append(**entry)
    finally:
        store.dispose()


def scan_cmd(
    data: Annotated[Path, typer.Argument(help="The table to scan (CSV, TSV, Parquet, JSONL).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the proposed schema (YAML) here for review.")
    ] = None,
    sample: Annotated[int, typer.Option("--sample", min=10, help="Values per column to check.")] = 1000,
    fmt: OutputFormat = format_option(),
) -> None:
    """Find identifier columns by name and content, and propose a role for each column."""
    from ethicompass.privacy.tables._scan import scan

    frame = read_for_privacy(data)
    report = scan(frame, sample=sample)
    text = report.to_yaml(source=data.name)
    hashes = {"input": sha256_file(data)}
    with ExitStack() as stack:
        if out is not None:
            tmp = stack.enter_context(atomic_path(out))
            tmp.write_text(text, encoding="utf-8")
            hashes["schema"] = sha256_file(tmp)
        _audit(
            action="privacy.scan",
            object_type="dataset",
            object_id=data.name,
            hashes=hashes,
            params={"columns": len(report.columns), "identifiers": len(report.identifiers), "sample": sample},
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
    if out is not None:
        say(f"wrote the proposed schema to {out}; review every line before `ethicompass deid`")


def deid_cmd(
    data: Annotated[Path, typer.Argument(help="The table to de-identify (CSV, TSV, Parquet, JSONL).")],
    schema: Annotated[Path, typer.Option("--schema", help="Column roles (YAML from `ethicompass scan`).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the de-identified table (.csv/.parquet).")
    ],
    key_file: Annotated[
        Path | None, typer.Option("--key-file", "-k", help="Secret key file (else $ETHICOMPASS_KEY).")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: HIPAA Safe Harbor).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="When --schema is a study manifest: which dataset.")
    ] = None,
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
    engine: Engine = engine_option(),
    master: str = master_option(),
    fmt: OutputFormat = format_option(),
) -> None:
    """De-identify a table (Safe Harbor by default) and write it with a de-identification certificate.

    A CSV/TSV is de-identified in batches of whole records: memory stays flat for any file size.
    """
    from ethicompass.engines._options import load, write_frame
    from ethicompass.privacy._keys import load_key
    from ethicompass.privacy.tables._deid import deidentify
    from ethicompass.privacy.tables._deid_stream import deidentify_batches
    from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema

    if out.suffix.lower() not in (".csv", ".parquet"):
        raise DataFileError(f"{out}: write .csv or .parquet", hint="name the output file with one of those")
    key = load_key(key_file)
    table_schema = TableSchema.from_file(schema, dataset=dataset)
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
    if linkage_out is not None:
        changes["reversible"] = True
    if changes:
        policy = policy.with_(**changes)
    cert_path = certificate or out.with_name(out.name + ".certificate.json")
    if linkage_out is not None and linkage_out.resolve().parent == out.resolve().parent:
        say("[yellow]note:[/yellow] keep the linkage table apart from the released data and the key")
    parquet = out.suffix.lower() == ".parquet"
    with ExitStack() as stack:
        tmp_out = stack.enter_context(atomic_path(out))
        if engine == Engine.inprocess:  # batch by batch: the table is never whole in memory
            writer = _BatchWriter(tmp_out, parquet=parquet)
            try:
                result = deidentify_batches(
                    batches_for_privacy(data), table_schema, policy=policy, key=key, write=writer.write
                )
            finally:
                output_hash = writer.close()
        else:
            frame = load(data, engine=engine, master=master, text=True)
            result = deidentify(frame, table_schema, policy=policy, key=key)
            write_frame(
                result.frame, tmp_out, fmt="parquet" if parquet else "csv"
            )  # the partitions, in order
            output_hash = sha256_file(tmp_out)
        cert = result.certificate.to_dict()
        hashes = {"input": sha256_file(data), "output": output_hash}
        if linkage_out is not None and result.linkage is not None:
            tmp_link = stack.enter_context(atomic_path(linkage_out))
            tmp_link.write_bytes(result.linkage)
            os.chmod(tmp_link, 0o600)
            hashes["linkage"] = sha256_file(tmp_link)
        cert["files"] = {
            "input": {"name": data.name, **{"sha256": hashes["input"]}},
            "output": {"name": out.name, "sha256": hashes["output"]},
        }
        tmp_cert = stack.enter_context(atomic_path(cert_path))
        tmp_cert.write_text(json.dumps(cert, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        hashes["certificate"] = sha256_file(tmp_cert)
        _audit(
            action="privacy.deidentify",
            object_type="dataset",
            object_id=out.name,
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
    rows = [[c["column"], c["role"], c["phi_type"] or "", c["action"], c["reason"]] for c in cert["columns"]]
    emit_table(f"de-identification of {data.name}", ["column", "role", "phi type", "action", "why"], rows)
    say(f"wrote {out} ({cert['rows_out']:,} rows, {cert['columns_out']} columns) and {cert_path}")


def keys_new(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the new key (mode 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Write a new random 32-byte key for pseudonyms and date shifting (keep it apart from the data)."""
    from ethicompass.privacy._keys import Key, write_key

    key = Key.generate()
    write_key(key, out, overwrite=force)
    say(f"wrote a new key to {out} (mode 0600, fingerprint {key.fingerprint}); keep it apart from the data")


def register(app: typer.Typer) -> None:
    """Add ``scan``, ``deid`` and ``keys new`` to the ``ethicompass`` app."""
    app.command("scan")(scan_cmd)
    app.command("deid")(deid_cmd)
    keys_app.command("new")(keys_new)
    app.add_typer(keys_app, name="keys")
