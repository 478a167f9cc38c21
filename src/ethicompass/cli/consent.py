"""``ethicompass consent ...``: participants, import, export, grant, refuse, withdraw, status, history, enforce,
decisions."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from ethicompass._console import OutputFormat, emit_json, emit_table, format_option, raw_csv_option, say
from ethicompass.engines._options import (
    Engine,
    check_out,
    engine_option,
    engine_params,
    master_option,
    out_folder_option,
)

__all__ = ["register"]

consent_app = typer.Typer(
    help="Consent per participant and purpose: record it, answer it, enforce it, carry withdrawals.",
    no_args_is_help=True,
)

ParticipantOpt = Annotated[str, typer.Option("--participant", "-p", help="The participant id.")]
PurposeOpt = Annotated[
    str,
    typer.Option(
        "--purpose",
        help="Purpose code: primary-study, secondary-research, ai-model-training, data-sharing-external, "
        "recontact, or a custom code.",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="Answer as of this ISO time (default: now); also backdates a change."),
]
FhirOpt = Annotated[
    str | None, typer.Option("--fhir", help="FHIR release of the file: r4 or r5 (default: detect).")
]
_FHIR_SUFFIXES = (".json", ".xml", ".ndjson")


def _store() -> Any:
    from ethicompass.cli._app import state_store

    return state_store()


def _registry(store: Any) -> Any:
    from ethicompass.consent import Registry
    from ethicompass.transparency import default_actor

    return Registry(store, actor=default_actor(), role="cli")


def _fhir_version(value: str | None) -> Any:
    from ethicompass.consent import FhirVersion
    from ethicompass.errors import InputError

    if value is None:
        return None
    try:
        return FhirVersion(value.lower().replace("r4b", "r4"))
    except ValueError as exc:
        raise InputError(f"--fhir {value!r} is not r4 or r5", hint="pass --fhir r4 or --fhir r5") from exc


def _emit_status(status: Any, fmt: OutputFormat, *, note: str | None = None) -> None:
    data = status.to_dict()
    if fmt == OutputFormat.json:
        shown = {k: data[k] for k in ("participant", "purpose", "decision", "since", "version")}
        emit_json(shown | ({"note": note} if note else {}))
    else:
        emit_table("consent", list(data), [list(data.values())])
        if note:
            say(f"[yellow]note[/yellow]: {note}")


UnknownOpt = Annotated[
    bool,
    typer.Option(
        "--register-unknown",
        help="Register ids the registry does not know yet as participants (otherwise nothing is imported).",
    ),
]
SkipUnknownOpt = Annotated[
    bool,
    typer.Option("--skip-unknown", help="Leave out the events of unknown ids and import the rest (counted)."),
]


@consent_app.command("import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="consents.csv (or .parquet/.jsonl) or FHIR Consent files.")
    ],
    fhir: FhirOpt = None,
    register_unknown: UnknownOpt = False,
    skip_unknown: SkipUnknownOpt = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """Import consent events: a consents table or FHIR Consent (JSON, Bundle, NDJSON or XML; R4 or R5).

    Importing is idempotent: an event already stored (same participant, purpose, decision, time
    and source) is counted as a duplicate and not stored again. An event older than the decision
    in force is kept as history and never becomes current, so re-importing an old file cannot
    undo a later withdrawal. Every id must be a registered participant (see `consent
    participants import`); an import naming unknown ids stores nothing unless --register-unknown
    or --skip-unknown says what to do with them.
    """
    from ethicompass.consent import read_consents_csv, read_fhir_file
    from ethicompass.errors import InputError
    from ethicompass.transparency import default_actor

    if register_unknown and skip_unknown:
        raise InputError(
            "--register-unknown and --skip-unknown contradict each other", hint="pass one of them"
        )
    unknown = "register" if register_unknown else "skip" if skip_unknown else "error"
    version = _fhir_version(fhir)
    store = _store()
    registry = _registry(store)
    summaries = []
    for path in files:
        is_fhir = path.suffix.lower() in _FHIR_SUFFIXES and (
            path.suffix.lower() != ".ndjson" or fhir is not None
        )
        if path.suffix.lower() == ".ndjson" and fhir is None:
            is_fhir = '"resourceType"' in path.read_text(encoding="utf-8", errors="replace")[:2000]
        if is_fhir:
            records = read_fhir_file(path, fhir_version=version, recorded_by=default_actor())
            source = records[0].source if records else "fhir"
        else:
            records = read_consents_csv(path, recorded_by=default_actor())
            source = "csv"
        summary = registry.import_records(records, source=source, unknown=unknown)
        summaries.append({"file": str(path), **summary.to_dict()})
    if fmt == OutputFormat.json:
        emit_json({"imported": summaries})
    else:
        cols = [
            "file",
            "records",
            "participants",
            "duplicates",
            "superseded",
            "unknown",
            "registered",
            "source",
        ]
        emit_table("consent import", cols, [[s[c] for c in cols] for s in summaries])
        if any(s["superseded"] for s in summaries):
            say(
                "superseded events are older than the decision in force for their purpose: kept as history, "
                "never current"
            )


@consent_app.command("export")
def export(
    fhir: Annotated[str, typer.Option("--fhir", help="FHIR release to write: r4 or r5.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output file: .json (Bundle), .ndjson, or .xml (XML Bundle, R4 or R5)."
        ),
    ],
    purpose: Annotated[str | None, typer.Option("--purpose", help="Only this purpose.")] = None,
) -> None:
    """Export every consent record as FHIR Consent resources (one per version)."""
    from ethicompass.consent import write_fhir_file
    from ethicompass.frames import sha256_file
    from ethicompass.transparency import AuditLog

    version = _fhir_version(fhir)
    store = _store()
    records = _registry(store).records(purpose=purpose)
    count = write_fhir_file(records, out, fhir_version=version)
    AuditLog(store).append(
        action="consent.export",
        object_type="file",
        object_id=out.name,
        hashes={"output": sha256_file(out)},
        params={"fhir": version.value, "resources": count, "purpose": purpose},
    )
    say(f"wrote {count:,} FHIR {version.value.upper()} Consent resources to {out}")


def _change(
    action: str, participant: str, purpose: str, at: str | None, fmt: OutputFormat, **extra: Any
) -> None:
    store = _store()
    registry = _registry(store)
    if action == "grant":
        record = registry.grant(participant, purpose, recorded_at=at, source="cli", **extra)
    elif action == "refuse":
        record = registry.refuse(participant, purpose, recorded_at=at, source="cli", **extra)
    else:
        record = registry.withdraw(participant, purpose, recorded_at=at, source="cli")
    current = registry.status(participant, purpose)
    note = None
    if current.version != record.version:
        note = (
            f"recorded as history (version {record.version}, effective {record.to_dict()['recorded_at']}): "
            f"a later decision, version {current.version}, is in force"
        )
    _emit_status(current, fmt, note=note)
    if action == "withdraw":
        from ethicompass.consent import decisions

        opened = decisions(store, consent_record_id=record.id)
        if opened:
            say(
                f"{len(opened)} derived artefact(s) hold this participant's data; each needs a decision "
                "(see `ethicompass consent decisions --unresolved`)"
            )


DocVersionOpt = Annotated[
    str | None, typer.Option("--document-version", help="Version of the consent form signed.")
]


@consent_app.command("grant")
def grant(
    participant: ParticipantOpt,
    purpose: PurposeOpt,
    at: AtOpt = None,
    document_version: DocVersionOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Record that the participant permits the purpose (a new version)."""
    _change("grant", participant, purpose, at, fmt, document_version=document_version)


@consent_app.command("refuse")
def refuse(
    participant: ParticipantOpt,
    purpose: PurposeOpt,
    at: AtOpt = None,
    document_version: DocVersionOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Record that the participant refuses the purpose (a new version)."""
    _change("refuse", participant, purpose, at, fmt, document_version=document_version)


@consent_app.command("withdraw")
def withdraw(
    participant: ParticipantOpt,
    purpose: PurposeOpt,
    at: AtOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Record that the participant withdraws the purpose; opens a decision for each affected artefact."""
    _change("withdraw", participant, purpose, at, fmt)


@consent_app.command("status")
def status(
    participant: ParticipantOpt,
    purpose: PurposeOpt,
    at: AtOpt = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Show the consent in force for a participant and purpose, now or --at a past time."""
    _emit_status(_registry(_store()).status(participant, purpose, at=at), fmt)


@consent_app.command("history")
def history(
    participant: ParticipantOpt,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Only this purpose.")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """List every recorded version of the participant's consent, oldest first."""
    records = [r.to_dict() for r in _registry(_store()).history(participant, purpose=purpose)]
    if fmt == OutputFormat.json:
        emit_json(records)
        return
    cols = ["recorded_at", "purpose", "version", "action", "decision", "source", "document_version"]
    emit_table("consent history", cols, [[r[c] for c in cols] for r in records])


@consent_app.command("enforce")
def enforce_cmd(
    data: Annotated[Path, typer.Argument(help="The table to filter (CSV, Parquet, JSONL).")],
    purpose: PurposeOpt,
    participant_column: Annotated[
        str, typer.Option("--participant-column", "-c", help="Column of participant ids.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write the rows consent permits.")
    ] = None,
    at: AtOpt = None,
    register_as: Annotated[
        str | None,
        typer.Option(
            "--register-as",
            help="Register the output as a lineage dataset with this name (and its participants).",
        ),
    ] = None,
    raw_csv: bool = raw_csv_option(),
    engine: Engine = engine_option(),
    master: str = master_option(),
    out_folder: Annotated[Path | None, out_folder_option()] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Keep only rows whose participant's consent permits the purpose; write them to --out.

    The counts kept and dropped by reason (no identifiers) go to the audit log before the output
    file (or, with ``--engine spark --out-folder``, the Parquet folder) appears.
    """
    from ethicompass.consent import enforce, register_members
    from ethicompass.engines._options import load, parquet_folder, sha256_path, strings, write_table
    from ethicompass.frames import atomic_path
    from ethicompass.transparency import AuditAction, Lineage, audited

    check_out(out, out_folder, engine)
    target = out or out_folder
    assert target is not None
    frame = load(data, engine=engine, master=master)
    store = _store()
    kept, record = enforce(
        frame, purpose=purpose, participant_column=participant_column, at=at, registry=_registry(store)
    )
    with ExitStack() as stack:
        if out_folder is not None:  # the executors write the folder; it appears after the audit entry
            tmp = stack.enter_context(parquet_folder(out_folder))
            kept.write.parquet(str(tmp))
            neutralised = 0
        else:
            tmp = stack.enter_context(atomic_path(target))
            tmp_name = target.with_name(f".enforce-{target.stem}{target.suffix}")
            try:
                neutralised = write_table(kept, tmp_name, raw_csv=raw_csv)
                tmp_name.replace(tmp)
            finally:
                tmp_name.unlink(missing_ok=True)  # gone already when the rename went through
        out_hash = sha256_path(tmp)
        artefact = None
        # the dataset, its participants and the audit entries commit together, before the output appears
        with audited(store) as audit:
            if register_as:
                artefact = Lineage(store).register(
                    "dataset",
                    register_as,
                    content_hash=out_hash,
                    params={"purpose": purpose, "enforced_at": record.at},
                    conn=audit.conn,
                )
                members = strings(kept, participant_column)
                register_members(store, artefact.id, members, purpose=purpose, conn=audit.conn)
            audit.append(
                action=AuditAction.CONSENT_ENFORCE,
                object_type="dataset",
                object_id=artefact.id if artefact else target.name,
                hashes={"input": sha256_path(data), "output": out_hash, "consent_state": record.status_hash},
                params=record.to_dict()
                | engine_params(engine, master)
                | {"csv_formulas_neutralised": neutralised},
            )
    result = (
        record.to_dict()
        | ({"artefact": artefact.id} if artefact else {})
        | {"csv_formulas_neutralised": neutralised}
    )
    if fmt == OutputFormat.json:
        emit_json(result)
    else:
        emit_table("consent enforcement", ["outcome", "rows", "participants"], record.to_frame().rows())
        say(f"kept {record.rows_kept:,} of {record.rows_in:,} rows; wrote {target}")


@consent_app.command("decisions")
def decisions_cmd(
    unresolved: Annotated[bool, typer.Option("--unresolved", help="Only decisions still open.")] = False,
    fmt: OutputFormat = format_option(),
) -> None:
    """List the decisions withdrawals opened for derived artefacts (open ones are unresolved)."""
    from ethicompass.consent import decisions, unresolved_decisions

    store = _store()
    found = unresolved_decisions(store) if unresolved else decisions(store)
    rows = [d.to_dict() for d in found]
    if fmt == OutputFormat.json:
        emit_json(rows)
        return
    cols = ["id", "artefact_id", "purpose", "status", "action", "legal_basis", "opened_at"]
    emit_table("withdrawal decisions", cols, [[r[c] for c in cols] for r in rows])


@consent_app.command("decide")
def decide_cmd(
    decision_id: Annotated[int, typer.Argument(help="The decision id (from `consent decisions`).")],
    action: Annotated[str, typer.Option("--action", help="exclude, retain, retrain or erase.")],
    legal_basis: Annotated[
        str,
        typer.Option(
            "--legal-basis", help="The basis, e.g. eu-ctr-art-28-3, gdpr-art-17, hipaa-164-508-b-5."
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Free-text reasoning (no identifiers).")] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Record what happens to one artefact after a withdrawal, on a named legal basis."""
    from ethicompass.consent import decide
    from ethicompass.transparency import default_actor

    result = decide(
        _store(),
        decision_id,
        action=action,
        legal_basis=legal_basis,
        note=note,
        decided_by=default_actor(),
        role="cli",
    )
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        say(f"decision {result.id} on {result.artefact_id}: {result.action} ({result.legal_basis})")


participants_app = typer.Typer(
    help="The participants the consent registry knows: consent is stored only for them.", no_args_is_help=True
)


@participants_app.command("import")
def participants_import(
    table: Annotated[Path, typer.Argument(help="The study's participants table (CSV, Parquet, JSONL).")],
    column: Annotated[
        str | None, typer.Option("--column", "-c", help="Column of participant ids (default participant_id).")
    ] = None,
    fmt: OutputFormat = format_option(),
) -> None:
    """Register every participant id of a table (idempotent; look-alike ids are refused, naming the line)."""
    from ethicompass.consent import read_participant_ids

    ids = read_participant_ids(table, column=column)
    summary = _registry(_store()).register_participants(ids, source=f"file:{table.name}")
    if fmt == OutputFormat.json:
        emit_json({"file": str(table), **summary.to_dict()})
    else:
        emit_table(
            "participants", ["file", "added", "already"], [[str(table), summary.added, summary.already]]
        )


@participants_app.command("count")
def participants_count(fmt: OutputFormat = format_option()) -> None:
    """How many participants the registry knows (ids are never listed)."""
    count = len(_registry(_store()).participants())
    if fmt == OutputFormat.json:
        emit_json({"participants": count})
    else:
        say(f"{count:,} participants registered")


consent_app.add_typer(participants_app, name="participants")


def register(app: typer.Typer) -> None:
    """Add the ``consent`` verbs to the ``ethicompass`` app."""
    app.add_typer(consent_app, name="consent")
