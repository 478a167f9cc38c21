"""The version-neutral consent model: purposes, decisions, actions and one recorded consent."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from ethicompass._text import visible_text
from ethicompass._time import iso, utc_now
from ethicompass.errors import InputError

#: The coded purposes every study knows; studies may add custom codes (lower-case, dashes).
STANDARD_PURPOSES: tuple[str, ...] = (
    "primary-study",
    "secondary-research",
    "ai-model-training",
    "data-sharing-external",
    "recontact",
)

#: Each standard purpose in plain language, as the participant portal shows it.
PURPOSE_TEXT: dict[str, str] = {
    "primary-study": "Use my data for the study I joined.",
    "secondary-research": "Use my data for other, approved health research.",
    "ai-model-training": "Use my data to build and test computer models (AI) that help doctors.",
    "data-sharing-external": "Share my data, without my name, with researchers outside this hospital.",
    "recontact": "Contact me again about new studies or results.",
}

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class Decision(enum.StrEnum):
    """Whether a consent permits or denies the purpose."""

    permit = "permit"
    deny = "deny"


class Action(enum.StrEnum):
    """What the participant did: grant (permit), refuse (deny) or withdraw (deny, after a grant)."""

    grant = "grant"
    refuse = "refuse"
    withdraw = "withdraw"

    @property
    def decision(self) -> Decision:
        """The decision this action records."""
        return Decision.permit if self is Action.grant else Decision.deny


def check_purpose(code: str, /) -> str:
    """Validate a purpose code (standard or custom) and return it."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise InputError(
            f"purpose {code!r} is not a purpose code",
            hint=f"use one of {', '.join(STANDARD_PURPOSES)} or a custom code of lower-case letters, digits "
            "and dashes",
        )
    return code


_MAX_ID = 128


def normalise_participant(participant: object, /, *, where: str = "participant id") -> str:
    """The canonical form of a participant id: Unicode NFC, refused if it could look like another id.

    An id is refused (``InputError`` naming ``where`` and the offending character's position and
    code point) when it is empty, longer than 128 characters, or holds a control, format (zero-width,
    bidi), space, surrogate, private-use or unassigned character (see :func:`visible_text`). Case is
    kept: ``p0000003`` and ``P0000003`` are different ids, and only a registered one is accepted by
    the registry.
    """
    return visible_text(participant, where=where, limit=_MAX_ID)


@dataclass(frozen=True)
class Period:
    """When a consent applies (either end open)."""

    start: datetime | None = None
    end: datetime | None = None

    def contains(self, at: datetime, /) -> bool:
        """Whether ``at`` lies inside the period."""
        return (self.start is None or self.start <= at) and (self.end is None or at <= self.end)


@dataclass(frozen=True)
class ConsentRecord:
    """One version of one participant's consent for one purpose (never changed once stored).

    ``recorded_at`` is when the participant gave it (it takes effect then); ``entered_at`` is
    when the registry stored it; ``recorded_by`` who stored it; ``source`` how it arrived
    (``cli``, ``api``, ``portal``, ``csv``, ``fhir-r4``, ``fhir-r5``).
    """

    participant: str
    purpose: str
    action: Action
    recorded_at: datetime
    version: int = 0
    period: Period = field(default_factory=Period)
    data_classes: tuple[str, ...] = ()
    actor: str | None = None
    document: str | None = None
    document_version: str | None = None
    recorded_by: str = "unknown"
    source: str = "api"
    entered_at: datetime | None = None
    id: int | None = None

    @property
    def decision(self) -> Decision:
        """``permit`` for a grant, ``deny`` for a refusal or withdrawal."""
        return self.action.decision

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        data = asdict(self)
        data["action"] = self.action.value
        data["decision"] = self.decision.value
        data["recorded_at"] = iso(self.recorded_at)
        data["entered_at"] = iso(self.entered_at) if self.entered_at else None
        data["period"] = {
            "start": iso(self.period.start) if self.period.start else None,
            "end": iso(self.period.end) if self.period.end else None,
        }
        data["data_classes"] = list(self.data_classes)
        return data


@dataclass(frozen=True)
class ConsentStatus:
    """A participant's consent for one purpose at one time: the latest version then in force.

    ``reason`` explains a ``deny``: ``refused``, ``withdrawn``, ``expired``, ``not-yet-valid``
    or ``no-consent-record`` (``granted`` for a permit). ``version`` and ``since`` are None when
    nothing was ever recorded.
    """

    participant: str
    purpose: str
    decision: Decision
    since: datetime | None
    version: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"participant", "purpose", "decision", "since", "version", "reason"}``."""
        return {
            "participant": self.participant,
            "purpose": self.purpose,
            "decision": self.decision.value,
            "since": iso(self.since) if self.since else None,
            "version": self.version,
            "reason": self.reason,
        }

    def to_frame(self) -> pl.DataFrame:
        """The status as a one-row Polars frame."""
        return pl.DataFrame([self.to_dict()])


def reason_for(record: ConsentRecord | None, at: datetime, /) -> tuple[Decision, str]:
    """The decision and reason a record gives at ``at`` (its period included)."""
    if record is None:
        return Decision.deny, "no-consent-record"
    if record.action is Action.refuse:
        return Decision.deny, "refused"
    if record.action is Action.withdraw:
        return Decision.deny, "withdrawn"
    if record.period.start is not None and at < record.period.start:
        return Decision.deny, "not-yet-valid"
    if record.period.end is not None and at > record.period.end:
        return Decision.deny, "expired"
    return Decision.permit, "granted"


#: How far in the future an effective time may lie (clock skew between systems): a later one
#: would make the event outrank every decision taken until then.
FUTURE_SKEW = timedelta(minutes=5)


def check_effective(record: ConsentRecord, /, *, where: str = "recorded_at") -> None:
    """Refuse an effective time in the future (beyond :data:`FUTURE_SKEW`)."""
    if record.recorded_at > utc_now() + FUTURE_SKEW:
        raise InputError(
            f"{where} {iso(record.recorded_at)} is in the future",
            hint="a consent event takes effect when the person decided; give that time (or leave it out "
            "for now)",
        )
