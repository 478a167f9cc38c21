"""The model card with its analyses: fairness and benefit run here, above the principle packages.

``transparency.build_model_card`` is a document over results and imports no principle package;
this module runs what the card reports on the study's predictions file (``fairness.audit`` by
``predictions.groups``, ``safety.decision_curve`` at the study's threshold, ``safety.calibration``)
and hands the results to it. The ``modelcard build`` verb and the review's transparency check
both build their card here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ethicompass.fairness import audit
from ethicompass.frames import load_table
from ethicompass.safety import calibration, decision_curve
from ethicompass.study import Study
from ethicompass.transparency import ModelCard, build_model_card

__all__ = ["model_card"]

#: The columns of a fairness report's frame the card reads (a report from an earlier step is reused).
_NEEDED = {"metric", "group", "value", "n", "too_small"}


def model_card(
    study: Study,
    /,
    *,
    answers: Mapping[str, str] | None = None,
    answers_source: str = "answers file",
    n_boot: int = 200,
    seed: int = 0,
    results: Mapping[str, Any] | None = None,
) -> ModelCard:
    """Run the analyses a model card reports on ``study``'s predictions and build the card.

    Parameters
    ----------
    study : Study
        The study manifest; without a ``predictions`` section the card holds what the manifest
        and data files say, and no analysis runs.
    answers : mapping of str to str, optional
        Fields only a person can write (see :func:`ethicompass.transparency.build_model_card`).
    answers_source : str
        Where the answers came from.
    n_boot : int
        Bootstrap resamples of the fairness intervals and the net-benefit interval.
    seed : int
        Seed of the bootstraps.
    results : mapping, optional
        Analyses already run (e.g. the demo's ``ctx.results``): a fairness report under
        ``"fairness"`` is reused instead of being recomputed.

    Returns
    -------
    ModelCard
        The card, each filled field naming its source.

    Examples
    --------
    >>> from ethicompass.study import Study
    >>> model_card(Study(name="no predictions", datasets={})).missing_sections
    ()
    """
    pred = study.predictions
    if pred is None:
        return build_model_card(study, answers=answers, answers_source=answers_source)
    frame = load_table(study.dataset_path(pred.dataset), check=False)
    report: Any = None
    if pred.groups:
        given: Any = (results or {}).get("fairness")
        reusable = given is not None and hasattr(given, "to_dict") and hasattr(given, "to_frame")
        if reusable and set(given.to_frame().columns) >= _NEEDED:
            report = given  # computed by an earlier step on the same predictions
        else:
            report = audit(
                frame,
                label=pred.label,
                score=pred.score,
                groups=list(pred.groups),
                threshold=pred.threshold,
                n_boot=n_boot,
                seed=seed,
                intersections=False,
            )
    curve = decision_curve(
        frame,
        label=pred.label,
        scores={"model": pred.score},
        thresholds=[pred.threshold],
        n_boot=n_boot,
        seed=seed,
    )
    cal = calibration(frame, label=pred.label, score=pred.score)
    return build_model_card(
        study, answers=answers, answers_source=answers_source, fairness=report, benefit=curve, calibration=cal
    )
