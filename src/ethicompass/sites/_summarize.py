"""``summarize_site(study, site=..., policy=...)``: everything a review needs from one site, as counts.

Reuses the counts-first kernels: consent enforcement (``consent.enforce``) on the predictions, one
``fairness.summarize`` group-by of the kept rows over (groups, site column, label, prediction, score
bin) with the error sums, turned into the file's tables (:func:`fairness_tables`: the overall table,
one per group column, the joint table without score), and one group-by per attribute of the patients
for representativeness. Decision curves and calibration are estimated at the coordinator from the
overall table, subgroups from the attribute tables (each cell's mean score is its error sum over its
count plus its label). Then disclosure control (:func:`ethicompass.sites._tables.protect_tables`,
:mod:`ethicompass.sites._disclosure`) and its check; the caller signs and writes the file. Under the noise
method (``sites.method: noise``) the fine counts go to :func:`ethicompass.sites._noise.release_body` instead,
which writes one noisy grid in place of the three kinds of table.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ethicompass.errors import InputError
from ethicompass.sites._disclosure import check_body, suppress_counts
from ethicompass.sites._format import FORMAT, FORMAT_VERSION
from ethicompass.sites._tables import SiteTable, count_tables, protect_tables

__all__ = ["build_body", "fairness_tables", "manifest_hash", "policy_hash", "site_groups"]


def manifest_hash(study: Any, /) -> str:
    """``sha256:`` of the manifest's content (datasets, roles, model, consent; not its folder)."""
    data = study.model_dump(mode="json", exclude={"base_dir"})
    return "sha256:" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def policy_hash(policy: Any, /) -> str:
    """``sha256:`` of the policy's content."""
    return "sha256:" + hashlib.sha256(json.dumps(policy.to_dict(), sort_keys=True).encode()).hexdigest()


def site_groups(study: Any, policy: Any) -> tuple[list[str], list[str]]:
    """(the fairness audit's groups, every group column the site counts by: those, the harm groups, the site column)."""
    p = study.predictions
    audit_groups = list(policy.fairness.groups or p.groups)
    counted = list(dict.fromkeys([*audit_groups, *p.groups, *([p.site] if p.site else [])]))
    return audit_groups, counted


def _kept_rows(
    study: Any, policy: Any, store: Any, frame: Any = None
) -> tuple[pl.DataFrame, dict[str, Any] | None]:
    """The predictions of participants whose consent permits the purpose, and the enforcement counts.

    ``frame``: the predictions already read (a Spark DataFrame with ``site summarize --engine spark``);
    by default they are read in process."""
    from ethicompass.frames import load_table

    p = study.predictions
    if frame is None:
        frame = load_table(study.dataset_path(p.dataset))
    if study.consent is None or not study.consent.dataset:
        return frame, None
    from ethicompass.review import ReviewContext, consent_enforcement

    ctx = ReviewContext(study=study, policy=policy, store=store)
    ctx._frames[p.dataset] = frame
    record = consent_enforcement(ctx)
    kept = ctx.results["consent"]["kept"]
    counts = {
        "purpose": record.purpose,
        "rows_in": record.rows_in,
        "rows_kept": record.rows_kept,
        "rows_dropped": {k: int(v) for k, v in sorted(record.rows_dropped.items()) if v},
        "status_hash": record.status_hash,
    }
    return kept, counts


def _fairness(kept: pl.DataFrame, study: Any, policy: Any) -> tuple[dict[str, Any], pl.DataFrame]:
    from ethicompass.fairness import summarize

    p = study.predictions
    _, counted = site_groups(study, policy)
    bins = policy.sites.score_bins
    summary = summarize(
        kept,
        label=p.label,
        score=p.score,
        groups=counted,
        threshold=p.threshold,
        bins=bins or 1_000,
        exact_limit=0 if bins else 10**15,
    )
    counts = summary.counts.with_columns(
        [
            pl.col(g).cast(pl.String) if counts_schema_is_date(summary.counts, g) else pl.col(g)
            for g in counted
        ]
    )
    return {
        "groups": counted,
        "threshold": summary.threshold,
        "bin_width": summary.bin_width,
        "label": p.label,
        "score": p.score,
    }, counts


def counts_schema_is_date(counts: pl.DataFrame, column: str) -> bool:
    """Whether a group column of the counts holds dates (written as ISO text in the file, on any engine)."""
    return counts.schema[column] == pl.Date


def fairness_tables(kept: Any, study: Any, policy: Any) -> tuple[dict[str, Any], list[SiteTable]]:
    """The site's fairness counts as the file's tables, before disclosure control: the overall table, one
    per group column on nested score partitions, and the joint table (:mod:`ethicompass.sites._tables`).

    Disclosure control (:func:`ethicompass.sites._tables.protect_tables`) comes next; another method of
    disclosure control takes these same tables."""
    meta, counts = _fairness(kept, study, policy)
    return meta, count_tables(
        counts, meta["groups"], policy.sites.min_cell_size, bins=policy.sites.score_bins
    )


def _representativeness(study: Any, minimum: int) -> tuple[dict[str, dict[str, int]] | None, int]:
    from ethicompass.frames import load_table

    if not study.reference_population:
        return None, 0
    reference = load_table(study.dataset_path(study.reference_population))
    patients = load_table(study.dataset_path("patients")) if "patients" in study.datasets else None
    if patients is None:
        return None, 0
    attributes = sorted(set(reference["attribute"].cast(pl.String).to_list()) & set(patients.columns))
    out: dict[str, dict[str, int]] = {}
    hidden = 0
    for attribute in attributes:
        counted = patients.group_by(attribute).len().sort(attribute, nulls_last=True)
        values = {
            ("(missing)" if v is None else str(v)): int(n)
            for v, n in zip(counted[attribute].to_list(), counted["len"].to_list(), strict=True)
        }
        shown, k = suppress_counts(values, minimum) if minimum > 1 else (values, 0)
        out[attribute] = shown
        hidden += k
    return out, hidden


def _reference(study: Any) -> list[list[Any]]:
    """The disease population's shares (public figures, not patient data): [attribute, value, share]."""
    from ethicompass.frames import load_table

    ref = load_table(study.dataset_path(study.reference_population))
    return [
        [str(a), str(v), float(s)]
        for a, v, s in ref.select("attribute", "value", "population_share").iter_rows()
    ]


def _suppress_consent(consent: dict[str, Any] | None, minimum: int) -> tuple[dict[str, Any] | None, int]:
    if consent is None or minimum <= 1:
        return consent, 0
    dropped = dict(consent["rows_dropped"])
    shown, hidden = suppress_counts(dropped, minimum)
    out = dict(consent) | {"rows_dropped": shown, "reasons_suppressed": hidden}
    total = sum(dropped.values())
    if hidden == 1 or 0 < total < minimum:  # the lone hidden reason = rows_in - rows_kept - the others
        out["rows_in"] = None
    if consent["rows_kept"] < minimum:
        out["rows_kept"] = None
    return out, hidden


def _refuse_identifying_groups(study: Any, policy: Any) -> None:
    """A group column the manifest marks as an identifier (or a date) would put identifiers in the cells."""
    from ethicompass.study import Role

    spec = study.datasets[study.predictions.dataset]
    _, counted = site_groups(study, policy)
    for column in counted:
        role = spec.columns[column].role if column in spec.columns else None
        if role in (Role.DIRECT_IDENTIFIER, Role.PARTICIPANT_ID, Role.DATE, Role.FREE_TEXT):
            raise InputError(
                f"group column {column!r} of {study.predictions.dataset!r} has the role {role.value}: its values "
                "cannot leave the site",
                hint="group by a generalised column instead (an age band, a region), or drop it from the groups",
            )


def build_body(study: Any, /, *, site: str, policy: Any, store: Any, frame: Any = None) -> dict[str, Any]:
    """The body of a site file (without checkpoint): counts after disclosure control, and the certificate.

    ``frame``: the predictions already read, e.g. as a Spark DataFrame (consent enforcement and the
    fairness counts then run on Spark; the counts, and so the file, are the same).

    Raises :class:`InputError` when the manifest names no predictions, or when the check of the
    summary fails (nothing is written then).
    """
    if study.predictions is None:
        raise InputError(
            f"study {study.name!r} names no predictions, so a site has nothing to summarise",
            hint="add 'predictions: {dataset, label, score, groups}' to study.yaml",
        )
    if not site or not site.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InputError(
            f"site name {site!r} is not a plain name", hint="use letters, digits, '-', '_' or '.'"
        )
    p = study.predictions
    _refuse_identifying_groups(study, policy)
    noise = policy.sites.method == "noise"  # sites._noise: no suppression; every table released with noise
    minimum = 1 if noise else policy.sites.min_cell_size
    kept, consent = _kept_rows(study, policy, store, frame)
    if (kept.height if isinstance(kept, pl.DataFrame) else kept.limit(1).count()) == 0:
        raise InputError(
            f"site {site!r}: no row of {p.dataset!r} is consented for the purpose",
            hint="check the consent file",
        )
    if noise:  # the exact fine counts: sites._noise releases them on its public grid (release_body, below)
        meta, exact = _fairness(kept, study, policy)
        tables: list[SiteTable] = []
        fairness_suppressed: dict[str, Any] = {}
    else:
        meta, tables = fairness_tables(kept, study, policy)
        tables, fairness_suppressed = protect_tables(tables, minimum)
    representativeness, rep_hidden = _representativeness(study, minimum)
    consent, consent_hidden = _suppress_consent(consent, minimum)
    from ethicompass.consent import unresolved_decisions

    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "site": site,
        "study": study.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "manifest": {
            "version": study.version,
            "hash": manifest_hash(study),
            "content": study.model_dump(mode="json", exclude={"base_dir"}),
        },
        "policy": {"name": policy.name, "version": policy.version, "hash": policy_hash(policy)},
        "model": {
            "name": p.model_name,
            "label": p.label,
            "score": p.score,
            "threshold": p.threshold,
            "groups": list(p.groups),
            "site_column": p.site,
        },
        "fairness": meta | {"tables": [t.to_dict() for t in tables]},
        "representativeness": representativeness,
        "reference_population": _reference(study) if representativeness is not None else None,
        "consent": consent,
        "unresolved_decisions": len(unresolved_decisions(store)),
        "disclosure": {
            "min_cell_size": policy.sites.min_cell_size,
            "score_bins": policy.sites.score_bins,
            "method": "suppression" if minimum > 1 else "none",
            "suppressed": {
                "fairness": fairness_suppressed,
                "representativeness": {"values": rep_hidden},
                "consent": {"reasons": consent_hidden},
            },
        },
    }
    from ethicompass.sites._safety import safety_section  # adverse events and person-time (sites._safety)

    safety = safety_section(study, policy)
    if safety is not None:
        body["safety"] = safety
    if noise:
        from ethicompass.sites._noise import release_body

        release_body(body, exact, policy=policy, store=store)
    certificate = check_body(
        body, min_cell_size=policy.sites.min_cell_size, score_bins=policy.sites.score_bins
    )
    if not certificate["passed"]:
        raise InputError(
            f"site {site!r}: the summary fails the disclosure check: {'; '.join(certificate['problems'][:3])}",
            hint="nothing was written; raise the policy's sites.min_cell_size or coarsen sites.score_bins",
        )
    body["certificate"] = certificate
    return body
