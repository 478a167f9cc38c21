"""The noise method of multi-site review: the error of the merged headline metrics against the pooled ones.

The synthetic study (as ``ethicompass demo`` generates it) is split by its site column into three hospitals,
as the demo does. Each hospital summarises under ``sites.method: noise`` at each epsilon, with a fresh
budget ledger each repetition; the coordinator merges the noisy files (``sites.merge_sites``: each grid's
signed margins added, then clamped once) and audits the merged tables as ``federate`` does
(``fairness.audit_marginals``). The reference is the same three files without disclosure control (minimum cell 1),
whose merged metrics equal the pooled rows' (tests/sites/test_sites_equality.py). Printed side by side:
each headline metric pooled, the mean of the noisy merged estimates, and their mean absolute error.

    .venv/bin/python benchmarks/sites_noise.py --patients 2000 --epsilon 1 4 --repeats 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import yaml


def _split(study_dir: Path, groups: list[str], root: Path) -> dict[str, Path]:
    from ethicompass.sites._split import split_study
    from ethicompass.study import Study

    manifest = yaml.safe_load((study_dir / "study.yaml").read_text())
    manifest["predictions"]["groups"] = groups
    manifest["predictions"]["site"] = None  # the site column is not a group: the noise grid stays small
    (study_dir / "study.yaml").write_text(yaml.safe_dump(manifest))  # split_study copies study.yaml
    study = Study.from_file(study_dir / "study.yaml")
    patients = pl.read_csv(study_dir / "patients.csv", columns=["participant_id", "site"])
    values = sorted(set(patients["site"].to_list()))
    hospital = {v: f"hospital-{'ABC'[i * 3 // len(values)]}" for i, v in enumerate(values)}
    return split_study(study, sites={p: hospital[s] for p, s in patients.iter_rows()}, out_dir=root / "data")


def _summarise(manifests: dict[str, Path], policy: Any, root: Path) -> list[Any]:
    from ethicompass.sites import read_site_file
    from ethicompass.sites._split import summarize_split

    # a fresh state folder: each repetition spends every site's whole budget anew
    state = Path(tempfile.mkdtemp(dir=root))
    return [
        read_site_file(root / f"{name}.ecsite")
        for name in summarize_split(manifests, policy=policy, root=root, state_dir=state)
    ]


def _headline(files: list[Any], policy: Any, groups: list[str]) -> dict[str, float]:
    from ethicompass.fairness import audit_marginals
    from ethicompass.sites import merge_sites
    from ethicompass.sites._marginal import marginal_summary

    merged = merge_sites(files, policy=policy)
    if (
        policy.sites.method == "noise"
    ):  # as `federate` does: the grids' signed margins added, then clamped once
        from ethicompass.sites._noise_merge import clamp_merged

        merged, _ = clamp_merged(merged)
    out: dict[str, float] = {"rows": float(merged.summary.n)}
    marginal = marginal_summary(merged.summary, groups)  # the tables `federate` audits
    report = audit_marginals(marginal, n_boot=0, min_group_size=1, intersections=False)
    for metric in ("tpr", "fpr", "auroc", "brier"):
        est = report.overall.metrics.get(metric)
        if est is not None and est.value is not None:
            out[metric] = float(est.value)
    for d in report.disparities:
        if d.metric in ("tpr", "fpr") and d.difference.value is not None:
            label = ",".join(f"{k}={v}" for k, v in dict(d.group or {}).items())
            out[f"{d.metric}_difference[{label}]"] = float(d.difference.value)
    return out


def main() -> None:
    """Run the comparison and print it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--groups", default="sex,age_group")
    parser.add_argument("--score-bins", type=int, default=10)
    parser.add_argument("--epsilon", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    from ethicompass.review import Policy
    from ethicompass.synth import generate_study

    groups = args.groups.split(",")
    root = Path(tempfile.mkdtemp(prefix="sites-noise-"))
    try:
        generate_study(root / "study", patients=args.patients, seed=args.seed)
        manifests = _split(root / "study", groups, root)
        values = pl.read_csv(root / "study" / "predictions.csv")
        categories = {g: sorted(map(str, set(values[g].to_list()))) for g in groups}  # public lists
        exact = Policy.model_validate({"sites": {"min_cell_size": 1, "score_bins": args.score_bins}})
        pooled = _headline(_summarise(manifests, exact, root), exact, groups)
        runs: dict[float, list[dict[str, float]]] = {}
        for eps in args.epsilon:
            noisy = Policy.model_validate(
                {
                    "sites": {
                        "method": "noise",
                        "epsilon": eps,
                        "score_bins": args.score_bins,
                        "categories": categories,
                    }
                }
            )
            runs[eps] = [
                _headline(_summarise(manifests, noisy, root), noisy, groups) for _ in range(args.repeats)
            ]
        print(
            f"{args.patients} patients (seed {args.seed}) split into 3 hospitals; groups {groups}; "
            f"{args.score_bins} score bins; {args.repeats} noisy releases per epsilon"
        )
        head = f"{'metric':<44}{'pooled':>10}"
        for eps in args.epsilon:
            head += f"{f'eps {eps:g} mean':>16}{f'eps {eps:g} MAE':>15}"
        print(head)
        for name, value in pooled.items():
            line = f"{name:<44}{value:>10.4g}"
            for eps in args.epsilon:
                got = [r[name] for r in runs[eps] if name in r]
                if got:
                    mae = statistics.fmean(abs(g - value) for g in got)
                    line += f"{statistics.fmean(got):>16.4g}{mae:>15.4g}"
                else:
                    line += f"{'-':>16}{'-':>15}"
            print(line)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
