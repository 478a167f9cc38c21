"""CLI verbs: ``ethicompass audit ...``, ``ethicompass lineage ...`` and ``ethicompass modelcard ...``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
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
)
from ethicompass.errors import InputError, VerdictFailed

__all__ = ["register"]

audit_app = typer.Typer(
    help="The tamper-evident audit log: list, verify, checkpoint, prove.", no_args_is_help=True
)
lineage_app = typer.Typer(help="Provenance of datasets, models and reports.", no_args_is_help=True)
modelcard_app = typer.Typer(
    help="Model cards (Markdown, HTML, CHAI Applied Model Card XML).", no_args_is_help=True
)

KeyFile = Annotated[
    Path | None,
    typer.Option("--key-file", help="Ed25519 signing key (PEM); default $ETHICOMPASS_SIGNING_KEY."),
]


def _store() -> Any:
    from ethicompass.cli._app import state_store

    return state_store()


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise InputError(f"{what} file {path} not found", hint="check the path")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path} is not JSON ({exc})", hint=f"pass a {what} file written by ethicompass"
        ) from exc


def _read_checkpoint(path: Path) -> Any:
    from ethicompass.transparency import Checkpoint

    data = _read_json(path, "checkpoint")
    if isinstance(data, dict) and "checkpoint" in data and "tree_size" not in data:
        data = data["checkpoint"]
    if not isinstance(data, dict):
        raise InputError(
            f"{path} is not a checkpoint", hint="use a file from `ethicompass audit checkpoint --out`"
        )
    return Checkpoint.from_dict(data, source=str(path))


@audit_app.command("log")
def audit_log(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only entries at or after this UTC time (ISO 8601, e.g. 2026-01-31)."),
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only entries by this actor.")] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only this action (a trailing * matches a prefix: consent.*)."),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many entries.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List audit-log entries (who did what to which object, with content hashes)."""
    from ethicompass.transparency import AuditLog

    if since is not None:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(
                f"--since {since!r} is not an ISO 8601 time", hint="use e.g. 2026-01-31T09:00"
            ) from exc
        if moment.tzinfo is not None:  # entries are stored in UTC; naive times are taken as UTC
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        since = moment.isoformat(timespec="microseconds") + "Z"
    entries = AuditLog(_store()).entries(since=since, actor=actor, action=action, limit=limit)
    if fmt == OutputFormat.json:
        emit_json([e.to_dict() for e in entries])
        return
    emit_table(
        f"audit log ({len(entries)} entries)",
        ["seq", "time", "actor", "role", "action", "object"],
        [[e.seq, e.time, e.actor, e.role, e.action, f"{e.object_type}:{e.object_id}"] for e in entries],
    )


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", "-c", help="A checkpoint file a witness kept (repeatable)."),
    ] = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key", help="Trusted signer (base64, PEM, or a file); repeatable. Pins signers."
        ),
    ] = None,
    key_file: KeyFile = None,
    hashes_only: Annotated[
        bool,
        typer.Option(
            "--hashes-only", help="Skip comparing the query columns with the hashed entries (faster)."
        ),
    ] = False,
    fmt: OutputFormat = format_option(),
    no_fail: Annotated[bool, no_fail_option()] = False,
) -> None:
    """Verify every entry and every checkpoint; exit 1 naming the first entry that does not verify."""
    import os

    from ethicompass.transparency import (
        KEY_ENV,
        load_signing_key,
        parse_public_key,
        public_key_of,
        verify_log,
    )

    trusted = [parse_public_key(k) for k in public_key or []]
    if not trusted and (key_file is not None or os.environ.get(KEY_ENV)):
        trusted = [public_key_of(load_signing_key(key_file))]
    external = [(str(p), _read_checkpoint(p)) for p in checkpoint or []]
    result = verify_log(_store(), checkpoints=external, trusted_keys=trusted, check_columns=not hashes_only)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        emit_table(
            "checkpoints",
            ["source", "tree size", "ok", "problem"],
            [[c.source, c.tree_size, "yes" if c.ok else "NO", c.problem or ""] for c in result.checkpoints],
        )
        for finding in result.records:
            say(f"[red]record[/red]: {finding.describe()}")
        if result.ok:
            say(
                f"[green]verified[/green]: {result.tree_size} entries, root {result.root_hash[:16]}… "
                f"({result.seconds:.2f} s)"
            )
            for line in result.guarantees:
                say(f"  - {line}")
            if not result.signer_pinned:
                say("[yellow]note[/yellow]: signers not pinned; pass --public-key to trust only your key")
    judge(
        not result.ok,
        f"the audit log does not verify: {result.problem}",
        hint="restore the database from a backup and compare, or investigate who changed it",
        no_fail=no_fail,
    )


@audit_app.command("checkpoint")
def audit_checkpoint(
    key_file: KeyFile = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the checkpoint to this JSON file.")
    ] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Verify the log, then write and print a signed checkpoint to hand to an outside witness."""
    from ethicompass.frames import atomic_write_text
    from ethicompass.transparency import load_signing_key, write_checkpoint

    key = load_signing_key(key_file)
    cp = write_checkpoint(_store(), key)
    data = cp.to_dict()
    if out is not None:
        atomic_write_text(out, json.dumps(data, indent=2) + "\n")
    if fmt == OutputFormat.json:
        emit_json(data)
    else:
        emit_table("checkpoint", ["field", "value"], [[k, v] for k, v in data.items() if k != "note"])
        say(
            "Give this checkpoint to someone outside your organisation: it is what makes rewriting detectable."
        )


@audit_app.command("keygen")
def audit_keygen(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the private key (mode 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Create an Ed25519 checkpoint signing key; print its public key for verifiers."""
    from ethicompass.transparency import generate_signing_key, key_id

    public = generate_signing_key(out, overwrite=force)
    data = {
        "private_key_file": str(out),
        "public_key": base64.b64encode(public).decode(),
        "key_id": key_id(public),
    }
    if fmt == OutputFormat.json:
        emit_json(data)
    else:
        say(f"wrote the private key to {out} (mode 0600); keep it secret")
        typer.echo(data["public_key"])


@audit_app.command("prove")
def audit_prove(
    entry: Annotated[int | None, typer.Argument(help="Entry number (seq) to prove is in the log.")] = None,
    consistency_from: Annotated[
        Path | None,
        typer.Option("--consistency-from", help="Prove the log extends this older checkpoint file instead."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", "-c", help="Prove against this checkpoint (default: newest stored)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the proof to this JSON file.")
    ] = None,
) -> None:
    """Write an inclusion proof (ENTRY) or a consistency proof (--consistency-from OLD.json) as JSON."""
    from ethicompass.frames import atomic_write_text
    from ethicompass.transparency import prove_consistency, prove_inclusion

    if (entry is None) == (consistency_from is None):
        raise InputError("name an ENTRY or --consistency-from, not both or neither", hint="see --help")
    given = _read_checkpoint(checkpoint) if checkpoint is not None else None
    store = _store()
    if entry is not None:
        proof = prove_inclusion(store, entry, checkpoint=given)
    else:
        assert consistency_from is not None
        proof = prove_consistency(store, _read_checkpoint(consistency_from), second=given)
    if out is not None:
        atomic_write_text(out, json.dumps(proof, indent=2) + "\n")
        say(f"wrote the {proof['type']} proof to {out}")
    else:
        emit_json(proof)


@audit_app.command("verify-proof")
def audit_verify_proof(
    proof: Annotated[Path, typer.Argument(help="The proof file from `ethicompass audit prove`.")],
    public_key: Annotated[
        str, typer.Option("--public-key", help="The signer's public key (base64, PEM, or a file).")
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", "-c", help="A checkpoint you kept; the proof must build on it."),
    ] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Verify a proof offline with only the public key (and your own checkpoint); exit 1 if it fails."""
    from ethicompass.transparency import parse_public_key, verify_proof

    data = _read_json(proof, "proof")
    if not isinstance(data, dict):
        raise InputError(f"{proof} is not a proof", hint="use a file from `ethicompass audit prove`")
    witness = _read_checkpoint(checkpoint) if checkpoint is not None else None
    result = verify_proof(data, public_key=parse_public_key(public_key), witness=witness)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    elif result.ok:
        what = (
            f"entry {result.leaf_index} is in the log of {result.tree_size} entries"
            if result.kind == "inclusion"
            else f"the log of {result.tree_size} entries extends the log of {result.first_size}"
        )
        say(f"[green]proof verified[/green]: {what}")
    if not result.ok:
        raise VerdictFailed(
            f"the {result.kind} proof does not verify: {result.problem}", hint="do not trust it"
        )


@lineage_app.command("show")
def lineage_show(
    artefact: Annotated[str, typer.Argument(help="Artefact id, e.g. dataset:patients@1a2b3c4d5e6f.")],
    prov: Annotated[bool, typer.Option("--prov", help="Print the W3C PROV-JSON document instead.")] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Show an artefact, everything it was derived from, and everything derived from it."""
    from ethicompass.transparency import Lineage

    lin = Lineage(_store())
    if prov:
        emit_json(lin.to_prov(artefact))
        return
    item, ups, downs = lin.get(artefact), lin.upstream(artefact), lin.downstream(artefact)
    if fmt == OutputFormat.json:
        emit_json(
            {
                "artefact": item.to_dict(),
                "upstream": [a.to_dict() for a in ups],
                "downstream": [a.to_dict() for a in downs],
            }
        )
        return
    emit_table(
        item.id,
        ["field", "value"],
        [[k, json.dumps(v) if isinstance(v, dict | list) else v] for k, v in item.to_dict().items()],
    )
    emit_table(
        "derived from (upstream)",
        ["id", "kind", "content hash"],
        [[a.id, a.kind, a.content_hash] for a in ups],
    )
    emit_table(
        "used by (downstream)",
        ["id", "kind", "content hash"],
        [[a.id, a.kind, a.content_hash] for a in downs],
    )


@lineage_app.command("list")
def lineage_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only dataset, model or report.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List registered artefacts, oldest first."""
    from ethicompass.transparency import Lineage

    items = Lineage(_store()).artefacts(kind=kind)
    if fmt == OutputFormat.json:
        emit_json([a.to_dict() for a in items])
        return
    emit_table(
        "artefacts",
        ["id", "kind", "created", "by"],
        [[a.id, a.kind, a.created_at, a.created_by] for a in items],
    )


@modelcard_app.command("build")
def modelcard_build(
    manifest: Annotated[Path, typer.Argument(help="The study manifest (study.yaml).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for model_card.md, .html and .chai.xml.")
    ],
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers", help="YAML mapping of human-written fields (e.g. IntendedUseAndWorkflow: ...)."
        ),
    ] = None,
    n_boot: Annotated[int, typer.Option("--boot", min=0, help="Bootstrap replicates for intervals.")] = 200,
    n_boot_old: Annotated[
        int | None, typer.Option("--n-boot", min=0, hidden=True, help="Deprecated: use --boot.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the bootstrap.")] = 0,
    fmt: OutputFormat = format_option(),
) -> None:
    """Build a model card (Markdown, HTML, CHAI XML) from a study; every filled field names its source."""
    import hashlib

    n_boot = n_boot if n_boot_old is None else n_boot_old

    import yaml

    from ethicompass.errors import ManifestError
    from ethicompass.frames import atomic_write_bytes
    from ethicompass.review import model_card
    from ethicompass.study import Study
    from ethicompass.transparency import Lineage, audited, check_chai_xml, hash_file

    study = Study.from_file(manifest)
    study.check_files()
    given: dict[str, str] = {}
    if answers is not None:
        if not answers.is_file():
            raise InputError(f"answers file {answers} not found", hint="check the path")
        from ethicompass.frames import read_text_file

        try:
            data = yaml.safe_load(read_text_file(answers, what="answers file")) or {}
        except (yaml.YAMLError, RecursionError) as exc:
            raise ManifestError(f"{answers}: not valid YAML", hint="fix the YAML syntax") from exc
        if not isinstance(data, dict):
            raise ManifestError(
                f"{answers} must be a YAML mapping of field: text", hint="see docs/transparency.md"
            )
        given = {str(k): str(v) for k, v in data.items()}
    card = model_card(
        study, answers=given, answers_source=f"answers file {answers}", n_boot=n_boot, seed=seed
    )
    outputs = {
        "model_card.md": card.to_markdown().encode("utf-8"),
        "model_card.html": card.to_html().encode("utf-8"),
        "model_card.chai.xml": card.to_chai_xml(),
    }
    problems = check_chai_xml(outputs["model_card.chai.xml"])
    if problems:  # pragma: no cover - a bug, not bad input
        raise InputError(
            f"the CHAI XML failed its structural check: {problems[0]}", hint="report this as a bug"
        )
    digests = {name: "sha256:" + hashlib.sha256(data).hexdigest() for name, data in outputs.items()}
    # the lineage, its audit entry and the outputs: all of them, or none (an atomic write inside the block)
    with audited(_store()) as audit:
        upstream = []
        if study.predictions is not None:
            path = study.dataset_path(study.predictions.dataset)
            dataset = Lineage(audit.store).register(
                "dataset", study.predictions.dataset, content_hash=hash_file(path), conn=audit.conn
            )
            upstream.append(dataset.id)
        report = Lineage(audit.store).register(
            "report",
            f"model-card-{card.model_name}",
            content_hash=digests["model_card.chai.xml"],
            upstream=upstream,
            params={"n_boot": n_boot, "seed": seed},
            attributes={"missing_fields": len(card.missing)},
            conn=audit.conn,
        )
        audit.append(
            action="modelcard.build",
            object_type="report",
            object_id=report.id,
            hashes=digests,
            params={"missing_fields": card.missing, "missing_sections": list(card.missing_sections)},
        )
        for name, data in outputs.items():
            atomic_write_bytes(out / name, data)
    if fmt == OutputFormat.json:
        emit_json({**card.to_dict(), "outputs": {n: str(out / n) for n in outputs}, "artefact": report.id})
        return
    filled = len(card.fields) - len(card.missing)
    say(
        f"wrote {', '.join(outputs)} to {out} ({filled} fields filled from data, {len(card.missing)} missing)"
    )
    if card.missing:
        say("a person must still write: " + ", ".join(card.missing))
    for section in card.missing_sections:
        say(f"[yellow]not computed[/yellow]: {section}")


def register(app: typer.Typer) -> None:
    """Add the ``audit``, ``lineage`` and ``modelcard`` verbs to the CLI."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(lineage_app, name="lineage")
    app.add_typer(modelcard_app, name="modelcard")
