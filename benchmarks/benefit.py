"""Decision curves: ethicompass against dcurves on the same data, in one run.

    .venv/bin/python benchmarks/benefit.py [--rows 1000000] [--thresholds 99] [--boot 1000] [--dcurves-reps 1]

Targets (issue 9): net benefit of 1,000,000 rows at 99 thresholds >= 10x faster than
``dcurves.dca``; 1,000 bootstrap replicates of the whole decision curve in < 5 s.

dcurves has no bootstrap: a user resamples the rows and calls ``dca`` once per replicate. The
script times ``--dcurves-reps`` such replicates (default 1) and prints the measured time per
replicate; the cost of 1,000 is that times 1,000 (an extrapolation, labelled as such).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import polars as pl

from ethicompass import safety


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--thresholds", type=int, default=99)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--dcurves-reps", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import dcurves

    rng = np.random.default_rng(args.seed)
    risk = rng.beta(2, 6, args.rows)
    y = (rng.random(args.rows) < risk).astype(np.int64)
    score = np.clip(risk + rng.normal(0, 0.05, args.rows), 0, 1)
    frame = pl.DataFrame({"y": y, "p": score})
    pdf = pd.DataFrame({"y": y, "p": score})
    thresholds = [round(k / (args.thresholds + 1), 6) for k in range(1, args.thresholds + 1)]

    started = time.perf_counter()
    ours = safety.decision_curve(frame, label="y", scores={"p": "p"}, thresholds=thresholds, n_boot=0)
    ours_s = time.perf_counter() - started

    started = time.perf_counter()
    theirs = dcurves.dca(data=pdf, outcome="y", modelnames=["p"], thresholds=thresholds)
    theirs_s = time.perf_counter() - started
    difference = np.max(np.abs(ours.overall.net_benefit["p"] - theirs[theirs["model"] == "p"]["net_benefit"]))

    started = time.perf_counter()
    boot = safety.decision_curve(frame, label="y", scores={"p": "p"}, thresholds=thresholds, n_boot=args.boot)
    boot_s = time.perf_counter() - started
    assert np.isfinite(boot.overall.net_benefit_ci["p"]).all()

    started = time.perf_counter()
    for _ in range(args.dcurves_reps):
        rows = rng.integers(0, args.rows, args.rows)
        dcurves.dca(data=pdf.iloc[rows], outcome="y", modelnames=["p"], thresholds=thresholds)
    per_rep = (time.perf_counter() - started) / max(args.dcurves_reps, 1)

    print(
        f"{args.rows:,} rows, {len(thresholds)} thresholds; max |net benefit difference| = {difference:.1e}"
    )
    print(f"{'task':<44}{'ethicompass':>14}{'dcurves':>14}{'ratio':>9}")
    print(f"{'net benefit, all thresholds':<44}{ours_s:>13.3f}s{theirs_s:>13.3f}s{theirs_s / ours_s:>8.1f}x")
    print(
        f"{f'{args.boot:,} bootstrap replicates (whole curve)':<44}{boot_s:>13.3f}s"
        f"{per_rep * args.boot:>13.0f}s{per_rep * args.boot / boot_s:>8.0f}x"
    )
    print(
        f"  (dcurves: {args.dcurves_reps} replicate(s) measured, {per_rep:.2f} s each; "
        f"the {args.boot:,}-replicate figure is that times {args.boot:,})"
    )


if __name__ == "__main__":
    main()
