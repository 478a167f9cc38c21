"""PHI recognizers: each is data (patterns, context words) plus one check, held in one registry.

:data:`REGISTRY` is the table of :class:`Recognizer` rows the text finder runs; :func:`spacy_recognizers`
adds optional named-entity recognizers from a locally installed spaCy model. The fragments and validators
the patterns share live in ``_dates``, ``_names``, ``_parts`` and ``_places``; ``_recognizer`` holds the row type
and its scan; ``_words`` is the recall-first word check over the vocabularies of ``_vocab``; ``_gate`` and ``_hs``
derive the loose patterns that pick candidate texts and start positions for a batch.

The package-level names of :mod:`ethicompass.privacy` are the public surface; these modules are where they live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy.text.recognizers._ner import spacy_recognizers
    from ethicompass.privacy.text.recognizers._registry import REGISTRY, Recognizer

__getattr__, __dir__ = attach(
    __name__,
    {
        "REGISTRY": "ethicompass.privacy.text.recognizers._registry",
        "Recognizer": "ethicompass.privacy.text.recognizers._registry",
        "spacy_recognizers": "ethicompass.privacy.text.recognizers._ner",
    },
)

__all__ = ["REGISTRY", "Recognizer", "spacy_recognizers"]
