"""Demo step: import the study's consents, enforce AI-training consent on the predictions, carry a withdrawal."""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl

from ethicompass.consent._csv import read_consents_csv
from ethicompass.consent._enforce import enforce
from ethicompass.consent._participants import read_participant_ids
from ethicompass.consent._registry import Registry
from ethicompass.consent._withdrawal import register_members, unresolved_decisions
from ethicompass.frames import load_table, sha256_file
from ethicompass.transparency import AuditLog, Lineage

PURPOSE = "ai-model-training"


def run(ctx: Any) -> None:
    """Import consents.csv, enforce ``ai-model-training`` on predictions.csv, then show a late withdrawal."""
    consents = ctx.study_dir / "consents.csv"
    registry = Registry(ctx.store, actor="demo", role="data_manager")
    listed = registry.register_participants(
        read_participant_ids(ctx.study_dir / "patients.csv"), source="file:patients.csv"
    )
    ctx.say(f"Registered {listed.added:,} participants from patients.csv: consent is stored only for them.")
    summary = registry.import_records(read_consents_csv(consents, recorded_by="demo"))
    ctx.say(
        f"Imported {summary.records:,} consent events for {summary.participants:,} participants "
        f"({', '.join(f'{n:,} {a}' for a, n in sorted(summary.by_action.items()))})."
    )
    predictions_path = ctx.study_dir / "predictions.csv"
    predictions = load_table(predictions_path)
    kept, record = enforce(
        predictions, purpose=PURPOSE, participant_column="participant_id", registry=registry
    )
    ctx.say(
        f"Enforcing '{PURPOSE}' on the predictions table kept {record.rows_kept:,} of {record.rows_in:,} rows "
        f"and excluded {record.rows_dropped_total:,}:"
    )
    for reason, rows in sorted(record.rows_dropped.items(), key=lambda kv: -kv[1]):
        ctx.say(f"  - {rows:,} because the participant's consent is {reason.replace('-', ' ')}")
    lineage = Lineage(ctx.store)
    dataset = lineage.register(
        "dataset",
        "ai-training-cohort",
        content_hash="sha256:" + hashlib.sha256(kept.write_csv().encode()).hexdigest(),
        params={"purpose": PURPOSE},
    )
    register_members(ctx.store, dataset.id, kept["participant_id"].to_list(), purpose=PURPOSE)
    model = lineage.register(
        "model",
        "risk-model",
        content_hash="sha256:" + "0" * 64,
        upstream=[dataset.id],
        attributes={"note": "demo placeholder for the study's risk model"},
    )
    AuditLog(ctx.store).append(
        action="consent.enforce",
        object_type="dataset",
        object_id=dataset.id,
        actor="demo",
        role="data_manager",
        hashes={"input": sha256_file(predictions_path), "consent_state": record.status_hash},
        params=record.to_dict(),
    )
    first = kept.select(pl.col("participant_id").first()).item()
    registry.withdraw(first, PURPOSE, recorded_by="demo", source="portal")
    again = registry.import_records(read_consents_csv(consents, recorded_by="demo"))
    still = registry.status(first, PURPOSE)
    ctx.say(
        f"Re-importing consents.csv stored {again.records:,} events ({again.duplicates:,} duplicates): "
        f"the withdrawal stands (decision {still.decision.value}, version {still.version})."
    )
    open_ = unresolved_decisions(ctx.store)
    ctx.say(
        f"One participant in the training cohort then withdrew from AI training: {len(open_)} derived "
        f"artefacts ({', '.join(d.artefact_id for d in open_)}) now carry an open decision (retain under a "
        f"named legal basis, retrain, or erase); their data is excluded from future use at once."
    )
    ctx.say(f"(the model '{model.name}' is a placeholder registered so the withdrawal has a model to reach)")
    ctx.results["consent"] = {
        "enforcement": record,
        "unresolved": open_,
        "import": summary,
        "reimport": again,
        "withdrawn_status": still,
    }
