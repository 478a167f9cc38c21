"""Data privacy & security: find identifiers, de-identify tables and notes, measure re-identification risk.

Entry points: ``scan`` then ``deidentify`` for tables; ``find_phi`` then ``redact`` for clinical text;
``risk`` then ``anonymize`` for quasi-identifiers; ``release`` for differentially private aggregates.
"""

from __future__ import annotations

__all__: list[str] = []
