"""Transparency & accountability: the tamper-evident audit log, lineage, model cards.

Entry points: ``AuditLog(store).append(...)`` records who did what to which data;
``Lineage(store).register(...)`` records where a dataset, model or report came from.
"""

from __future__ import annotations

from ethicompass.transparency._hashing import hash_file, hash_frame
from ethicompass.transparency._lineage import Artefact, Lineage, artefact_id
from ethicompass.transparency._log import (
    AuditEntry,
    AuditLog,
    canonical_json,
    default_actor,
    leaf_hash,
)

__all__ = [
    "Artefact",
    "AuditEntry",
    "AuditLog",
    "Lineage",
    "artefact_id",
    "canonical_json",
    "default_actor",
    "hash_file",
    "hash_frame",
    "leaf_hash",
]
