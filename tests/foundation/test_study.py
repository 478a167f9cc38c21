"""study.py: manifests validate once, and errors name the YAML line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ethicompass.errors import ManifestError
from ethicompass.study import Role, Study

GOOD = """\
name: Tiny study
datasets:
  patients:
    path: patients.csv
    columns:
      participant_id: {role: participant_id}
      mrn: {role: direct_identifier, phi_type: MRN}
      sex: {role: sensitive_attribute}
      y: {role: outcome}
      p: {role: score}
predictions: {dataset: patients, label: y, score: p, groups: [sex]}
"""


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    (tmp_path / "patients.csv").write_text("participant_id,mrn,sex,y,p\nP1,123,F,1,0.9\nP2,456,M,0,0.2\n")
    (tmp_path / "study.yaml").write_text(GOOD)
    return tmp_path


def test_good_manifest(study_dir: Path) -> None:
    study = Study.from_file(study_dir / "study.yaml")
    study.check_files()
    assert study.datasets["patients"].columns_with(Role.DIRECT_IDENTIFIER) == ["mrn"]
    assert study.dataset_path("patients") == (study_dir / "patients.csv").resolve()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{role: sensitive_attribute}",
            "{role: sensitive}",
            "line 8: datasets.patients.columns.sex.role: 'sensitive' is not one of",
        ),
        (
            "phi_type: MRN",
            "phi_type: BLOODTYPE",
            "line 7: datasets.patients.columns.mrn.phi_type: 'BLOODTYPE' is not one of",
        ),
        ("name: Tiny study\n", "name: Tiny study\ncolour: blue\n", "line 2: colour: unknown field"),
        ("{dataset: patients,", "{dataset: labs,", "predictions"),
        ("    path: patients.csv\n", "", "line 3: datasets.patients.path: Field required"),
    ],
)
def test_bad_manifest_names_the_line_and_field(study_dir: Path, old: str, new: str, expected: str) -> None:
    path = study_dir / "study.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ManifestError) as info:
        Study.from_file(path)
    assert expected in str(info.value)


def test_yaml_syntax_error_has_a_line(study_dir: Path) -> None:
    path = study_dir / "study.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ManifestError, match="line 2: not valid YAML"):
        Study.from_file(path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("path: patients.csv", "path: nowhere.csv", "file nowhere.csv not found"),
        (
            "      sex: {role: sensitive_attribute}",
            "      gender: {role: sensitive_attribute}",
            "'gender' is not in the file",
        ),
        ("groups: [sex]", "groups: [race]", "predictions.groups: column 'race'"),
    ],
)
def test_check_files_names_missing_files_and_columns(
    study_dir: Path, old: str, new: str, expected: str
) -> None:
    path = study_dir / "study.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ManifestError, match=expected):
        Study.from_file(path).check_files()
