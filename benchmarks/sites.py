"""Multi-site review: how fast a site summarises, how small its file is, how fast the coordinator merges.

Targets (issue 23): a 1,000,000-row site summarises in under 5 s on one core; a summary of 20 groups x
100 score bins is under 1 MB; merging 100 sites takes under 1 s. Side by side: the pooled alternative the
coordinator would otherwise need (``fairness.summarize`` over all the rows of 100 sites at once).

    .venv/bin/python benchmarks/sites.py --rows 1000000 --sites 100
    .venv/bin/python benchmarks/sites.py --demo-suppression   # suppression per table on the demo's 3 sites
    .venv/bin/python benchmarks/sites.py --protect-random     # integer programme against greedy suppression

Polars and BLAS are held to one thread. The site step is the whole ``summarize_site`` (reading the CSV,
the count, the tables and their score partitions, suppression, the check, the audit entry, checkpoint,
signature, atomic write).
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402 (after the thread limits)
import json  # noqa: E402 (after the thread limits)
import tempfile  # noqa: E402 (after the thread limits)
import time  # noqa: E402 (after the thread limits)
from pathlib import Path  # noqa: E402 (after the thread limits)
from typing import Any  # noqa: E402 (after the thread limits)

import numpy as np  # noqa: E402 (after the thread limits)
import polars as pl  # noqa: E402 (after the thread limits)
import yaml  # noqa: E402 (after the thread limits)


def _cpu() -> float:
    return time.process_time()


def _study(root: Path, rows: int, groups: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, rows)
    score = np.round(rng.beta(2, 5, rows), 6)
    label = (rng.random(rows) < score).astype(np.int64)
    pl.DataFrame(
        {
            "participant_id": [f"P{i:08d}" for i in range(rows)],
            "unit": [f"unit-{g:02d}" for g in group],
            "outcome": label,
            "score": score,
        }
    ).write_csv(root / "predictions.csv")
    manifest = {
        "name": "benchmark",
        "datasets": {
            "predictions": {
                "path": "predictions.csv",
                "columns": {
                    "participant_id": {"role": "participant_id"},
                    "unit": {"role": "sensitive_attribute"},
                    "outcome": {"role": "outcome"},
                    "score": {"role": "score"},
                },
            }
        },
        "predictions": {"dataset": "predictions", "label": "outcome", "score": "score", "groups": ["unit"]},
    }
    (root / "study.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return root / "study.yaml"


def _site_tables(site: Any, rows: pl.DataFrame, policy: Any, minimum: int) -> str:
    """One site's file tables after disclosure control: per table the cells and rows suppressed and the
    groups withheld; how long the protection took; and the cells under the minimum that the totals a
    reader knows determine (``recoverable``), for the file's reader model (totals of at least the minimum)
    and for one who knows every total, small ones too."""
    from ethicompass.sites import _summarize
    from ethicompass.sites._protect import known_margins, recoverable
    from ethicompass.sites._tables import _indexed, _margins, _withheld, protect_tables

    _, tables = _summarize.fairness_tables(rows, site, policy)
    start = time.perf_counter()
    published, record = protect_tables(tables, minimum)
    took = time.perf_counter() - start
    frames = _indexed(tables)
    n = np.concatenate([f["_n"].to_numpy() for f in frames])
    mask = _withheld(tables, published, frames)
    small = (n > 0) & (n < minimum)
    margins = _margins(tables, frames)
    found = []
    for small_totals in (False, True):
        pinned = recoverable(known_margins(n, margins, minimum, small_totals=small_totals), mask) & small
        found.append(f"{int(pinned.sum())} ({int(n[pinned].sum())} rows)")
    lines = []
    for t, r in zip(tables, record["tables"], strict=True):
        total = int(t.counts["_n"].sum())
        hidden = int(n[mask][np.isin(np.flatnonzero(mask), frames[tables.index(t)]["_i"].to_numpy())].sum())
        name = (
            "overall" if t.kind == "overall" else " x ".join(t.groups) if t.kind == "joint" else t.groups[0]
        )
        withheld = f", {len(r['withheld'])} group(s) withheld" if r["withheld"] else ""
        lines.append(
            f"{name}: {r['cells']} of {t.counts.height} cells, {hidden}/{total} = {100 * hidden / total:.1f}% of rows"
            + withheld
        )
    return (
        f"protect_tables {took:.1f} s; "
        + "; ".join(lines)
        + f"\n    small cells determined: {found[0]} by totals of >= {minimum}, {found[1]} by all totals"
        + "\n    withheld values: "
        + ", ".join(
            f"{t['groups'][0]}={w['group'][0]} ({w['cells']} cells, {w['rows'][0]}-{w['rows'][1]} rows)"
            for t in record["tables"]
            if t["kind"] == "attribute"
            for w in t["withheld"]
        )
    )


def demo_suppression(root: Path, minimum: int = 5) -> None:
    """The rows suppressed on the demo's three-site split (5,000 synthetic patients, seed 0), table by
    table, as the site files hold them: the overall table, one per group column, the joint table."""
    from ethicompass.review import Policy
    from ethicompass.sites._split import split_study
    from ethicompass.study import Study
    from ethicompass.synth import generate_study

    generate_study(root / "study", patients=5000, seed=0)
    study = Study.from_file(root / "study" / "study.yaml")
    patients = pl.read_csv(study.dataset_path("patients"), columns=["participant_id", "site"])
    values = sorted(set(patients["site"].to_list()))
    hospital = {v: f"hospital-{'ABC'[i * 3 // len(values)]}" for i, v in enumerate(values)}
    manifests = split_study(
        study, sites={p: hospital[s] for p, s in patients.iter_rows()}, out_dir=root / "data"
    )
    policy = Policy.default()
    print(
        f"demo study, 3 sites, minimum cell {minimum}, 100 score bins: suppression in the site files' tables"
    )
    from ethicompass.sites import _summarize
    from ethicompass.store import Store

    for name, manifest in sorted(manifests.items()):
        site = Study.from_file(manifest)
        store = Store("sqlite://").open()
        try:  # the consented rows, as the site file counts them
            rows, _ = _summarize._kept_rows(site, policy, store)
        finally:
            store.dispose()
        print(f"  {name} ({rows.height:,} consented rows): {_site_tables(site, rows, policy, minimum)}")


def protect_random(tables: int = 200, seed: int = 1, minimum: int = 5) -> None:
    """The integer programme (``protect_milp``) against the greedy choice (``complementary``) on random
    two-way tables of 2-5 x 2-6 cells of 0-14 rows whose row, column and grand totals a reader knows:
    rows hidden by each, and whether any cell under the minimum stays recoverable beyond those the
    totals alone give away."""
    from ethicompass.sites._disclosure import complementary
    from ethicompass.sites._protect import known_margins, protect_milp, recoverable, unprotectable

    rng = np.random.default_rng(seed)
    hidden = {"greedy": 0, "milp": 0}
    seconds = {"greedy": 0.0, "milp": 0.0}
    leaks = 0
    for _ in range(tables):
        r, c = int(rng.integers(2, 6)), int(rng.integers(2, 7))
        n = rng.integers(0, 15, r * c)
        grid = np.arange(r * c).reshape(r, c)
        margins = [grid.ravel(), *list(grid), *list(grid.T)]
        for name, method in (("greedy", complementary), ("milp", protect_milp)):
            start = time.perf_counter()
            mask = method(n, margins, minimum)
            seconds[name] += time.perf_counter() - start
            hidden[name] += int(n[mask].sum())
            if name == "milp":
                known = known_margins(n, margins, minimum, small_totals=False)
                left = recoverable(known, mask) & (n > 0) & (n < minimum)
                leaks += int((left & ~unprotectable(n, margins, mask, minimum)).sum())
    print(
        f"{tables} random two-way tables, minimum {minimum}: rows hidden greedy {hidden['greedy']:,} "
        f"({seconds['greedy']:.1f} s), integer programme {hidden['milp']:,} ({seconds['milp']:.1f} s), "
        f"{100 * (1 - hidden['milp'] / hidden['greedy']):.0f}% fewer; small cells left recoverable beyond "
        f"those the totals alone give away: {leaks}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument(
        "--demo-suppression",
        action="store_true",
        help="only measure the suppression in the demo study's site files, table by table",
    )
    parser.add_argument(
        "--protect-random",
        action="store_true",
        help="only compare the integer programme with the greedy complementary suppression on random tables",
    )
    args = parser.parse_args()
    if args.protect_random:
        protect_random()
        return
    if args.demo_suppression:
        with tempfile.TemporaryDirectory() as tmp:
            demo_suppression(Path(tmp))
        return

    from ethicompass.review import Policy
    from ethicompass.sites import merge_sites, read_site_file, summarize_site
    from ethicompass.sites._format import sign
    from ethicompass.store import Store
    from ethicompass.study import Study
    from ethicompass.transparency import generate_signing_key, load_signing_key

    policy = Policy.default()  # minimum cell 5, 100 score bins
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = _study(root, args.rows, args.groups, 0)
        generate_signing_key(root / "key.pem")
        key = load_signing_key(root / "key.pem")
        store = Store(f"sqlite:///{root / 'site.db'}").open()
        study = Study.from_file(manifest)
        summarize_site(study, site="warmup", policy=policy, store=store, key=key, out=root / "warm.ecsite")
        wall, cpu = time.perf_counter(), _cpu()
        written = summarize_site(
            study, site="s000", policy=policy, store=store, key=key, out=root / "s000.ecsite"
        )
        site_wall, site_cpu = time.perf_counter() - wall, _cpu() - cpu
        size = (root / "s000.ecsite").stat().st_size
        cells = written.body["certificate"]["cells_published"]

        # 100 sites: the same counts under 100 names, each body re-signed (a site's own file is signed once)
        files = []
        for i in range(args.sites):
            body = json.loads(json.dumps(written.body))
            body["site"] = f"s{i:03d}"
            from ethicompass.sites._disclosure import check_body

            body.pop("certificate")
            body["certificate"] = check_body(body, min_cell_size=5, score_bins=100)
            path = root / f"s{i:03d}.ecsite"
            signed = sign(body, key)
            path.write_text(signed.to_text(), encoding="utf-8")
            files.append(path)
        wall, cpu = time.perf_counter(), _cpu()
        read = [read_site_file(p) for p in files]
        read_wall, read_cpu = time.perf_counter() - wall, _cpu() - cpu
        wall, cpu = time.perf_counter(), _cpu()
        merged = merge_sites(read, policy=policy)
        merge_wall, merge_cpu = time.perf_counter() - wall, _cpu() - cpu
        # again, warm (imports done, the identifier check's cache filled): the median of 5
        warm: list[tuple[float, float]] = []
        for _ in range(5):
            wall, cpu = time.perf_counter(), _cpu()
            merge_sites(read, policy=policy)
            warm.append((time.perf_counter() - wall, _cpu() - cpu))
        warm_wall = float(np.median([w for w, _ in warm]))
        warm_cpu = float(np.median([c for _, c in warm]))

        # the pooled alternative: every site's rows at the coordinator, counted at once
        from ethicompass.fairness import summarize

        frame = pl.read_csv(root / "predictions.csv")
        wall, cpu = time.perf_counter(), _cpu()
        summarize(frame, label="outcome", score="score", groups=["unit"], bins=100, exact_limit=0)
        count_wall, count_cpu = time.perf_counter() - wall, _cpu() - cpu
        store.dispose()

    print(f"rows per site: {args.rows:,}; groups: {args.groups}; score bins: 100; minimum cell 5")
    print(
        f"site summarise (whole summarize_site): {site_wall:.2f} s wall, {site_cpu:.2f} s CPU  (target < 5 s)"
    )
    print(
        f"  of which the count alone (fairness.summarize of the rows): {count_wall:.2f} s wall, {count_cpu:.2f} s CPU"
    )
    print(f"site file: {size:,} bytes, {cells:,} cells  (target < 1,000,000 bytes)")
    print(f"read {args.sites} site files (JSON): {read_wall:.2f} s wall, {read_cpu:.2f} s CPU")
    print(
        f"merge {args.sites} sites (verify signatures, checkpoints, re-run the disclosure check, add): "
        f"{merge_wall:.2f} s wall, {merge_cpu:.2f} s CPU  (target < 1 s); merged rows {merged.summary.n:,}"
    )
    print(f"  the same merge again, warm (median of 5): {warm_wall:.2f} s wall, {warm_cpu:.2f} s CPU")
    pooled_rows = args.rows * args.sites
    print(
        f"pooled alternative: {pooled_rows:,} rows would have to reach the coordinator; counting them at this "
        f"site's rate takes ~{count_cpu * args.sites:.0f} s CPU, merging their counts {merge_cpu:.2f} s "
        f"({count_cpu * args.sites / max(merge_cpu, 1e-9):.0f}x)"
    )


if __name__ == "__main__":
    main()
