"""Engines for data beyond one machine.

:mod:`ethicompass.engines.spark` runs the row transforms (de-identification, consent
enforcement, text redaction) per partition on Apache Spark and computes the summaries (risk,
fairness, benefit counts) with Spark, so the estimate step is the in-process one.
"""

from __future__ import annotations

__all__: list[str] = []
