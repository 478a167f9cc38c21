"""Model cards: Markdown, self-contained HTML and CHAI Applied Model Card XML from a study.

``build_model_card(study, fairness=..., benefit=..., calibration=...)`` fills what the data can
say, and names where each value came from: the study manifest, the data files (row and group
counts, content hashes), and the fairness and benefit analyses it is given. The card is a
document over results: it never runs an analysis itself (transparency sits below fairness and
safety), so an analysis not given is listed under "Not computed". ``review.model_card(study)``
runs the analyses the card reports and builds it. What only a person can write (intended use,
out-of-scope use, limitations, ...) is listed as missing, never invented; pass ``answers`` (a
mapping, e.g. from a reviewed YAML file) to fill it, and each answer is attributed to that file.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ethicompass.frames import load_table, read_table
from ethicompass.study import Study
from ethicompass.transparency._chai import STRUCTURE, build_chai_xml
from ethicompass.transparency._hashing import hash_file

#: Fields only a person can write; never filled automatically.
HUMAN_FIELDS = (
    "ModelDeveloper",
    "DeveloperContact",
    "ReleaseStage",
    "ReleaseDate",
    "ModelVersion",
    "GlobalAvailability",
    "Summary",
    "Keywords",
    "IntendedUseAndWorkflow",
    "PrimaryIntendedUsers",
    "HowToUse",
    "TargetedPatientPopulation",
    "CautionedOutOfScopeSettingsAndUse",
    "KnownRisksAndLimitations",
    "KnownBiasesOrEthicalConsiderations",
    "ClinicalRiskLevel",
    "ModelType",
    "FoundationModels",
    "BiasMitigationApproaches",
    "OngoingMaintenance",
    "SecurityAndCompliance",
    "FundingSource",
    "ThirdPartyInformation",
    "StakeholdersConsulted",
    "EvaluationReferences",
    "ClinicalTrial",
    "PeerReviewedPublications",
    "ReimbursementStatus",
)
_METRICS = ("auroc", "tpr", "fpr", "ppv", "brier")


@dataclass(frozen=True)
class CardField:
    """One field of the card: filled (with its ``source``) or missing."""

    section: str
    name: str
    status: str
    value: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "section": self.section,
            "name": self.name,
            "status": self.status,
            "value": self.value,
            "source": self.source,
        }


@dataclass(frozen=True)
class ModelCard:
    """A model card: its fields, performance by group, and what is missing."""

    model_name: str
    study_name: str
    fields: tuple[CardField, ...]
    performance: tuple[Mapping[str, Any], ...] = ()
    missing_sections: tuple[str, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Names of the fields still to be written by a person."""
        return [f.name for f in self.fields if f.status == "missing"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model_name": self.model_name,
            "study": self.study_name,
            "fields": [f.to_dict() for f in self.fields],
            "performance_by_group": [dict(r) for r in self.performance],
            "missing_fields": self.missing,
            "missing_sections": list(self.missing_sections),
            "inputs": dict(self.inputs),
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per field."""
        return pl.DataFrame(
            [f.to_dict() for f in self.fields],
            schema={k: pl.String for k in ("section", "name", "status", "value", "source")},
        )

    def to_markdown(self) -> str:
        """The card as Markdown."""
        out = [f"# Model card: {self.model_name}", "", f"Study: {self.study_name}", ""]
        if self.missing:
            out += ["> **Incomplete.** A person must still write: " + ", ".join(self.missing) + ".", ""]
        for section in STRUCTURE:
            out += [f"## {_title(section)}", ""]
            for f in (x for x in self.fields if x.section == section):
                if f.status == "filled":
                    out += [f"**{_title(f.name)}**: {f.value}", f"<sub>source: {f.source}</sub>", ""]
                else:
                    out += [f"**{_title(f.name)}**: _missing: to be written by the model's owner_", ""]
            if section == "KeyMetrics" and self.performance:
                cols = list(self.performance[0])
                out += [
                    "### Performance by group",
                    "",
                    "| " + " | ".join(cols) + " |",
                    "|" + "---|" * len(cols),
                ]
                out += ["| " + " | ".join(_cell(r.get(c)) for c in cols) + " |" for r in self.performance]
                out += ["", "<sub>source: ethicompass.fairness.audit on the predictions file</sub>", ""]
        if self.missing_sections:
            out += ["## Not computed", ""] + [f"- {s}" for s in self.missing_sections] + [""]
        return "\n".join(out)

    def to_html(self) -> str:
        """The card as one self-contained HTML page (inline CSS, no scripts, no external links)."""
        body = [f"<h1>Model card: {_e(self.model_name)}</h1>", f"<p>Study: {_e(self.study_name)}</p>"]
        if self.missing:
            body.append(
                f'<p class="warn"><strong>Incomplete.</strong> A person must still write: '
                f"{_e(', '.join(self.missing))}.</p>"
            )
        for section in STRUCTURE:
            body.append(f"<h2>{_e(_title(section))}</h2><dl>")
            for f in (x for x in self.fields if x.section == section):
                if f.status == "filled":
                    body.append(
                        f"<dt>{_e(_title(f.name))}</dt><dd>{_e(f.value or '')}"
                        f'<div class="src">source: {_e(f.source or "")}</div></dd>'
                    )
                else:
                    body.append(
                        f'<dt>{_e(_title(f.name))}</dt><dd class="missing">missing: to be written</dd>'
                    )
            body.append("</dl>")
            if section == "KeyMetrics" and self.performance:
                cols = list(self.performance[0])
                body.append(
                    "<h3>Performance by group</h3><table><tr>"
                    + "".join(f"<th>{_e(c)}</th>" for c in cols)
                    + "</tr>"
                )
                body += [
                    "<tr>" + "".join(f"<td>{_e(_cell(r.get(c)))}</td>" for c in cols) + "</tr>"
                    for r in self.performance
                ]
                body.append("</table>")
        if self.missing_sections:
            body.append(
                "<h2>Not computed</h2><ul>"
                + "".join(f"<li>{_e(s)}</li>" for s in self.missing_sections)
                + "</ul>"
            )
        css = (
            "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
            "dt{font-weight:600;margin-top:.6rem}.src{color:#666;font-size:.8rem}.missing{color:#a40}"
            ".warn{background:#fff4e5;padding:.5rem;border-left:4px solid #f90}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;font-size:.85rem}"
        )
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Model card: '
            f"{_e(self.model_name)}</title><style>{css}</style></head><body>{''.join(body)}</body></html>\n"
        )

    def to_chai_xml(self) -> bytes:
        """The card as CHAI Applied Model Card XML (structure described in ``_chai``)."""
        fields = {f.name: {"status": f.status, "value": f.value, "source": f.source} for f in self.fields}
        return build_chai_xml(fields, metric_rows=self.performance)


def _title(name: str) -> str:
    out = "".join(f" {c}" if c.isupper() and i else c for i, c in enumerate(name))
    return out.replace("A I ", "AI ").replace("Or ", "or ").replace("And ", "and ").replace("Of ", "of ")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def build_model_card(
    study: Study,
    /,
    *,
    answers: Mapping[str, str] | None = None,
    answers_source: str = "answers file",
    fairness: Any = None,
    benefit: Any = None,
    calibration: Any = None,
) -> ModelCard:
    """Fill a model card from ``study``'s manifest and data files and the analyses given.

    Parameters
    ----------
    study : Study
        The study manifest; its ``predictions`` section names the model, label, score and groups.
    answers : mapping of str to str, optional
        Fields only a person can write (CHAI field name to text), e.g. from a reviewed YAML file.
    answers_source : str
        Where the answers came from, recorded as each answered field's source.
    fairness : FairnessReport, optional
        ``fairness.audit`` of the predictions by ``predictions.groups`` (any object with
        ``to_frame()`` and ``to_dict()`` in its shape): performance by group and disparities.
    benefit : DecisionCurve, optional
        ``safety.decision_curve`` of the score (model ``"model"``) at the study's threshold.
    calibration : CalibrationReport, optional
        ``safety.calibration`` of the score.

    Returns
    -------
    ModelCard
        Every CHAI field, filled (with its source) or missing; analyses not given are named in
        ``missing_sections``.

    See Also
    --------
    ethicompass.review.model_card : runs the analyses and builds the card.

    Examples
    --------
    >>> from ethicompass.study import Study
    >>> study = Study(name="demo", datasets={})
    >>> card = build_model_card(study, answers={"Summary": "Predicts 30-day readmission."})
    >>> card.model_name, "IntendedUseAndWorkflow" in card.missing
    ('demo', True)
    """
    values: dict[str, tuple[str, str]] = {}
    missing_sections: list[str] = []
    inputs: dict[str, str] = {}
    pred = study.predictions
    model_name = pred.model_name if pred else study.name
    manifest = "study manifest"
    if pred is not None:
        values["ModelName"] = (pred.model_name, f"{manifest}: predictions.model_name")
        values["OutcomesAndOutputs"] = (
            f"A risk score in column '{pred.score}' (0 to 1) for the outcome in column '{pred.label}'; "
            f"decision threshold {pred.threshold}.",
            f"{manifest}: predictions.score, label, threshold",
        )
    sources = []
    for name in study.datasets:
        path = study.dataset_path(name)
        rows = read_table(path).select(pl.len()).collect().item()
        digest = hash_file(path)
        inputs[name] = digest
        sources.append(f"{name} ({study.datasets[name].path}, {rows:,} rows, {digest[:19]}…)")
    values["InputDataSource"] = (
        "; ".join(sources),
        "data files named in the study manifest (row counts, SHA-256)",
    )
    values["OutputAndInputDataTypes"] = (
        "Tabular inputs: "
        + ", ".join(f"{n}: {len(s.columns)} described columns" for n, s in study.datasets.items()),
        f"{manifest}: datasets.*.columns",
    )
    if study.consent is not None:
        values["PatientConsentOrDisclosure"] = (
            f"Use of data is governed by consent purpose '{study.consent.purpose}'.",
            f"{manifest}: consent.purpose",
        )
    values["TransparencyIntelligibilityAndAccountability"] = (
        "Every data access, transformation, analysis and this card's build is recorded in ethicompass's "
        "tamper-evident audit log (RFC 9162 Merkle tree, signed checkpoints).",
        "ethicompass audit log",
    )
    performance: list[dict[str, Any]] = []
    if pred is not None:
        frame = load_table(study.dataset_path(pred.dataset), check=False)
        prevalence = float(frame.select(pl.col(pred.label).cast(pl.Float64).mean()).item() or 0.0)
        counts = [f"{frame.height:,} rows; outcome prevalence {prevalence:.3f}"]
        for g in pred.groups:
            vc = frame[g].value_counts(sort=True)
            counts.append(f"{g}: " + ", ".join(f"{v}={n}" for v, n in vc.iter_rows()))
        values["DevelopmentDataCharacterization"] = (
            "Evaluation data: " + "; ".join(counts),
            f"predictions file {study.datasets[pred.dataset].path}",
        )
        performance, fairness_text = _fairness(fairness, pred, missing=missing_sections)
        if fairness_text:
            values["FairnessAndEquity"] = (
                fairness_text,
                "ethicompass.fairness.audit on the predictions file",
            )
        useful, safe = _benefit(benefit, calibration, frame, pred, missing=missing_sections)
        if useful:
            values["UsefulnessUsabilityAndEfficacy"] = (
                useful,
                "ethicompass.safety.decision_curve on the predictions file",
            )
        if safe:
            values["SafetyAndReliability"] = (safe, "ethicompass.safety.calibration on the predictions file")
    for key, text in (answers or {}).items():
        if key in values or not str(text).strip():
            continue
        values[key] = (str(text).strip(), answers_source)
    fields = []
    for section, names in STRUCTURE.items():
        for name in names:
            if name in values:
                fields.append(CardField(section, name, "filled", values[name][0], values[name][1]))
            else:
                fields.append(CardField(section, name, "missing"))
    return ModelCard(
        model_name, study.name, tuple(fields), tuple(performance), tuple(missing_sections), inputs
    )


def _fairness(report: Any, pred: Any, *, missing: list[str]) -> tuple[list[dict[str, Any]], str]:
    if not pred.groups:
        missing.append("fairness: the manifest names no predictions.groups")
        return [], ""
    if report is None:
        missing.append("fairness: no fairness report given (build the card with review.model_card)")
        return [], ""
    table = report.to_frame().filter(pl.col("metric").is_in(_METRICS))
    rows: dict[str, dict[str, Any]] = {}
    for r in table.iter_rows(named=True):
        row = rows.setdefault(r["group"], {"group": r["group"], "n": r["n"], "too_small": r["too_small"]})
        row[r["metric"]] = r["value"]
    findings = report.to_dict().get("findings") or []
    text = (
        f"{len(findings)} flagged disparit{'y' if len(findings) == 1 else 'ies'} across "
        f"{', '.join(pred.groups)}"
        + (": " + " | ".join(str(f.get("message")) for f in findings[:5]) if findings else ".")
    )
    return list(rows.values()), text


def _benefit(
    benefit: Any, calibration: Any, frame: pl.DataFrame, pred: Any, *, missing: list[str]
) -> tuple[str, str]:
    if benefit is None or calibration is None:
        missing.append(
            "benefit and calibration: no decision curve or calibration given (build the card with review.model_card)"
        )
        return "", ""
    t = pred.threshold
    curve = benefit.to_frame()
    overall = curve.filter(pl.col("attribute").is_null() & (pl.col("model") == "model"))
    prevalence = float(frame[pred.label].mean())
    treat_all = prevalence - (1 - prevalence) * t / (1 - t)
    useful = ""
    if overall.height:
        r = overall.row(0, named=True)
        useful = (
            f"Net benefit at threshold {t}: {r['net_benefit']:.4f} (95% CI {r['net_benefit_lo']:.4f} to "
            f"{r['net_benefit_hi']:.4f}); treat-all {treat_all:.4f}; treat-none 0."
        )
    cal = calibration.to_frame()
    safe = ""
    if cal.height:
        c = cal.row(0, named=True)
        safe = (
            f"Calibration: observed/expected {c['observed_expected_ratio']:.3f}, slope {c['slope']:.3f}, "
            f"ECE {c['ece']:.4f}, Brier {c['brier']:.4f}."
        )
    return useful, safe
