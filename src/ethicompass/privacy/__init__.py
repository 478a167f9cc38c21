"""Data privacy & security: find identifiers, de-identify tables and notes, measure re-identification risk.

Entry points: ``scan`` then ``deidentify`` for tables; ``find_phi`` then ``redact`` for clinical text;
``risk`` then ``anonymize`` for quasi-identifiers; ``release`` for differentially private aggregates.

Four rooms, one per kind of data or question: :mod:`.tables` (scan, de-identify, certificate, content hash),
:mod:`.text` (find and redact PHI in notes, with the recognizer registry in :mod:`.text.recognizers`),
:mod:`.reidentification` (equivalence classes, risk, generalisation hierarchies, anonymisation) and
:mod:`.dp` (differentially private releases against a budget). The keyed pseudonyms and date offsets of
``_keys`` serve both tables and text. The names below are the public surface; import them from here.

Examples
--------
Find PHI in a note, then redact it (spans carry offsets, type and the recognizer that found them):

>>> from ethicompass import privacy
>>> note = "Seen by Dr. Alice Smith on 2024-03-05, MRN 12345678."
>>> spans = privacy.find_phi(note)
>>> sorted({s.type.value for s in spans})
['DATE', 'MRN', 'NAME']
>>> redacted = privacy.redact(note, spans)
>>> "[NAME]" in redacted, "Alice" in redacted, "12345678" in redacted
(True, False, False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy._keys import Key, date_offset_days, is_pseudonym, load_key, pseudonym, write_key
    from ethicompass.privacy.dp import BudgetLedger, DPRelease, PrivacyBudget, release
    from ethicompass.privacy.reidentification._anonymize import AnonymizationResult, anonymize
    from ethicompass.privacy.reidentification._hierarchies import (
        Hierarchy,
        hierarchies_from_dict,
        load_hierarchies,
    )
    from ethicompass.privacy.reidentification._report import (
        LDiversity,
        PopulationUniqueness,
        RiskMeasure,
        RiskReport,
        risk,
    )
    from ethicompass.privacy.reidentification._summary import EquivalenceSummary, summarize
    from ethicompass.privacy.tables._deid import DeidResult, deidentify
    from ethicompass.privacy.tables._deid_cert import Certificate, ColumnRecord, read_linkage
    from ethicompass.privacy.tables._deid_stream import deidentify_batches
    from ethicompass.privacy.tables._deid_transform import DeidTransform
    from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
    from ethicompass.privacy.tables._scan import ColumnFinding, ScanReport, scan
    from ethicompass.privacy.text._documents import TextDocument, check_text_file, hash_input, iter_documents
    from ethicompass.privacy.text._eval import GoldDocument, PhiEval, evaluate_phi, load_gold
    from ethicompass.privacy.text._find import Span, find_phi, find_phi_column, find_phi_many
    from ethicompass.privacy.text._redact import redact, redact_column
    from ethicompass.privacy.text.recognizers._ner import spacy_recognizers
    from ethicompass.privacy.text.recognizers._registry import REGISTRY, Recognizer
    from ethicompass.transparency import content_hash

__getattr__, __dir__ = attach(
    __name__,
    {
        "AnonymizationResult": "ethicompass.privacy.reidentification._anonymize",
        "BudgetLedger": "ethicompass.privacy.dp",
        "Certificate": "ethicompass.privacy.tables._deid_cert",
        "ColumnFinding": "ethicompass.privacy.tables._scan",
        "ColumnRecord": "ethicompass.privacy.tables._deid_cert",
        "DPRelease": "ethicompass.privacy.dp",
        "DeidResult": "ethicompass.privacy.tables._deid",
        "DeidTransform": "ethicompass.privacy.tables._deid_transform",
        "EquivalenceSummary": "ethicompass.privacy.reidentification._summary",
        "GoldDocument": "ethicompass.privacy.text._eval",
        "Hierarchy": "ethicompass.privacy.reidentification._hierarchies",
        "Key": "ethicompass.privacy._keys",
        "LDiversity": "ethicompass.privacy.reidentification._report",
        "PhiEval": "ethicompass.privacy.text._eval",
        "Policy": "ethicompass.privacy.tables._safe_harbor",
        "PopulationUniqueness": "ethicompass.privacy.reidentification._report",
        "PrivacyBudget": "ethicompass.privacy.dp",
        "REGISTRY": "ethicompass.privacy.text.recognizers._registry",
        "Recognizer": "ethicompass.privacy.text.recognizers._registry",
        "RiskMeasure": "ethicompass.privacy.reidentification._report",
        "RiskReport": "ethicompass.privacy.reidentification._report",
        "ScanReport": "ethicompass.privacy.tables._scan",
        "Span": "ethicompass.privacy.text._find",
        "TableSchema": "ethicompass.privacy.tables._safe_harbor",
        "TextDocument": "ethicompass.privacy.text._documents",
        "check_text_file": "ethicompass.privacy.text._documents",
        "hash_input": "ethicompass.privacy.text._documents",
        "iter_documents": "ethicompass.privacy.text._documents",
        "anonymize": "ethicompass.privacy.reidentification._anonymize",
        "date_offset_days": "ethicompass.privacy._keys",
        "content_hash": "ethicompass.transparency._content_hash",
        "deidentify": "ethicompass.privacy.tables._deid",
        "deidentify_batches": "ethicompass.privacy.tables._deid_stream",
        "evaluate_phi": "ethicompass.privacy.text._eval",
        "find_phi": "ethicompass.privacy.text._find",
        "find_phi_column": "ethicompass.privacy.text._find",
        "find_phi_many": "ethicompass.privacy.text._find",
        "hierarchies_from_dict": "ethicompass.privacy.reidentification._hierarchies",
        "is_pseudonym": "ethicompass.privacy._keys",
        "load_gold": "ethicompass.privacy.text._eval",
        "load_hierarchies": "ethicompass.privacy.reidentification._hierarchies",
        "load_key": "ethicompass.privacy._keys",
        "pseudonym": "ethicompass.privacy._keys",
        "read_linkage": "ethicompass.privacy.tables._deid_cert",
        "redact": "ethicompass.privacy.text._redact",
        "redact_column": "ethicompass.privacy.text._redact",
        "release": "ethicompass.privacy.dp",
        "risk": "ethicompass.privacy.reidentification._report",
        "scan": "ethicompass.privacy.tables._scan",
        "spacy_recognizers": "ethicompass.privacy.text.recognizers._ner",
        "summarize": "ethicompass.privacy.reidentification._summary",
        "write_key": "ethicompass.privacy._keys",
    },
)

__all__ = [
    "REGISTRY",
    "AnonymizationResult",
    "BudgetLedger",
    "Certificate",
    "ColumnFinding",
    "ColumnRecord",
    "DPRelease",
    "DeidResult",
    "DeidTransform",
    "EquivalenceSummary",
    "GoldDocument",
    "Hierarchy",
    "Key",
    "LDiversity",
    "PhiEval",
    "Policy",
    "PopulationUniqueness",
    "PrivacyBudget",
    "Recognizer",
    "RiskMeasure",
    "RiskReport",
    "ScanReport",
    "Span",
    "TableSchema",
    "TextDocument",
    "anonymize",
    "check_text_file",
    "content_hash",
    "date_offset_days",
    "deidentify",
    "deidentify_batches",
    "evaluate_phi",
    "find_phi",
    "find_phi_column",
    "find_phi_many",
    "hash_input",
    "hierarchies_from_dict",
    "is_pseudonym",
    "iter_documents",
    "load_gold",
    "load_hierarchies",
    "load_key",
    "pseudonym",
    "read_linkage",
    "redact",
    "redact_column",
    "release",
    "risk",
    "scan",
    "spacy_recognizers",
    "summarize",
    "write_key",
]
