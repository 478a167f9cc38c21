"""``ethicompass site summarize|check`` at a site; ``ethicompass federate review`` at the coordinator;
``ethicompass site-keys add|list|revoke`` on the server (the keys sites must sign their uploads with)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from ethicompass.cli._app import state_store
from ethicompass.cli.review import chosen_policy, principle_rows
from ethicompass.engines._options import Engine, engine_option, master_option

__all__ = ["register"]

site_app = typer.Typer(
    help="Multi-site review, at a site: summarise to counts, check what leaves.", no_args_is_help=True
)
federate_app = typer.Typer(
    help="Multi-site review, at the coordinator: one review from the sites' counts.", no_args_is_help=True
)

keys_app = typer.Typer(
    help="Multi-site review, on the server: the public keys each site must sign its uploads with.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``site``, ``federate`` and ``site-keys`` verb groups."""
    site_app.command("summarize")(summarize_command)
    site_app.command("check")(check_command)
    federate_app.command("review")(federate_review_command)
    keys_app.command("add")(keys_add_command)
    keys_app.command("list")(keys_list_command)
    keys_app.command("revoke")(keys_revoke_command)
    app.add_typer(site_app, name="site")
    app.add_typer(federate_app, name="federate")
    app.add_typer(keys_app, name="site-keys")


KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file", help="The site's Ed25519 audit signing key (default: $ETHICOMPASS_SIGNING_KEY)."
    ),
]


def summarize_command(
    manifest: Annotated[Path, typer.Argument(help="The site's study manifest (study.yaml).")],
    site: Annotated[str, typer.Option("--site", help="This site's name, as the coordinator knows it.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .ecsite file to write.")],
    policy: Annotated[
        Path | None, typer.Option("--policy", "-p", help="The committee's policy YAML.")
    ] = None,
    key_file: KeyFile = None,
    engine: Engine = engine_option(),
    master: str = master_option(),
    fmt: OutputFormat = format_option(),
) -> None:
    """Summarise this site's rows into a signed file of counts that passed disclosure control.

    The policy's ``sites.method`` picks the control: ``suppression`` (no count under ``sites.min_cell_size``;
    complementary suppression, bounds recorded) or ``noise`` (every count table released with OpenDP's
    Laplace noise on a public grid, ``sites.epsilon`` debited from this site's privacy budget in the state
    database; refused, exit 2, past ``sites.epsilon_budget``). The output shows the budget spent.

    With ``--engine spark`` the predictions are read, consent-filtered and counted by Spark; the file's
    counts are the same as in process (the rest of the file is built from those counts and small tables).
    """
    from ethicompass.sites import summarize_site
    from ethicompass.study import Study
    from ethicompass.transparency import load_signing_key

    study = Study.from_file(manifest)
    study.check_files()
    chosen = chosen_policy(policy, study)
    key = load_signing_key(key_file)
    frame = None
    if engine == Engine.spark and study.predictions is not None:
        from ethicompass.engines._options import load

        frame = load(study.dataset_path(study.predictions.dataset), engine=engine, master=master)
    store = state_store()
    written = summarize_site(study, site=site, policy=chosen, store=store, key=key, out=out, frame=frame)
    body = written.body
    disclosure = body["disclosure"]
    info = {
        "site": site,
        "file": str(out),
        "method": disclosure["method"],
        "cells": body["certificate"]["cells_published"],
        "suppressed_cells": disclosure["suppressed"]["fairness"]["cells"],
        "min_cell_size": disclosure["min_cell_size"],
        "key_id": written.key_id,
        "checkpoint_tree_size": body["checkpoint"]["tree_size"],
    }
    noise = disclosure.get("noise")
    if noise is not None:
        from ethicompass.privacy.dp import BudgetLedger

        info["epsilon_spent"] = noise["epsilon_spent"]
        info["budget"] = BudgetLedger(store).budget(noise["ledger"]).to_dict()
    if fmt == OutputFormat.json:
        emit_json(info)
    elif noise is not None:
        budget = info["budget"]
        summary(
            f"site {site}: {info['cells']:,} noisy cells written to {out} (epsilon {noise['epsilon_spent']:g} spent "
            f"over {len(noise['tables'])} tables; budget {budget['epsilon_spent']:g} of {budget['epsilon_total']:g} "
            f"used, {budget['epsilon_remaining']:g} left); signed with key {written.key_id[:16]}"
        )
    else:
        summary(
            f"site {site}: {info['cells']:,} cells written to {out} ({info['suppressed_cells']} suppressed, "
            f"minimum cell {info['min_cell_size']}); signed with key {written.key_id[:16]}"
        )


def check_command(
    file: Annotated[Path, typer.Argument(help="A .ecsite file.")],
    no_fail: Annotated[bool, no_fail_option()] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Prove a site file holds no row-level value, no cell under its minimum and no identifier. Exit 1 if not.

    A file of the noise method has no minimum: the check verifies its noise record instead (each table's
    mechanism, sensitivity and scale against its epsilon, the epsilons summing to at most the file's, every
    cell on the public grid) and still refuses identifiers.
    """
    from ethicompass.sites import check_site

    result = check_site(file, store=state_store())
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        emit_table(
            f"Disclosure check of {file.name} (site {result.site}): {'PASS' if result.passed else 'FAIL'}",
            ["check", "result"],
            [
                ["signature", "verifies" if result.signature_valid else "does NOT verify"],
                [
                    "enclosed certificate",
                    "matches the content" if result.matches_enclosed else "does NOT match",
                ],
                ["method", result.certificate.get("method", "suppression")],
                ["minimum cell size", str(result.certificate["min_cell_size"])],
                ["cells published", f"{result.certificate['cells_published']:,}"],
                *[["problem", p] for p in result.certificate["problems"]],
            ],
        )
    judge(
        not result.passed,
        f"{file} fails the disclosure check",
        hint="do not send it; summarise again",
        no_fail=no_fail,
    )


def federate_review_command(
    files: Annotated[list[Path], typer.Argument(help="The sites' .ecsite files.")],
    policy: Annotated[
        Path | None, typer.Option("--policy", "-p", help="The committee's policy YAML.")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for report.json, report.html, sites.json.")
    ] = Path("federated-review"),
    key_file: KeyFile = None,
    no_fail: Annotated[bool, no_fail_option()] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Verify the sites' files, merge their counts and write one review. Exit 0 pass or warn, 1 fail, 2 bad input.

    Every file must use the policy's ``sites.method`` (a site that used another is exit 2, named). Under the
    noise method the report states the noise the merged counts carry; its intervals do not include it.
    """
    from ethicompass.sites import federate, read_site_file

    chosen = chosen_policy(policy)
    site_files = [read_site_file(f) for f in files]
    output, detail = federate(
        site_files, policy=chosen, store=state_store(), out_dir=out, signing_key=key_file
    )
    report = output.report
    if fmt == OutputFormat.json:
        emit_json(
            output.to_dict()
            | {
                "sites": [p["site"] for p in detail["provenance"]],
                "principles": {k: v.verdict for k, v in report.principles.items()},
            }
        )
    else:
        emit_table(
            f"Multi-site review of {report.study} ({len(site_files)} sites): {report.verdict.upper()}",
            ["principle", "verdict", "needs attention"],
            principle_rows(report),
        )
        summary(f"report: {output.html_path} (sites: {out / 'sites.json'})")
        if output.checkpoint:
            say(f"signed checkpoint: {output.checkpoint['tree_size']} entries")
    judge(
        bool(report.exit_code), "the multi-site review fails", hint=f"see {output.html_path}", no_fail=no_fail
    )


def keys_add_command(
    site: Annotated[str, typer.Argument(help="The site's name (its user name on the server, its --site).")],
    public_key: Annotated[
        str,
        typer.Option(
            "--public-key",
            help="The site's Ed25519 public key: base64 (as `audit keygen` prints it), PEM, or a file holding either.",
        ),
    ],
    fmt: OutputFormat = format_option(),
) -> None:
    """Register (pin) a site's public key before it uploads; check the fingerprint with the site out of band."""
    from ethicompass.sites import add_site_key
    from ethicompass.transparency import default_actor

    row = add_site_key(state_store(), site, public_key, actor=default_actor(), role="admin")
    if fmt == OutputFormat.json:
        emit_json(row)
    else:
        summary(f"registered key {row['key_id']} for site {site}: check this fingerprint with the site")


def keys_list_command(
    site: Annotated[str | None, typer.Option("--site", help="Only this site's keys.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List the registered site keys: site, fingerprint, how and when registered, whether revoked."""
    from ethicompass.sites import list_site_keys

    found = list_site_keys(state_store(), site=site)
    if fmt == OutputFormat.json:
        emit_json(found)
        return
    cols = ["site", "key_id", "source", "registered_at", "revoked_at"]
    emit_table("Registered site keys", cols, [[str(k[c] or "") for c in cols] for k in found])


def keys_revoke_command(
    site: Annotated[str, typer.Argument(help="The site.")],
    key: Annotated[str, typer.Argument(help="The key's fingerprint, or its first 8 or more hex digits.")],
    fmt: OutputFormat = format_option(),
) -> None:
    """Revoke a site's key: its files are refused from now on, and its stored uploads are not reviewed."""
    from ethicompass.sites import revoke_site_key
    from ethicompass.transparency import default_actor

    row = revoke_site_key(state_store(), site, key, actor=default_actor(), role="admin")
    if fmt == OutputFormat.json:
        emit_json(row)
    else:
        say(f"revoked key {row['key_id'][:16]}… of site {site}")
