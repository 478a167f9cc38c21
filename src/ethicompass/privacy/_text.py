"""Find PHI in clinical free text: ``find_phi(text)`` then ``redact(text, spans)``.

Every recognizer in the registry (``_recognizers.REGISTRY``) runs over the text; overlapping candidates
are merged into one span that covers them all (recall first: nothing a recognizer saw leaks), labelled
with the type, score and recognizer of the strongest one, so every decision can be explained. A place
qualified by its city ("St. Mary's Hospital, Dallas", "Mercy Clinic in Boston") becomes one span.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from ethicompass.errors import ColumnError
from ethicompass.frames import require_columns, to_polars
from ethicompass.privacy._recognizers import REGISTRY, Recognizer
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Span", "find_phi", "find_phi_column"]

DEFAULT_THRESHOLD = 0.5
_PLACE_TYPES = frozenset({PhiType.LOCATION, PhiType.ZIP})
_PLACE_JOIN = re.compile(r"(?:,\s*|\s+in\s+|\s+)$")


@dataclass(frozen=True, order=True)
class Span:
    """One PHI finding: ``text[start:end]`` is of ``type``, found by ``recognizer`` with ``score``."""

    start: int
    end: int
    type: PhiType
    score: float
    recognizer: str

    def to_dict(self) -> dict[str, Any]:
        """The span as JSON-ready data (no text: the value itself is PHI)."""
        data = asdict(self)
        data["type"] = self.type.value
        data["score"] = round(self.score, 3)
        return data


def find_phi(
    text: str,
    /,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    types: Iterable[PhiType | str] | None = None,
    recognizers: Iterable[Recognizer] | None = None,
) -> list[Span]:
    """Every PHI span in ``text``, sorted and non-overlapping.

    ``threshold`` drops candidates scored below it; ``types`` keeps only those PHI types;
    ``recognizers`` replaces the registry (e.g. to add an NER backend's candidates).
    """
    wanted = None if types is None else {PhiType(t) for t in types}
    candidates: list[Span] = []
    for recognizer in REGISTRY if recognizers is None else recognizers:
        if wanted is not None and recognizer.phi_type not in wanted:
            continue
        for start, end, score in recognizer.find(text):
            if score >= threshold:
                candidates.append(Span(start, end, recognizer.phi_type, score, recognizer.name))
    return _join_places(text, _merge(candidates))


def _merge(candidates: list[Span]) -> list[Span]:
    """Merge overlapping candidates into one span each, labelled by the strongest (then longest)."""
    candidates.sort(key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    group: list[Span] = []
    end = -1
    for span in candidates:
        if group and span.start >= end:
            merged.append(_label(group, end))
            group = []
        if not group:
            end = span.end
        group.append(span)
        end = max(end, span.end)
    if group:
        merged.append(_label(group, end))
    return merged


def _label(group: list[Span], end: int) -> Span:
    best = max(group, key=lambda s: (s.score, s.end - s.start))
    return Span(group[0].start, end, best.type, best.score, best.recognizer)


def _join_places(text: str, spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if (
            out
            and out[-1].type in _PLACE_TYPES
            and span.type in _PLACE_TYPES
            and span.start - out[-1].end <= 4
            and _PLACE_JOIN.fullmatch(text, out[-1].end, span.start)
        ):
            prev = out.pop()
            best = prev if prev.score >= span.score else span
            out.append(Span(prev.start, span.end, PhiType.LOCATION, best.score, best.recognizer))
        else:
            out.append(span)
    return out


def find_phi_column(
    frame: Any,
    /,
    *,
    column: str,
    threshold: float = DEFAULT_THRESHOLD,
    types: Iterable[PhiType | str] | None = None,
) -> pl.DataFrame:
    """PHI spans of every row of a text column, as a long Polars frame.

    Columns: ``row`` (0-based position), ``start``, ``end``, ``type``, ``score``, ``recognizer``; one
    row per span (a row without PHI contributes none). Null cells are skipped.
    """
    require_columns(frame, [column], source="the frame")
    series = to_polars(frame).get_column(column)
    if series.dtype not in (pl.String, pl.Null):
        raise ColumnError(
            f"column {column!r} holds {series.dtype}, not text",
            hint="pass the name of a free-text column (find_phi_column(frame, column=...))",
        )
    rows: list[dict[str, Any]] = []
    for row, value in enumerate(series):
        if value is None:
            continue
        for span in find_phi(value, threshold=threshold, types=types):
            rows.append({"row": row, **span.to_dict()})
    schema = {
        "row": pl.Int64,
        "start": pl.Int64,
        "end": pl.Int64,
        "type": pl.String,
        "score": pl.Float64,
        "recognizer": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)
