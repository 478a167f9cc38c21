"""Transparency & accountability: the tamper-evident audit log, lineage, model cards, explanations.

Entry points: ``AuditLog(store).append(...)`` records who did what to which data, and
``verify_log`` / ``write_checkpoint`` / ``prove_inclusion`` make that record checkable by an
outsider; ``Lineage(store).register(...)`` records where a dataset, model or report came from;
``build_model_card(study)`` writes what the data can say about a model and lists what a person
must; ``explain_global`` / ``explain_prediction`` explain a fitted model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.transparency._actions import AuditAction, AuditEvent
    from ethicompass.transparency._audited import Audited, audited
    from ethicompass.transparency._chai import check_chai_xml
    from ethicompass.transparency._checkpoint import (
        Checkpoint,
        generate_signing_key,
        load_signing_key,
        parse_public_key,
        sign_checkpoint,
    )
    from ethicompass.transparency._content_hash import content_hash
    from ethicompass.transparency._explain import (
        GlobalExplanation,
        LocalExplanation,
        explain_global,
        explain_prediction,
    )
    from ethicompass.transparency._hashing import hash_file, hash_frame, table_hash_matches
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

__getattr__, __dir__ = attach(
    __name__,
    {
        "Artefact": "ethicompass.transparency._lineage",
        "AuditAction": "ethicompass.transparency._actions",
        "Audited": "ethicompass.transparency._audited",
        "AuditEntry": "ethicompass.transparency._log",
        "AuditEvent": "ethicompass.transparency._actions",
        "AuditLog": "ethicompass.transparency._log",
        "CardField": "ethicompass.transparency._modelcard",
        "Checkpoint": "ethicompass.transparency._checkpoint",
        "CheckpointCheck": "ethicompass.transparency._verify",
        "GlobalExplanation": "ethicompass.transparency._explain",
        "Lineage": "ethicompass.transparency._lineage",
        "LocalExplanation": "ethicompass.transparency._explain",
        "ModelCard": "ethicompass.transparency._modelcard",
        "ProofCheck": "ethicompass.transparency._proofs",
        "VerifyResult": "ethicompass.transparency._verify",
        "artefact_id": "ethicompass.transparency._lineage",
        "audited": "ethicompass.transparency._audited",
        "build_model_card": "ethicompass.transparency._modelcard",
        "canonical_json": "ethicompass.transparency._log",
        "content_hash": "ethicompass.transparency._content_hash",
        "check_chai_xml": "ethicompass.transparency._chai",
        "consistency_proof": "ethicompass.transparency._merkle",
        "default_actor": "ethicompass.transparency._log",
        "explain_global": "ethicompass.transparency._explain",
        "explain_prediction": "ethicompass.transparency._explain",
        "generate_signing_key": "ethicompass.transparency._checkpoint",
        "hash_file": "ethicompass.transparency._hashing",
        "hash_frame": "ethicompass.transparency._hashing",
        "table_hash_matches": "ethicompass.transparency._hashing",
        "inclusion_proof": "ethicompass.transparency._merkle",
        "leaf_hash": "ethicompass.transparency._log",
        "load_signing_key": "ethicompass.transparency._checkpoint",
        "node_hash": "ethicompass.transparency._merkle",
        "parse_public_key": "ethicompass.transparency._checkpoint",
        "prove_consistency": "ethicompass.transparency._proofs",
        "prove_inclusion": "ethicompass.transparency._proofs",
        "root_hash": "ethicompass.transparency._merkle",
        "sign_checkpoint": "ethicompass.transparency._checkpoint",
        "verify_consistency": "ethicompass.transparency._merkle",
        "verify_inclusion": "ethicompass.transparency._merkle",
        "verify_log": "ethicompass.transparency._verify",
        "verify_proof": "ethicompass.transparency._proofs",
        "write_checkpoint": "ethicompass.transparency._verify",
    },
)

__all__ = [
    "Artefact",
    "AuditAction",
    "AuditEntry",
    "AuditEvent",
    "AuditLog",
    "Audited",
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
    "audited",
    "build_model_card",
    "canonical_json",
    "check_chai_xml",
    "consistency_proof",
    "content_hash",
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
    "table_hash_matches",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_proof",
    "write_checkpoint",
]
