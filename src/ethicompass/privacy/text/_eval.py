"""Evaluate the PHI finder against gold spans: span recall, token precision/recall/F1, PHI-free flags.

Two gold formats load here: the synthetic study's ``notes.jsonl`` + ``notes_gold.jsonl``
(docs/synthetic-study.md: offsets given) and ASQ-PHI's ``===QUERY===`` blocks with ``===PHI_TAGS===``
JSON lines (values only: each is located with ``str.find``, left to right, so a repeated value gets
its next occurrence).

What the numbers mean:

- ``span_recall_any``: share of gold spans that some predicted span touches.
- ``span_recall_full``: share of gold spans whose every letter and digit is inside predicted spans
  (nothing of it leaks). This is the number that matters for de-identification.
- token precision/recall/F1: over word tokens (``\\w+``); a token is PHI if it overlaps a span.
- ``phi_free_flagged_share``: share of documents without gold PHI in which anything was flagged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ethicompass.errors import DataFileError
from ethicompass.privacy.text._documents import check_encodable, check_text_file
from ethicompass.privacy.text._find import DEFAULT_THRESHOLD, Span, find_phi_many
from ethicompass.study import PhiType

__all__ = ["GoldDocument", "PhiEval", "evaluate_phi", "load_asq_phi", "load_gold", "load_synthetic_gold"]

#: ASQ-PHI identifier types (HIPAA names) to ethicompass PHI types.
ASQ_TYPES: dict[str, PhiType] = {
    "NAME": PhiType.NAME,
    "GEOGRAPHIC_LOCATION": PhiType.LOCATION,
    "DATE": PhiType.DATE,
    "AGE": PhiType.AGE,
    "PHONE_NUMBER": PhiType.PHONE,
    "FAX_NUMBER": PhiType.FAX,
    "EMAIL_ADDRESS": PhiType.EMAIL,
    "SOCIAL_SECURITY_NUMBER": PhiType.SSN,
    "MEDICAL_RECORD_NUMBER": PhiType.MRN,
    "HEALTH_PLAN_BENEFICIARY_NUMBER": PhiType.HEALTH_PLAN,
    "ACCOUNT_NUMBER": PhiType.ACCOUNT,
    "CERTIFICATE_LICENSE_NUMBER": PhiType.LICENSE,
    "VEHICLE_IDENTIFIER": PhiType.VEHICLE,
    "DEVICE_IDENTIFIER": PhiType.DEVICE,
    "URL": PhiType.URL,
    "WEB_URL": PhiType.URL,
    "IP_ADDRESS": PhiType.IP,
    "BIOMETRIC_IDENTIFIER": PhiType.BIOMETRIC,
    "PHOTOGRAPH": PhiType.PHOTO,
    "UNIQUE_IDENTIFIER": PhiType.ID,
}
_TOKEN = re.compile(r"\w+")
_TYPE_CODE = {t: i + 1 for i, t in enumerate(PhiType)}
_CODE_TYPE = {i + 1: t.value for i, t in enumerate(PhiType)}
_COUNTS = ("spans", "any", "full", "tok", "tok_hit", "pred_tok", "pred_tok_hit")


@dataclass(frozen=True)
class GoldSpan:
    """One gold PHI span."""

    start: int
    end: int
    type: PhiType


@dataclass(frozen=True)
class GoldDocument:
    """A text and its gold PHI spans (``unlocated`` counts gold values not found in the text)."""

    id: str
    text: str
    spans: tuple[GoldSpan, ...] = ()
    unlocated: int = 0


def load_asq_phi(path: str | Path, /) -> list[GoldDocument]:
    """ASQ-PHI queries: ``===QUERY===`` text ``===PHI_TAGS===`` one JSON object per line."""
    p = Path(path)
    raw = p.read_text(encoding="utf-8")
    if "===QUERY===" not in raw:
        raise DataFileError(f"{p} has no ===QUERY=== blocks", hint="pass an ASQ-PHI queries file")
    docs: list[GoldDocument] = []
    for number, block in enumerate(b for b in raw.split("===QUERY===") if b.strip()):
        text, sep, tags = block.partition("===PHI_TAGS===")
        if not sep:
            raise DataFileError(f"{p}: query {number + 1} has no ===PHI_TAGS=== line", hint="fix the block")
        text = text.strip()
        spans: list[GoldSpan] = []
        unlocated = 0
        next_from: dict[str, int] = {}
        for line_no, line in enumerate(tags.strip().splitlines(), start=1):
            try:
                tag = json.loads(line)
                value, kind = str(tag["value"]), str(tag["identifier_type"])
            except (json.JSONDecodeError, RecursionError, KeyError, TypeError):
                raise DataFileError(
                    f"{p}: query {number + 1}, tag line {line_no} is not a JSON object with "
                    "identifier_type and value",
                    hint="fix that line",
                ) from None
            start = text.find(value, next_from.get(value, 0))
            if start < 0:
                unlocated += 1
                continue
            next_from[value] = start + len(value)
            spans.append(GoldSpan(start, start + len(value), ASQ_TYPES.get(kind, PhiType.ID)))
        docs.append(
            GoldDocument(f"q{number + 1:04d}", text, tuple(sorted(spans, key=lambda s: s.start)), unlocated)
        )
    return docs


#: The PHI types of the PhysioNet deid gold corpus (and its i2b2-style cousins) as ours. ``DateYear`` (a bare year)
#: is left out: Safe Harbor lets years stay, so it is no miss when a year is kept.
DEID_TYPES: dict[str, PhiType | None] = {
    "HCPName": PhiType.NAME,
    "PTName": PhiType.NAME,
    "PTNameInitial": PhiType.NAME,
    "RelativeProxyName": PhiType.NAME,
    "Date": PhiType.DATE,
    "DateYear": None,
    "Location": PhiType.LOCATION,
    "Phone": PhiType.PHONE,
    "Age": PhiType.AGE,
    "Other": PhiType.ID,
}


def _gold_type(value: Any) -> PhiType | None:
    if value in DEID_TYPES:
        return DEID_TYPES[value]
    return PhiType(value)


def load_synthetic_gold(notes: str | Path, gold: str | Path, /) -> list[GoldDocument]:
    """``notes.jsonl`` (``note_id``, ``text``) and its gold spans (``note_id``, ``start``, ``end``, ``type``).

    Types are ours (the synthetic study's ``notes_gold.jsonl``) or the PhysioNet deid corpus' (:data:`DEID_TYPES`).
    """
    by_note: dict[str, list[GoldSpan]] = {}
    for line_no, row in _jsonl(gold):
        try:
            kind = _gold_type(row["type"])
            found = by_note.setdefault(str(row["note_id"]), [])
            if kind is not None:
                found.append(GoldSpan(int(row["start"]), int(row["end"]), kind))
        except (KeyError, ValueError, TypeError):
            raise DataFileError(
                f"{gold} line {line_no}: expected note_id, start, end and a PHI type",
                hint="see docs/synthetic-study.md for the notes_gold.jsonl format",
            ) from None
    docs = []
    for line_no, row in _jsonl(notes):
        if "note_id" not in row or not isinstance(row.get("text"), str):
            raise DataFileError(f"{notes} line {line_no}: expected note_id and text", hint="pass notes.jsonl")
        if not row["text"].isascii():
            check_encodable(row["text"], Path(notes), line_no, "text")
        note_id = str(row["note_id"])
        spans = tuple(sorted(by_note.get(note_id, ()), key=lambda s: s.start))
        docs.append(GoldDocument(note_id, row["text"], spans))
    return docs


def load_gold(input_path: str | Path, /, *, gold: str | Path | None = None) -> list[GoldDocument]:
    """ASQ-PHI when ``input_path`` holds ``===QUERY===`` blocks (gold inside), else notes + ``gold``."""
    p = Path(input_path)
    check_text_file(p, what="notes")
    with p.open(encoding="utf-8") as fh:
        head = fh.read(4096)
    if "===QUERY===" in head:
        docs = load_asq_phi(p)
    elif gold is None:
        raise DataFileError(f"{p} holds no gold spans", hint="pass --gold notes_gold.jsonl")
    else:
        check_text_file(Path(gold), what="gold")
        docs = load_synthetic_gold(p, gold)
    if not docs:
        raise DataFileError(f"{p} holds no documents", hint="pass the notes the gold spans belong to")
    if not any(doc.spans for doc in docs):
        raise DataFileError(
            f"{gold if gold is not None else p} holds no gold span for any of the {len(docs)} documents",
            hint="a score against no PHI says nothing: pass the gold file of these notes",
        )
    return docs


def _jsonl(path: str | Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with Path(path).open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                raise DataFileError(
                    f"{path} line {line_no} is not JSON", hint="fix or remove that line"
                ) from None
            if not isinstance(row, dict):
                raise DataFileError(f"{path} line {line_no} is not a JSON object", hint="one object per line")
            yield line_no, row


@dataclass(frozen=True)
class PhiEval:
    """How well predicted spans cover gold PHI, overall and per PHI type (of the gold span)."""

    documents: int
    phi_free_documents: int
    phi_free_flagged: int
    gold_spans: int
    unlocated_gold: int
    span_recall_any: float
    span_recall_full: float
    token_precision: float
    token_recall: float
    token_f1: float
    per_type: dict[str, dict[str, float | int]] = field(default_factory=dict)

    @property
    def phi_free_flagged_share(self) -> float:
        """Share of PHI-free documents in which anything was flagged (over-redaction)."""
        return self.phi_free_flagged / self.phi_free_documents if self.phi_free_documents else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        return {
            "documents": self.documents,
            "gold_spans": self.gold_spans,
            "unlocated_gold": self.unlocated_gold,
            "span_recall_any": round(self.span_recall_any, 4),
            "span_recall_full": round(self.span_recall_full, 4),
            "token_precision": round(self.token_precision, 4),
            "token_recall": round(self.token_recall, 4),
            "token_f1": round(self.token_f1, 4),
            "phi_free_documents": self.phi_free_documents,
            "phi_free_flagged": self.phi_free_flagged,
            "phi_free_flagged_share": round(self.phi_free_flagged_share, 4),
            "per_type": self.per_type,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per gold PHI type: spans, span recall (any, full), token recall and precision."""
        rows = [{"type": t, **v} for t, v in sorted(self.per_type.items())]
        return pl.DataFrame(rows)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def evaluate_phi(
    documents: Sequence[GoldDocument],
    /,
    *,
    predictions: Mapping[str, Sequence[Span]] | None = None,
    finder: Callable[[str], Sequence[Span]] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> PhiEval:
    """Score predicted spans against the gold of ``documents``.

    Predictions come from ``predictions`` (by document id), else from ``finder(text)``, else from
    :func:`find_phi` at ``threshold``.
    """
    tp = fp = fn = 0
    any_hits = full_hits = total = unlocated = free = free_flagged = 0
    per: dict[str, dict[str, int]] = {}
    if predictions is None and finder is None:
        predictions = dict(
            zip(
                [d.id for d in documents],
                find_phi_many([d.text for d in documents], threshold=threshold),
                strict=True,
            )
        )
    for doc in documents:
        if predictions is not None:
            spans: Sequence[Span] = predictions.get(doc.id, ())
        else:
            assert finder is not None
            spans = finder(doc.text)
        unlocated += doc.unlocated
        covered = bytearray(len(doc.text))
        for s in spans:
            covered[s.start : s.end] = bytes([_TYPE_CODE[s.type]]) * (s.end - s.start)
        gold_mask = bytearray(len(doc.text))
        if not doc.spans and not doc.unlocated:
            free += 1
            free_flagged += bool(spans)
        for g in doc.spans:
            gold_mask[g.start : g.end] = b"\x01" * (g.end - g.start)
            row = per.setdefault(g.type.value, dict.fromkeys(_COUNTS, 0))
            chars = [i for i in range(g.start, g.end) if doc.text[i].isalnum()]
            hit = [covered[i] for i in chars]
            total += 1
            row["spans"] += 1
            if any(covered[g.start : g.end]):
                any_hits += 1
                row["any"] += 1
            if all(hit):
                full_hits += 1
                row["full"] += 1
        for tok in _TOKEN.finditer(doc.text):
            code = max(covered[tok.start() : tok.end()])
            predicted = code > 0
            gold = any(gold_mask[tok.start() : tok.end()])
            if predicted:
                row = per.setdefault(_CODE_TYPE[code], dict.fromkeys(_COUNTS, 0))
                row["pred_tok"] += 1
                row["pred_tok_hit"] += gold
            tp += predicted and gold
            fp += predicted and not gold
            fn += gold and not predicted
            if gold:
                kind = next(
                    (g.type.value for g in doc.spans if g.start < tok.end() and tok.start() < g.end), None
                )
                if kind is not None:
                    per[kind]["tok"] += 1
                    per[kind]["tok_hit"] += predicted
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_type: dict[str, dict[str, float | int]] = {
        kind: {
            "spans": row["spans"],
            "span_recall_any": round(_ratio(row["any"], row["spans"]), 4),
            "span_recall_full": round(_ratio(row["full"], row["spans"]), 4),
            "token_recall": round(_ratio(row["tok_hit"], row["tok"]), 4),
            "token_precision": round(_ratio(row["pred_tok_hit"], row["pred_tok"]), 4),
            "predicted_tokens": row["pred_tok"],
        }
        for kind, row in per.items()
    }
    return PhiEval(
        documents=len(documents),
        phi_free_documents=free,
        phi_free_flagged=free_flagged,
        gold_spans=total,
        unlocated_gold=unlocated,
        span_recall_any=_ratio(any_hits, total),
        span_recall_full=_ratio(full_hits, total),
        token_precision=precision,
        token_recall=recall,
        token_f1=f1,
        per_type=per_type,
    )
