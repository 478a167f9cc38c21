"""Multi-site review: how fast a site summarises, how small its file is, how fast the coordinator merges.

Targets (issue 23): a 1,000,000-row site summarises in under 5 s on one core; a summary of 20 groups x
100 score bins is under 1 MB; merging 100 sites takes under 1 s. Side by side: the pooled alternative the
coordinator would otherwise need (``fairness.summarize`` over all the rows of 100 sites at once).

    .venv/bin/python benchmarks/sites.py --rows 1000000 --sites 100
    .venv/bin/python benchmarks/sites.py --demo-suppression   # the suppressed share on the demo's 3 sites

Polars and BLAS are held to one thread. The site step is the whole ``summarize_site`` (reading the CSV,
the count, coarsening, suppression, the check, the audit entry, checkpoint, signature, atomic write).
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


def _suppressed(counts: pl.DataFrame, groups: list[str], minimum: int) -> tuple[int, int]:
    """(rows in suppressed cells, all rows) of one table after coarsening and the one-margin rule, with
    the margins of the file (whole table, each group value) plus those any other table of the same rows also
    gives: each (label, prediction, score key) column and each (groups, label, prediction) stratum."""
    from ethicompass.sites._disclosure import one_margin
    from ethicompass.sites._summarize import coarsen

    c = coarsen(counts, groups, minimum)
    n = c["_n"].to_numpy()
    margins = [np.arange(c.height)]
    for keys in [*[[g] for g in groups], ["_label", "_pred", "_score"], [*groups, "_label", "_pred"]]:
        codes = c.select(pl.struct(keys).rank("dense")).to_series().to_numpy()
        margins += [np.flatnonzero(codes == v) for v in np.unique(codes)]
    mask = one_margin(n, margins, minimum)
    return int(n[mask].sum()), int(n.sum())


def _pinned(site: Any, rows: pl.DataFrame, policy: Any, minimum: int) -> str:
    """The site file's own suppression (its margins: the table, each group combination, each attribute
    value): the one-margin rule alone and the sound rule the file uses, each with the cells under the
    minimum that the margins' totals determine exactly (``recoverable``), for a reader who knows every
    total of the minimum or more (the file's model) and one who knows every total, small ones too."""
    from ethicompass.sites import _summarize
    from ethicompass.sites._disclosure import complementary, one_margin
    from ethicompass.sites._protect import known_margins, recoverable

    meta, counts = _summarize._fairness(rows, site, policy)
    groups = meta["groups"]
    counts = _summarize.coarsen(counts, groups, minimum)
    n = counts["_n"].to_numpy()
    margins = [np.arange(counts.height)]
    for keys in [groups, *[[g] for g in groups]]:
        codes = counts.select(pl.struct(keys).rank("dense")).to_series().to_numpy()
        margins += [np.flatnonzero(codes == v) for v in np.unique(codes)]
    small = (n > 0) & (n < minimum)
    parts = []
    for name, mask in (
        ("one-margin rule", one_margin(n, margins, minimum)),
        ("sound rule", complementary(n, margins, minimum)),
    ):
        found = []
        for small_totals in (False, True):
            pinned = recoverable(known_margins(n, margins, minimum, small_totals=small_totals), mask) & small
            found.append(f"{int(pinned.sum())} ({int(n[pinned].sum())} rows)")
        parts.append(
            f"{name}: {int(mask.sum())} of {counts.height} cells, {100 * n[mask].sum() / n.sum():.1f}% of rows "
            f"suppressed; small cells determined: {found[0]} by totals of >= {minimum}, {found[1]} by all totals"
        )
    return "the file's joint table: " + "; ".join(parts)


def demo_suppression(root: Path, minimum: int = 5) -> None:
    """The share of rows suppressed on the demo's three-site split (5,000 synthetic patients, seed 0): the
    joint table of every group column (what a site file holds today) against one table per attribute."""
    from ethicompass.fairness import summarize
    from ethicompass.frames import load_table
    from ethicompass.review import Policy
    from ethicompass.sites._split import split_study
    from ethicompass.sites._summarize import site_groups
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
    print(f"demo study, 3 sites, minimum cell {minimum}, 100 score bins: share of rows in suppressed cells")
    for name, manifest in sorted(manifests.items()):
        site = Study.from_file(manifest)
        p = site.predictions
        rows = load_table(site.dataset_path(p.dataset))
        _, counted = site_groups(site, policy)
        shares = []
        for groups in [counted, *[[g] for g in counted]]:
            s = summarize(
                rows,
                label=p.label,
                score=p.score,
                groups=groups,
                threshold=p.threshold,
                bins=100,
                exact_limit=0,
            )
            hidden, total = _suppressed(s.counts, groups, minimum)
            shares.append(f"{' x '.join(groups)} {hidden}/{total} = {100 * hidden / total:.1f}%")
        print(f"  {name}: joint {shares[0]}; per attribute (one-margin rule): " + "; ".join(shares[1:]))
        print(f"    {_pinned(site, rows, policy, minimum)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument(
        "--demo-suppression",
        action="store_true",
        help="only measure the suppressed share on the demo study: the joint table against one per attribute",
    )
    args = parser.parse_args()
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
