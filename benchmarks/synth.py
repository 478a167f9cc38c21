"""Benchmark: how fast `ethicompass synth` writes a study, against Faker's per-row API.

    .venv/bin/python benchmarks/synth.py --patients 1000000

Ours: the whole study (every file) for ``--patients`` participants, on one core (Polars is held
to one thread unless ``--threads`` says otherwise). Anchor: Faker generating the same patient
columns row by row (name, SSN, birth date, address, phone, email) for ``--faker-rows`` patients,
the way a hand-written generator would. Wall-clock and CPU seconds are both printed because the
machine may be shared; rows per second count every row written to every table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _faker_patients(rows: int, seed: int) -> tuple[float, float]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    wall, cpu = time.perf_counter(), time.process_time()
    out = [
        (
            fake.first_name(),
            fake.last_name(),
            fake.ssn(),
            fake.date_of_birth(minimum_age=18, maximum_age=100).isoformat(),
            fake.street_address(),
            fake.city(),
            fake.state_abbr(),
            fake.zipcode(),
            fake.phone_number(),
            fake.email(),
        )
        for _ in range(rows)
    ]
    assert len(out) == rows
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=1_000_000, help="participants in the study")
    parser.add_argument("--rows", type=int, default=None, help="alias of --patients")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="Polars threads (the target is one core)")
    parser.add_argument("--faker-rows", type=int, default=20_000, help="patients Faker generates row by row")
    parser.add_argument("--out", type=Path, default=None, help="keep the study here (default: a temp dir)")
    args = parser.parse_args(argv)
    patients = args.rows or args.patients
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)
    from ethicompass.synth import generate_study

    with tempfile.TemporaryDirectory(prefix="ec-synth-bench-") as tmp:
        out = args.out or Path(tmp) / "study"
        wall, cpu = time.perf_counter(), time.process_time()
        result = generate_study(out, patients=patients, seed=args.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total_rows = sum(result.rows.values())
        size = sum(f.stat().st_size for f in result.files)
    faker_rows = min(args.faker_rows, patients)
    f_wall, f_cpu = _faker_patients(faker_rows, args.seed)

    print(f"ethicompass synth --patients {patients:,} (Polars threads: {args.threads})")
    print(f"{'':34}{'wall s':>10}{'cpu s':>10}{'rows':>14}{'rows/s (cpu)':>16}")
    print(
        f"{'ours: whole study, every file':34}{wall:>10.2f}{cpu:>10.2f}{total_rows:>14,}{total_rows / cpu:>16,.0f}"
    )
    print(f"{'ours: patients.csv rows only':34}{'':>10}{'':>10}{patients:>14,}{patients / cpu:>16,.0f}")
    print(
        f"{'Faker per row: patient columns':34}{f_wall:>10.2f}{f_cpu:>10.2f}{faker_rows:>14,}{faker_rows / f_cpu:>16,.0f}"
    )
    ratio = (patients / cpu) / (faker_rows / f_cpu)
    print(f"patients per CPU second, ours / Faker: {ratio:,.1f}x (ours also writes every other table)")
    print(f"files: {len(result.files)}, {size / 1e6:,.0f} MB; target: under 30 s for 1,000,000 patients")
    for name, n in sorted(result.rows.items()):
        print(f"  {name:28}{n:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
