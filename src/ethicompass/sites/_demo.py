"""Demo step: a three-site review of the synthetic study, from counts alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """Split the study by its site column into three hospitals; each summarises; the coordinator reviews."""
    import polars as pl

    from ethicompass.review import Policy
    from ethicompass.sites import federate, read_site_file
    from ethicompass.sites._split import split_study, summarize_split

    root = ctx.out_dir / "sites"
    patients = pl.read_csv(ctx.path("patients"), columns=["participant_id", "site"])
    values = sorted(set(patients["site"].to_list()))
    hospital = {v: f"hospital-{'ABC'[i * 3 // len(values)]}" for i, v in enumerate(values)}
    assignment = {p: hospital[s] for p, s in patients.iter_rows()}
    manifests = split_study(ctx.study, sites=assignment, out_dir=root / "data")
    policy = Policy.default()
    files = []
    for name, written in summarize_split(manifests, policy=policy, root=root).items():
        suppressed = written.body["disclosure"]["suppressed"]["fairness"]
        groups = sum(len(t["withheld"]) for t in suppressed["tables"] if t["kind"] == "attribute")
        ctx.say(
            f"{name} sent {written.body['certificate']['cells_published']:,} counts in "
            f"{len(written.body['fairness']['tables'])} tables ({(root / f'{name}.ecsite').stat().st_size // 1024} KB, "
            f"no row), {suppressed['cells']} cells suppressed under the minimum of {policy.sites.min_cell_size} "
            f"(overall table: {suppressed['rows'][1]} rows at most; {groups} attribute value(s) withheld); "
            f"signed with key {written.key_id[:12]}."
        )
        files.append(read_site_file(root / f"{name}.ecsite"))
    output, detail = federate(files, policy=policy, store=ctx.store, out_dir=root / "review", actor="demo")
    report = output.report
    ctx.say(f"Multi-site review from counts alone: overall [bold]{report.verdict.upper()}[/bold].")
    for name, principle in report.principles.items():
        ctx.say(f"  - {name}: {principle.verdict}")
    for het in detail.get("heterogeneity", []):
        ctx.say(
            f"  between hospitals, {het['metric'].upper()}: I² {100 * het['i2']:.0f}% (Q {het['q']:.1f}, p {het['p_value']:.2g})"
        )
    if detail.get("suppressed_share", 0) > policy.sites.max_suppressed_share:
        ctx.say(
            f"  Up to {100 * detail['suppressed_share']:.0f}% of the overall tables' rows sit in suppressed cells, so "
            "fairness and benefit are not judged from these counts (fail closed); see docs/multi-site.md."
        )
    withheld = sorted(
        {w["group"] for w in detail.get("withheld", []) if "," not in w["group"] and w["group"] != "all"}
    )
    if withheld:
        ctx.say(
            f"  Not judged (a site withheld some of their cells; bounds in the report): {', '.join(withheld)}; "
            "every other group is judged from complete counts."
        )
    ctx.say(f"Report: {output.html_path}; provenance and heterogeneity: {root / 'review' / 'sites.json'}.")
    ctx.results["multi_site_review"] = output
