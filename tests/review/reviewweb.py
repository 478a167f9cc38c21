"""Shared helpers for the reviewer-page tests: a store with two reviews of one study, and users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ethicompass.review import Check, Policy, PrincipleResult, Report, review
from ethicompass.review._report import Verdict
from ethicompass.study import Study


def canned(verdicts: dict[str, tuple[Verdict, Any]]) -> Any:
    """An ``assess`` replacement returning a fixed report (check id -> (verdict, value))."""

    def assess(study: Any, /, **_: Any) -> Report:
        principles: dict[str, PrincipleResult] = {}
        for check_id, (verdict, value) in verdicts.items():
            principle = check_id.split(".")[0]
            check = Check(
                id=check_id, title=check_id.replace(".", " "), verdict=verdict, value=value, threshold=5
            )
            old = principles.get(principle)
            principles[principle] = PrincipleResult(principle, (old.checks if old else ()) + (check,))
        return Report(study.name, Policy.default().to_dict(), "2026-01-01T00:00:00Z", principles)

    return assess


def seed_reviews(store: Any, study_dir: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two reviews of the study: the first fails k-anonymity, the second passes it."""
    ids = []
    for i, (verdict, value) in enumerate([("fail", 2), ("pass", 6)]):
        monkeypatch.setattr(
            "ethicompass.review._run.assess",
            canned(
                {
                    "privacy.k_anonymity": (verdict, value),
                    "fairness.tpr": ("warn", 0.12),
                    "training.current": ("not_assessed", None),
                }
            ),
        )
        output = review(
            Study.from_file(study_dir / "study.yaml"),
            policy=Policy.default(),
            store=store,
            out_dir=out / str(i),
            pdf=False,
            actor="pipeline",
        )
        assert output.review_id is not None
        ids.append(output.review_id)
    return ids
