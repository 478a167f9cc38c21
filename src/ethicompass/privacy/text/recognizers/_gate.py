"""Document gates: which documents of a batch a recognizer can possibly match, decided in one vectorised pass.

A gate is derived from the recognizer's own patterns (never written by hand, so it cannot drift from them):
each pattern is translated into a *looser* pattern for the Rust regex engine behind Polars — lookarounds,
word boundaries and anchors dropped, back-references replaced by the group they refer to, possessive and
lazy repeats made plain, Unicode classes widened — so its language contains the original's. A document
the loose pattern does not match cannot hold a match of the original, and the recognizer skips it;
the documents that pass are scanned exactly as before, so the spans found are unchanged.

Finders (dictionary recognizers) declare their gate as a callable returning the literal strings one of
which must occur in a document for the finder to yield anything (``gate_literals``).

The same translation, written for Hyperscan and for the reversed text (:func:`reversed_loose_pattern`),
gives ``recognizers._hs`` every position where a pattern can start.
"""

from __future__ import annotations

import functools
import logging
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import polars as pl

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "anchor_literals",
    "gate_of",
    "jump_words",
    "loose_pattern",
    "pattern_gate",
    "reversed_loose_pattern",
    "word_starts",
]

# Each class is its ASCII part plus every non-ASCII character: a superset of what Python's ``re`` means by
# it whatever the Unicode tables say, and small enough for the Rust engine to compile in microseconds.
_NON_ASCII = r"\x{80}-\x{10FFFF}"
_CATEGORY = {
    c.CATEGORY_DIGIT: r"0-9" + _NON_ASCII,
    c.CATEGORY_SPACE: r"\t-\r \x1c-\x1f" + _NON_ASCII,
    c.CATEGORY_WORD: r"0-9A-Za-z_" + _NON_ASCII,
}
_ANYTHING = r"(?s:.)"


class _Untranslatable(Exception):
    pass


class _Dialect:
    """How a loose pattern is written: for Rust's regex over text (the gates), or for Hyperscan over bytes.

    Hyperscan scans a text encoded one byte per character (every non-ASCII character a byte >= 0x80, see
    ``recognizers._hs``), so there any non-ASCII character is ``[\\x80-\\xff]``. ``reverse`` writes the
    pattern for the reversed text: its matches end where the original's start.
    """

    def __init__(self, *, hyperscan: bool, reverse: bool, multiline: bool = False) -> None:
        self.hyperscan, self.reverse = hyperscan, reverse
        # outside ``re.MULTILINE``, "^" is the start of the text: the end of the reversed text, "$" there
        self.begin = "$" if hyperscan and reverse and not multiline else ""
        self.non_ascii = r"\x80-\xff" if hyperscan else _NON_ASCII
        self.category = _CATEGORY
        if hyperscan:
            self.category = {
                c.CATEGORY_DIGIT: r"0-9" + self.non_ascii,
                c.CATEGORY_SPACE: r"\x09-\x0d\x20\x1c-\x1f" + self.non_ascii,
                c.CATEGORY_WORD: r"0-9A-Za-z_" + self.non_ascii,
            }
        self.anything = r"[\x00-\xff]" if hyperscan else _ANYTHING
        self.any_but_newline = r"[^\n]" if hyperscan else "."

    def char(self, code: int, *, in_class: bool = False) -> str:
        if not self.hyperscan:
            return _char(code)
        if code >= 0x80:
            return self.non_ascii if in_class else "[" + self.non_ascii + "]"
        ch = chr(code)
        return ch if ch.isalnum() else f"\\x{code:02x}"


_RUST = _Dialect(hyperscan=False, reverse=False)


def _char(code: int) -> str:
    ch = chr(code)
    if ch.isascii() and not ch.isalnum():
        if ch in "<>":  # Rust refuses escapes of these; they are not special there
            return ch
        if ch.isprintable() and ch != " ":
            return "\\" + ch
        return f"\\x{code:02x}"
    return ch


def _in(items: list[tuple[Any, Any]], d: _Dialect) -> str:
    if items and items[0][0] is c.NEGATE:
        rest = items[1:]
        if any(op is c.CATEGORY for op, _ in rest):
            return d.anything  # a negated Unicode class: widen to anything (still a superset)
        if d.hyperscan:  # a non-ASCII character stands for all of them: only ASCII ones can be left out
            rest = [
                (op, av if op is c.LITERAL else (av[0], min(av[1], 0x7F)))
                for op, av in rest
                if (av if op is c.LITERAL else av[0]) < 0x80
            ]
            if not rest:
                return d.anything
        return "[^" + "".join(_class_item(op, av, d) for op, av in rest) + "]"
    return "[" + "".join(_class_item(op, av, d) for op, av in items) + "]"


def _class_item(op: Any, av: Any, d: _Dialect) -> str:
    if op is c.LITERAL:
        return d.char(av, in_class=True)
    if op is c.RANGE:
        low, high = av
        if d.hyperscan and high >= 0x80:
            return d.non_ascii if low >= 0x80 else f"{d.char(low, in_class=True)}-\\x7f{d.non_ascii}"
        return f"{d.char(low, in_class=True)}-{d.char(high, in_class=True)}"
    if op is c.CATEGORY:
        if av in d.category:
            return d.category[av]
        return r"\x00-\xff" if d.hyperscan else r"\s\S"  # a negated category inside a class: anything
    raise _Untranslatable(str(op))


def _seq(data: Any, groups: dict[int, Any], d: _Dialect = _RUST) -> str:
    items = [_op(op, av, groups, d) for op, av in data]
    return "".join(reversed(items) if d.reverse else items)


def _op(op: Any, av: Any, groups: dict[int, Any], d: _Dialect) -> str:
    if op is c.LITERAL:
        return d.char(av)
    if op is c.NOT_LITERAL:
        if d.hyperscan and av >= 0x80:
            return d.anything
        return "[^" + d.char(av, in_class=True) + "]"
    if op is c.ANY:
        return d.any_but_newline
    if op is c.IN:
        return _in(av, d)
    if op is c.BRANCH:
        return "(?:" + "|".join(_seq(branch, groups, d) for branch in av[1]) + ")"
    if op is c.SUBPATTERN:
        group, add_flags, _, sub = av
        if add_flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_DOTALL):
            raise _Untranslatable("inline flags")
        if group is not None:
            groups[group] = sub
        return "(?:" + _seq(sub, groups, d) + ")"
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, high, sub = av
        body = "(?:" + _seq(sub, groups, d) + ")"
        if high == c.MAXREPEAT:
            return body + ("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
        return body + f"{{{low},{high}}}"
    if op is c.ATOMIC_GROUP:
        return "(?:" + _seq(av, groups, d) + ")"
    if op is c.AT and av is c.AT_BEGINNING:
        return d.begin
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return ""
    if op is c.GROUPREF:
        if av not in groups:
            raise _Untranslatable("back-reference to a later group")
        return "(?:" + _seq(groups[av], {}, d) + ")"
    raise _Untranslatable(str(op))


def reversed_loose_pattern(pattern: str, *, multiline: bool = False) -> str | None:
    """A Hyperscan pattern over the reversed one-byte-per-character text whose matches end exactly where a
    match of the Python ``pattern`` can start (a superset of them); None when none can be derived.

    Written by the same translation as :func:`loose_pattern`: lookarounds and anchors dropped,
    back-references replaced by their group, classes widened so a non-ASCII character is any byte >= 0x80.
    A "^" stays (as "$" of the reversed text: the start of the text is its only match) unless ``multiline``
    (the pattern is compiled with ``re.MULTILINE``, where it also matches after a newline: then it is dropped).
    """
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & (
        c.SRE_FLAG_IGNORECASE
        | c.SRE_FLAG_DOTALL
        | c.SRE_FLAG_ASCII
        | c.SRE_FLAG_VERBOSE
        | c.SRE_FLAG_MULTILINE
    ):
        return None
    if parsed.getwidth()[0] == 0:
        return None
    try:
        return _seq(parsed.data, {}, _Dialect(hyperscan=True, reverse=True, multiline=multiline))
    except _Untranslatable:
        return None


def loose_pattern(pattern: str) -> str | None:
    """A Rust-regex pattern whose matches include every match of the Python ``pattern`` (None: none found)."""
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_DOTALL | c.SRE_FLAG_ASCII):
        return None
    try:
        loose = _seq(parsed.data, {})
    except _Untranslatable:
        return None
    if parsed.getwidth()[0] == 0:
        return None  # matches the empty string: no use as a gate
    try:
        pl.Series([""], dtype=pl.String).str.contains(loose)
    except (
        pl.exceptions.ComputeError
    ):  # the Rust engine refuses it (size limit, syntax): no gate, scan everything
        return None
    return loose


@functools.cache
def pattern_gate(patterns: tuple[str, ...]) -> str | None:
    """One loose Rust pattern for any of ``patterns`` (None when one of them cannot be loosened)."""
    loose = [loose_pattern(p) for p in patterns]
    if not loose or any(p is None for p in loose):
        return None
    return "|".join(f"(?:{p})" for p in loose if p is not None)


_GATES: dict[int, tuple[Any, tuple[tuple[str | None, tuple[str, ...] | None], ...]]] = {}


def gate_of(recognizer: Any) -> tuple[tuple[str | None, tuple[str, ...] | None], ...]:
    """Per part of ``recognizer`` (each pattern; a finder is one part): its loose Rust pattern and literals.

    Either may be None (no such gate). The pattern applies to the lower-cased text when the recognizer
    searches that; the literals (a finder's ``gate_literals``) to the text as written.
    """
    hit = _GATES.get(id(recognizer))
    if hit is None or hit[0] is not recognizer:
        parts: tuple[tuple[str | None, tuple[str, ...] | None], ...]
        if recognizer.finder is not None:
            patterns = tuple(recognizer.gate_patterns()) if recognizer.gate_patterns is not None else ()
            literals = tuple(recognizer.gate_literals()) if recognizer.gate_literals is not None else None
            parts = ((pattern_gate(patterns) if patterns else None, literals),)
        else:
            parts = tuple((pattern_gate((pattern,)), None) for pattern in recognizer.patterns)
        hit = (recognizer, parts)
        _GATES[id(recognizer)] = hit
    return hit[1]


def _leading(data: Any) -> list[str] | None:
    if not data:
        return None
    op, av = data[0]
    if op is c.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _leading(sub.data)
    if op is c.LITERAL:
        run = []
        for op2, av2 in data:
            if op2 is not c.LITERAL:
                break
            run.append(chr(av2))
        return ["".join(run)]
    if op is c.BRANCH:
        found: list[str] = []
        for branch in av[1]:
            sub = _leading(branch.data)
            if sub is None:
                return None
            found.extend(sub)
        return found
    return None


@functools.cache
def anchor_literals(pattern: str) -> tuple[str, ...] | None:
    """The literal strings one of which every match of ``pattern`` starts with, when it opens with a choice
    of words (``(?:mrn|chart|patient id)...``); None otherwise.

    Scanning can then jump between occurrences of these words (``str.find``) and try the pattern only
    there, instead of letting ``re`` try every alternative at every character.
    """
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_VERBOSE | c.SRE_FLAG_MULTILINE):
        return None
    data = parsed.data
    if data and data[0][0] is c.LITERAL:
        return None  # ``re`` already searches a literal prefix quickly
    found = _leading(data)
    if not found or len(found) < 2:
        return None
    return tuple(dict.fromkeys(found))


#: Jumping between opening words pays when they are few and rare: no digits, no single letters.
_ANCHORS_MAX = 30


@functools.cache
def jump_words(pattern: str) -> tuple[str, ...] | None:
    """The opening words of ``pattern`` worth jumping between (see :func:`anchor_literals`), if any.

    ``Recognizer.scan`` then tries the pattern only at the :func:`word_starts` of these words.
    """
    found = anchor_literals(pattern)
    if found is None or len(found) > _ANCHORS_MAX:
        return None
    if any(a[0].isdigit() or (len(a) == 1 and a.isalnum()) for a in found):
        return None
    return found


def word_starts(haystack: str, words: tuple[str, ...]) -> list[int]:
    """Sorted positions where one of ``words`` occurs and no letter or digit comes right before."""
    found: set[int] = set()
    for word in words:
        at = haystack.find(word)
        while at >= 0:
            if at == 0 or not haystack[at - 1].isalnum():
                found.add(at)
            at = haystack.find(word, at + 1)
    return sorted(found)
