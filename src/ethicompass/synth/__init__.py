"""Deterministic synthetic AI-backed clinical studies with planted, known truths.

``generate_study(out_dir, patients=N, seed=S)`` writes patients, encounters, labs, clinical notes
with a gold file of PHI spans, consents, outcomes, model predictions, adverse events, a reference
population, a study manifest and ``synth_truth.json``. The same seed gives the same bytes. See
docs/synthetic-study.md for every file, column and planted truth.
"""

from __future__ import annotations

from ethicompass.synth._generate import SynthResult, generate_study

__all__ = ["SynthResult", "generate_study"]
