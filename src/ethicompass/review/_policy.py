"""The committee's policy: thresholds per principle, validated once, each default with its source."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ethicompass.errors import ManifestError
from ethicompass.frames import read_text_file

#: Where each default number comes from; the report prints the source beside the threshold.
SOURCES: dict[str, str] = {
    "privacy.method": "HIPAA Privacy Rule, 45 CFR 164.514(b)(2) (Safe Harbor) and (b)(1) (expert determination)",
    "privacy.k": "El Emam & Dankar, JAMIA 2008;15:627 (k = 5 for releases to known researchers; 11 for public)",
    "privacy.max_average_risk": "EMA Policy 0070 external guidance (2018), section 3.3: 0.09 for public release",
    "privacy.max_prosecutor_risk": "1/k for the policy k: no record in a class smaller than k (El Emam 2013, Guide to the De-Identification of Personal Health Information)",
    "privacy.min_text_recall": "HHS OCR de-identification guidance (2012): residual identifiers must be removed; 0.95 full-coverage recall is the committee default",
    "consent.max_unresolved": "GDPR Art. 7(3) and 17; EU CTR 536/2014 Art. 28(3): every withdrawal needs a decision per derived artefact",
    "fairness.min_group_size": "Wilson-interval width ~0.35 at n = 30 and p = 0.5: smaller groups cannot be judged",
    "fairness.max_tpr_difference": "Equal opportunity (Hardt et al., NeurIPS 2016); 0.10 is a committee default, judged on the interval",
    "fairness.max_fpr_difference": "Equalized odds (Hardt et al., NeurIPS 2016); 0.10 is a committee default, judged on the interval",
    "fairness.max_auroc_difference": "Discrimination by subgroup (TRIPOD+AI, BMJ 2024, item 23a: performance in key subgroups); 0.05 is a committee default, judged on the interval (DeLong)",
    "fairness.representativeness": "Participation-to-prevalence ratio (Poon et al., Circ Cardiovasc Qual Outcomes 2013: 0.8-1.2 is adequate); upper bound 1.25 = 1/0.8 keeps the band symmetric on the ratio scale (committee default); FDA diversity action plans guidance (2024)",
    "safety.threshold_range": "Vickers & Elkin, Med Decis Making 2006: judge net benefit over the clinically reasonable threshold range",
    "safety.calibration_slope": "Van Calster et al., BMC Med 2019 (calibration hierarchy): slope near 1; 0.8-1.2 committee default",
    "safety.monitor_looks": "Lan & DeMets, Biometrika 1983;70:659 (alpha spending) with O'Brien-Fleming-like boundaries; ICH E9 section 4.5 and FDA guidance on data monitoring committees (2006): interim looks planned in the protocol",
    "safety.max_harm_difference": "Committee default: at most 20 more missed cases per 1,000 in any subgroup than in the best-served one",
    "transparency.model_card": "CHAI Applied Model Card (2024); EU AI Act Art. 13 (transparency to deployers)",
    "transparency.audit_log": "21 CFR Part 11.10(e) (audit trails); EU AI Act Art. 12 (record-keeping)",
    "training.required": "EU AI Act Art. 4 (AI literacy); ICH E6(R3) GCP training, refreshed at least every three years",
    "sites.min_cell_size": "OHDSI network studies' minCellCount 5; DataSHIELD's nfilter.tab disclosure filter (a minimum cell count before any table leaves a site)",
    "sites.epsilon": "Dwork & Roth, The Algorithmic Foundations of Differential Privacy (2014), sections 3.3 (Laplace mechanism) and 3.5 (sequential composition); OpenDP's discrete Laplace and Laplace measurements",
    "sites.max_heterogeneity_i2": "Higgins et al., BMJ 2003;327:557 (I\u00b2 above 50% is substantial heterogeneity between sites)",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrivacyPolicy(_Section):
    """Privacy thresholds."""

    method: Literal["safe-harbor", "expert-determination"] = "safe-harbor"
    k: int = Field(5, ge=2)
    max_average_risk: float = Field(0.09, gt=0, le=1)
    max_prosecutor_risk: float | None = Field(None, gt=0, le=1)
    min_text_recall: float = Field(0.95, gt=0, le=1)

    def prosecutor_limit(self) -> float:
        """The maximum prosecutor risk allowed (``1/k`` unless set)."""
        return self.max_prosecutor_risk if self.max_prosecutor_risk is not None else 1.0 / self.k


class ConsentPolicy(_Section):
    """Consent requirements."""

    purpose: str = "ai-model-training"
    max_unresolved: int = Field(0, ge=0)


class FairnessPolicy(_Section):
    """Fairness thresholds."""

    groups: list[str] | None = None
    min_group_size: int = Field(30, ge=1)
    max_tpr_difference: float = Field(0.10, gt=0, le=1)
    max_fpr_difference: float = Field(0.10, gt=0, le=1)
    max_auroc_difference: float = Field(0.05, gt=0, le=1)
    representativeness: tuple[float, float] = (0.8, 1.25)

    @model_validator(mode="after")
    def _bounds(self) -> FairnessPolicy:
        lo, hi = self.representativeness
        if not 0 < lo < 1 < hi:
            raise ValueError("representativeness must be [low < 1, high > 1], e.g. [0.8, 1.25]")
        return self


class SafetyPolicy(_Section):
    """Benefit, calibration and harm thresholds."""

    threshold_range: tuple[float, float] = (0.10, 0.30)
    calibration_slope: tuple[float, float] = (0.8, 1.2)
    max_harm_difference: float = Field(20.0, ge=0)
    #: The protocol's interim looks (ISO dates) for adverse-event monitoring (``safety.monitor``); None: the
    #: review does not monitor adverse events. Dates, not a number of looks, so every site of a multi-site
    #: study counts at the same looks.
    monitor_looks: list[str] | None = None
    monitor_control: str = Field("control", min_length=1, max_length=200)
    monitor_alpha: float = Field(0.025, gt=0, lt=0.5)

    @model_validator(mode="after")
    def _ranges(self) -> SafetyPolicy:
        lo, hi = self.threshold_range
        if not 0 < lo < hi < 1:
            raise ValueError("threshold_range must be [low, high] with 0 < low < high < 1")
        slo, shi = self.calibration_slope
        if not 0 < slo < shi:
            raise ValueError("calibration_slope must be [low, high] with 0 < low < high")
        if self.monitor_looks is not None:
            import datetime as dt

            try:
                days = [dt.date.fromisoformat(d) for d in self.monitor_looks]
            except (TypeError, ValueError):
                raise ValueError("monitor_looks must be ISO dates (YYYY-MM-DD)") from None
            if not days or days != sorted(set(days)):
                raise ValueError("monitor_looks must be one or more distinct ISO dates in increasing order")
        return self


class TransparencyPolicy(_Section):
    """Transparency requirements."""

    model_card_complete: bool = True
    audit_log_verifies: bool = True


class TrainingPolicy(_Section):
    """Training requirements for staff with access to identifiable data."""

    required_courses: list[str] | None = None
    roles: list[str] = Field(default_factory=lambda: ["data_manager", "investigator"])


#: The noise method's default split of a site file's epsilon over its tables (shares summing to 1): the
#: fairness cells' counts, their three bounded error sums, the representativeness counts (split again over
#: the attributes) and the consent-enforcement counts.
DEFAULT_EPSILON_SPLIT: dict[str, float] = {
    "fairness.n": 0.55,
    "fairness.sum_e": 0.1,
    "fairness.sum_e2": 0.05,
    "fairness.sum_e4": 0.05,
    "representativeness": 0.15,
    "consent": 0.1,
}


class SitesPolicy(_Section):
    """Multi-site review: what a site may share (disclosure control) and how sites are compared.

    ``min_cell_size``: no published count of rows below it (1 turns disclosure control off, for
    testing a federation against the pooled rows). ``score_bins``: the score resolution of the
    counts (equal-width bins of [0, 1]); None keeps every distinct score (exact, but only sensible
    with ``min_cell_size`` 1). ``max_heterogeneity_i2``: above it, a headline metric differs between
    sites enough for a reviewer to look. ``max_suppressed_share``: above this share of the rows in
    suppressed cells (by the recorded upper bounds), fairness and benefit are not judged at all, since
    estimates without those rows would be biased.

    ``method``: how a site's counts are protected before they leave. ``"suppression"`` (the default):
    the minimum cell size above, with complementary suppression and recorded bounds. ``"noise"``:
    differential privacy with OpenDP (``sites._noise``): every count table is released on a public grid
    (each group column's ``categories``, label, prediction, the ``score_bins`` bins) with discrete
    Laplace noise on the counts and Laplace noise on the bounded error sums; no cell is suppressed, so
    ``min_cell_size`` does not apply. Privacy unit: one row (one patient). ``epsilon``: what one site
    file spends, split over its tables by ``epsilon_split`` (shares of ``epsilon`` that sum to 1; a table
    the study lacks spends nothing); by sequential composition the file is ``epsilon``-differentially
    private. ``epsilon_budget``: the total the site's data may ever spend on this study (default
    ``epsilon``: one file), debited in the site's privacy-budget ledger; a summary past it is refused.
    ``categories``: the public values of every group column the site counts by (a row with another value
    stops the summary; list ``"(missing)"`` where a column may be empty).
    """

    min_cell_size: int = Field(5, ge=1)
    score_bins: int | None = Field(100, ge=2, le=100_000)
    max_heterogeneity_i2: float = Field(0.5, ge=0, le=1)
    max_suppressed_share: float = Field(0.05, ge=0, le=1)
    method: Literal["suppression", "noise"] = "suppression"
    epsilon: float = Field(1.0, gt=0, le=100)
    epsilon_budget: float | None = Field(None, gt=0, le=1_000)
    epsilon_split: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_EPSILON_SPLIT))
    categories: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _noise(self) -> SitesPolicy:
        if set(self.epsilon_split) != set(DEFAULT_EPSILON_SPLIT):
            raise ValueError(f"epsilon_split must give a share to each of {', '.join(DEFAULT_EPSILON_SPLIT)}")
        if (
            any(not v > 0 for v in self.epsilon_split.values())
            or abs(sum(self.epsilon_split.values()) - 1) > 1e-9
        ):
            raise ValueError("epsilon_split must give each table a positive share, the shares summing to 1")
        if self.epsilon_budget is not None and self.epsilon_budget < self.epsilon:
            raise ValueError("epsilon_budget must be at least epsilon (one site file)")
        for column, values in self.categories.items():
            if not values or len(set(values)) != len(values):
                raise ValueError(f"categories.{column} must list one or more distinct values")
        return self

    def budget(self) -> float:
        """The total epsilon a site's data may spend on the study (``epsilon_budget``, else ``epsilon``)."""
        return self.epsilon_budget if self.epsilon_budget is not None else self.epsilon


class Policy(_Section):
    """A committee's policy. Build with :meth:`default` or :meth:`from_file`."""

    schema_version: Literal[1] = 1
    name: str = "ethicompass default committee policy"
    version: str = "1"
    privacy: PrivacyPolicy = PrivacyPolicy()
    consent: ConsentPolicy = ConsentPolicy()
    fairness: FairnessPolicy = FairnessPolicy()
    safety: SafetyPolicy = SafetyPolicy()
    transparency: TransparencyPolicy = TransparencyPolicy()
    training: TrainingPolicy = TrainingPolicy()
    sites: SitesPolicy = SitesPolicy()

    @classmethod
    def default(cls) -> Policy:
        """A sensible committee default; :data:`SOURCES` cites each number."""
        return cls()

    @classmethod
    def from_file(cls, path: str | Path, /) -> Policy:
        """Read and validate a policy YAML file; unspecified fields take the defaults."""
        p = Path(path)
        if not p.is_file():
            raise ManifestError(
                f"{p}: no such policy file", hint="check the path, or omit --policy for the default"
            )
        try:
            data: Any = yaml.safe_load(read_text_file(p, what="policy file")) or {}
        except yaml.YAMLError as exc:
            raise ManifestError(f"{p}: not valid YAML ({exc})", hint="fix the YAML syntax") from exc
        except RecursionError:
            raise ManifestError(
                f"{p}: YAML nested too deeply to read", hint="fix the YAML structure"
            ) from None
        if not isinstance(data, dict):
            raise ManifestError(f"{p}: a policy must be a YAML mapping", hint="see docs/review.md")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "(top level)"
            raise ManifestError(
                f"{p}: {where}: {err['msg']}", hint="see docs/review.md for the policy format"
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON-ready data."""
        return self.model_dump(mode="json")
