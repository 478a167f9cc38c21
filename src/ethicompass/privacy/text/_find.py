"""Find PHI in clinical free text: ``find_phi(text)`` then ``redact(text, spans)``.

Every recognizer in the registry (``_recognizers.REGISTRY``) runs over the text; overlapping candidates
are merged into one span that covers them all (recall first: nothing a recognizer saw leaks), labelled
with the type, score and recognizer of the strongest one, so every decision can be explained. A place
qualified by its city ("St. Mary's Hospital, Dallas", "Mercy Clinic in Boston") becomes one span.
"""

from __future__ import annotations

import bisect
import functools
import gc
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import ColumnError
from ethicompass.frames import require_columns, to_polars
from ethicompass.privacy.text.recognizers import _hs
from ethicompass.privacy.text.recognizers._gate import gate_of
from ethicompass.privacy.text.recognizers._registry import REGISTRY, Recognizer, lower_same_length
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Span", "find_phi", "find_phi_column", "find_phi_many"]

#: Findings scored below this are dropped unless the caller passes another threshold.
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
        return {
            "start": self.start,
            "end": self.end,
            "type": self.type.value,
            "score": round(self.score, 3),
            "recognizer": self.recognizer,
        }


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
    candidates: list[_Candidate] = []
    lowered = lower_same_length(text)
    for recognizer in REGISTRY if recognizers is None else recognizers:
        if wanted is not None and recognizer.phi_type not in wanted:
            continue
        for start, end, score in recognizer.find(text, lowered):
            if score >= threshold:
                candidates.append((start, end, score, recognizer))
    return _join_places(text, _merge(candidates))


_REGISTERED = {r.name: r for r in REGISTRY}

#: A candidate before merging: ``(start, end, score, recognizer)`` (plain tuples: there are many).
_Candidate = tuple[int, int, float, Recognizer]

#: Texts are scanned together, joined by this separator (longer than any context window or gap a
#: pattern spans), in batches of about this many characters.
_SEPARATOR = "\n\x00\n" * 16
_BLOCK = 1 << 20
#: Below this many texts a batch is not worth a vectorised gate (its fixed cost exceeds the saving).
_GATE_MIN = 8


def find_phi_many(
    texts: Iterable[str],
    /,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    types: Iterable[PhiType | str] | None = None,
    jobs: int = 1,
) -> Iterator[list[Span]]:
    """The spans of each text, in order, exactly as :func:`find_phi` gives them, but much faster.

    Texts are taken in batches of about 1 MB (``_BLOCK`` characters). For each recognizer, one vectorised pass (the Rust
    regex engine behind Polars, ``recognizers._gate``) picks the texts of the batch it could match at
    all; only those are joined (by a separator no pattern crosses) and scanned, so the per-call cost
    of ~50 recognizers is paid once per batch and most recognizers read only a few texts. Memory stays
    bounded by one batch, so any number of texts streams.

    ``jobs`` above 1 scans the batches in that many spawned worker processes (0: one per CPU); the spans
    are the same, in the same order (:mod:`ethicompass.privacy.text._parallel`). Each worker costs about a
    second to start and 200 MB, so it pays from a few megabytes of text on.
    """
    from ethicompass.privacy.text._parallel import resolve_jobs, scan_in_workers

    wanted = None if types is None else tuple(PhiType(t).value for t in types)
    scan = functools.partial(_scan_listed, threshold=threshold, types=wanted)
    workers = resolve_jobs(jobs)
    if workers > 1:
        yield from scan_in_workers(_batches(texts), workers, scan)
        return
    for batch in _batches(texts):
        yield from scan(batch)


def _scan_listed(batch: list[str], *, threshold: float, types: tuple[str, ...] | None) -> list[list[Span]]:
    """The spans of each text of one batch (a module-level function: worker processes are sent it by name)."""
    recognizers = [r for r in REGISTRY if types is None or r.phi_type.value in types]
    return _scan_paused(batch, threshold, recognizers)


def _batches(texts: Iterable[str]) -> Iterator[list[str]]:
    """``texts`` in lists of about ``_BLOCK`` characters (the last one shorter)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if size >= _BLOCK:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _scan_paused(texts: list[str], threshold: float, recognizers: list[Recognizer]) -> list[list[Span]]:
    """:func:`_scan_batch` with the cyclic garbage collector paused.

    A batch allocates tens of thousands of small objects (candidates, spans) and no reference cycles, so
    refcounting frees them all; the collector's passes over them, which grow with whatever the caller
    holds, cost 10-20% of the scan. It is paused only while a batch is scanned, never across a ``yield``,
    and left as it was found.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan_batch(texts, threshold, recognizers)
    finally:
        if enabled:
            gc.enable()


#: Batches of at least this many characters find where each pattern can start with one Hyperscan pass
#: (``recognizers._hs``; compiling its databases costs about a second, once per process).
_HS_MIN_CHARS = 1 << 16


def _has_trigger(seen: dict[int, bool], i: int, lowered: list[str], recognizer: Recognizer) -> bool:
    """Whether text ``i`` holds one of the recognizer's trigger words (looked up once per text)."""
    if i not in seen:
        seen[i] = any(t in lowered[i] for t in recognizer.triggers)
    return seen[i]


def _scan_batch(texts: list[str], threshold: float, recognizers: list[Recognizer]) -> list[list[Span]]:
    lowered = [lower_same_length(text) for text in texts]
    candidates: list[list[_Candidate]] = [[] for _ in texts]
    lengths = [len(text) for text in texts]
    everyone: Sequence[int] = range(len(texts))
    covered: frozenset[tuple[str, int]] = frozenset()
    finders: dict[str, int] = {}
    joined: str | None = None
    joined_low, all_starts = "", [0]
    if _hs.available() and sum(map(len, texts)) >= _HS_MIN_CHARS:
        covered = _hs.covered(REGISTRY)
        finders = _hs.covered_finders(REGISTRY)
        all_starts = _offsets(texts)
        joined, joined_low = _SEPARATOR.join(texts), _SEPARATOR.join(lowered)
        where = _hs.candidates(REGISTRY, joined, joined_low)
    # Hyperscan's candidates already hold every place a covered pattern or street address can start: those
    # need no document gate
    ungated = covered | {(name, 0) for name in finders}
    for recognizer, parts in zip(recognizers, _gates(recognizers, texts, lowered, ungated), strict=True):
        # ``triggers`` are checked per text, and only for texts that yield a candidate (few)
        triggered: dict[int, bool] | None = {} if recognizer.triggers else None
        registered = recognizer is _REGISTERED.get(recognizer.name)
        for part, chosen in enumerate(parts):
            at: Sequence[Any] | None = None
            if (recognizer.name, part) in covered and registered:
                at = where.get((recognizer.name, part))
                if not at:
                    continue
                picked, starts, text, low = everyone, all_starts, joined, joined_low
            elif recognizer.name in finders and registered:
                # the finder over every text at once, its regexes tried only where they can match (and
                # only in the texts its gate lets through)
                at = [
                    _within(where.get((recognizer.name, -1 - k), []), all_starts, chosen)
                    for k in range(finders[recognizer.name])
                ]
                if not any(at) and recognizer.finder_regexes_required:
                    continue
                picked, starts, text, low = everyone, all_starts, joined, joined_low
            else:
                picked = everyone if chosen is None else chosen
                if not picked:
                    continue
                if chosen is None and len(texts) > 1:
                    # the whole batch, joined once (``word_name`` and ``word_place`` share one word scan of it)
                    if joined is None:
                        joined, joined_low = _SEPARATOR.join(texts), _SEPARATOR.join(lowered)
                        all_starts = _offsets(texts)
                    starts, text, low = all_starts, joined, joined_low
                elif len(picked) == 1:
                    starts, text, low = [0], texts[picked[0]], lowered[picked[0]]
                else:
                    starts = _offsets([texts[i] for i in picked])
                    text = _SEPARATOR.join([texts[i] for i in picked])
                    low = _SEPARATOR.join([lowered[i] for i in picked])
            assert text is not None  # the batch is joined before a covered part reads it
            for start, end, score in recognizer.scan(part, text, low, at):
                if score < threshold:
                    continue
                k = bisect.bisect_right(starts, start) - 1
                offset = starts[k]
                i = picked[k]
                if end <= offset + lengths[i]:  # within one text: the usual case
                    if start < end:
                        if triggered is not None and not _has_trigger(triggered, i, lowered, recognizer):
                            continue
                        candidates[i].append((start - offset, end - offset, score, recognizer))
                    continue
                while k < len(picked) and starts[k] < end:  # one text, unless a span passes its end
                    offset, i = starts[k], picked[k]
                    lo, hi = max(start, offset), min(end, offset + lengths[i])
                    k += 1
                    if lo >= hi:
                        continue
                    if triggered is not None and not _has_trigger(triggered, i, lowered, recognizer):
                        continue
                    candidates[i].append((lo - offset, hi - offset, score, recognizer))
    return [_join_places(text, _merge(found)) for text, found in zip(texts, candidates, strict=True)]


#: A gate that lets through more than this share of a batch costs more than it saves: it is left off
#: for the next ``_RECHECK`` batches (the spans are the same either way; only the time differs).
_USEFUL = 0.75
_RECHECK = 8
_GATE_SKIPS: dict[tuple[str, int], int] = {}


def _gates(
    recognizers: list[Recognizer],
    texts: list[str],
    lowered: list[str],
    covered: frozenset[tuple[str, int]] = frozenset(),
) -> list[list[list[int] | None]]:
    """For each recognizer and each of its parts, the positions of the texts it could match (None: all).

    The loose patterns and literal lists of ``recognizers._gate``, for batches of at least ``_GATE_MIN``
    texts, all evaluated in one Polars query; parts in ``covered`` (found by Hyperscan) need none.
    """
    if len(texts) < _GATE_MIN:
        return [[None] * r.parts for r in recognizers]
    exprs: list[pl.Expr] = []
    plan: list[list[tuple[int, tuple[str, int]]]] = []  # per part: (its expression or -1, its skip key)
    for recognizer in recognizers:
        column = "l" if recognizer.lower and recognizer.finder is None else "t"
        parts: list[tuple[int, tuple[str, int]]] = []
        for part, (regex, literals) in enumerate(gate_of(recognizer)):
            key = (recognizer.name, part)
            if key in covered:
                parts.append((-1, key))
                continue
            skips = _GATE_SKIPS.get(key, 0)
            if skips:
                _GATE_SKIPS[key] = skips - 1
            if skips or (regex is None and literals is None):
                parts.append((-1, key))
                continue
            expr = None
            if literals is not None:
                expr = pl.col("t").str.contains_any(list(literals))
            if regex is not None:
                hit = pl.col(column).str.contains(regex)
                expr = hit if expr is None else expr & hit
            assert expr is not None
            parts.append((len(exprs), key))
            exprs.append(expr.alias(f"g{len(exprs)}"))
        plan.append(parts)
    if any("l" in e.meta.root_names() for e in exprs):
        frame = pl.DataFrame({"t": texts, "l": lowered}, schema={"t": pl.String, "l": pl.String})
    else:
        frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    masks = frame.select(exprs).to_numpy() if exprs else None
    result: list[list[list[int] | None]] = []
    for parts in plan:
        picks: list[list[int] | None] = []
        for k, key in parts:
            if k < 0 or masks is None:
                picks.append(None)
                continue
            picked = np.flatnonzero(masks[:, k]).tolist()
            if len(picked) > _USEFUL * len(texts):
                _GATE_SKIPS[key] = _RECHECK
            picks.append(picked)
        result.append(picks)
    return result


def _within(positions: list[int], starts: list[int], chosen: list[int] | None) -> list[int]:
    """The ``positions`` (in the joined batch) that lie in the texts ``chosen`` (all when None)."""
    if chosen is None or not positions:
        return positions
    found = np.asarray(positions, dtype=np.int64)
    text_of = np.searchsorted(np.asarray(starts, dtype=np.int64), found, side="right") - 1
    wanted = np.zeros(len(starts), dtype=bool)
    wanted[chosen] = True
    return found[wanted[text_of]].tolist()


def _offsets(texts: list[str]) -> list[int]:
    """Where each text starts in ``_SEPARATOR.join(texts)``."""
    starts, pos = [], 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + len(_SEPARATOR)
    return starts


def _merge(candidates: list[_Candidate]) -> list[Span]:
    """Merge overlapping candidates into one span each, labelled by the strongest (then longest).

    Ties go to the candidate found first (registry order), as ``max`` would pick it.
    """
    if not candidates:
        return []
    candidates.sort(key=lambda s: (s[0], -s[1]))
    merged: list[Span] = []
    best = candidates[0]
    start, end, best_key = best[0], best[1], (best[2], best[1] - best[0])
    for candidate in candidates[1:]:
        if candidate[0] >= end:
            merged.append(_span(start, end, best[3].phi_type, best[2], best[3].name))
            best = candidate
            start, end, best_key = candidate[0], candidate[1], (candidate[2], candidate[1] - candidate[0])
            continue
        if candidate[1] > end:
            end = candidate[1]
        key = (candidate[2], candidate[1] - candidate[0])
        if key > best_key:
            best, best_key = candidate, key
    merged.append(_span(start, end, best[3].phi_type, best[2], best[3].name))
    return merged


_new = object.__new__


def _span(start: int, end: int, phi_type: PhiType, score: float, recognizer: str) -> Span:
    """``Span(...)`` without the frozen dataclass's five ``object.__setattr__`` calls (half the cost)."""
    span = _new(Span)
    span.__dict__.update(start=start, end=end, type=phi_type, score=score, recognizer=recognizer)
    return span


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
