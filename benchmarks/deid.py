"""Benchmark: de-identify N synthetic patients x 21 columns, ethicompass vs presidio-structured.

    .venv/bin/python benchmarks/deid.py [--rows 1000000] [--presidio-rows 10000] [--input csv|parquet]

ethicompass is timed doing what a user runs, ``ethicompass deid in.csv --schema s.yaml --dates shift
--out out.csv``: read and check the CSV, full Safe Harbor with keyed pseudonyms (HMAC-SHA256) and
patient-keyed date shifting, write the output CSV, hash input and output (certificate and audit),
write the certificate and append the audit entry (SQLite). It runs in a child process on one core
(POLARS_MAX_THREADS=1), twice, the better run counted; wall and CPU seconds cover the command only
(the interpreter start and imports are reported apart). Peak memory is the child's RSS high-water
mark (VmHWM, else ``ru_maxrss``) above its level after the imports, against the input's size (CSV bytes, and
the table in memory). The command streams the CSV in blocks (``frames.iter_csv_text`` ->
``deidentify_batches``), so its peak does not grow with the table. A second line times the library
call ``deidentify(frame)`` alone on the in-memory table (the whole table at once, certificate
content hashes included), and a phase line says where the command's CPU time goes.

presidio-structured (PandasAnalysisBuilder + StructuredEngine) runs on a sample of
``--presidio-rows`` rows of the same table, in memory (no file I/O: that favours Presidio), and
its time is scaled linearly to N (printed as such). No spaCy model may be downloaded here, so
Presidio's analyzer gets a blank spaCy English pipeline (tokenizer only): its pattern recognizers
(email, phone, SSN, IP, URL, credit card, ...) work, its NER-based ones (PERSON, LOCATION,
DATE_TIME) find nothing; the anonymizer then ``hash``es (unsalted SHA-256) or ``redact``s each
detected column cell by cell.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ethicompass.privacy import Key, Policy, TableSchema, deidentify  # noqa: E402

SCHEMA = {
    "participant_id": {"role": "participant_id"},
    "mrn": {"role": "direct_identifier", "phi_type": "MRN"},
    "first_name": {"role": "direct_identifier", "phi_type": "NAME"},
    "last_name": {"role": "direct_identifier", "phi_type": "NAME"},
    "ssn": {"role": "direct_identifier", "phi_type": "SSN"},
    "birth_date": {"role": "date", "phi_type": "DATE"},
    "age": {"role": "quasi_identifier", "phi_type": "AGE"},
    "sex": {"role": "quasi_identifier"},
    "race": {"role": "quasi_identifier"},
    "street_address": {"role": "direct_identifier", "phi_type": "LOCATION"},
    "city": {"role": "quasi_identifier", "phi_type": "LOCATION"},
    "state": {"role": "quasi_identifier"},
    "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
    "phone": {"role": "direct_identifier", "phi_type": "PHONE"},
    "email": {"role": "direct_identifier", "phi_type": "EMAIL"},
    "health_plan_id": {"role": "direct_identifier", "phi_type": "HEALTH_PLAN"},
    "enrolment_date": {"role": "date", "phi_type": "DATE"},
    "last_visit_date": {"role": "date", "phi_type": "DATE"},
    "site": {"role": "other"},
    "hba1c": {"role": "other"},
    "systolic_bp": {"role": "other"},
}


def synthetic(n: int, seed: int = 0) -> pl.DataFrame:
    """N synthetic patients, 21 columns, dates as ISO text (as a CSV holds them)."""
    from faker.providers.person.en_US import Provider

    rng = np.random.default_rng(seed)
    first = np.array(sorted(Provider.first_names), dtype=object)
    last = np.array(sorted(Provider.last_names), dtype=object)
    idx = np.arange(n)
    f = first[rng.integers(0, len(first), n)]
    la = last[rng.integers(0, len(last), n)]
    birth = np.datetime64("1930-01-01") + rng.integers(0, 365 * 75, n).astype("timedelta64[D]")
    enrol = np.datetime64("2019-01-01") + rng.integers(0, 365 * 3, n).astype("timedelta64[D]")
    age = ((enrol - birth).astype(int) // 365).astype(np.int64)
    frame = pl.DataFrame(
        {
            "participant_id": idx,
            "mrn": 10_000_000 + (idx * 7_654_321) % 90_000_000,
            "first_name": pl.Series(f, dtype=pl.String),
            "last_name": pl.Series(la, dtype=pl.String),
            "ssn_a": rng.integers(1, 899, n),
            "ssn_b": rng.integers(1, 99, n),
            "ssn_c": rng.integers(1, 9999, n),
            "birth_date": pl.Series(birth).cast(pl.Date),
            "age": age,
            "sex": pl.Series(np.where(rng.random(n) < 0.5, "F", "M"), dtype=pl.String),
            "race": pl.Series(
                np.array(["White", "Black", "Asian", "Other"], dtype=object)[rng.integers(0, 4, n)],
                dtype=pl.String,
            ),
            "house": rng.integers(1, 9999, n),
            "street": pl.Series(la, dtype=pl.String),
            "city": pl.Series(
                np.array(["Springfield", "Riverton", "Lakeside", "Fairview"], dtype=object)[
                    rng.integers(0, 4, n)
                ],
                dtype=pl.String,
            ),
            "state": pl.Series(
                np.array(["CA", "NY", "TX", "WY"], dtype=object)[rng.integers(0, 4, n)], dtype=pl.String
            ),
            "zip": rng.integers(1000, 99999, n),
            "phone_a": rng.integers(201, 989, n),
            "phone_b": rng.integers(0, 9999, n),
            "plan": rng.integers(0, 10**9, n),
            "enrolment_date": pl.Series(enrol).cast(pl.Date),
            "visit_days": rng.integers(0, 700, n),
            "site": pl.Series(
                np.array([f"site-0{i}" for i in range(1, 7)], dtype=object)[rng.integers(0, 6, n)],
                dtype=pl.String,
            ),
            "hba1c": np.round(rng.normal(6.5, 1.1, n), 1),
            "systolic_bp": rng.integers(95, 180, n),
        }
    )
    pad = pl.col
    return frame.select(
        pl.format("P{}", pad("participant_id").cast(pl.String).str.zfill(7)).alias("participant_id"),
        pad("mrn").cast(pl.String),
        "first_name",
        "last_name",
        pl.format(
            "{}-{}-{}",
            pad("ssn_a").cast(pl.String).str.zfill(3),
            pad("ssn_b").cast(pl.String).str.zfill(2),
            pad("ssn_c").cast(pl.String).str.zfill(4),
        ).alias("ssn"),
        pad("birth_date").cast(pl.String),
        "age",
        "sex",
        "race",
        pl.format("{} {} Street", pad("house"), pad("street")).alias("street_address"),
        "city",
        "state",
        pad("zip").cast(pl.String).str.zfill(5).alias("zip"),
        pl.format("({}) 555-{}", pad("phone_a"), pad("phone_b").cast(pl.String).str.zfill(4)).alias("phone"),
        pl.format(
            "{}.{}@example.org", pad("first_name").str.to_lowercase(), pad("last_name").str.to_lowercase()
        ).alias("email"),
        pl.format("HP{}", pad("plan").cast(pl.String).str.zfill(9)).alias("health_plan_id"),
        pad("enrolment_date").cast(pl.String),
        (pad("enrolment_date") + pl.duration(days=pad("visit_days")))
        .cast(pl.String)
        .alias("last_visit_date"),
        "site",
        "hba1c",
        "systolic_bp",
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _maxrss() -> int:
    """This process's RSS high-water mark in bytes.

    ``/proc/self/status`` VmHWM where there is one: ``ru_maxrss`` survives ``exec`` on Linux, so
    in a child it starts at the parent's size at fork time and would hide the child's own peak.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def child(workdir: Path, kind: str = "csv") -> None:
    """In a fresh process: run the ``deid`` command once, then its phases (CSV input); print JSON."""
    import polars as pl

    from ethicompass.cli import app
    from ethicompass.privacy import Key
    from ethicompass.privacy.tables._read import read_for_privacy

    imports_cpu, rss0 = _cpu(), _maxrss()
    source, out = workdir / f"patients.{kind}", workdir / "patients.deid.csv"
    args = ["deid", str(source), "--schema", str(workdir / "schema.yaml"), "--out", str(out)]
    args += ["--key-file", str(workdir / "key"), "--dates", "shift", "--format", "json"]
    started, cpu = time.perf_counter(), _cpu()
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the certificate JSON is not wanted here
    try:
        app(args, standalone_mode=False)
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    peak = _maxrss() - rss0
    # the same work in phases (CPU seconds), and the library call alone on the in-memory table
    key = Key.from_text((workdir / "key").read_text())
    schema = TableSchema.from_dict({"columns": SCHEMA})
    phases: dict[str, float] = {}
    if kind == "csv":
        _csv_phases(source, out, schema, key, phases)
    frame = read_for_privacy(source)
    lib_wall, lib_cpu = time.perf_counter(), _cpu()
    deidentify(frame, schema, policy=Policy.date_shift(), key=key)
    lib_wall, lib_cpu = time.perf_counter() - lib_wall, _cpu() - lib_cpu
    assert isinstance(frame, pl.DataFrame)
    report = {
        "wall": wall,
        "cpu": cpu,
        "imports_cpu": imports_cpu,
        "peak": peak,
        "in_memory": frame.estimated_size(),
        "rows_out": pl.scan_csv(out).select(pl.len()).collect().item(),
        "phases": phases,
        "lib_wall": lib_wall,
        "lib_cpu": lib_cpu,
    }
    print(json.dumps(report))


def _csv_phases(source: Path, out: Path, schema: Any, key: Any, phases: dict[str, float]) -> None:
    """The command's work on a CSV, phase by phase (CPU seconds into ``phases``)."""

    from ethicompass.cli.privacy_tables import _BatchWriter
    from ethicompass.frames import check_csv_shape, iter_csv_text, sha256_file
    from ethicompass.privacy.tables._deid_stream import deidentify_batches

    t = _cpu()
    check_csv_shape(source)
    phases["shape check"], t = _cpu() - t, _cpu()
    batches = list(iter_csv_text(source))
    phases["read CSV in blocks"], t = _cpu() - t, _cpu()
    outs: list[pl.DataFrame] = []
    deidentify_batches(iter(batches), schema, policy=Policy.date_shift(), key=key, write=outs.append)
    phases["de-identify incl. content hashes"], t = _cpu() - t, _cpu()
    del batches
    writer = _BatchWriter(out, parquet=False)
    for part in outs:
        writer.write(part)
    writer.close()
    phases["write CSV + its SHA-256"], t = _cpu() - t, _cpu()
    sha256_file(source)
    phases["SHA-256 of the input file"] = _cpu() - t


def run_ethicompass(workdir: Path, kind: str) -> dict[str, Any]:
    """Run :func:`child` in a fresh process (one core, a scratch SQLite audit store)."""
    env = dict(
        os.environ, POLARS_MAX_THREADS="1", ETHICOMPASS_DATABASE_URL=f"sqlite:///{workdir / 'audit.db'}"
    )
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(workdir), "--input", kind],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the ethicompass run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_presidio(frame: pl.DataFrame) -> tuple[float, float, dict[str, str]] | str:
    """Seconds for presidio-structured to analyse and anonymise ``frame``, and what it detected."""
    try:
        import spacy
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_anonymizer.entities import OperatorConfig
        from presidio_structured import PandasAnalysisBuilder, StructuredEngine
    except ImportError as exc:
        return f"not installed ({exc.name}); install the 'bench' extra"
    import tldextract

    # No network here: make the e-mail recognizer's domain check use tldextract's bundled list.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        spacy.blank("en").to_disk(tmp)  # blank pipeline: no model download
        nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": tmp}])
        nlp.load()
        analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
        df = frame.to_pandas()
        started, cpu = time.perf_counter(), time.process_time()
        analysis = PandasAnalysisBuilder(analyzer=analyzer).generate_analysis(df)
        operators = {
            entity: OperatorConfig("hash")
            if entity in ("US_SSN", "PHONE_NUMBER", "EMAIL_ADDRESS")
            else OperatorConfig("redact")
            for entity in set(analysis.entity_mapping.values())
        }
        StructuredEngine().anonymize(df, analysis, operators=operators)
        return time.perf_counter() - started, time.process_time() - cpu, dict(analysis.entity_mapping)


def _prepare(frame: pl.DataFrame, workdir: Path, kind: str) -> int:
    """Write the input (CSV or Parquet), the schema YAML and a key file; return the input's size in bytes."""
    import yaml

    source = workdir / f"patients.{kind}"
    if kind == "csv":
        frame.write_csv(source)
    else:
        frame.write_parquet(source)
    (workdir / "schema.yaml").write_text(yaml.safe_dump({"columns": SCHEMA}), encoding="utf-8")
    (workdir / "key").write_text(Key(b"benchmark-key-not-secret-0123456").to_text() + "\n", encoding="utf-8")
    return source.stat().st_size


def main() -> None:
    """Run both, print a side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--presidio-rows", type=int, default=10_000)
    parser.add_argument("--input", choices=["csv", "parquet"], default="csv", help="the input file's format")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.input)
        return
    frame = synthetic(args.rows)
    with tempfile.TemporaryDirectory(prefix="deid-bench-") as tmp:
        workdir = Path(tmp)
        csv_bytes = _prepare(frame, workdir, args.input)
        runs = [run_ethicompass(workdir, args.input) for _ in range(2)]
    best = min(runs, key=lambda r: r["cpu"])
    peak = max(r["peak"] for r in runs)
    assert best["rows_out"] == args.rows
    sample = frame.head(min(args.presidio_rows, args.rows))
    presidio = run_presidio(sample)
    n = args.rows
    print(
        f"table: {n:,} rows x {frame.width} columns; input {args.input} {csv_bytes / 2**20:.0f} MiB, "
        f"{best['in_memory'] / 2**20:.0f} MiB in memory as read; POLARS_MAX_THREADS=1 (one core); "
        "ethicompass: better of 2 runs"
    )
    head = f"{'tool':<34}{'rows timed':>12}{'wall s':>9}{'CPU s':>8}{'rows/s wall':>13}{'rows/s CPU':>12}"
    print(head + f"{'CPU s, all rows':>17}")
    for label, wall, cpu in (
        (f"ethicompass deid ({args.input} -> CSV)", best["wall"], best["cpu"]),
        ("ethicompass deidentify(frame)", best["lib_wall"], best["lib_cpu"]),
    ):
        print(f"{label:<34}{n:>12,}{wall:>9.2f}{cpu:>8.2f}{n / wall:>13,.0f}{n / cpu:>12,.0f}{cpu:>17.2f}")
    if isinstance(presidio, str):
        print(f"{'presidio-structured':<34}{presidio}")
    else:
        p_wall, p_cpu, mapping = presidio
        scaled = p_cpu * n / sample.height
        print(
            f"{'presidio-structured (in memory)':<34}{sample.height:>12,}{p_wall:>9.2f}{p_cpu:>8.2f}"
            f"{sample.height / p_wall:>13,.0f}{sample.height / p_cpu:>12,.0f}{scaled:>17.2f}"
            "  (scaled linearly from the sample)"
        )
        print(
            f"speed-up, CPU time for all rows, whole deid command vs Presidio in memory: {scaled / best['cpu']:,.0f}x"
        )
        print(f"presidio detected {len(mapping)} of {frame.width} columns: {', '.join(sorted(mapping))}")
    print(
        "ethicompass deid did: read + shape-check the CSV; participant_id -> keyed pseudonym; every date "
        "shifted by the participant's keyed offset; names, SSN, street, city, phone, e-mail, MRN, health plan "
        "dropped; ZIP -> ZIP3/000; ages > 89 -> 90+ with birth dates moved; input and output content hashes "
        "for the certificate; output CSV written; input/output files hashed; certificate written; audit "
        f"entry appended. Interpreter start + imports, not counted above: {best['imports_cpu']:.2f} CPU s"
    )
    phases = ", ".join(f"{k} {v:.2f}" for k, v in best["phases"].items())
    if phases:
        print(f"CPU s by phase (same work, separately): {phases}")
    print(
        f"peak memory of the deid command (RSS high-water above the imports, worse of 2 runs): "
        f"{peak / 2**20:.0f} MiB = {peak / csv_bytes:.2f}x the input file, "
        f"{peak / best['in_memory']:.2f}x the table in memory"
    )


if __name__ == "__main__":
    main()
