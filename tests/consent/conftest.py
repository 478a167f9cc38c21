"""Consent tests: the ``store`` fixture's registry knows the test participants (a study's list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

#: The participants the registry of every consent test store knows.
TEST_PARTICIPANTS = ("A", "B", "C", "D", "P1", "P2", "P3", "P5", "P7", "P9", "P-proc", "P-shared", "P0000042")


def register_test_participants(store: Any) -> None:
    """Register :data:`TEST_PARTICIPANTS` in ``store``'s consent registry."""
    from ethicompass.consent import Registry

    Registry(store, actor="test-setup").register_participants(TEST_PARTICIPANTS, source="tests")


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    """A migrated store (SQLite and PostgreSQL) whose consent registry knows ``TEST_PARTICIPANTS``."""
    from ethicompass.store import Store

    s = Store(database_url).open()
    register_test_participants(s)
    try:
        yield s
    finally:
        s.dispose()
