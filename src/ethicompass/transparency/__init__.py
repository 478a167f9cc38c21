"""Transparency & accountability: the tamper-evident audit log, lineage, model cards, explanations.

Entry points: ``AuditLog(store).append(...)`` records who did what to which data, and
``verify_log`` / ``write_checkpoint`` / ``prove_inclusion`` make that record checkable by an
outsider; ``Lineage(store).register(...)`` records where a dataset, model or report came from;
``build_model_card(study)`` writes what the data can say about a model and lists what a person
must; ``explain_global`` / ``explain_prediction`` explain a fitted model.
"""

from __future__ import annotations

from ethicompass.transparency._chai import check_chai_xml
from ethicompass.transparency._checkpoint import (
    Checkpoint,
    generate_signing_key,
    load_signing_key,
    parse_public_key,
    sign_checkpoint,
)
from ethicompass.transparency._explain import (
    GlobalExplanation,
    LocalExplanation,
    explain_global,
    explain_prediction,
)
from ethicompass.transparency._hashing import hash_file, hash_frame
from ethicompass.transparency._lineage import Artefact, Lineage, artefact_id
from ethicompass.transparency._log import (
    AuditEntry,
    AuditLog,
    canonical_json,
    default_actor,
    leaf_hash,
)
from ethicompass.transparency._merkle import (
    consistency_proof,
    inclusion_proof,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from ethicompass.transparency._modelcard import CardField, ModelCard, build_model_card
from ethicompass.transparency._proofs import ProofCheck, prove_consistency, prove_inclusion, verify_proof
from ethicompass.transparency._verify import CheckpointCheck, VerifyResult, verify_log, write_checkpoint

__all__ = [
    "Artefact",
    "AuditEntry",
    "AuditLog",
    "CardField",
    "Checkpoint",
    "CheckpointCheck",
    "GlobalExplanation",
    "Lineage",
    "LocalExplanation",
    "ModelCard",
    "ProofCheck",
    "VerifyResult",
    "artefact_id",
    "build_model_card",
    "canonical_json",
    "check_chai_xml",
    "consistency_proof",
    "default_actor",
    "explain_global",
    "explain_prediction",
    "generate_signing_key",
    "hash_file",
    "hash_frame",
    "inclusion_proof",
    "leaf_hash",
    "load_signing_key",
    "node_hash",
    "parse_public_key",
    "prove_consistency",
    "prove_inclusion",
    "root_hash",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_proof",
    "write_checkpoint",
]
