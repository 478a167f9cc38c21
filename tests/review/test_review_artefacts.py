"""The review judges what the team made: the named release, the manifest's threshold; the
manifest carries the study's metadata into the report; ``study init`` writes a first manifest."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest


def _release(small_study: Path, tmp_path: Path) -> Path:
    """A release made from the patients: identifiers gone, ids pseudonymised, every QI generalised away."""
    patients = pl.read_csv(small_study / "patients.csv", infer_schema_length=0)
    release = patients.select(
        pl.format("R{}", pl.int_range(pl.len())).alias("participant_id"),
        *(pl.lit("*").alias(c) for c in ("age", "sex", "race", "ethnicity", "state", "zip")),
        pl.col("primary_diagnosis"),
    )
    path = tmp_path / "release.csv"
    release.write_csv(path)
    return path


@pytest.mark.slow
def test_the_review_judges_the_named_release(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.review import Policy, review
    from ethicompass.store import Store
    from ethicompass.study import Study

    study = Study.from_file(small_study / "study.yaml").with_release(_release(small_study, tmp_path))
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    try:
        output = review(study, policy=Policy.default(), store=store, out_dir=tmp_path / "out", pdf=False)
    finally:
        store.dispose()
    checks = {c.id: c for c in output.report.principles["privacy"].checks}
    assert checks["privacy.k_anonymity"].verdict == "pass", checks["privacy.k_anonymity"].evidence
    assert "in the release" in checks["privacy.k_anonymity"].evidence
    assert checks["privacy.identifiers"].verdict == "pass"
    assert "participant_id: pseudonymise" in checks["privacy.identifiers"].evidence
    info = json.loads(output.json_path.read_text())["study_info"]
    assert info["release_judged"].startswith("release (") and info["decision_threshold"] == 0.5
    html = output.html_path.read_text()
    assert "Principal investigator" in html and "not stated in the manifest" in html


def test_a_release_that_keeps_identifier_values_is_caught(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.review._assess_privacy import _named_release
    from ethicompass.study import Study

    leaky = tmp_path / "leaky.csv"
    pl.read_csv(small_study / "patients.csv").select("participant_id", "mrn", "age").write_csv(leaky)
    study = Study.from_file(small_study / "study.yaml").with_release(leaky)

    class Ctx:  # the two things _named_release reads
        def __init__(self) -> None:
            self.study = study

        def frame(self, name: str) -> pl.DataFrame:
            return pl.read_csv(study.dataset_path(name))

    _, actions, judged = _named_release(Ctx(), "patients", ["participant_id", "mrn", "ssn"])  # type: ignore[arg-type]
    assert actions == {"participant_id": "keep", "mrn": "keep", "ssn": "drop"}
    assert "leaky.csv" in judged


def test_metadata_and_release_validate(small_study: Path, tmp_path: Path) -> None:
    import yaml

    from ethicompass.errors import ManifestError
    from ethicompass.study import Study

    data = yaml.safe_load((small_study / "study.yaml").read_text())
    data["metadata"] = {"principal_investigator": "Dr A. Example", "protocol_number": "EC-1"}
    study = Study.from_dict(data, base_dir=small_study)
    assert study.metadata.principal_investigator == "Dr A. Example"
    with pytest.raises(ManifestError, match="release"):
        Study.from_dict({**data, "release": "nope"}, base_dir=small_study)


def test_study_init_writes_a_manifest_that_validates(
    cli: Callable[..., Any], small_study: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("patients.csv", "predictions.csv"):
        shutil.copy(small_study / name, data / name)
    out = tmp_path / "study.yaml"
    result = cli("study", "init", data, "--out", out)
    assert result.code == 0, result.err
    text = out.read_text()
    assert "REVIEW" in text and "mrn: {role: direct_identifier, phi_type: MRN}" in text
    assert "label: outcome" in text and "score: risk_score" in text
    assert cli("study", "validate", out).code == 0
    assert cli("study", "init", data, "--out", out).code == 2  # never overwrites
    assert cli("study", "init", tmp_path / "nowhere", "--out", tmp_path / "x.yaml").code == 2


def test_benefit_reads_the_threshold_from_the_manifest(cli: Callable[..., Any], small_study: Path) -> None:
    args = ("benefit", small_study / "predictions.csv", "-y", "outcome", "-s", "risk_score", "--boot", "0")
    result = cli(*args, "--study", small_study / "study.yaml", "--format", "json")
    assert result.code == 0, result.err
    assert json.dumps(result.json()).count('"threshold": 0.5') >= 1
