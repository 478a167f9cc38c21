"""What a de-identification run is told: the column schema and the policy (Safe Harbor by default).

``TableSchema`` is the ``columns: {name: {role:, phi_type:}}`` block of a study dataset (the YAML
``ethicompass scan`` writes). ``Policy`` says how dates, ZIPs, ages, free text and identifiers are
treated; ``Policy.safe_harbor()`` is HIPAA Safe Harbor (45 CFR 164.514(b)(2)).
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from ethicompass.errors import ManifestError, SchemaError
from ethicompass.frames import read_text_file
from ethicompass.study import ColumnSpec, DatasetSpec, PhiType, Role

__all__ = ["RESTRICTED_ZIP3", "Policy", "TableSchema", "restricted_zip3"]

DateMode = Literal["year", "shift"]
FreeTextMode = Literal["refuse", "drop", "redact"]
BadDateMode = Literal["fail", "suppress"]
OverrideAction = Literal["drop", "keep", "pseudonymise"]


def restricted_zip3() -> frozenset[str]:
    """The three-digit ZIPs that Safe Harbor turns into ``000`` (package data; see data/README.md)."""
    text = resources.files("ethicompass.privacy").joinpath("data/zip3_restricted.csv").read_text("utf-8")
    return frozenset(row["zip3"] for row in csv.DictReader(text.splitlines()))


RESTRICTED_ZIP3 = restricted_zip3()

_DEFAULT_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y")


@dataclass(frozen=True)
class Policy:
    """How a table is de-identified. Build with :meth:`safe_harbor`, :meth:`date_shift` or :meth:`from_file`.

    - ``dates``: ``"year"`` keeps the year only (Safe Harbor); ``"shift"`` moves every date of a
      participant by the same keyed offset in ``shift_low..shift_high`` days (not Safe Harbor:
      month and day remain; justify it by expert determination).
    - ``on_bad_date``: an unparseable date ``"fail"``s the run, or is ``"suppress"``ed (set empty).
    - ``free_text``: ``"refuse"`` the run, ``"drop"`` the column, or ``"redact"`` it (text redactor).
    - ``age_cap``: ages above it become ``"90+"`` and birth years move to match.
    - ``reference_year``: without an age column, birth years before ``reference_year - 90`` are
      raised to it (default: the current year).
    - ``actions``: per-column overrides (``drop``, ``keep``, ``pseudonymise``).
    - ``pseudonymise_types``: PHI types of direct identifiers to replace by keyed pseudonyms
      instead of dropping them (e.g. ``{"MRN"}`` to link EHR extracts). Empty by default: a code
      derived from an identifier is outside strict Safe Harbor (45 CFR 164.514(c)). The
      participant id is always pseudonymised.
    - ``reversible``: also return a linkage table (pseudonym -> value), encrypted with AES-GCM.
    """

    name: str = "safe_harbor"
    dates: DateMode = "year"
    shift_low: int = -365
    shift_high: int = 365
    on_bad_date: BadDateMode = "fail"
    date_formats: tuple[str, ...] = _DEFAULT_FORMATS
    free_text: FreeTextMode = "refuse"
    age_cap: int = 89
    reference_year: int | None = None
    restricted_zip3: frozenset[str] = field(default=RESTRICTED_ZIP3, repr=False)
    actions: Mapping[str, OverrideAction] = field(default_factory=dict)
    pseudonymise_types: frozenset[str] = frozenset()
    reversible: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "pseudonymise_types", frozenset(str(t) for t in self.pseudonymise_types))
        object.__setattr__(self, "restricted_zip3", frozenset(self.restricted_zip3))
        object.__setattr__(self, "date_formats", tuple(self.date_formats))
        checks = [
            (self.dates in ("year", "shift"), f"dates must be 'year' or 'shift', not {self.dates!r}"),
            (self.on_bad_date in ("fail", "suppress"), "on_bad_date must be 'fail' or 'suppress'"),
            (
                self.free_text in ("refuse", "drop", "redact"),
                "free_text must be 'refuse', 'drop' or 'redact'",
            ),
            (self.shift_low <= self.shift_high, f"shift range {self.shift_low}..{self.shift_high} is empty"),
            (0 < self.age_cap < 150, f"age_cap {self.age_cap} is not an age"),
        ]
        for phi in self.pseudonymise_types:
            checks.append((phi in PhiType.__members__, f"pseudonymise_types: unknown PHI type {phi!r}"))
        for action in self.actions.values():
            checks.append((action in ("drop", "keep", "pseudonymise"), f"unknown action {action!r}"))
        for ok, message in checks:
            if not ok:
                raise ManifestError(f"policy: {message}", hint="see docs/privacy-tables.md, 'Policy'")

    @classmethod
    def safe_harbor(cls, **overrides: Any) -> Policy:
        """HIPAA Safe Harbor: dates to the year, ZIP3 with the restricted list, ages over 89 to 90+."""
        return cls(**overrides)

    @classmethod
    def date_shift(cls, *, low: int = -365, high: int = 365, **overrides: Any) -> Policy:
        """Safe Harbor, except that dates are shifted per participant (intervals survive)."""
        return cls(name="date_shift", dates="shift", shift_low=low, shift_high=high, **overrides)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], /, *, source: str = "the policy") -> Policy:
        """A policy from data (e.g. YAML); unknown fields are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ManifestError(
                f"{source}: unknown policy field {unknown[0]!r}",
                hint=f"known fields: {', '.join(sorted(known - {'restricted_zip3'}))}",
            )
        values = dict(data)
        if "date_formats" in values:
            values["date_formats"] = tuple(values["date_formats"])
        if "pseudonymise_types" in values:
            values["pseudonymise_types"] = frozenset(str(t) for t in values["pseudonymise_types"])
        if "restricted_zip3" in values:
            values["restricted_zip3"] = frozenset(str(z).zfill(3) for z in values["restricted_zip3"])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ManifestError(f"{source}: {exc}", hint="see docs/privacy-tables.md, 'Policy'") from exc

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], /) -> Policy:
        """Read a policy YAML file (a mapping of the fields above)."""
        p = Path(path)
        data = _read_yaml(p, ManifestError)
        return cls.from_dict(data, source=str(p))

    def with_(self, **changes: Any) -> Policy:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def effective_reference_year(self) -> int:
        """``reference_year``, or the current UTC year."""
        return self.reference_year or _dt.datetime.now(_dt.UTC).year

    @property
    def method(self) -> str:
        """Which de-identification standard the policy follows, in words."""
        if self.dates == "shift":
            return (
                "HIPAA Safe Harbor transformations with per-participant date shifting (expert determination)"
            )
        return "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON-ready data."""
        return {
            "name": self.name,
            "method": self.method,
            "dates": self.dates,
            "shift_low": self.shift_low,
            "shift_high": self.shift_high,
            "on_bad_date": self.on_bad_date,
            "date_formats": list(self.date_formats),
            "free_text": self.free_text,
            "age_cap": self.age_cap,
            "reference_year": self.reference_year,
            "restricted_zip3": sorted(self.restricted_zip3),
            "actions": dict(self.actions),
            "pseudonymise_types": sorted(self.pseudonymise_types),
            "reversible": self.reversible,
        }


def _read_yaml(p: Path, error: type[SchemaError] | type[ManifestError]) -> dict[str, Any]:
    if not p.is_file():
        raise error(f"{p}: no such file", hint="check the path")
    try:
        data = yaml.safe_load(read_text_file(p))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise error(f"{p}{where}: not valid YAML", hint="fix the YAML syntax") from exc
    except RecursionError:
        raise error(f"{p}: YAML nested too deeply to read", hint="fix the YAML structure") from None
    if not isinstance(data, dict):
        raise error(f"{p}: expected a YAML mapping", hint="see docs/privacy-tables.md")
    return data


@dataclass(frozen=True)
class TableSchema:
    """The role (and PHI type) of each column of one table, as in a study manifest's dataset.

    Build with :meth:`from_dict`, :meth:`from_file`, :meth:`from_dataset` or ``ScanReport.to_schema()``.
    """

    columns: Mapping[str, ColumnSpec]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], /, *, source: str = "the schema") -> TableSchema:
        """``{"columns": {name: {role:, phi_type:}}}`` (other keys, such as ``path``, are ignored)."""
        raw = data.get("columns")
        if not isinstance(raw, Mapping) or not raw:
            raise SchemaError(
                f"{source}: no 'columns' mapping", hint="write columns: {name: {role: ..., phi_type: ...}}"
            )
        columns: dict[str, ColumnSpec] = {}
        for name, spec in raw.items():
            if not isinstance(spec, Mapping):
                raise SchemaError(
                    f"{source}: column {name!r}: expected a mapping with 'role'", hint="e.g. {role: other}"
                )
            try:
                columns[str(name)] = ColumnSpec.model_validate(dict(spec))
            except ValidationError as exc:
                err = exc.errors()[0]
                what = ".".join(str(p) for p in err["loc"]) or "spec"
                msg = err["msg"]
                if err["type"] == "enum":
                    msg = f"{err.get('input')!r} is not one of {err.get('ctx', {}).get('expected', '')}"
                raise SchemaError(
                    f"{source}: column {name!r}: {what}: {msg}",
                    hint=f"roles: {', '.join(r.value for r in Role)}; "
                    f"phi types: {', '.join(t.value for t in PhiType)}",
                ) from exc
        return cls(columns)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], /, *, dataset: str | None = None) -> TableSchema:
        """Read a schema YAML (as ``ethicompass scan`` writes), or one dataset of a study manifest."""
        p = Path(path)
        data = _read_yaml(p, SchemaError)
        if "datasets" in data:
            datasets = data["datasets"] or {}
            if dataset is None or dataset not in datasets:
                raise SchemaError(
                    f"{p} is a study manifest; name one of its datasets",
                    hint=f"pass --dataset with one of: {', '.join(datasets)}",
                )
            data = datasets[dataset]
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dataset(cls, spec: DatasetSpec, /) -> TableSchema:
        """The columns of a study manifest dataset."""
        return cls(dict(spec.columns))

    def columns_with(self, role: Role) -> list[str]:
        """Names of the columns with ``role``."""
        return [n for n, s in self.columns.items() if s.role == role]

    def to_dict(self) -> dict[str, Any]:
        """``{"columns": {name: {"role": ..., "phi_type": ...}}}``."""
        return {
            "columns": {
                name: {"role": s.role.value, **({"phi_type": s.phi_type.value} if s.phi_type else {})}
                for name, s in self.columns.items()
            }
        }
