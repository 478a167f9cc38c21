"""The closed vocabulary of audit actions, and the event an operation appends.

Every entry in the audit log names what was done with one of the :class:`AuditAction` values; an
action outside the list is refused when it is appended, so a typo or a new verb that forgot to say
what it records cannot write an entry nobody will look for. The values are exactly the strings the
log has always stored (entries are hash-chained with them): a value never changes or goes away.

Adding an action is one line in :class:`AuditAction` (``NAME = "package.verb"``, kept sorted by
value), see CONTRIBUTING.md, section 5.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ethicompass.errors import AuditError

__all__ = ["AuditAction", "AuditEvent"]


class AuditAction(enum.StrEnum):
    """Every action the audit log records, as ``package.verb`` (the stored string is the value)."""

    AUDIT_BIND_BASELINE = "audit.bind.baseline"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    AUTH_LOCKOUT = "auth.lockout"
    AUTH_SIGN_IN = "auth.sign-in"
    CONSENT_ENFORCE = "consent.enforce"
    CONSENT_EXPORT = "consent.export"
    CONSENT_GRANT = "consent.grant"
    CONSENT_IMPORT = "consent.import"
    CONSENT_PARTICIPANTS_REGISTER = "consent.participants.register"
    CONSENT_REFUSE = "consent.refuse"
    CONSENT_WITHDRAW = "consent.withdraw"
    CONSENT_WITHDRAWAL_DECISION = "consent.withdrawal-decision"
    DATA_READ = "data.read"
    EXPLAIN_PREDICTION = "explain.prediction"
    FAIRNESS_AUDIT = "fairness.audit"
    FAIRNESS_REPRESENTATIVENESS = "fairness.representativeness"
    HTTP_REQUEST = "http.request"
    LINEAGE_REGISTER = "lineage.register"
    MODELCARD_BUILD = "modelcard.build"
    PRIVACY_ANONYMIZE = "privacy.anonymize"
    PRIVACY_BUDGET_SET = "privacy.budget.set"
    PRIVACY_DEIDENTIFY = "privacy.deidentify"
    PRIVACY_PHI_FIND = "privacy.phi_find"
    PRIVACY_PHI_REDACT = "privacy.phi_redact"
    PRIVACY_RELEASE = "privacy.release"
    PRIVACY_RELEASE_REFUSED = "privacy.release.refused"
    PRIVACY_RISK = "privacy.risk"
    PRIVACY_SCAN = "privacy.scan"
    REVIEW_REPORT = "review.report"
    REVIEW_REQUEST_CHANGES = "review.request_changes"
    REVIEW_SIGN_OFF = "review.sign_off"
    SAFETY_BENEFIT = "safety.benefit"
    SAFETY_DRIFT = "safety.drift"
    SAFETY_MONITOR = "safety.monitor"
    SERVER_ACCESS_CODE_NEW = "server.access-code-new"
    SERVER_FULL_NAME_SET = "server.full-name-set"
    SERVER_PASSWORD_SET = "server.password-set"
    SERVER_TOKEN_NEW = "server.token-new"
    SERVER_TOKEN_REVOKE = "server.token-revoke"
    SERVER_USER_ADD = "server.user-add"
    SITE_CHECK = "site.check"
    SITE_FEDERATE = "site.federate"
    SITE_KEY_ADD = "site.key-add"
    SITE_KEY_REVOKE = "site.key-revoke"
    SITE_SUMMARIZE = "site.summarize"
    SITE_UPLOAD = "site.upload"
    SITE_UPLOAD_REFUSE = "site.upload-refuse"
    STUDY_OPEN = "study.open"
    TRAINING_ATTEMPT_START = "training.attempt.start"
    TRAINING_ATTEMPT_SUBMIT = "training.attempt.submit"
    TRAINING_CERTIFICATE_IMPORT = "training.certificate.import"
    TRAINING_CERTIFICATE_ISSUE = "training.certificate.issue"
    TRAINING_CERTIFICATE_RECORD = "training.certificate.record"
    TRAINING_CERTIFICATE_REVOKE = "training.certificate.revoke"

    @classmethod
    def of(cls, action: str, /) -> AuditAction:
        """The action named by ``action`` (a member or its string); an unknown one is an :class:`AuditError`.

        >>> AuditAction.of("privacy.scan") is AuditAction.PRIVACY_SCAN
        True
        """
        try:
            return cls(action)
        except ValueError:
            raise AuditError(
                f"audit action {action!r} is not in the vocabulary (transparency.AuditAction)",
                hint="use an AuditAction value; a new kind of operation adds one line to "
                "AuditAction (see CONTRIBUTING.md, audit events)",
            ) from None


@dataclass(frozen=True)
class AuditEvent:
    """What an operation asks the audit log to record: checked on creation, stamped when appended.

    ``action`` is an :class:`AuditAction` (a string of the vocabulary is accepted and converted);
    ``object_type`` and ``object_id`` name what was acted on (an opaque id, never an identifier
    value); ``hashes`` and ``params`` hold content hashes and parameters, never values. ``actor``
    defaults to :func:`~ethicompass.transparency.default_actor` when appended.
    """

    action: AuditAction
    object_type: str
    object_id: str
    actor: str | None = None
    role: str = "user"
    hashes: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", AuditAction.of(self.action))
        object.__setattr__(self, "object_id", str(self.object_id))
        object.__setattr__(self, "role", self.role or "user")
        object.__setattr__(self, "hashes", dict(self.hashes or {}))
        object.__setattr__(self, "params", dict(self.params or {}))
        for name, value, limit in (
            ("object_type", self.object_type, 64),
            ("object_id", self.object_id, 256),
            ("role", self.role, 64),
        ):
            if not isinstance(value, str) or not value or len(value) > limit:
                raise AuditError(
                    f"audit entry field {name!r} must be a non-empty string of at most {limit} characters",
                    hint="name the object by type and an opaque id (never an identifier value)",
                )

    @classmethod
    def from_mapping(cls, item: AuditEvent | Mapping[str, Any], /) -> AuditEvent:
        """An event from the keyword arguments of ``AuditLog.append`` (an unknown key is refused)."""
        from ethicompass.errors import InputError

        if isinstance(item, AuditEvent):
            return item
        unknown = set(item) - _FIELDS
        if unknown:
            raise InputError(f"unknown audit entry field {sorted(unknown)[0]!r}", hint="see AuditLog.append")
        missing = sorted({"action", "object_type", "object_id"} - set(item))
        if missing:
            raise AuditError(f"audit entry field {missing[0]!r} is missing", hint="see AuditLog.append")
        return cls(**{k: v for k, v in item.items() if v is not None or k in ("action", "object_id")})


_FIELDS = frozenset({"action", "object_type", "object_id", "actor", "role", "hashes", "params"})
