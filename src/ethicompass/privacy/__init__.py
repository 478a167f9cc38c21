"""Data privacy & security: find identifiers, de-identify tables and notes, measure re-identification risk.

Entry points: ``scan`` then ``deidentify`` for tables; ``find_phi`` then ``redact`` for clinical text;
``risk`` then ``anonymize`` for quasi-identifiers; ``release`` for differentially private aggregates.
"""

from __future__ import annotations

from ethicompass.privacy._deid import DeidResult, DeidTransform, deidentify
from ethicompass.privacy._deid_cert import Certificate, ColumnRecord, read_linkage
from ethicompass.privacy._keys import Key, date_offset_days, is_pseudonym, load_key, pseudonym, write_key
from ethicompass.privacy._safe_harbor import Policy, TableSchema
from ethicompass.privacy._scan import ColumnFinding, ScanReport, scan

__all__ = [
    "Certificate",
    "ColumnFinding",
    "ColumnRecord",
    "DeidResult",
    "DeidTransform",
    "Key",
    "Policy",
    "ScanReport",
    "TableSchema",
    "date_offset_days",
    "deidentify",
    "is_pseudonym",
    "load_key",
    "pseudonym",
    "read_linkage",
    "scan",
    "write_key",
]
