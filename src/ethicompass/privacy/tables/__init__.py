"""Tables: classify columns, then de-identify them with a certificate of what was done.

Entry points: :func:`scan` proposes a role for every column (HIPAA Safe Harbor identifiers, quasi-identifiers,
free text); :func:`deidentify` (or :func:`deidentify_batches` for a stream of batches) applies a
:class:`Policy` to a table described by a :class:`TableSchema` and returns the frame with its
:class:`Certificate`. :func:`content_hash` is the table hash the certificate records. :func:`read_for_privacy`
and :func:`batches_for_privacy` read a file as every path of the command line does (CSV as text);
:class:`BatchWriter` writes the de-identified batches to one CSV or Parquet file as they come.

Kernels for engines: a distributed engine runs :class:`DeidTransform` per partition and rebuilds the
in-process certificate from per-partition counts (:func:`merge_counts`), content-hash parts
(:func:`canonical_columns`, :func:`pack_parts`, :func:`unpack_parts`, :class:`ContentHasher`) and linkage
pairs (:func:`linkage_pairs`, :class:`LinkagePairs`, :func:`encrypt_linkage`), then :func:`certificate_of`.

The names users need are re-exported by :mod:`ethicompass.privacy`; import them from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy.tables._deid import DeidResult, certificate_of, deidentify, linkage_pairs
    from ethicompass.privacy.tables._deid_cert import Certificate, ColumnRecord, encrypt_linkage, read_linkage
    from ethicompass.privacy.tables._deid_stream import LinkagePairs, deidentify_batches, merge_counts
    from ethicompass.privacy.tables._deid_transform import DeidTransform
    from ethicompass.privacy.tables._read import batches_for_privacy, check_json_types, read_for_privacy
    from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
    from ethicompass.privacy.tables._scan import ColumnFinding, ScanReport, scan
    from ethicompass.privacy.tables._write import BatchWriter
    from ethicompass.transparency._content_hash import (
        ContentHasher,
        canonical_columns,
        content_hash,
        pack_parts,
        unpack_parts,
    )

_CONTENT = "ethicompass.transparency._content_hash"
_DEID = "ethicompass.privacy.tables._deid"
_CERT = "ethicompass.privacy.tables._deid_cert"
_STREAM = "ethicompass.privacy.tables._deid_stream"
_READ = "ethicompass.privacy.tables._read"

__getattr__, __dir__ = attach(
    __name__,
    {
        "BatchWriter": "ethicompass.privacy.tables._write",
        "Certificate": _CERT,
        "ColumnFinding": "ethicompass.privacy.tables._scan",
        "ColumnRecord": _CERT,
        "ContentHasher": _CONTENT,
        "DeidResult": _DEID,
        "DeidTransform": "ethicompass.privacy.tables._deid_transform",
        "LinkagePairs": _STREAM,
        "Policy": "ethicompass.privacy.tables._safe_harbor",
        "ScanReport": "ethicompass.privacy.tables._scan",
        "TableSchema": "ethicompass.privacy.tables._safe_harbor",
        "batches_for_privacy": _READ,
        "canonical_columns": _CONTENT,
        "certificate_of": _DEID,
        "check_json_types": _READ,
        "content_hash": _CONTENT,
        "deidentify": _DEID,
        "deidentify_batches": _STREAM,
        "encrypt_linkage": _CERT,
        "linkage_pairs": _DEID,
        "merge_counts": _STREAM,
        "pack_parts": _CONTENT,
        "read_for_privacy": _READ,
        "read_linkage": _CERT,
        "scan": "ethicompass.privacy.tables._scan",
        "unpack_parts": _CONTENT,
    },
)

__all__ = [
    "BatchWriter",
    "Certificate",
    "ColumnFinding",
    "ColumnRecord",
    "ContentHasher",
    "DeidResult",
    "DeidTransform",
    "LinkagePairs",
    "Policy",
    "ScanReport",
    "TableSchema",
    "batches_for_privacy",
    "canonical_columns",
    "certificate_of",
    "check_json_types",
    "content_hash",
    "deidentify",
    "deidentify_batches",
    "encrypt_linkage",
    "linkage_pairs",
    "merge_counts",
    "pack_parts",
    "read_for_privacy",
    "read_linkage",
    "scan",
    "unpack_parts",
]
