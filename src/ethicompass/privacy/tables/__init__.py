"""Tables: classify columns, then de-identify them with a certificate of what was done.

Entry points: :func:`scan` proposes a role for every column (HIPAA Safe Harbor identifiers, quasi-identifiers,
free text); :func:`deidentify` (or :func:`deidentify_batches` for a stream of batches) applies a
:class:`Policy` to a table described by a :class:`TableSchema` and returns the frame with its
:class:`Certificate`. :func:`content_hash` is the table hash the certificate records.

The package-level names of :mod:`ethicompass.privacy` are the public surface; these modules are where they live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy.tables._content_hash import content_hash
    from ethicompass.privacy.tables._deid import DeidResult, deidentify
    from ethicompass.privacy.tables._deid_cert import Certificate, ColumnRecord, read_linkage
    from ethicompass.privacy.tables._deid_stream import deidentify_batches
    from ethicompass.privacy.tables._deid_transform import DeidTransform
    from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
    from ethicompass.privacy.tables._scan import ColumnFinding, ScanReport, scan

__getattr__, __dir__ = attach(
    __name__,
    {
        "Certificate": "ethicompass.privacy.tables._deid_cert",
        "ColumnFinding": "ethicompass.privacy.tables._scan",
        "ColumnRecord": "ethicompass.privacy.tables._deid_cert",
        "DeidResult": "ethicompass.privacy.tables._deid",
        "DeidTransform": "ethicompass.privacy.tables._deid_transform",
        "Policy": "ethicompass.privacy.tables._safe_harbor",
        "ScanReport": "ethicompass.privacy.tables._scan",
        "TableSchema": "ethicompass.privacy.tables._safe_harbor",
        "content_hash": "ethicompass.privacy.tables._content_hash",
        "deidentify": "ethicompass.privacy.tables._deid",
        "deidentify_batches": "ethicompass.privacy.tables._deid_stream",
        "read_linkage": "ethicompass.privacy.tables._deid_cert",
        "scan": "ethicompass.privacy.tables._scan",
    },
)

__all__ = [
    "Certificate",
    "ColumnFinding",
    "ColumnRecord",
    "DeidResult",
    "DeidTransform",
    "Policy",
    "ScanReport",
    "TableSchema",
    "content_hash",
    "deidentify",
    "deidentify_batches",
    "read_linkage",
    "scan",
]
