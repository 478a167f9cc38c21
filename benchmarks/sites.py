"""Multi-site review: how fast a site summarises, how small its file is, how fast the coordinator merges.

Targets (issue 23): a 1,000,000-row site summarises in under 5 s on one core; a summary of 20 groups x
100 score bins is under 1 MB; merging 100 sites takes under 1 s. Side by side: the pooled alternative the
coordinator would otherwise need (``fairness.summarize`` over all the rows of 100 sites at once).

    .venv/bin/python benchmarks/sites.py --rows 1000000 --sites 100

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--sites", type=int, default=100)
    args = parser.parse_args()

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
