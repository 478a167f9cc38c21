"""``ethicompass study init DATA_DIR``: a first manifest from a team's own files.

Every table in the folder is scanned (``privacy.scan``) and its columns get the proposed roles;
every guess carries a ``# REVIEW`` comment with the scanner's confidence and evidence, and the
study metadata and the artefacts under review (predictions, threshold, consent purpose, release)
are written as placeholders to fill in. The manifest validates as written, so ``study validate``
and ``review`` run on it at once; a person must still read every line (fail closed: a guess is
never silently trusted).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ethicompass.errors import InputError

__all__ = ["InitResult", "init_manifest"]

SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class InitResult:
    """The manifest text and what it proposes, per dataset: ``{name: {column: role}}``."""

    text: str
    datasets: dict[str, dict[str, str]]
    predictions: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {"datasets": self.datasets, "predictions": self.predictions}


def _key(text: str) -> str:
    if re.fullmatch(r"[A-Za-z_][\w.-]*", text) and text.lower() not in {"yes", "no", "true", "false", "null"}:
        return text
    return json.dumps(text, ensure_ascii=False)


_OUTCOME = re.compile(r"(^|_)(outcome|label|event|target|y)($|_)", re.IGNORECASE)
_SCORE = re.compile(r"(^|_)(score|risk|prob|probability|pred|prediction)($|_)", re.IGNORECASE)


def _model_role(column: Any) -> tuple[str, str] | None:
    """``outcome`` for a 0/1 column named like one, ``score`` for values in [0, 1] named like one."""
    if not column.dtype.is_numeric() or column.null_count() == column.len():
        return None
    values = column.drop_nulls()
    low, high = float(values.min()), float(values.max())
    if _OUTCOME.search(column.name) and set(values.unique().to_list()) <= {0, 1}:
        return "outcome", "(study init): a 0/1 column named like an outcome"
    if _SCORE.search(column.name) and low >= 0.0 and high <= 1.0 and values.n_unique() > 2:
        return "score", "(study init): values in [0, 1] in a column named like a score"
    return None


def init_manifest(data_dir: Path, /, *, out: Path, name: str | None = None) -> InitResult:
    """Scan every table in ``data_dir`` and compose a manifest whose paths are relative to ``out``."""
    from ethicompass.frames import load_table
    from ethicompass.privacy import scan

    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: not a directory", hint="pass the folder that holds the study's tables")
    files = sorted(p for p in data_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(
            f"{data_dir}: no table found", hint=f"put the study's tables there ({', '.join(SUFFIXES)})"
        )
    base = out.resolve().parent
    lines = [
        "# Written by `ethicompass study init`: every role below is a GUESS by `ethicompass scan`.",
        "# Review every line marked REVIEW before use (a wrong role can leak identifiers), then run",
        "# `ethicompass study validate` on this file. Roles: participant_id, direct_identifier,",
        "# quasi_identifier, sensitive_attribute, sensitive_value, date, free_text, outcome, score,",
        "# prediction, other.",
        f"name: {json.dumps(name or data_dir.resolve().name)}  # REVIEW: the study's title",
        'version: "1"',
        "metadata:  # REVIEW: shown at the head of the review report",
        "  principal_investigator: null",
        "  protocol_number: null",
        "  protocol_version: null",
        "  sponsor: null",
        "datasets:",
    ]
    proposed: dict[str, dict[str, str]] = {}
    predictions: tuple[str, str, str, list[str]] | None = None
    used: set[str] = set()
    for path in files:
        dataset = re.sub(r"\W+", "_", path.stem).strip("_") or "table"
        while dataset in used:
            dataset += "_"
        used.add(dataset)
        frame = load_table(path)
        report = scan(frame)
        try:
            relative = path.resolve().relative_to(base).as_posix()
        except ValueError:
            relative = path.resolve().as_posix()
        lines += [f"  {_key(dataset)}:", f"    path: {json.dumps(relative)}", "    columns:"]
        roles: dict[str, str] = {}
        for c in report.columns:
            role, why = (
                c.role.value,
                f"(scan, {c.confidence:.2f}): " + ("; ".join(c.evidence) or "no evidence"),
            )
            if role == "other":
                guessed = _model_role(frame[c.column])
                if guessed is not None:
                    role, why = guessed
            spec = f"role: {role}" + (f", phi_type: {c.phi_type.value}" if c.phi_type else "")
            lines.append(f"      {_key(c.column)}: {{{spec}}}  # REVIEW {why}")
            roles[c.column] = role
        proposed[dataset] = roles
        outcome = [c for c, r in roles.items() if r == "outcome"]
        score = [c for c, r in roles.items() if r == "score"]
        if predictions is None and outcome and score:
            groups = [c for c, r in roles.items() if r == "sensitive_attribute"]
            predictions = (dataset, outcome[0], score[0], groups)
    if predictions is not None:
        dataset, label, score_column, groups = predictions
        lines += [
            "predictions:  # REVIEW: the model's output under review",
            f"  dataset: {_key(dataset)}",
            f"  label: {_key(label)}",
            f"  score: {_key(score_column)}",
            f"  groups: [{', '.join(_key(g) for g in groups)}]",
            "  threshold: 0.5  # REVIEW: the decision threshold the model is used at",
        ]
    else:
        lines.append(
            "# predictions: {dataset: ..., label: ..., score: ..., groups: [...], threshold: ...}  # REVIEW"
        )
    lines += [
        "consent:  # REVIEW: the purpose the data is used for",
        "  purpose: ai-model-training",
        "# release: DATASET  # REVIEW: the de-identified table you will share (the review judges it)",
        "# reference_population: DATASET  # columns attribute, value, population_share",
    ]
    return InitResult("\n".join(lines) + "\n", proposed, predictions[0] if predictions else None)
