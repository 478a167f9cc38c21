"""Re-identification risk and anonymisation: ethicompass side by side with pycanon, same data, one run.

    .venv/bin/python benchmarks/risk.py [--rows 1000000] [--pycanon-fraction 0.1] [--seed 0]

1. Risk: ``privacy.risk`` (k, distinct/entropy/recursive l, t-closeness, prosecutor / marketer risk,
   uniques, Zayatz) against pycanon's ``k_anonymity`` + ``l_diversity`` on the same table of ROWS x 5
   quasi-identifiers (age, sex, zip3, race, ethnicity) and a sensitive diagnosis. pycanon's cost
   grows with the number of equivalence classes (it loops over them in Python), so unless
   ``--pycanon-fraction 1`` it runs on a sample of whole classes (every row of about that share of
   the classes, picked by a hash of the class) and its time is scaled by the ratio of class
   counts; the table says so. With ``--pycanon-fraction 1`` it runs on every row.
2. Anonymisation: ``privacy.anonymize`` of ROWS x 6 quasi-identifiers (age, sex, zip5, race,
   ethnicity, admission date) to k = 5 with at most 5% suppression (no pycanon counterpart: it only
   checks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np
import polars as pl


def make_table(rows: int, seed: int) -> pl.DataFrame:
    """A synthetic patients table with realistic skew (Zipf-like ZIPs, census-like race shares)."""
    rng = np.random.default_rng(seed)
    prefixes = rng.choice(np.arange(100, 1000), 300, replace=False)
    zip3_weights = 1.0 / np.arange(1, 301) ** 0.8
    zip3 = rng.choice(prefixes, rows, p=zip3_weights / zip3_weights.sum())
    zip5 = zip3 * 100 + np.minimum(rng.geometric(0.08, rows), 99)
    start = dt.date(2021, 1, 1)
    return pl.DataFrame(
        {
            "age": np.clip(rng.normal(55, 18, rows).round(), 18, 99).astype(np.int64),
            "sex": rng.choice(["F", "M"], rows),
            "zip3": zip3.astype(str),
            "zip": pl.Series(zip5).cast(pl.String).str.zfill(5),
            "race": rng.choice(
                ["White", "Black", "Asian", "American Indian", "Pacific Islander", "Other"],
                rows,
                p=[0.6, 0.13, 0.06, 0.01, 0.005, 0.195],
            ),
            "ethnicity": rng.choice(["Hispanic", "Not Hispanic"], rows, p=[0.18, 0.82]),
            "admission": pl.date_range(start, start + dt.timedelta(days=3 * 365 - 1), eager=True).sample(
                rows, with_replacement=True, seed=seed
            ),
            "dx": rng.choice([f"D{i:02d}" for i in range(20)], rows),
        }
    )


def _time(fn):  # type: ignore[no-untyped-def]
    """Wall seconds and the value; the process's CPU seconds (all threads) go to ``CPU[-1]``."""
    cpu0, started = time.process_time(), time.perf_counter()
    value = fn()
    CPU.append(time.process_time() - cpu0)
    return time.perf_counter() - started, value


CPU: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pycanon-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["risk", "anonymize"], default=None, help="Run one part only.")
    args = parser.parse_args()

    table = make_table(args.rows, args.seed)
    if args.only != "anonymize":
        _risk_part(table, args)
    if args.only != "risk":
        _anonymize_part(table, args)


def _risk_part(table: pl.DataFrame, args: argparse.Namespace) -> None:
    from pycanon import anonymity as pycanon

    from ethicompass.privacy import risk

    qis = ["age", "sex", "zip3", "race", "ethnicity"]
    print(
        f"# risk: {args.rows:,} rows x {len(qis)} quasi-identifiers {qis}, sensitive 'dx'; cores: {os.cpu_count()}"
    )

    ours_s, report = _time(lambda: risk(table, quasi_identifiers=qis, sensitive="dx"))
    ours_cpu = CPU[-1]
    classes = report.equivalence_classes

    if args.pycanon_fraction >= 1.0:
        sample = table
    else:
        buckets = round(1 / args.pycanon_fraction)
        sample = table.filter(pl.struct(qis).hash(seed=args.seed) % buckets == 0)
    pdf = sample.to_pandas()
    sample_classes = sample.select(qis).n_unique()
    scale = classes / sample_classes
    k_s, k_sample = _time(lambda: pycanon.k_anonymity(pdf, qis))
    k_cpu = CPU[-1]
    l_s, l_sample = _time(lambda: pycanon.l_diversity(pdf, qis, ["dx"]))
    l_cpu = CPU[-1]
    pycanon_s = (k_s + l_s) * scale
    ours_sample = risk(sample, quasi_identifiers=qis, sensitive="dx")
    agree = ours_sample.k == k_sample and ours_sample.l == l_sample

    how = (
        "all rows"
        if args.pycanon_fraction >= 1.0
        else f"{sample.height:,} rows in {sample_classes:,} of {classes:,} classes, time x {scale:.2f}"
    )
    rows = [
        ("ethicompass risk (k, l x3, t, prosecutor, marketer, Zayatz)", ours_s, ours_cpu, "all rows"),
        ("pycanon k_anonymity", k_s * scale, k_cpu * scale, how),
        ("pycanon l_diversity", l_s * scale, l_cpu * scale, how),
        ("pycanon k + l", pycanon_s, (k_cpu + l_cpu) * scale, how),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'tool':<{width}}  {'wall s':>9}  {'CPU s':>9}  data")
    for name, seconds, cpu, note in rows:
        print(f"{name:<{width}}  {seconds:>9.2f}  {cpu:>9.2f}  {note}")
    print(
        f"ratio pycanon (k + l) / ethicompass (everything): {pycanon_s / ours_s:.1f}x wall, "
        f"{(k_cpu + l_cpu) * scale / ours_cpu:.1f}x CPU  (target >= 50x)"
    )
    print(
        f"k = {report.k}, l = {report.l}, classes = {classes:,}; on the pycanon sample k and l agree: {agree}"
    )


def _anonymize_part(table: pl.DataFrame, args: argparse.Namespace) -> None:
    from ethicompass.privacy import anonymize

    qis6 = ["age", "sex", "zip", "race", "ethnicity", "admission"]
    print(
        f"\n# anonymize: {args.rows:,} rows x {len(qis6)} quasi-identifiers {qis6} to k = 5, <= 5% suppressed"
    )
    anon_s, result = _time(lambda: anonymize(table, quasi_identifiers=qis6, k=5, max_suppression=0.05))
    print(
        f"ethicompass anonymize: {anon_s:.1f} s wall, {CPU[-1]:.1f} s CPU (target < 60 s); levels {result.levels}"
    )
    print(
        f"suppressed {result.suppressed:,} ({result.suppressed_share:.2%}), NCP {result.ncp_loss:.3f}, "
        f"k after = {result.risk.k}, lattice nodes {result.lattice_nodes}, evaluated {result.nodes_evaluated}"
    )


if __name__ == "__main__":
    main()
