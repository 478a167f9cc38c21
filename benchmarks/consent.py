"""Consent enforcement at scale: ``consent.enforce`` against the hand-written alternatives.

    .venv/bin/python benchmarks/consent.py [--rows 10000000] [--participants 1000000] [--registry 100000]

Target (issue 6): enforce purpose consent on 10,000,000 rows for 1,000,000 participants. The
anchors are what a user would otherwise write on the same data: a pandas ``isin`` filter on the
permitted ids, and a plain Polars semi-join (no reasons, no counts, no audit record). ``ours``
also counts rows and participants dropped by reason and hashes the consent state. Separately,
``Registry.status_table`` is timed on a SQLite registry of ``--registry`` participants (the
query that feeds enforce).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl

from ethicompass.consent import Action, ConsentRecord, Registry, enforce
from ethicompass.store import Store


def _data(rows: int, participants: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = pl.Series("participant", [f"P{i:08d}" for i in range(participants)])
    reasons = rng.choice(
        ["granted", "refused", "withdrawn", "expired"], size=participants, p=[0.85, 0.06, 0.06, 0.03]
    )
    statuses = pl.DataFrame(
        {
            "participant": ids,
            "decision": np.where(reasons == "granted", "permit", "deny"),
            "reason": reasons,
        }
    ).head(int(participants * 0.97))  # 3% never recorded: no-consent-record
    picks = rng.integers(0, participants, rows)
    frame = pl.DataFrame({"participant_id": ids.gather(picks), "value": rng.random(rows)})
    return frame, statuses


def _time(fn: object) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()  # type: ignore[operator]
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument(
        "--registry", type=int, default=100_000, help="participants in the SQLite registry (0: skip)"
    )
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas anchor (memory)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    frame, statuses = _data(args.rows, args.participants, args.seed)
    t_ours, (kept, record) = _time(
        lambda: enforce(
            frame, purpose="ai-model-training", participant_column="participant_id", statuses=statuses
        )
    )
    permitted = statuses.filter(pl.col("decision") == "permit").select(
        pl.col("participant").alias("participant_id")
    )
    t_semi, semi = _time(lambda: frame.join(permitted, on="participant_id", how="semi"))
    assert semi.height == kept.height, (semi.height, kept.height)
    rows = [
        ("ours: consent.enforce (Polars, counts by reason)", t_ours),
        ("Polars semi-join (no counts)", t_semi),
    ]
    if not args.no_pandas:
        pdf = frame.to_pandas()
        ids = set(permitted["participant_id"].to_list())
        t_pd, out = _time(lambda: pdf[pdf["participant_id"].isin(ids)])
        assert len(out) == kept.height
        rows.append(("pandas isin filter (no counts)", t_pd))
        del pdf
    print(f"\nenforce 'ai-model-training' on {args.rows:,} rows / {args.participants:,} participants")
    print(f"{'':52} {'seconds':>9} {'rows/s':>14} {'ours/this':>10}")
    for name, t in rows:
        print(f"{name:52} {t:9.2f} {args.rows / t:14,.0f} {t_ours / t:10.2f}")
    print(f"kept {record.rows_kept:,}; dropped {record.rows_dropped}")

    if args.registry:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/bench.db").open()
            reg = Registry(store, actor="bench")
            t0 = datetime(2024, 1, 1, tzinfo=UTC)
            records = [
                ConsentRecord(f"P{i:08d}", "ai-model-training", Action.grant, t0 + timedelta(seconds=i))
                for i in range(args.registry)
            ] + [
                ConsentRecord(
                    f"P{i:08d}", "ai-model-training", Action.withdraw, t0 + timedelta(days=400, seconds=i)
                )
                for i in range(0, args.registry, 10)
            ]
            t_import, _ = _time(lambda: reg.import_records(records, unknown="register"))
            t_table, table = _time(lambda: reg.status_table("ai-model-training"))
            df = pd.DataFrame({"a": [1]})  # keep pandas import used even with --no-pandas
            del df
            print(f"\nregistry of {args.registry:,} participants ({len(records):,} events), SQLite")
            print(
                f"{'bulk import (import_records)':52} {t_import:9.2f} {len(records) / t_import:14,.0f} events/s"
            )
            print(
                f"{'status_table (one purpose, all participants)':52} {t_table:9.2f} {table.height / t_table:14,.0f} participants/s"
            )
            store.dispose()


if __name__ == "__main__":
    main()
