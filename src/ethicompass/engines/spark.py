"""Run ethicompass on Apache Spark: ``engines.spark.deidentify(sdf, schema, key=...)`` and friends.

Row transforms run per partition through ``mapInArrow`` with explicit schemas, using the
in-process functions unchanged; summaries are computed by Spark and collected as the small count
tables the in-process engine makes, so reports are identical. Start a session with
:func:`session` (``local[*]``, a cluster URL, or a Spark Connect ``sc://`` URL).
"""

from __future__ import annotations

from ethicompass.engines._spark import (
    NOT_HASHED,
    audit,
    benefit_counts,
    deidentify,
    enforce,
    enforce_table,
    fairness_summary,
    redact,
    risk,
    risk_summary,
)
from ethicompass.engines._spark_session import is_spark_frame, session

__all__ = [
    "NOT_HASHED",
    "audit",
    "benefit_counts",
    "deidentify",
    "enforce",
    "enforce_table",
    "fairness_summary",
    "is_spark_frame",
    "redact",
    "risk",
    "risk_summary",
    "session",
]
