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
    from ethicompass.transparency._bindings import bind_ids, binding, prior_digests
    from ethicompass.transparency._chai import check_chai_xml
    from ethicompass.transparency._checkpoint import (
        KEY_ENV,
        Checkpoint,
        generate_signing_key,
        key_id,
        load_signing_key,
        parse_public_key,
        public_key_of,
        sign_checkpoint,
    )
    from ethicompass.transparency._content_hash import (
        ContentHasher,
        canonical_columns,
        content_hash,
        pack_parts,
        unpack_parts,
    )
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
    from ethicompass.transparency._verify import (
        CheckpointCheck,
        VerifyResult,
        checkpoint_if_grown,
        verify_log,
        write_checkpoint,
    )
    from ethicompass.transparency._witness import KEY_FILE_ENV, cadence_seconds

__getattr__, __dir__ = attach(
    __name__,
    {
        "Artefact": "ethicompass.transparency._lineage",
        "artefact_id": "ethicompass.transparency._lineage",
        "AuditAction": "ethicompass.transparency._actions",
        "Audited": "ethicompass.transparency._audited",
        "audited": "ethicompass.transparency._audited",
        "AuditEntry": "ethicompass.transparency._log",
        "AuditEvent": "ethicompass.transparency._actions",
        "AuditLog": "ethicompass.transparency._log",
        "bind_ids": "ethicompass.transparency._bindings",
        "binding": "ethicompass.transparency._bindings",
        "build_model_card": "ethicompass.transparency._modelcard",
        "cadence_seconds": "ethicompass.transparency._witness",
        "canonical_columns": "ethicompass.transparency._content_hash",
        "canonical_json": "ethicompass.transparency._log",
        "CardField": "ethicompass.transparency._modelcard",
        "check_chai_xml": "ethicompass.transparency._chai",
        "Checkpoint": "ethicompass.transparency._checkpoint",
        "checkpoint_if_grown": "ethicompass.transparency._verify",
        "CheckpointCheck": "ethicompass.transparency._verify",
        "consistency_proof": "ethicompass.transparency._merkle",
        "content_hash": "ethicompass.transparency._content_hash",
        "ContentHasher": "ethicompass.transparency._content_hash",
        "default_actor": "ethicompass.transparency._log",
        "explain_global": "ethicompass.transparency._explain",
        "explain_prediction": "ethicompass.transparency._explain",
        "generate_signing_key": "ethicompass.transparency._checkpoint",
        "GlobalExplanation": "ethicompass.transparency._explain",
        "hash_file": "ethicompass.transparency._hashing",
        "hash_frame": "ethicompass.transparency._hashing",
        "inclusion_proof": "ethicompass.transparency._merkle",
        "KEY_ENV": "ethicompass.transparency._checkpoint",
        "KEY_FILE_ENV": "ethicompass.transparency._witness",
        "key_id": "ethicompass.transparency._checkpoint",
        "leaf_hash": "ethicompass.transparency._log",
        "Lineage": "ethicompass.transparency._lineage",
        "load_signing_key": "ethicompass.transparency._checkpoint",
        "LocalExplanation": "ethicompass.transparency._explain",
        "ModelCard": "ethicompass.transparency._modelcard",
        "node_hash": "ethicompass.transparency._merkle",
        "pack_parts": "ethicompass.transparency._content_hash",
        "parse_public_key": "ethicompass.transparency._checkpoint",
        "prior_digests": "ethicompass.transparency._bindings",
        "ProofCheck": "ethicompass.transparency._proofs",
        "prove_consistency": "ethicompass.transparency._proofs",
        "prove_inclusion": "ethicompass.transparency._proofs",
        "public_key_of": "ethicompass.transparency._checkpoint",
        "root_hash": "ethicompass.transparency._merkle",
        "sign_checkpoint": "ethicompass.transparency._checkpoint",
        "table_hash_matches": "ethicompass.transparency._hashing",
        "unpack_parts": "ethicompass.transparency._content_hash",
        "verify_consistency": "ethicompass.transparency._merkle",
        "verify_inclusion": "ethicompass.transparency._merkle",
        "verify_log": "ethicompass.transparency._verify",
        "verify_proof": "ethicompass.transparency._proofs",
        "VerifyResult": "ethicompass.transparency._verify",
        "write_checkpoint": "ethicompass.transparency._verify",
    },
)

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "Artefact",
    "AuditAction",
    "AuditEntry",
    "AuditEvent",
    "AuditLog",
    "Audited",
    "CardField",
    "Checkpoint",
    "CheckpointCheck",
    "ContentHasher",
    "GlobalExplanation",
    "Lineage",
    "LocalExplanation",
    "ModelCard",
    "ProofCheck",
    "VerifyResult",
    "artefact_id",
    "audited",
    "bind_ids",
    "binding",
    "build_model_card",
    "cadence_seconds",
    "canonical_columns",
    "canonical_json",
    "check_chai_xml",
    "checkpoint_if_grown",
    "consistency_proof",
    "content_hash",
    "default_actor",
    "explain_global",
    "explain_prediction",
    "generate_signing_key",
    "hash_file",
    "hash_frame",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "load_signing_key",
    "node_hash",
    "pack_parts",
    "parse_public_key",
    "prior_digests",
    "prove_consistency",
    "prove_inclusion",
    "public_key_of",
    "root_hash",
    "sign_checkpoint",
    "table_hash_matches",
    "unpack_parts",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_proof",
    "write_checkpoint",
]
