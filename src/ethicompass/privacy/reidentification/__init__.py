"""Re-identification risk of quasi-identifiers, and generalisation to bring it under a target.

Entry points: :func:`summarize` counts the equivalence classes (:class:`EquivalenceSummary`, which merges by
addition across partitions or sites); :func:`risk` estimates k-anonymity, l-diversity, t-closeness and
prosecutor / journalist / marketer risk from it (:class:`RiskReport`); :func:`anonymize` searches the lattice
of :class:`Hierarchy` generalisations for the least lossy one that meets the target.

This room is called ``reidentification`` rather than ``risk`` because ``ethicompass.privacy.risk`` is the
public function: a subpackage of that name would replace it on the package as soon as it is imported.

The package-level names of :mod:`ethicompass.privacy` are the public surface; these modules are where they live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy.reidentification._anonymize import AnonymizationResult, anonymize
    from ethicompass.privacy.reidentification._hierarchies import (
        Hierarchy,
        hierarchies_from_dict,
        load_hierarchies,
    )
    from ethicompass.privacy.reidentification._report import (
        LDiversity,
        PopulationUniqueness,
        RiskMeasure,
        RiskReport,
        risk,
    )
    from ethicompass.privacy.reidentification._summary import EquivalenceSummary, summarize

__getattr__, __dir__ = attach(
    __name__,
    {
        "AnonymizationResult": "ethicompass.privacy.reidentification._anonymize",
        "EquivalenceSummary": "ethicompass.privacy.reidentification._summary",
        "Hierarchy": "ethicompass.privacy.reidentification._hierarchies",
        "LDiversity": "ethicompass.privacy.reidentification._report",
        "PopulationUniqueness": "ethicompass.privacy.reidentification._report",
        "RiskMeasure": "ethicompass.privacy.reidentification._report",
        "RiskReport": "ethicompass.privacy.reidentification._report",
        "anonymize": "ethicompass.privacy.reidentification._anonymize",
        "hierarchies_from_dict": "ethicompass.privacy.reidentification._hierarchies",
        "load_hierarchies": "ethicompass.privacy.reidentification._hierarchies",
        "risk": "ethicompass.privacy.reidentification._report",
        "summarize": "ethicompass.privacy.reidentification._summary",
    },
)

__all__ = [
    "AnonymizationResult",
    "EquivalenceSummary",
    "Hierarchy",
    "LDiversity",
    "PopulationUniqueness",
    "RiskMeasure",
    "RiskReport",
    "anonymize",
    "hierarchies_from_dict",
    "load_hierarchies",
    "risk",
    "summarize",
]
