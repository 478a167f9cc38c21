"""The review report: checks grouped by principle, verdicts, and JSON/HTML/PDF renderings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "warn", "fail", "not_assessed"]
SCHEMA_VERSION = 1
PRINCIPLES = ("privacy", "transparency", "fairness", "autonomy", "beneficence", "training")
PRINCIPLE_TITLES = {
    "privacy": "Data privacy & security",
    "transparency": "Transparency & accountability",
    "fairness": "Bias & fairness",
    "autonomy": "Patient autonomy (consent)",
    "beneficence": "Beneficence & non-maleficence",
    "training": "Staff training",
}


@dataclass(frozen=True)
class Check:
    """One judged fact: its value against the policy's threshold, with the evidence and source.

    ``explanation`` says in plain language what the number means; ``action`` what to do when
    the check does not pass. ``figures`` are inline SVG plots for the HTML report. ``groups``
    are the groups a comparison check names, the headline first (see ``review._headline``).
    """

    id: str
    title: str
    verdict: Verdict
    value: Any = None
    threshold: Any = None
    evidence: str = ""
    source: str = ""
    explanation: str = ""
    action: str = ""
    figures: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON (figures are left to the HTML report)."""
        out = {
            "id": self.id,
            "title": self.title,
            "verdict": self.verdict,
            "value": self.value,
            "threshold": self.threshold,
            "evidence": self.evidence,
            "source": self.source,
            "explanation": self.explanation,
            "action": self.action,
        }
        if self.groups:
            out["groups"] = list(self.groups)
        return out


def not_assessed(id: str, title: str, why: str, *, action: str = "") -> Check:
    """A check that could not be run; it is never a pass."""
    return Check(id=id, title=title, verdict="not_assessed", evidence=why, action=action)


@dataclass(frozen=True)
class PrincipleResult:
    """The checks of one principle and their combined verdict."""

    principle: str
    checks: tuple[Check, ...]

    @property
    def verdict(self) -> Verdict:
        """fail if any check fails; not_assessed if none ran; warn if any warns or is not assessed."""
        return combine([c.verdict for c in self.checks])

    def to_dict(self) -> dict[str, Any]:
        """The principle as JSON."""
        return {"verdict": self.verdict, "checks": [c.to_dict() for c in self.checks]}


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """Combine verdicts: any fail fails; nothing assessed is not_assessed; any doubt warns."""
    if not verdicts or all(v == "not_assessed" for v in verdicts):
        return "not_assessed"
    if "fail" in verdicts:
        return "fail"
    if "warn" in verdicts or "not_assessed" in verdicts:
        return "warn"
    return "pass"


@dataclass(frozen=True)
class Report:
    """A whole review: one verdict per principle and one overall."""

    study: str
    policy: dict[str, Any]
    generated_at: str
    principles: dict[str, PrincipleResult] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    #: the study's metadata (PI, protocol, sponsor, version) and the artefacts judged
    study_info: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Literal["pass", "warn", "fail"]:
        """fail if any principle fails; warn if any warns or was not assessed; else pass."""
        combined = combine([p.verdict for p in self.principles.values()])
        return "warn" if combined == "not_assessed" else combined

    @property
    def exit_code(self) -> int:
        """0 for pass or warn, 1 for fail."""
        return 1 if self.verdict == "fail" else 0

    def to_dict(self) -> dict[str, Any]:
        """The report as the JSON written to ``report.json``."""
        return {
            "schema_version": self.schema_version,
            "study": self.study,
            "study_info": self.study_info,
            "policy": self.policy,
            "generated_at": self.generated_at,
            "verdict": self.verdict,
            "principles": {
                name: self.principles[name].to_dict() for name in PRINCIPLES if name in self.principles
            },
        }
