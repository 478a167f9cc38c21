"""The study manifest (YAML): datasets and the role of each column, predictions, consent, policy.

``Study.from_file(path)`` validates a manifest once, at the boundary, and every error names
the YAML line, the field and the fix. ``Study.check_files()`` then checks that the named
files and columns exist. Example::

    name: Synthetic AI-backed study
    datasets:
      patients:
        path: patients.csv
        columns:
          participant_id: {role: participant_id}
          mrn: {role: direct_identifier, phi_type: MRN}
          sex: {role: sensitive_attribute}
    predictions: {dataset: predictions, label: outcome, score: risk_score, groups: [sex, race]}
    consent: {dataset: consents, purpose: ai-model-training}
    policy: policy.yaml
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ethicompass.errors import ManifestError

__all__ = [
    "ColumnRole",
    "ColumnSpec",
    "ConsentSpec",
    "DatasetSpec",
    "PhiType",
    "PredictionSpec",
    "Role",
    "Study",
]


class Role(enum.StrEnum):
    """The role a column plays (docs/design.md, "Column roles")."""

    PARTICIPANT_ID = "participant_id"
    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE_ATTRIBUTE = "sensitive_attribute"
    SENSITIVE_VALUE = "sensitive_value"
    DATE = "date"
    FREE_TEXT = "free_text"
    OUTCOME = "outcome"
    SCORE = "score"
    PREDICTION = "prediction"
    OTHER = "other"
    REVIEW = "review"  # scan could not explain the column: a person must decide before de-identification


class PhiType(enum.StrEnum):
    """The 18 HIPAA Safe Harbor identifier types (45 CFR 164.514(b)(2)), as ethicompass names them."""

    NAME = "NAME"
    LOCATION = "LOCATION"  # geographic units smaller than a state: street, city, county, ZIP
    ZIP = "ZIP"
    DATE = "DATE"  # all elements of dates except the year
    AGE = "AGE"  # ages over 89
    PHONE = "PHONE"
    FAX = "FAX"
    EMAIL = "EMAIL"
    SSN = "SSN"
    MRN = "MRN"
    HEALTH_PLAN = "HEALTH_PLAN"
    ACCOUNT = "ACCOUNT"
    LICENSE = "LICENSE"
    VEHICLE = "VEHICLE"
    DEVICE = "DEVICE"
    URL = "URL"
    IP = "IP"
    BIOMETRIC = "BIOMETRIC"
    PHOTO = "PHOTO"
    ID = "ID"  # any other unique identifying number, characteristic or code


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ColumnSpec(_Model):
    """The role of one column, and its PHI type when it is an identifier."""

    role: Role
    phi_type: PhiType | None = None
    description: str | None = None
    #: the schema author's explicit decision for the column, over its role (``deid`` keeps or drops it)
    action: Literal["keep", "drop"] | None = None
    #: the role ``ethicompass scan`` proposed; a role that still equals it was decided by scan
    proposed: Role | None = None

    @property
    def decided_by(self) -> Literal["scan", "author"]:
        """Who decided the column's treatment: ``scan`` (its proposal stands) or the schema's ``author``."""
        return "scan" if self.action is None and self.proposed == self.role else "author"

    @model_validator(mode="after")
    def _phi_type_only_for_identifiers(self) -> ColumnSpec:
        if self.phi_type is not None and self.role not in (
            Role.DIRECT_IDENTIFIER,
            Role.QUASI_IDENTIFIER,
            Role.DATE,
            Role.PARTICIPANT_ID,
        ):
            raise ValueError(f"phi_type is for identifier columns, not role {self.role.value!r}")
        return self


ColumnRole = ColumnSpec


class DatasetSpec(_Model):
    """One table of the study: its file and the role of each column."""

    path: str
    description: str | None = None
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)

    def columns_with(self, role: Role) -> list[str]:
        """Names of the columns with ``role``, in manifest order."""
        return [name for name, spec in self.columns.items() if spec.role == role]


class PredictionSpec(_Model):
    """Where the model's predictions are, and how to judge them."""

    dataset: str
    label: str
    score: str
    prediction: str | None = None
    groups: list[str] = Field(default_factory=list)
    #: the column naming each patient's site: calibration is also judged site by site
    site: str | None = None
    threshold: float = Field(0.5, gt=0, lt=1)
    model_name: str = "model"


class ConsentSpec(_Model):
    """Which consent purpose governs the AI use, and where consent records are."""

    purpose: str = "ai-model-training"
    dataset: str | None = None


class StudyMetadata(_Model):
    """Who runs the study and under which protocol: shown on the review report."""

    principal_investigator: str | None = None
    protocol_number: str | None = None
    sponsor: str | None = None
    protocol_version: str | None = None


class Study(_Model):
    """A validated study manifest. Build with :meth:`from_file` or :meth:`from_dict`.

    Besides the datasets it names the artefacts under review: ``release`` (the de-identified
    dataset the team will share; without it the review judges a Safe Harbor pass over the
    identified data), ``predictions`` (the model's scores and its decision ``threshold``, which
    ``benefit --study`` and the review both use) and ``consent.purpose``.
    """

    name: str
    description: str | None = None
    version: str = "1"
    metadata: StudyMetadata = Field(default_factory=StudyMetadata)
    datasets: dict[str, DatasetSpec]
    release: str | None = None
    predictions: PredictionSpec | None = None
    consent: ConsentSpec | None = None
    adverse_events: str | None = None
    reference_population: str | None = None
    policy: str | None = None
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _references_exist(self) -> Study:
        def need(dataset: str, where: str) -> None:
            if dataset not in self.datasets:
                raise ValueError(
                    f"{where} names dataset {dataset!r}, which is not under 'datasets' "
                    f"(have: {', '.join(self.datasets)})"
                )

        if self.predictions is not None:
            need(self.predictions.dataset, "predictions.dataset")
        if self.consent is not None and self.consent.dataset is not None:
            need(self.consent.dataset, "consent.dataset")
        if self.adverse_events is not None:
            need(self.adverse_events, "adverse_events")
        if self.reference_population is not None:
            need(self.reference_population, "reference_population")
        if self.release is not None:
            need(self.release, "release")
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any], /, *, base_dir: Path | None = None) -> Study:
        """Validate a manifest given as data."""
        try:
            return cls.model_validate({**data, "base_dir": base_dir or Path(".")})
        except ValidationError as exc:
            raise ManifestError(_describe(exc, None, "the manifest"), hint=_HINT) from exc

    @classmethod
    def from_file(cls, path: str | Path, /) -> Study:
        """Read and validate a manifest file; errors name the YAML line and the field."""
        p = Path(path)
        if not p.is_file():
            raise ManifestError(f"{p}: no such manifest file", hint="check the path")
        from ethicompass.frames import read_text_file

        text = read_text_file(p, what="manifest")
        try:
            node = yaml.compose(text)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise ManifestError(
                f"{p}{where}: not valid YAML ({getattr(exc, 'problem', exc)})",
                hint="fix the YAML syntax (indentation, colons, quotes)",
            ) from exc
        except RecursionError:
            raise ManifestError(
                f"{p}: YAML nested too deeply to read", hint="fix the YAML structure"
            ) from None
        if not isinstance(data, dict):
            raise ManifestError(f"{p}: the manifest must be a YAML mapping", hint=_HINT)
        try:
            study = cls.model_validate({**data, "base_dir": p.resolve().parent})
        except ValidationError as exc:
            raise ManifestError(_describe(exc, node, str(p)), hint=_HINT) from exc
        study._paths_inside(str(p))
        return study

    def _paths_inside(self, source: str) -> None:
        """Refuse a file path that leaves the study folder (absolute, or through ``..``): a manifest
        from someone else must not make ethicompass read (and hash, report) files elsewhere."""
        base = os.path.normpath(self.base_dir)
        fields = [(f"datasets.{n}.path", d.path) for n, d in self.datasets.items()]
        if self.policy is not None:
            fields.append(("policy", self.policy))
        for where, value in fields:
            full = os.path.normpath(os.path.join(base, value))
            if os.path.isabs(value) or os.path.commonpath([base, full]) != base:
                raise ManifestError(
                    f"{source}: {where} {value!r} points outside the study folder {base}",
                    hint="move the file into the manifest's folder (or a subfolder) and give a relative path",
                )

    def with_release(self, path: str | Path, /) -> Study:
        """This study with ``path`` (e.g. the output of ``anonymize``) as the release under review."""
        name = "release" if "release" not in self.datasets or self.release == "release" else "release_judged"
        spec = DatasetSpec(path=str(Path(path).resolve()), description="the release under review")
        return self.model_copy(update={"datasets": {**self.datasets, name: spec}, "release": name})

    def dataset_path(self, name: str) -> Path:
        """The absolute path of dataset ``name`` (relative paths are from the manifest)."""
        return (self.base_dir / self.datasets[name].path).resolve()

    def check_files(self) -> None:
        """Check every dataset file exists and has every column the manifest names."""
        from ethicompass.frames import read_table

        for name, spec in self.datasets.items():
            path = self.dataset_path(name)
            if not path.is_file():
                raise ManifestError(
                    f"dataset {name!r}: file {spec.path} not found (looked in {self.base_dir})",
                    hint="correct 'path', relative to the manifest",
                )
            schema = read_table(path).collect_schema()
            missing = [c for c in spec.columns if c not in schema]
            if missing:
                raise ManifestError(
                    f"dataset {name!r} ({spec.path}): column {missing[0]!r} is not in the file",
                    hint=f"the file has: {', '.join(list(schema)[:30])}",
                )
        if self.predictions is not None:
            p = self.predictions
            schema = read_table(self.dataset_path(p.dataset)).collect_schema()
            for field_name in ("label", "score", "prediction", "site"):
                column = getattr(p, field_name)
                if column is not None and column not in schema:
                    raise ManifestError(
                        f"predictions.{field_name}: column {column!r} is not in dataset {p.dataset!r}",
                        hint=f"the file has: {', '.join(list(schema)[:30])}",
                    )
            for g in p.groups:
                if g not in schema:
                    raise ManifestError(
                        f"predictions.groups: column {g!r} is not in dataset {p.dataset!r}",
                        hint=f"the file has: {', '.join(list(schema)[:30])}",
                    )


_HINT = "see docs/study-manifest.md for the manifest format"


def _describe(exc: ValidationError, node: yaml.Node | None, source: str) -> str:
    err = exc.errors()[0]
    loc = [part for part in err["loc"] if part != "base_dir"]
    where = ".".join(str(part) for part in loc) or "(top level)"
    line = _line_of(node, loc) if node is not None else None
    msg = err["msg"]
    if err["type"] == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"{err.get('input')!r} is not one of {expected}"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    prefix = f"{source} line {line}" if line else source
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{prefix}: {where}: {msg}{more}"


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:
                if key.value == str(part):
                    found = value
                    line = key.start_mark.line + 1
                    break
            if found is None:
                return line
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
