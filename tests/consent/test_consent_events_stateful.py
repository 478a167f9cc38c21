"""A Hypothesis state machine over the consent event rules.

Any interleaving of imports (old and new files, duplicates, CSV and FHIR), grants, refusals and
withdrawals through the paths the CLI, API and portal use (backdated or stamped now), and
re-imports leaves, for every participant and purpose, exactly the decision with the latest
effective time (a deny winning a tie): a withdrawal is never undone except by a later grant.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from ethicompass._time import iso
from ethicompass.consent import (
    Action,
    ConsentRecord,
    FhirVersion,
    Registry,
    read_consents_csv,
    read_fhir_file,
    write_fhir_file,
)
from ethicompass.store import Store

PARTICIPANTS = ("P1", "P2")
PURPOSES = ("recontact", "ai-model-training")
T0 = datetime(2022, 1, 1, tzinfo=UTC)
actions = st.sampled_from(list(Action))
days = st.integers(min_value=0, max_value=6)
events = st.lists(
    st.tuples(st.sampled_from(PARTICIPANTS), st.sampled_from(PURPOSES), actions, days), min_size=1, max_size=5
)


@dataclass(frozen=True)
class Event:
    time: str
    decision: str
    source: str
    order: int


class ConsentEvents(RuleBasedStateMachine):
    files = Bundle("files")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ec-stateful-"))
        self.store = Store(f"sqlite:///{self.dir / 'state.db'}").open()
        self.registry = Registry(self.store, actor="stateful")
        self.registry.register_participants(PARTICIPANTS, source="tests")
        self.model: dict[tuple[str, str], list[Event]] = {}
        self.count = 0

    def _apply(self, participant: str, purpose: str, decision: str, when: datetime, source: str) -> None:
        key = (participant, purpose)
        stored = self.model.setdefault(key, [])
        if any(e.time == iso(when) and e.decision == decision and e.source == source for e in stored):
            return  # a duplicate is a no-op
        self.count += 1
        stored.append(Event(iso(when), decision, source, self.count))

    @rule(
        participant=st.sampled_from(PARTICIPANTS),
        purpose=st.sampled_from(PURPOSES),
        action=actions,
        path=st.sampled_from(["cli", "api", "portal"]),
        day=st.one_of(st.none(), days),
    )
    def change(self, participant: str, purpose: str, action: Action, path: str, day: int | None) -> None:
        change = {Action.grant: self.registry.grant, Action.refuse: self.registry.refuse}.get(
            action, self.registry.withdraw
        )
        at = None if day is None else T0 + timedelta(days=day)
        record = change(participant, purpose, recorded_at=at, source=path)
        self._apply(participant, purpose, action.decision.value, record.recorded_at, path)

    @rule(target=files, chosen=events, kind=st.sampled_from(["csv", "fhir"]))
    def write_file(self, chosen: list[tuple[str, str, Action, int]], kind: str) -> tuple[Path, str]:
        path = self.dir / f"file-{len(list(self.dir.iterdir()))}.{'csv' if kind == 'csv' else 'json'}"
        records = [ConsentRecord(p, q, a, T0 + timedelta(days=d)) for p, q, a, d in chosen]
        if kind == "csv":
            lines = ["participant_id,purpose,action,recorded_at"]
            lines += [f"{r.participant},{r.purpose},{r.action.value},{iso(r.recorded_at)}" for r in records]
            path.write_text("\n".join(lines) + "\n")
        else:
            write_fhir_file(records, path, fhir_version=FhirVersion.r4)
        return path, kind

    @rule(file=files)
    def import_file(self, file: tuple[Path, str]) -> None:
        path, kind = file
        records = read_consents_csv(path) if kind == "csv" else read_fhir_file(path)
        self.registry.import_records(records, source=kind)
        for r in sorted(records, key=lambda r: (r.participant, r.purpose, r.recorded_at)):
            self._apply(r.participant, r.purpose, r.decision.value, r.recorded_at, r.source)

    @invariant()
    def latest_effective_decision_is_in_force(self) -> None:
        for participant in PARTICIPANTS:
            for purpose in PURPOSES:
                stored = self.model.get((participant, purpose), [])
                status = self.registry.status(participant, purpose)
                if not stored:
                    assert status.reason == "no-consent-record"
                    continue
                latest = max(stored, key=lambda e: (e.time, e.decision == "deny", e.order))
                assert status.decision.value == latest.decision, (participant, purpose, stored, status)
                assert iso(status.since) == latest.time  # type: ignore[arg-type]

    def teardown(self) -> None:
        self.store.dispose()


TestConsentEvents = ConsentEvents.TestCase
TestConsentEvents.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
