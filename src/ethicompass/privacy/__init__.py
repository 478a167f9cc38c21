"""Data privacy & security: find identifiers, de-identify tables and notes, measure re-identification risk.

Entry points: ``scan`` then ``deidentify`` for tables; ``find_phi`` then ``redact`` for clinical text;
``risk`` then ``anonymize`` for quasi-identifiers; ``release`` for differentially private aggregates.
"""

from __future__ import annotations

from ethicompass.privacy._anonymize import AnonymizationResult, anonymize
from ethicompass.privacy._deid import DeidResult, DeidTransform, deidentify
from ethicompass.privacy._deid_cert import Certificate, ColumnRecord, read_linkage
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

__all__ = [
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
    "REGISTRY",
    "Recognizer",
    "RiskMeasure",
    "RiskReport",
    "ScanReport",
    "Span",
    "TableSchema",
    "anonymize",
    "date_offset_days",
    "deidentify",
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
