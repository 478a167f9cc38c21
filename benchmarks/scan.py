"""Benchmark: ``scan`` accuracy on the schema corpus, and its time on a 1M-row, 30-column table.

    .venv/bin/python benchmarks/scan.py [--rows 1000000] [--verbose]

Corpus (``tests/data/schemas/``: tables with the headers of documented data models and exports, and a
truth file each): every identifier column must be proposed as an identifier, a date, a
quasi-identifier or ``review`` (never ``other``: that is a miss, and ``deid`` would keep it); of the
non-identifier columns at most 5 % may end up ``review`` (the price of failing closed). Printed: the
misses, the share of non-identifiers sent to review, and (``--verbose``) every column.

Timing: ``scan(frame)`` on an in-memory Polars table of ``--rows`` rows and 30 columns (names,
dates, codes, measurements, categories, free text), typed and all-text (as the CLI reads a CSV), the
better of two runs each, one thread.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ethicompass.privacy import scan  # noqa: E402
from ethicompass.study import Role  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "schemas"
CAUGHT = {Role.PARTICIPANT_ID, Role.DIRECT_IDENTIFIER, Role.DATE, Role.QUASI_IDENTIFIER, Role.REVIEW}


@dataclass(frozen=True)
class Outcome:
    table: str
    column: str
    identifier: bool
    phi_type: str
    role: str
    proposed_phi: str
    evidence: str

    @property
    def missed(self) -> bool:
        return self.identifier and Role(self.role) not in CAUGHT and not self.proposed_phi

    @property
    def sent_to_review(self) -> bool:
        return not self.identifier and self.role == Role.REVIEW.value


def corpus_outcomes(corpus: Path = CORPUS) -> list[Outcome]:
    """Scan every table of the corpus (read as the CLI reads CSV: all text) against its truth file."""
    out: list[Outcome] = []
    for truth_path in sorted(corpus.glob("*.truth.csv")):
        table = truth_path.name.removesuffix(".truth.csv")
        frame = pl.read_csv(corpus / f"{table}.csv", infer_schema=False)
        report = scan(frame)
        with truth_path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                f = report[row["column"]]
                out.append(
                    Outcome(
                        table,
                        row["column"],
                        row["identifier"] == "yes",
                        row["phi_type"],
                        f.role.value,
                        f.phi_type.value if f.phi_type else "",
                        "; ".join(f.evidence),
                    )
                )
    return out


def _wide_table(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    first = np.array(["Jacinto", "Maria", "Wei", "Olu", "Anna", "Pieter", "Giulia", "João"])
    last = np.array(["Kub", "Okafor", "Nguyen", "García", "Rossi", "de Vries", "Müller", "Silva"])
    n = rows
    digits = rng.integers(1, 999, n).astype(str)
    cols: dict[str, object] = {
        "Id": np.char.add("P", rng.integers(10**7, 10**8, n).astype(str)),
        "FIRST": np.char.add(first[rng.integers(0, 8, n)], digits),
        "LAST": np.char.add(last[rng.integers(0, 8, n)], rng.integers(1, 999, n).astype(str)),
        "BIRTHDATE": pl.date_range(pl.date(1930, 1, 1), pl.date(2020, 1, 1), "1d", eager=True).sample(
            n, with_replacement=True, seed=1
        ),
        "ZIP": np.char.zfill(rng.integers(1000, 99999, n).astype(str), 5),
        "SSN": np.char.add("999-", np.char.add(rng.integers(10, 99, n).astype(str), "-1234")),
        "CITY": np.array(["Boston", "Lowell", "Salem", "Quincy"])[rng.integers(0, 4, n)],
        "GENDER": np.array(["F", "M"])[rng.integers(0, 2, n)],
        "comment": np.array(["seen in clinic, stable on current therapy and diet", ""])[
            rng.integers(0, 2, n)
        ],
    }
    for i in range(21):
        cols[f"lab_{i}"] = rng.normal(100, 15, n).round(2)
    return pl.DataFrame(cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    outcomes = corpus_outcomes()
    corpus_s = time.perf_counter() - started
    tables = len({o.table for o in outcomes})
    ids = [o for o in outcomes if o.identifier]
    others = [o for o in outcomes if not o.identifier]
    missed = [o for o in ids if o.missed]
    reviewed = [o for o in others if o.sent_to_review]
    caught_review = [o for o in ids if o.role == Role.REVIEW.value]
    if args.verbose:
        for o in outcomes:
            flag = "MISS" if o.missed else ("REV?" if o.sent_to_review else "")
            print(
                f"{flag:4} {o.table:30} {o.column:45} truth={o.phi_type or '-':8} {o.role:18} {o.proposed_phi}"
            )
    print(
        f"corpus: {tables} tables, {len(outcomes)} columns ({len(ids)} identifiers, {len(others)} not), "
        f"scanned in {corpus_s:.1f} s"
    )
    print(
        f"  identifiers caught: {len(ids) - len(missed)}/{len(ids)} "
        f"({len(caught_review)} of them as review); missed (proposed other): {len(missed)}"
    )
    for o in missed:
        print(f"    MISSED {o.table}.{o.column} ({o.phi_type}): {o.evidence}")
    print(
        f"  non-identifiers sent to review: {len(reviewed)}/{len(others)} "
        f"({len(reviewed) / max(len(others), 1):.1%}; target <= 5 %)"
    )
    for o in reviewed:
        print(f"    review {o.table}.{o.column}: {o.evidence}")

    typed = _wide_table(args.rows)
    as_text = typed.with_columns(pl.all().cast(pl.String))  # as the CLI reads a CSV: every column text
    for label, frame in (("typed columns", typed), ("all text, as read from CSV", as_text)):
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            report = scan(frame)
            best = min(best, time.perf_counter() - t0)
        print(
            f"scan of {frame.height:,} rows x {frame.width} columns ({label}): {best:.2f} s (best of 2, "
            f"1 thread); {len(report.identifiers)} identifier columns proposed"
        )


if __name__ == "__main__":
    main()
