"""A PHI recognizer: data (patterns, context words, vetoes) plus one check, and how it scans a text.

:class:`Recognizer` is the row type of the registry (``_registry.REGISTRY``); :meth:`Recognizer.scan` runs one of
its patterns (or its finder) over a text or a batch of texts joined together.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ethicompass.privacy.text.recognizers._gate import jump_words as _anchors
from ethicompass.privacy.text.recognizers._gate import word_starts as _word_starts
from ethicompass.privacy.text.recognizers._parts import ascii_lower
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: A validator sees the text and the match; it returns False to reject, True to keep the ``phi`` span,
#: or a ``(start, end)`` pair to keep a trimmed span.
Validator = Callable[[str, re.Match[str]], bool | tuple[int, int]]
#: A finder yields ``(start, end, score)`` candidates straight from the text (dictionary recognizers).
Finder = Callable[[str], Iterator[tuple[int, int, float]]]
#: Strings (literal words, or regular expressions) one of which must occur in a text for a finder to yield.
GateStrings = Callable[[], tuple[str, ...]]

_CONTEXT_BOOST = 0.15


@dataclass(frozen=True)
class Recognizer:
    """One way of finding one PHI type: patterns, context, an optional validator (or a finder).

    ``gate_literals`` / ``gate_patterns`` tell a finder's necessary condition (a name it looks up must
    occur verbatim; its regular expression must match), so batches skip documents it cannot match;
    pattern recognizers derive theirs from ``patterns`` (``recognizers._gate``).
    """

    name: str
    phi_type: PhiType
    score: float
    patterns: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    context_required: bool = False
    exclude: tuple[str, ...] = ()
    window: int = 40
    lower: bool = False
    triggers: tuple[str, ...] = ()
    validator: Validator | None = None
    finder: Finder | None = None
    gate_literals: GateStrings | None = None
    gate_patterns: GateStrings | None = None
    finder_regexes: Callable[[], tuple[re.Pattern[str], ...]] | None = None
    #: Whether the finder yields only where one of its ``finder_regexes`` matches (a batch where none can is
    #: skipped); False for a finder that also yields on its own (the word scan's unknown words).
    finder_regexes_required: bool = True
    overlapping: bool = False
    description: str = ""

    def find(self, text: str, lowered: str | None = None) -> Iterator[tuple[int, int, float]]:
        """Yield ``(start, end, score)`` for every accepted candidate in ``text``.

        ``lowered`` is ``text`` in lower case with the same length (see :func:`lower_same_length`);
        recognizers with ``lower=True`` search it, and ``triggers`` are looked up in it.
        """
        if lowered is None:
            lowered = lower_same_length(text)
        if self.triggers and not any(t in lowered for t in self.triggers):
            return
        for part in range(self.parts):
            yield from self.scan(part, text, lowered)

    @property
    def parts(self) -> int:
        """How many separate scans :meth:`scan` offers: one per pattern (a finder is one)."""
        return 1 if self.finder is not None else len(self.patterns)

    def scan(
        self, part: int, text: str, lowered: str, where: Sequence[Any] | None = None
    ) -> list[tuple[int, int, float]]:
        """The accepted candidates of pattern number ``part`` (or of the finder), ignoring ``triggers``.

        :meth:`find` is ``scan`` over every part once the triggers hold; batch scanning calls it per
        part on just the texts that part's gate lets through. ``where``, when given, holds (sorted) every
        position where the pattern can match and no letter or digit comes right before
        (``recognizers._hs``): the pattern is tried only there, with the same result. A finder with
        ``finder_regexes`` takes instead, per regex, every position where it can match.
        """
        if self.finder is not None:
            if where is not None:  # one list of starts per ``finder_regexes`` (see ``recognizers._hs``)
                return list(self.finder(text, where))  # type: ignore[call-arg]
            return list(self.finder(text))
        _, compiled, context_rx, exclude_rx = _prepared(self)
        rx = compiled[part]
        search = rx.search
        haystack = lowered if self.lower else text
        has_phi = "phi" in rx.groupindex
        validator, overlapping, window = self.validator, self.overlapping, self.window
        plain = context_rx is None and exclude_rx is None
        out: list[tuple[int, int, float]] = []
        pos, n = 0, len(text)
        anchors = _anchors(self.patterns[part]) if where is None else None
        starts = iter(where) if where is not None else None
        if anchors is not None:
            starts = iter(_word_starts(haystack, anchors))
        while pos <= n:
            if starts is None:
                m = search(haystack, pos)
                if m is None:
                    break
                at = m.start()
                if at > 0 and haystack[at - 1].isalnum():
                    pos = at + 1
                    continue
            else:  # try the pattern only where one of its opening words starts a word
                at = next(starts, -1)
                if at < 0:
                    break
                if at < pos:
                    continue
                m = rx.match(haystack, at)
                if m is None:
                    continue
            start, end = m.span("phi") if has_phi else m.span()
            if validator is not None:
                verdict = validator(text, m)
                if verdict is False or start == end:
                    pos = at + 1
                    continue
                if isinstance(verdict, tuple):
                    start, end = verdict
            elif start == end:
                pos = at + 1
                continue
            pos = at + 1 if overlapping else max(m.end(), at + 1)
            if start >= end:
                continue
            if plain:
                out.append((start, end, self.score))
                continue
            score = self.score
            before = text[max(0, start - window) : start]
            if exclude_rx is not None and exclude_rx.search(before):
                continue
            if context_rx is not None:
                if context_rx.search(before):
                    score = min(1.0, score + _CONTEXT_BOOST)
                elif self.context_required:
                    continue
            out.append((start, end, score))
        return out


def lower_same_length(text: str) -> str:
    """``text.lower()``, or an ASCII-only lower case where full lower-casing would change the length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return ascii_lower(text)


_Prepared = tuple[Recognizer, tuple[re.Pattern[str], ...], re.Pattern[str] | None, re.Pattern[str] | None]
_PREPARED: dict[int, _Prepared] = {}


def _words(items: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile(r"(?i)\b(?:" + "|".join(items) + r")\b") if items else None


#: Global inline flags, which must stay at the start of a pattern.
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _not_after_alnum(pattern: str) -> re.Pattern[str]:
    """``pattern`` allowed to start only where no letter or digit comes right before (``(?<![^\\W_])``), as
    :meth:`Recognizer.scan` requires of every match anyway. Without it ``re`` tries every position inside a run of
    letters, and a pattern that reads the run to its end (``[A-Z][A-Z]+`` then a space) takes time quadratic in the
    run: 13 s for one 20,000-letter "word" (a pasted blob); with it, each such position fails at once."""
    flags = _FLAGS.match(pattern)
    head = flags.group(0) if flags else ""
    return re.compile(f"{head}(?<![^\\W_])(?:{pattern[len(head) :]})")


def _prepared(recognizer: Recognizer) -> _Prepared:
    """The compiled patterns and context regexes of ``recognizer`` (compiled on first use; see
    :func:`_not_after_alnum`)."""
    hit = _PREPARED.get(id(recognizer))
    if hit is None or hit[0] is not recognizer:
        compiled = tuple(_not_after_alnum(pattern) for pattern in recognizer.patterns)
        hit = (recognizer, compiled, _words(recognizer.context), _words(recognizer.exclude))
        _PREPARED[id(recognizer)] = hit
    return hit
