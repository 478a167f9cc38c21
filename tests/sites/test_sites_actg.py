"""ACTG 320 (a real trial: scikit-survival's ``load_aids``) split at random into sites equals its pooled review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from tests.sites.conftest import policy_of, summarise_sites
from tests.sites.test_sites_equality import _compare, _pooled


def _actg_study(root: Path) -> Any:
    """ACTG 320 as a study: event (AIDS or death) as the label, a logistic risk score, sex and race as groups."""
    from sklearn.linear_model import LogisticRegression
    from sksurv.datasets import load_aids

    from ethicompass.study import Study

    x, y = load_aids()
    event = np.array([bool(e) for e, _ in y], dtype=np.int64)
    features = np.column_stack([x["age"], x["cd4"], x["karnof"].astype(float), x["tx"].astype(float)])
    model = LogisticRegression(max_iter=1000).fit(features, event)
    score = np.round(model.predict_proba(features)[:, 1], 6)
    ids = [f"A{i:05d}" for i in range(len(event))]
    frame = pl.DataFrame(
        {
            "participant_id": ids,
            "sex": x["sex"].astype(str).map({"1": "male", "2": "female"}).to_list(),
            "race": x["raceth"].astype(str).to_list(),
            "event": event,
            "score": score,
        }
    )
    root.mkdir(parents=True, exist_ok=True)
    frame.write_csv(root / "predictions.csv")
    manifest = {
        "name": "ACTG 320",
        "datasets": {
            "predictions": {
                "path": "predictions.csv",
                "columns": {
                    "participant_id": {"role": "participant_id"},
                    "sex": {"role": "sensitive_attribute"},
                    "race": {"role": "sensitive_attribute"},
                    "event": {"role": "outcome"},
                    "score": {"role": "score"},
                },
            }
        },
        "predictions": {
            "dataset": "predictions",
            "label": "event",
            "score": "score",
            "groups": ["sex", "race"],
            "threshold": 0.1,
            "model_name": "actg-risk",
        },
    }
    (root / "study.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return Study.from_file(root / "study.yaml"), ids


@pytest.mark.slow
def test_actg320_split_at_random_equals_the_pooled_review(tmp_path: Path) -> None:
    study, ids = _actg_study(tmp_path / "actg")
    rng = np.random.default_rng(320)
    assignment = {pid: f"site-{int(s)}" for pid, s in zip(ids, rng.integers(0, 4, len(ids)), strict=True)}
    policy = policy_of(1, None)
    files = summarise_sites(study, assignment, tmp_path, policy)
    from ethicompass.sites import federate
    from ethicompass.store import Store

    pooled, _ = _pooled(study, policy, f"sqlite:///{tmp_path / 'p.db'}")
    store = Store(f"sqlite:///{tmp_path / 'c.db'}").open()
    try:
        output, detail = federate(files, policy=policy, store=store, out_dir=tmp_path / "out")
    finally:
        store.dispose()
    assert _compare(pooled, output.report) >= 10
    assert len(detail["provenance"]) == 4
    assert sum(p["rows"] for p in detail["provenance"]) == len(ids)
