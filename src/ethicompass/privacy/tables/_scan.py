"""Find identifier columns: ``scan(frame)`` -> :class:`ScanReport` (a proposed role per column).

Each column is judged on its name and, independently, on its content (a sample of up to
``sample`` non-empty values run through the recognizers of ``_scan_rules``: patterns plus
checksums), and on its cardinality, so a misleading or missing header (``col_7``) is no cover.
Numeric columns with fractional values (clinical measurements) are never flagged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from ethicompass.errors import ColumnError
from ethicompass.frames import to_polars
from ethicompass.privacy.tables._safe_harbor import TableSchema
from ethicompass.privacy.tables._scan_rules import (
    FREE_TEXT_NAME,
    ID_NAME,
    PARTICIPANT_NAME,
    RULES,
    SENSITIVE_NAME,
    Rule,
)
from ethicompass.study import ColumnSpec, PhiType, Role

__all__ = ["ColumnFinding", "ScanReport", "scan"]

_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
_SEX_VALUES = frozenset({"f", "m", "female", "male", "u", "unknown", "other", "x", "intersex", "nonbinary"})
_CODE = re.compile(
    r"^[A-Za-z]{0,5}[-_]?\d{4,}[A-Za-z]?$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_IDENTIFYING = (Role.PARTICIPANT_ID, Role.DIRECT_IDENTIFIER)


@dataclass(frozen=True)
class ColumnFinding:
    """The proposed role of one column, how sure, and why (evidence never quotes values)."""

    column: str
    role: Role
    phi_type: PhiType | None
    confidence: float
    evidence: tuple[str, ...]
    dtype: str
    non_null: int
    distinct: int

    @property
    def is_identifier(self) -> bool:
        """Whether the column is proposed as an identifier (participant id, direct id, or any PHI type)."""
        return self.role in _IDENTIFYING or self.phi_type is not None

    @property
    def uniqueness(self) -> float:
        """Distinct values over non-empty values (1.0: every value unique)."""
        return self.distinct / self.non_null if self.non_null else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "column": self.column,
            "role": self.role.value,
            "phi_type": self.phi_type.value if self.phi_type else None,
            "confidence": round(self.confidence, 3),
            "identifier": self.is_identifier,
            "evidence": list(self.evidence),
            "dtype": self.dtype,
            "non_null": self.non_null,
            "distinct": self.distinct,
            "uniqueness": round(self.uniqueness, 4),
        }


@dataclass(frozen=True)
class ScanReport:
    """Per-column findings of :func:`scan`, in column order."""

    columns: tuple[ColumnFinding, ...]
    rows: int
    sampled: int

    @property
    def identifiers(self) -> list[str]:
        """Names of the columns proposed as identifiers."""
        return [c.column for c in self.columns if c.is_identifier]

    def __getitem__(self, column: str) -> ColumnFinding:
        for c in self.columns:
            if c.column == column:
                return c
        raise KeyError(column)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: rows, sample size and every finding."""
        return {
            "rows": self.rows,
            "sampled": self.sampled,
            "identifiers": self.identifiers,
            "columns": [c.to_dict() for c in self.columns],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per column: column, role, phi_type, confidence, evidence."""
        return pl.DataFrame(
            [
                {
                    **{k: v for k, v in c.to_dict().items() if k != "evidence"},
                    "evidence": "; ".join(c.evidence),
                }
                for c in self.columns
            ]
        )

    def to_schema(self) -> TableSchema:
        """The proposed roles as a :class:`TableSchema` (review before use)."""
        return TableSchema({c.column: ColumnSpec(role=c.role, phi_type=c.phi_type) for c in self.columns})

    def to_yaml(self, *, source: str | None = None) -> str:
        """The proposed schema as YAML, with the confidence and evidence of each line as a comment."""
        lines = [
            "# Column roles proposed by `ethicompass scan`"
            + (f" from {source}" if source else "")
            + ". Review every line before use:",
            "# a wrong role can leak identifiers. Roles: " + ", ".join(r.value for r in Role) + ".",
        ]
        if source:
            lines.append(f"path: {_quote(source)}")
        lines.append("columns:")
        for c in self.columns:
            spec = f"role: {c.role.value}" + (f", phi_type: {c.phi_type.value}" if c.phi_type else "")
            lines.append(f"  {_quote(c.column)}: {{{spec}}}  # {c.confidence:.2f}: {'; '.join(c.evidence)}")
        return "\n".join(lines) + "\n"


_YAML_WORDS = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null"])


def _quote(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string."""
    if re.fullmatch(r"[A-Za-z_][\w.-]*", text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def scan(frame: Any, /, *, sample: int = 1000, seed: int = 0) -> ScanReport:
    """Propose a role and PHI type for every column of ``frame`` (Polars, pandas or Arrow).

    ``sample`` non-empty values per column are checked against the recognizers; cardinality
    is measured on the whole column.
    """
    df = to_polars(frame)
    if df.height == 0:
        raise ColumnError("the table has no rows", hint="scan a table with at least one data row")
    findings = tuple(_judge(df[name], sample=sample, seed=seed) for name in df.columns)
    return ScanReport(findings, df.height, min(sample, df.height))


def _norm(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")


def _judge(s: pl.Series, *, sample: int, seed: int) -> ColumnFinding:
    name = _norm(s.name)
    non_null = s.len() - s.null_count()
    distinct = s.drop_nulls().n_unique() if non_null else 0
    column, dtype = s.name, str(s.dtype)

    def found(role: Role, phi: PhiType | None, conf: float, *why: str) -> ColumnFinding:
        return ColumnFinding(column, role, phi, min(conf, 0.99), tuple(why), dtype, non_null, distinct)

    card = f"{distinct:,} distinct of {non_null:,}"
    if non_null == 0:
        return found(Role.OTHER, None, 0.3, "empty column")
    if re.search(PARTICIPANT_NAME, name):
        return found(Role.PARTICIPANT_ID, None, 0.95, f"name {s.name!r} names a participant id", card)
    if s.dtype == pl.Date or isinstance(s.dtype, pl.Datetime):
        return found(Role.DATE, PhiType.DATE, 0.99, f"{s.dtype} column", card)
    numeric = s
    if s.dtype == pl.String:
        as_number = s.str.strip_chars().cast(pl.Float64, strict=False)
        if as_number.null_count() == s.null_count():
            numeric = as_number
    if numeric.dtype.is_float():
        whole = numeric.drop_nulls()
        if not (whole == whole.floor()).all():
            if re.search(r"^age$|^age_|_age$", name):
                return found(Role.QUASI_IDENTIFIER, PhiType.AGE, 0.7, f"name {s.name!r} suggests an age")
            return found(Role.OTHER, None, 0.9, "numbers with fractions: a measurement, not an identifier")
        if s.dtype.is_float():
            s = whole.cast(pl.Int64)
    if s.dtype == pl.Boolean:
        return found(Role.OTHER, None, 0.9, "true/false values")
    values = _sample_text(s, sample, seed)
    name_rules = [r for r in RULES if r.name and re.search(r.name, name)]
    few = min(20, max(3, non_null // 2))
    if s.dtype == pl.String:
        for rule in RULES:
            if rule.content is None or (rule.vocabulary and distinct < few):
                continue
            share = _share(rule, values)
            if share >= rule.min_share:
                agree = rule in name_rules
                why = [f"{share:.0%} of sampled values are {rule.evidence}", card]
                if agree:
                    why.insert(0, f"name {s.name!r} agrees")
                return found(rule.role, rule.phi_type, 0.5 + 0.4 * share + (0.09 if agree else 0), *why)
    for rule in name_rules:
        hit = _name_only(rule, s, values, distinct, non_null)
        if hit:
            return found(
                rule.role, rule.phi_type, 0.6, f"name {s.name!r} suggests {rule.phi_type.value}", hit, card
            )
    if s.dtype == pl.String and numeric.dtype.is_float():
        s = numeric.cast(pl.Int64)  # whole numbers written as text: judge them as numbers
    return _by_shape(s, name, values, distinct, non_null, card, found)


def _share(rule: Rule, values: list[str]) -> float:
    """Share of ``values`` that pass the rule; stops early once ``min_share`` is out of reach."""
    assert rule.content is not None
    allowed = int((1 - rule.min_share) * len(values))
    check, hits, misses = rule.content, 0, 0
    for v in values:
        if check(v):
            hits += 1
        else:
            misses += 1
            if misses > allowed:
                return 0.0
    return hits / len(values)


def _sample_text(s: pl.Series, n: int, seed: int) -> list[str]:
    present = s.drop_nulls()
    if present.len() > n:
        present = present.sample(n, seed=seed)
    if present.dtype == pl.String:
        return [v.strip() for v in present.to_list()]
    return [str(v) for v in present.to_list()]


def _name_only(rule: Rule, s: pl.Series, values: list[str], distinct: int, non_null: int) -> str | None:
    """Whether a name match alone should flag the column; the evidence if so."""
    if rule.phi_type == PhiType.AGE:
        ok = s.dtype.is_integer() or all(re.fullmatch(r"\d{1,3}\+?", v) for v in values)
        return "values are whole numbers" if ok else None
    if rule.phi_type == PhiType.ZIP:
        ok = all(re.fullmatch(r"\d{3,5}(-?\d{4})?", v) for v in values)
        return "values are 3- to 5-digit numbers" if ok else None
    if rule.phi_type == PhiType.DATE:
        ok = all(re.fullmatch(r"\d{4}", v) and 1800 <= int(v) <= 2200 for v in values)
        return "values are years" if ok else None
    if s.dtype.is_numeric() and rule.content is not None:
        return None
    if rule.content is not None and distinct <= 50 and distinct / non_null < 0.05:
        return None  # e.g. "test_name", "site_name": a small vocabulary, not people
    return "content not recognised; flagged on the name alone"


def _by_shape(s, name, values, distinct, non_null, card, found):  # type: ignore[no-untyped-def]
    uniq = distinct / non_null
    id_name = bool(re.search(ID_NAME, name))
    if s.dtype == pl.String:
        lengths = [len(v) for v in values]
        mean_len = sum(lengths) / len(lengths)
        spaces = sum(v.count(" ") for v in values) / len(values)
        if (mean_len >= 40 and spaces >= 5) or (
            re.search(FREE_TEXT_NAME, name) and mean_len >= 20 and spaces >= 3
        ):
            return found(Role.FREE_TEXT, None, 0.8, f"free text (mean {mean_len:.0f} characters)")
        code_share = sum(1 for v in values if _CODE.match(v)) / len(values)
        if code_share >= 0.9 and distinct >= 20:
            conf = 0.6 + 0.3 * min(uniq * 2, 1) + (0.09 if id_name else 0)
            return found(
                Role.DIRECT_IDENTIFIER, PhiType.ID, conf, f"{code_share:.0%} of values are codes", card
            )
        if uniq >= 0.9 and distinct >= 20 and spaces < 1 and all(any(c.isdigit() for c in v) for v in values):
            return found(Role.DIRECT_IDENTIFIER, PhiType.ID, 0.7, "unique values with digits", card)
        if re.search(SENSITIVE_NAME, name):
            return found(Role.SENSITIVE_ATTRIBUTE, None, 0.8, f"name {s.name!r} names a protected attribute")
        if all(v.lower() in _SEX_VALUES for v in values):
            return found(Role.SENSITIVE_ATTRIBUTE, None, 0.7, "values are sex or gender codes")
        if all(v.upper() in _STATES for v in values):
            return found(Role.QUASI_IDENTIFIER, None, 0.8, "US state codes (allowed by Safe Harbor)")
        if id_name and uniq >= 0.5 and distinct >= 20:
            return found(
                Role.DIRECT_IDENTIFIER, PhiType.ID, 0.6, f"name {s.name!r} names an identifier", card
            )
        return found(Role.OTHER, None, 0.6, f"no identifier pattern; {card}")
    if s.dtype.is_integer():
        low = int(s.min()) if s.min() is not None else 0  # type: ignore[arg-type]
        if uniq >= 0.9 and distinct >= 20 and low >= 1000:
            return found(
                Role.DIRECT_IDENTIFIER,
                PhiType.ID,
                0.7 + (0.2 if id_name else 0),
                "unique whole numbers of 4+ digits",
                card,
            )
        if id_name and uniq >= 0.5 and distinct >= 20:
            return found(
                Role.DIRECT_IDENTIFIER, PhiType.ID, 0.6, f"name {s.name!r} names an identifier", card
            )
        if re.search(SENSITIVE_NAME, name):
            return found(Role.SENSITIVE_ATTRIBUTE, None, 0.7, f"name {s.name!r} names a protected attribute")
        return found(Role.OTHER, None, 0.7, f"whole numbers without an identifier pattern; {card}")
    return found(Role.OTHER, None, 0.5, f"{s.dtype} values")
