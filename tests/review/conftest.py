"""One real review of the seeded 400-patient study per test session, shared by the review tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class RealReview:
    """A review of ``small_study`` (no PDF) stored in a SQLite state database at ``url``."""

    output: Any
    url: str


@pytest.fixture(scope="session")
def real_review(small_study: Path, tmp_path_factory: pytest.TempPathFactory) -> RealReview:
    """Review the seeded study once (default policy, no PDF); the store is closed afterwards."""
    from ethicompass.review import Policy, review
    from ethicompass.store import Store
    from ethicompass.study import Study

    tmp = tmp_path_factory.mktemp("review")
    url = f"sqlite:///{tmp / 'state.db'}"
    store = Store(url).open()
    try:
        output = review(
            Study.from_file(small_study / "study.yaml"),
            policy=Policy.default(),
            store=store,
            out_dir=tmp / "out",
            pdf=False,
            actor="test",
        )
    finally:
        store.dispose()
    return RealReview(output, url)
