"""Patient autonomy: granular, versioned, revocable consent per purpose.

Entry points: ``Registry(store)`` records and answers consent (grant, refuse, withdraw,
``status(participant, purpose, at=...)``, history, bulk import); ``enforce(frame, purpose=...,
participant_column=...)`` keeps only the rows a participant's consent permits;
``from_fhir``/``to_fhir`` read and write FHIR R4/R4B and R5 Consent; withdrawal reaches
derived artefacts through ``register_members``, ``affected_artefacts``, ``decide`` and
``unresolved_decisions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.consent._csv import read_consents_csv
    from ethicompass.consent._enforce import (
        DROP_REASONS,
        EnforcementRecord,
        consent_state,
        enforce,
        enforce_batch,
        status_hash,
    )
    from ethicompass.consent._fhir import FhirVersion, bundle_resources, from_fhir, to_fhir
    from ethicompass.consent._fhir_files import read_fhir_file, write_fhir_file
    from ethicompass.consent._model import (
        PURPOSE_TEXT,
        STANDARD_PURPOSES,
        Action,
        ConsentRecord,
        ConsentStatus,
        Decision,
        Period,
        normalise_participant,
    )
    from ethicompass.consent._participants import (
        ParticipantsSummary,
        read_participant_ids,
        unknown_participant,
    )
    from ethicompass.consent._registry import ImportSummary, Registry, statuses_from_events
    from ethicompass.consent._withdrawal import (
        KNOWN_LEGAL_BASES,
        DecisionAction,
        WithdrawalDecision,
        affected_artefacts,
        decide,
        decisions,
        link_artefacts,
        register_members,
        unresolved_decisions,
    )

__getattr__, __dir__ = attach(
    __name__,
    {
        "Action": "ethicompass.consent._model",
        "ConsentRecord": "ethicompass.consent._model",
        "ConsentStatus": "ethicompass.consent._model",
        "DROP_REASONS": "ethicompass.consent._enforce",
        "Decision": "ethicompass.consent._model",
        "DecisionAction": "ethicompass.consent._withdrawal",
        "EnforcementRecord": "ethicompass.consent._enforce",
        "FhirVersion": "ethicompass.consent._fhir",
        "ImportSummary": "ethicompass.consent._registry",
        "KNOWN_LEGAL_BASES": "ethicompass.consent._withdrawal",
        "PURPOSE_TEXT": "ethicompass.consent._model",
        "ParticipantsSummary": "ethicompass.consent._participants",
        "Period": "ethicompass.consent._model",
        "Registry": "ethicompass.consent._registry",
        "STANDARD_PURPOSES": "ethicompass.consent._model",
        "WithdrawalDecision": "ethicompass.consent._withdrawal",
        "affected_artefacts": "ethicompass.consent._withdrawal",
        "bundle_resources": "ethicompass.consent._fhir",
        "decide": "ethicompass.consent._withdrawal",
        "decisions": "ethicompass.consent._withdrawal",
        "consent_state": "ethicompass.consent._enforce",
        "enforce": "ethicompass.consent._enforce",
        "enforce_batch": "ethicompass.consent._enforce",
        "from_fhir": "ethicompass.consent._fhir",
        "link_artefacts": "ethicompass.consent._withdrawal",
        "normalise_participant": "ethicompass.consent._model",
        "read_consents_csv": "ethicompass.consent._csv",
        "read_participant_ids": "ethicompass.consent._participants",
        "read_fhir_file": "ethicompass.consent._fhir_files",
        "register_members": "ethicompass.consent._withdrawal",
        "status_hash": "ethicompass.consent._enforce",
        "statuses_from_events": "ethicompass.consent._registry",
        "to_fhir": "ethicompass.consent._fhir",
        "unknown_participant": "ethicompass.consent._participants",
        "unresolved_decisions": "ethicompass.consent._withdrawal",
        "write_fhir_file": "ethicompass.consent._fhir_files",
    },
)

__all__ = [  # noqa: RUF022 - plain sorted, as tests/test_exported_members.py checks
    "Action",
    "ConsentRecord",
    "ConsentStatus",
    "DROP_REASONS",
    "Decision",
    "DecisionAction",
    "EnforcementRecord",
    "FhirVersion",
    "ImportSummary",
    "KNOWN_LEGAL_BASES",
    "PURPOSE_TEXT",
    "ParticipantsSummary",
    "Period",
    "Registry",
    "STANDARD_PURPOSES",
    "WithdrawalDecision",
    "affected_artefacts",
    "bundle_resources",
    "consent_state",
    "decide",
    "decisions",
    "enforce",
    "enforce_batch",
    "from_fhir",
    "link_artefacts",
    "normalise_participant",
    "read_consents_csv",
    "read_fhir_file",
    "read_participant_ids",
    "register_members",
    "status_hash",
    "statuses_from_events",
    "to_fhir",
    "unknown_participant",
    "unresolved_decisions",
    "write_fhir_file",
]
