"""Shared helpers for the clinical-text tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

import pytest

from ethicompass import _fastpath
from ethicompass.privacy import Span, find_phi_many
from ethicompass.privacy.text import _find as text_module
from ethicompass.privacy.text.recognizers import _hs as hs_module

EditNote = Callable[[random.Random, Sequence[str], Sequence[str], int], str]
BothPaths = Callable[[list[str]], tuple[list[list[Span]], list[list[Span]]]]


def _edit_note(rng: random.Random, examples: Sequence[str], odd: Sequence[str], max_edits: int) -> str:
    """One of ``examples`` cut, spliced with pieces of others and salted with ``odd`` characters."""
    chars = list(rng.choice(examples))
    for _ in range(rng.randint(1, max_edits)):
        i = rng.randrange(len(chars) + 1)
        roll = rng.random()
        if roll < 0.3 and chars:
            del chars[min(i, len(chars) - 1)]
        elif roll < 0.7:
            chars.insert(i, rng.choice([*odd, *"aA1 .,-/:#@()"]))
        else:
            chars[i:i] = list(rng.choice(examples)[: rng.randint(1, 40)])
    return "".join(chars)


@pytest.fixture(scope="session")
def edit_note() -> EditNote:
    """A function that edits an example note at random (seeded by the ``random.Random`` it is given)."""
    return _edit_note


@pytest.fixture
def hyperscan_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every batch, however small, takes the Hyperscan path."""
    monkeypatch.setattr(text_module, "_HS_MIN_CHARS", 0)
    monkeypatch.setattr(hs_module, "ENABLED", True)
    yield


def _both(texts: list[str]) -> tuple[list[list[Span]], list[list[Span]]]:
    assert hs_module.available()
    fast = list(find_phi_many(texts))
    with _fastpath.plain("hyperscan"):  # the seam's switch (ETHICOMPASS_PLAIN=hyperscan)
        assert not hs_module.available()
        plain = list(find_phi_many(texts))
    return fast, plain


@pytest.fixture
def both_paths(hyperscan_on: None) -> BothPaths:
    """``find_phi_many`` through the Hyperscan fast path, then through the plain path: (fast, plain)."""
    return _both
