"""Names a title, a credential or a relation in brackets marks: "dr fairweather", "q. brannigan rrt",
"maria van der berg (son)". A title makes even an English word a name; the title itself is evidence, not
part of the name, so the redacted text keeps it ("Dr. [NAME]")."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from ethicompass.privacy.text.recognizers._parts import ANYWHERE, CUE_NAME, LETTER, Starts, finditer
from ethicompass.privacy.text.recognizers._runs import PARTICLES as _PARTICLES
from ethicompass.privacy.text.recognizers._vocab import _STOP, accounted_for, vocabulary

__all__ = ["signature_regexes", "signed_names", "titled_names"]

_TITLE = re.compile(r"(?:drs?|mrs?|ms|miss|prof)\b\.?[ \t]*")
_NAME_WORD = re.compile(rf"({LETTER}(?:{LETTER}|['’])*(?:-{LETTER}(?:{LETTER}|['’])*)?)\.?")
_INITIAL = re.compile(rf"{LETTER}\.?[ \t]+(?={LETTER}{{2}})")
_CREDENTIAL = re.compile(
    r"(?:rrt|crt|rn|bsn|lpn|cna|md|np|pa-c|aprn|fnp|msw|lcsw|licsw|rph|pharmd|crna|cnp|phd|slp|otr|dpt)\b(?:\.?[ \t]*(?:$|\n|[,;])|\.[ \t])",
    re.MULTILINE,
)
_BEFORE_CREDENTIAL = re.compile(r"[ \t]*,?[ \t]*$")


def titled_names(low: str, at: Starts = ANYWHERE) -> Iterator[tuple[int, int, str, float]]:
    """The word after a title ("dr fairweather", "mrs. gable"), with a middle initial and a second word when the first
    is a Census first name ("dr. ellen marchetti"): a title makes even an English word a name."""
    names = vocabulary()[1]
    for m in finditer(_TITLE, low, at.get(_TITLE)):
        if m.start() and low[m.start() - 1].isalpha():
            continue
        first = _NAME_WORD.match(low, m.end())
        if first is None or first.group(1) in _STOP or low.startswith("/", first.end(1)):
            continue  # "mr d/t mvr": mitral regurgitation, then an abbreviation
        # the title is evidence, not part of the name (as ``name_title`` has it): the redacted text keeps it
        yield first.start(1), first.end(1), "name", CUE_NAME
        after = first.end()
        if first.group(1) in _PARTICLES:  # "dr. de leis", "dr van der pol": the name after the particles
            rest = _NAME_WORD.match(low, after + 1)
            if rest is not None and rest.group(1) in _PARTICLES:
                rest = _NAME_WORD.match(low, rest.end() + 1)
            if rest is not None:
                yield first.start(1), rest.end(1), "name", CUE_NAME
            continue
        if first.group(1) not in names or low[after : after + 1] not in (" ", "\t"):
            continue
        initial = _INITIAL.match(low, after + 1)
        nxt = _NAME_WORD.match(low, initial.end() if initial else after + 1)
        second = "" if nxt is None else nxt.group(1)
        if (
            nxt is not None
            and second.isalpha()
            and second not in _STOP
            and (second in names or not accounted_for(second))
        ):
            yield first.start(1), nxt.end(1), "name", CUE_NAME


#: A relation in brackets after a name ("maria van der berg (son)"): the words before it are the name, however cased.
_RELATION_AFTER = re.compile(
    r"\((?:son|daughter|wife|husband|mother|father|sister|brother|niece|nephew|friend|hcp|proxy|spouse|partner)\)"
)


def signed_names(low: str, at: Starts = ANYWHERE) -> Iterator[tuple[int, int, str, float]]:
    """A signature: up to four words and initials before a credential at the end of a line ("q. brannigan rrt",
    "ROS E. DELACROIX-BYRNE, RRT") or before a relation in brackets, stopping at a function word or a sentence's
    end."""
    for m in itertools.chain(
        finditer(_CREDENTIAL, low, at.get(_CREDENTIAL)),
        finditer(_RELATION_AFTER, low, at.get(_RELATION_AFTER)),
    ):
        if m.start() and low[m.start() - 1].isalpha():
            continue
        gap = _BEFORE_CREDENTIAL.search(low, max(0, m.start() - 8), m.start())
        end = gap.start() if gap is not None else m.start()
        line_start = low.rfind("\n", 0, end) + 1
        tokens = low[line_start:end].split(" ")
        start = end
        taken = 0
        for token in reversed(tokens):
            bare = token.strip(",;:()").rstrip(".")
            if not token:
                start -= 1
                continue
            initial = len(bare) == 1 and bare.isalpha()
            if not initial and (not bare or bare in _STOP or not bare.replace("-", "").isalpha()):
                break
            if taken and token.endswith(".") and not initial:
                break  # the end of the sentence before the signature
            if taken >= 4:
                break
            start -= len(token) + 1
            taken += 1
        start = max(start + 1, line_start)
        run = [t.strip(",;:()").rstrip(".") for t in low[start:end].split()]
        if not any(len(t) == 1 or t in vocabulary()[1] or not accounted_for(t) for t in run if t):
            continue
        while start < end and not low[start].isalpha():
            start += 1
        if taken and start < end:
            yield start, end, "name", CUE_NAME


def signature_regexes() -> tuple[re.Pattern[str], ...]:
    """The regular expressions :func:`titled_names` and :func:`signed_names` iterate over (for the Hyperscan
    pass of ``recognizers._hs``: where each can match). The relation in brackets is rare and cheap to find:
    it runs as a plain scan."""
    return (_TITLE, _CREDENTIAL)
