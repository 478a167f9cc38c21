"""The ``sql`` seam (``store.FastQuery``): every hot-path statement gives the same row run on the
driver's cursor as through SQLAlchemy, on SQLite and PostgreSQL, and the registry stores the same
versions either way."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass import _fastpath
from ethicompass.consent import Registry
from ethicompass.consent._rows import DUPLICATE, KNOWN, LAST_VERSION, MEMBER, STATUS
from ethicompass.errors import DatabaseError
from ethicompass.server._sessions import _READ
from ethicompass.server.routers.consent import _ANY_DECISION
from ethicompass.store import FastQuery, Store
from ethicompass.store._consent_tables import consent_artefact_members, consent_withdrawal_decisions

PEOPLE = ("P1", "P2", "P3", "P4")
PURPOSES = ("research", "ai-training")
START = datetime(2024, 1, 1, tzinfo=UTC)


def _both(query: FastQuery, store: Store, **values: Any) -> tuple[Any, ...] | None:
    fast = query.one(store, **values)
    with _fastpath.plain("sql"):
        plain = query.one(store, **values)
    assert fast == plain, (query, values)
    with store.begin() as conn:
        inside = query.one_in(conn, **values)
        with _fastpath.plain("sql"):
            assert query.one_in(conn, **values) == inside
    assert inside == fast
    return fast


def _fill(store: Store) -> None:
    registry = Registry(store, actor="tests")
    registry.register_participants(PEOPLE[:3], source="tests")
    rng = random.Random(7)
    for i in range(40):
        person, purpose = rng.choice(PEOPLE[:3]), rng.choice(PURPOSES)
        verb = rng.choice([registry.grant, registry.grant, registry.refuse, registry.withdraw])
        when = START + timedelta(days=rng.randrange(60), hours=rng.randrange(3))
        with _fastpath.plain("sql") if i % 2 else contextlib.nullcontext():
            verb(person, purpose, recorded_at=when)
    with store.begin() as conn:
        conn.execute(
            sa.insert(consent_artefact_members),
            [{"artefact_id": "m1", "participant": "P2", "purpose": "research"}],
        )
        conn.execute(
            sa.insert(consent_withdrawal_decisions),
            [{"consent_record_id": 3, "artefact_id": "m1", "opened_at": "2024-02-01T00:00:00.000000Z"}],
        )


@pytest.fixture
def filled(store: Store) -> Store:
    _fill(store)
    return store


def _iso(days: int) -> str:
    return (START + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    person=st.sampled_from(PEOPLE),
    purpose=st.sampled_from((*PURPOSES, "other")),
    at=st.integers(-5, 70),
    known=st.one_of(st.none(), st.integers(-5, 70)),
)
def test_every_fast_statement_gives_the_plain_row(
    filled: Store, person: str, purpose: str, at: int, known: int | None
) -> None:
    pair = {"participant": person, "purpose": purpose}
    _both(KNOWN, filled, participant=person)
    _both(MEMBER, filled, **pair)
    _both(LAST_VERSION, filled, **pair)
    _both(DUPLICATE, filled, **pair, decision="permit", recorded_at=_iso(at), source="api")
    if known is None:
        _both(STATUS[False], filled, **pair, at=_iso(at))
    else:
        _both(STATUS[True], filled, **pair, at=_iso(at), known_at="9999-12-31T00:00:00.000000Z")
    _both(_ANY_DECISION, filled, record=at)
    _both(_READ, filled, sid=f"s{at}")


def test_the_registry_stores_the_same_either_way(filled: Store) -> None:
    registry = Registry(filled, actor="tests")
    fast = [registry.status(p, u, at=_iso(d)) for p in PEOPLE[:3] for u in PURPOSES for d in (0, 30, 70)]
    with _fastpath.plain("sql"):
        plain = [registry.status(p, u, at=_iso(d)) for p in PEOPLE[:3] for u in PURPOSES for d in (0, 30, 70)]
    assert [s.to_dict() for s in fast] == [s.to_dict() for s in plain]
    rows = registry.history("P1")
    assert {r.version for r in rows if r.purpose == "research"} == set(
        range(1, 1 + sum(r.purpose == "research" for r in rows))
    )  # writes on both paths count versions on without a gap


def test_types_that_convert_values_are_refused() -> None:
    stamp = sa.table("t", sa.column("at", sa.DateTime()))
    query = FastQuery(sa.select(stamp.c.at), name="times")
    with Store("sqlite://").open() as store, pytest.raises(TypeError, match="converts values"):
        query.one(store)


def test_a_failed_read_is_a_database_error_on_both_paths() -> None:
    missing = FastQuery(sa.select(sa.table("nowhere", sa.column("x", sa.Integer)).c.x), name="missing table")
    with Store("sqlite://").open() as store:
        with pytest.raises(DatabaseError, match="reading the state database failed"):
            missing.one(store)
        with _fastpath.plain("sql"), pytest.raises(DatabaseError, match="reading the state database failed"):
            missing.one(store)
