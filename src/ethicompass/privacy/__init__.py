"""Data privacy & security: find identifiers, de-identify tables and notes, measure re-identification risk.

Entry points: ``scan`` then ``deidentify`` for tables; ``find_phi`` then ``redact`` for clinical text;
``risk`` then ``anonymize`` for quasi-identifiers; ``release`` for differentially private aggregates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy._anonymize import AnonymizationResult, anonymize
    from ethicompass.privacy._content_hash import content_hash
    from ethicompass.privacy._deid import DeidResult, DeidTransform, deidentify
    from ethicompass.privacy._deid_cert import Certificate, ColumnRecord, read_linkage
    from ethicompass.privacy._deid_stream import deidentify_batches
    from ethicompass.privacy._dp import BudgetLedger, DPRelease, PrivacyBudget, release
    from ethicompass.privacy._hierarchies import Hierarchy, hierarchies_from_dict, load_hierarchies
    from ethicompass.privacy._keys import Key, date_offset_days, is_pseudonym, load_key, pseudonym, write_key
    from ethicompass.privacy._recognizers import REGISTRY, Recognizer
    from ethicompass.privacy._recognizers_ner import spacy_recognizers
    from ethicompass.privacy._risk import LDiversity, PopulationUniqueness, RiskMeasure, RiskReport, risk
    from ethicompass.privacy._risk_summary import EquivalenceSummary, summarize
    from ethicompass.privacy._safe_harbor import Policy, TableSchema
    from ethicompass.privacy._scan import ColumnFinding, ScanReport, scan
    from ethicompass.privacy._text import Span, find_phi, find_phi_column, find_phi_many
    from ethicompass.privacy._text_eval import GoldDocument, PhiEval, evaluate_phi, load_gold
    from ethicompass.privacy._text_redact import redact, redact_column

__getattr__, __dir__ = attach(
    __name__,
    {
        "AnonymizationResult": "ethicompass.privacy._anonymize",
        "BudgetLedger": "ethicompass.privacy._dp",
        "Certificate": "ethicompass.privacy._deid_cert",
        "ColumnFinding": "ethicompass.privacy._scan",
        "ColumnRecord": "ethicompass.privacy._deid_cert",
        "DPRelease": "ethicompass.privacy._dp",
        "DeidResult": "ethicompass.privacy._deid",
        "DeidTransform": "ethicompass.privacy._deid",
        "EquivalenceSummary": "ethicompass.privacy._risk_summary",
        "GoldDocument": "ethicompass.privacy._text_eval",
        "Hierarchy": "ethicompass.privacy._hierarchies",
        "Key": "ethicompass.privacy._keys",
        "LDiversity": "ethicompass.privacy._risk",
        "PhiEval": "ethicompass.privacy._text_eval",
        "Policy": "ethicompass.privacy._safe_harbor",
        "PopulationUniqueness": "ethicompass.privacy._risk",
        "PrivacyBudget": "ethicompass.privacy._dp",
        "REGISTRY": "ethicompass.privacy._recognizers",
        "Recognizer": "ethicompass.privacy._recognizers",
        "RiskMeasure": "ethicompass.privacy._risk",
        "RiskReport": "ethicompass.privacy._risk",
        "ScanReport": "ethicompass.privacy._scan",
        "Span": "ethicompass.privacy._text",
        "TableSchema": "ethicompass.privacy._safe_harbor",
        "anonymize": "ethicompass.privacy._anonymize",
        "date_offset_days": "ethicompass.privacy._keys",
        "content_hash": "ethicompass.privacy._content_hash",
        "deidentify": "ethicompass.privacy._deid",
        "deidentify_batches": "ethicompass.privacy._deid_stream",
        "evaluate_phi": "ethicompass.privacy._text_eval",
        "find_phi": "ethicompass.privacy._text",
        "find_phi_column": "ethicompass.privacy._text",
        "find_phi_many": "ethicompass.privacy._text",
        "hierarchies_from_dict": "ethicompass.privacy._hierarchies",
        "is_pseudonym": "ethicompass.privacy._keys",
        "load_gold": "ethicompass.privacy._text_eval",
        "load_hierarchies": "ethicompass.privacy._hierarchies",
        "load_key": "ethicompass.privacy._keys",
        "pseudonym": "ethicompass.privacy._keys",
        "read_linkage": "ethicompass.privacy._deid_cert",
        "redact": "ethicompass.privacy._text_redact",
        "redact_column": "ethicompass.privacy._text_redact",
        "release": "ethicompass.privacy._dp",
        "risk": "ethicompass.privacy._risk",
        "scan": "ethicompass.privacy._scan",
        "spacy_recognizers": "ethicompass.privacy._recognizers_ner",
        "summarize": "ethicompass.privacy._risk_summary",
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
    "anonymize",
    "content_hash",
    "date_offset_days",
    "deidentify",
    "deidentify_batches",
    "evaluate_phi",
    "find_phi",
    "find_phi_column",
    "find_phi_many",
    "hierarchies_from_dict",
    "is_pseudonym",
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
