"""``ethicompass review``: one policy, one command, one report; the exit code is the verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import (
    OutputFormat,
    emit_json,
    emit_table,
    format_option,
    judge,
    no_fail_option,
    say,
    summary,
)

__all__ = ["chosen_policy", "principle_rows", "register"]


def register(app: typer.Typer) -> None:
    """Add the ``review`` verb."""
    app.command("review")(review_command)


def review_command(
    manifest: Annotated[Path, typer.Argument(help="The study manifest (study.yaml).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for report.json, report.html, report.pdf.")
    ] = Path("review"),
    policy: Annotated[
        Path | None,
        typer.Option("--policy", "-p", help="The committee's policy YAML (default: the built-in policy)."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also write report.pdf (needs the pdf extra).")
    ] = True,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="Ed25519 key (PEM) to sign a checkpoint over the audit log after the report's hash "
            "(default: $ETHICOMPASS_SIGNING_KEY; no key, no checkpoint).",
        ),
    ] = None,
    release: Annotated[
        Path | None,
        typer.Option(
            "--release",
            help="The de-identified table the team will share (e.g. from `anonymize`): the review judges its "
            "identifiers and re-identification risk (default: the manifest's 'release').",
        ),
    ] = None,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Judge a study against the committee's policy and write one report. Exit 0 pass or warn, 1 fail, 2 bad input."""
    from ethicompass.cli._app import state_store
    from ethicompass.review import review
    from ethicompass.study import Study

    study = Study.from_file(manifest)
    if release is not None:
        study = study.with_release(release)
    study.check_files()
    chosen = chosen_policy(policy, study)
    output = review(study, policy=chosen, store=state_store(), out_dir=out, pdf=pdf, signing_key=key_file)
    report = output.report
    if fmt == OutputFormat.json:
        emit_json(output.to_dict() | {"principles": {k: v.verdict for k, v in report.principles.items()}})
    else:
        emit_table(
            f"Ethics review of {report.study}: {report.verdict.upper()}",
            ["principle", "verdict", "needs attention"],
            principle_rows(report),
        )
        summary(f"report: {output.html_path} (JSON: {output.json_path})")
        if output.checkpoint:
            say(
                f"signed checkpoint: {output.checkpoint['tree_size']} entries, "
                f"key {output.checkpoint['key_id'][:16]}"
            )
    judge(
        bool(report.exit_code),
        f"the review fails: {', '.join(n for n, p in report.principles.items() if p.verdict == 'fail')}",
        hint=f"see what to do under each failed check in {output.html_path}; pass --no-fail to report only",
        no_fail=no_fail,
    )


def principle_rows(report: Any) -> list[list[str]]:
    """One row a principle of a review ``report``: name, verdict, the checks that need attention."""
    return [
        [name, p.verdict, "; ".join(c.title for c in p.checks if c.verdict != "pass") or "-"]
        for name, p in report.principles.items()
    ]


def chosen_policy(path: Path | None, study: Any = None) -> Any:
    """The policy a verb judges by: the ``--policy`` file, else the manifest's, else the default."""
    from ethicompass.review import Policy

    if path is not None:
        return Policy.from_file(path)
    if study is not None and study.policy:
        return Policy.from_file(study.base_dir / study.policy)
    return Policy.default()
