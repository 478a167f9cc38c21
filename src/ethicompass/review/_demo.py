"""Demo step: the full ethics review of the synthetic study, reusing what the earlier steps computed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass.review._policy import Policy
from ethicompass.review._run import review

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """Review the study against the default committee policy, sign it, and say where the report is."""
    from ethicompass.transparency import generate_signing_key

    key = ctx.out_dir / "review-signing-key.pem"
    if not key.exists():
        generate_signing_key(key)
    output = review(
        ctx.study,
        policy=Policy.default(),
        store=ctx.store,
        out_dir=ctx.out_dir / "review",
        results=ctx.results,
        actor="demo",
        signing_key=key,
    )
    report = output.report
    ctx.say(
        f"Ethics review against the default committee policy: overall [bold]{report.verdict.upper()}[/bold]."
    )
    for name, principle in report.principles.items():
        attention = [c for c in principle.checks if c.verdict != "pass"]
        line = f"  - {name}: {principle.verdict}"
        if attention:
            line += " (" + "; ".join(f"{c.title}: {c.verdict}" for c in attention[:3]) + ")"
        ctx.say(line)
    ctx.say(
        f"Report: {output.html_path} (JSON {output.json_path.name}; PDF {'written' if output.pdf_path else 'needs the pdf extra'})."
    )
    if output.checkpoint:
        ctx.say(
            f"The report's hash is in the audit log, under a checkpoint signed with {key.name} "
            f"({output.checkpoint['tree_size']} entries)."
        )
    ctx.results["review"] = output
