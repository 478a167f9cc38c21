"""Benchmark: de-identify N synthetic patients x 21 columns, ethicompass vs presidio-structured.

    .venv/bin/python benchmarks/deid.py [--rows 1000000] [--presidio-rows 10000]

ethicompass runs full Safe Harbor with keyed pseudonyms (HMAC-SHA256) and patient-keyed date
shifting on all N rows, on one core (POLARS_MAX_THREADS=1 is set before Polars loads).
presidio-structured (PandasAnalysisBuilder + StructuredEngine) runs on a sample of
``--presidio-rows`` rows of the same table and its time is scaled linearly to N (printed as
such). No spaCy model may be downloaded here, so Presidio's analyzer gets a blank spaCy English
pipeline (tokenizer only): its pattern recognizers (email, phone, SSN, IP, URL, credit card, ...)
work, its NER-based ones (PERSON, LOCATION, DATE_TIME) find nothing; the anonymizer then
``hash``es (unsalted SHA-256) or ``redact``s each detected column cell by cell.
Peak memory of ethicompass is measured with tracemalloc (Python allocations) and the process RSS
high-water mark (resource.getrusage), both against the input's in-memory size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

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


def run_ethicompass(frame: pl.DataFrame, key: Key, *, trace: bool = False) -> tuple[float, float, int, int]:
    """(wall s, CPU s, tracemalloc peak bytes or 0, ru_maxrss growth bytes); timings only without ``trace``."""
    schema = TableSchema.from_dict({"columns": SCHEMA})
    policy = Policy.date_shift()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    result = deidentify(frame, schema, policy=policy, key=key)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss0
    assert result.certificate.rows_out == frame.height
    return seconds, cpu, peak, rss


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


def main() -> None:
    """Run both, print a side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--presidio-rows", type=int, default=10_000)
    args = parser.parse_args()
    frame = synthetic(args.rows)
    size = frame.estimated_size()
    key = Key(b"benchmark-key-not-secret-0123456")
    deidentify(
        frame.head(1000), TableSchema.from_dict({"columns": SCHEMA}), policy=Policy.date_shift(), key=key
    )
    seconds, cpu, _, rss = run_ethicompass(frame, key)
    _, _, peak, _ = run_ethicompass(frame, key, trace=True)  # tracemalloc slows Python: a separate run
    sample = frame.head(min(args.presidio_rows, args.rows))
    presidio = run_presidio(sample)
    print(
        f"table: {args.rows:,} rows x {frame.width} columns, {size / 2**20:.0f} MiB in memory; "
        f"POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}"
    )
    head = (
        f"{'tool':<22}{'rows timed':>12}{'wall s':>10}{'CPU s':>10}{'rows/CPU s':>14}{'CPU s, all rows':>17}"
    )
    print(head)
    print(
        f"{'ethicompass':<22}{args.rows:>12,}{seconds:>10.2f}{cpu:>10.2f}{args.rows / cpu:>14,.0f}{cpu:>17.2f}"
    )
    if isinstance(presidio, str):
        print(f"{'presidio-structured':<22}{presidio}")
    else:
        p_wall, p_cpu, mapping = presidio
        scaled = p_cpu * args.rows / sample.height
        print(
            f"{'presidio-structured':<22}{sample.height:>12,}{p_wall:>10.2f}{p_cpu:>10.2f}"
            f"{sample.height / p_cpu:>14,.0f}{scaled:>17.2f}  (scaled from the sample)"
        )
        print(f"speed-up (CPU time, all rows): {scaled / cpu:,.0f}x")
        print(f"presidio detected {len(mapping)} of {frame.width} columns: {', '.join(sorted(mapping))}")
    print(
        "ethicompass did: participant_id -> keyed pseudonym; every date shifted by the participant's keyed "
        "offset; names, SSN, street, city, phone, e-mail, MRN, health plan dropped; ZIP -> ZIP3/000; "
        "ages > 89 -> 90+ with birth dates moved; input and output content hashed for the certificate"
    )
    print(
        f"peak memory: tracemalloc {peak / 2**20:.0f} MiB ({peak / size:.2f}x input), "
        f"RSS high-water growth {rss / 2**20:.0f} MiB ({rss / size:.2f}x input)"
    )


if __name__ == "__main__":
    main()
