"""Transparency & accountability: the tamper-evident audit log, lineage, model cards.

Entry point: ``AuditLog(store).append(...)`` records who did what to which data.
"""

from __future__ import annotations

from ethicompass.transparency._log import (
    AuditEntry,
    AuditLog,
    canonical_json,
    default_actor,
    leaf_hash,
)

__all__ = ["AuditEntry", "AuditLog", "canonical_json", "default_actor", "leaf_hash"]
