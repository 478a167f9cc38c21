"""Optional NER backend: NAME and LOCATION candidates from a spaCy pipeline the user already has.

Nothing is downloaded: :func:`spacy_recognizer` takes a loaded ``spacy.Language`` or the name or path of a
pipeline that is installed locally, and refuses anything else. The result is an ordinary registry row
(a :class:`Recognizer` with a finder), so its spans merge and explain themselves like every other::

    from ethicompass.privacy import REGISTRY, find_phi, spacy_recognizers

    spans = find_phi(text, recognizers=(*REGISTRY, *spacy_recognizers("en_core_web_sm")))
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ethicompass.errors import ConfigurationError
from ethicompass.privacy.text.recognizers._registry import Recognizer
from ethicompass.study import PhiType

__all__ = ["spacy_recognizers"]

#: spaCy entity labels that are PHI, by the PHI type they become.
NER_LABELS: dict[str, PhiType] = {
    "PERSON": PhiType.NAME,
    "PER": PhiType.NAME,
    "GPE": PhiType.LOCATION,
    "LOC": PhiType.LOCATION,
    "FAC": PhiType.LOCATION,
}


def spacy_recognizers(pipeline: Any, /, *, score: float = 0.6) -> tuple[Recognizer, Recognizer]:
    """Two registry rows (NAME, LOCATION) fed by one run of a local spaCy pipeline per text.

    ``pipeline`` is a loaded ``spacy.Language`` or the name/path of an installed pipeline: PERSON
    entities become NAME candidates, GPE/LOC/FAC entities LOCATION candidates, each with ``score``.
    """
    nlp = _load(pipeline)
    last: dict[str, Any] = {}

    def entities(text: str) -> Any:
        if last.get("text") is not text:
            last["text"], last["ents"] = text, nlp(text).ents
        return last["ents"]

    def finder_for(kind: PhiType) -> Any:
        def finder(text: str) -> Iterator[tuple[int, int, float]]:
            for ent in entities(text):
                if NER_LABELS.get(ent.label_) == kind:
                    yield ent.start_char, ent.end_char, score

        return finder

    return (
        Recognizer("spacy_name", PhiType.NAME, score, finder=finder_for(PhiType.NAME)),
        Recognizer("spacy_location", PhiType.LOCATION, score, finder=finder_for(PhiType.LOCATION)),
    )


def _load(pipeline: Any) -> Any:
    if not isinstance(pipeline, str | Path):
        if not callable(pipeline):
            raise ConfigurationError(
                f"{type(pipeline).__name__} is not a spaCy pipeline", hint="pass spacy.load(...) or its name"
            )
        return pipeline
    try:
        import spacy
    except ImportError:
        raise ConfigurationError(
            "spaCy is not installed", hint="install spacy and a pipeline, or skip NER"
        ) from None
    name = str(pipeline)
    if not (spacy.util.is_package(name) or Path(name).exists()):
        raise ConfigurationError(
            f"spaCy pipeline {name!r} is not installed here (ethicompass never downloads models)",
            hint="install it yourself, or leave NER out: the default engine needs no model",
        )
    return spacy.load(name)
