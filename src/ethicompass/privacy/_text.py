"""Find PHI in clinical free text: ``find_phi(text)`` then ``redact(text, spans)``.

Every recognizer in the registry (``_recognizers.REGISTRY``) runs over the text; overlapping candidates
are merged into one span that covers them all (recall first: nothing a recognizer saw leaks), labelled
with the type, score and recognizer of the strongest one, so every decision can be explained. A place
qualified by its city ("St. Mary's Hospital, Dallas", "Mercy Clinic in Boston") becomes one span.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

import polars as pl

from ethicompass.errors import ColumnError
from ethicompass.frames import require_columns, to_polars
from ethicompass.privacy._recognizers import REGISTRY, Recognizer, lower_same_length
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Span", "find_phi", "find_phi_column", "find_phi_many"]

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
    lowered = lower_same_length(text)
    for recognizer in REGISTRY if recognizers is None else recognizers:
        if wanted is not None and recognizer.phi_type not in wanted:
            continue
        for start, end, score in recognizer.find(text, lowered):
            if score >= threshold:
                candidates.append(Span(start, end, recognizer.phi_type, score, recognizer.name))
    return _join_places(text, _merge(candidates))


#: Texts are scanned together, joined by this separator (longer than any context window or gap a
#: pattern spans), in blocks of about this many characters.
_SEPARATOR = "\n\x00\n" * 16
_BLOCK = 1 << 16


def find_phi_many(
    texts: Iterable[str],
    /,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    types: Iterable[PhiType | str] | None = None,
) -> Iterator[list[Span]]:
    """The spans of each text, in order, as :func:`find_phi` gives them, but much faster for short texts.

    Texts are joined into blocks of about 64 KB and scanned together (the per-call cost of ~50
    recognizers is paid once per block); spans are then split back, so no span crosses two texts.
    Memory stays bounded by one block, so any number of texts streams.
    """
    wanted = None if types is None else tuple(types)
    batch: list[str] = []
    size = 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if size >= _BLOCK:
            yield from _scan_block(batch, threshold, wanted)
            batch, size = [], 0
    if batch:
        yield from _scan_block(batch, threshold, wanted)


def _scan_block(
    texts: list[str], threshold: float, types: tuple[PhiType | str, ...] | None
) -> list[list[Span]]:
    if len(texts) == 1:
        return [find_phi(texts[0], threshold=threshold, types=types)]
    starts: list[int] = []
    pos = 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + len(_SEPARATOR)
    out: list[list[Span]] = [[] for _ in texts]
    for span in find_phi(_SEPARATOR.join(texts), threshold=threshold, types=types):
        i = bisect.bisect_right(starts, span.start) - 1
        while i < len(texts) and starts[i] < span.end:
            lo, hi = max(span.start, starts[i]), min(span.end, starts[i] + len(texts[i]))
            if lo < hi:
                out[i].append(replace(span, start=lo - starts[i], end=hi - starts[i]))
            i += 1
    return out


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
    present = [(row, value) for row, value in enumerate(series) if value is not None]
    found = find_phi_many((value for _, value in present), threshold=threshold, types=types)
    for (row, _), spans in zip(present, found, strict=True):
        rows.extend({"row": row, **span.to_dict()} for span in spans)
    schema = {
        "row": pl.Int64,
        "start": pl.Int64,
        "end": pl.Int64,
        "type": pl.String,
        "score": pl.Float64,
        "recognizer": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)
