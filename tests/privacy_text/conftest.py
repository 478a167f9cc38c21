"""Shared helpers for the clinical-text tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

EditNote = Callable[[random.Random, Sequence[str], Sequence[str], int], str]


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
