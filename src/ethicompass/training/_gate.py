"""The gate: staff who touch identifiable data need current certificates; gaps, matrix and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa

from ethicompass.errors import ForbiddenError
from ethicompass.store import Store
from ethicompass.store._server_tables import server_users
from ethicompass.training._courses import course_ids, get_course
from ethicompass.training._records import Certificate, _user_name, as_date, certificates

#: Roles that touch identifiable data and therefore need current certificates.
GATED_ROLES = ("data_manager", "investigator")

State = Literal["current", "expired", "missing"]


def _required(required: Sequence[str] | None) -> list[str]:
    ids = list(required) if required is not None else course_ids()
    for c in ids:
        get_course(c)
    return ids


@dataclass(frozen=True)
class CourseState:
    """One user's standing on one course on a given day."""

    user: str
    course_id: str
    state: State
    issued_on: date | None = None
    expires_on: date | None = None
    since: date | None = None

    def describe(self) -> str:
        """Plain language, e.g. ``ann: bias-fairness expired on 2026-01-31``."""
        title = get_course(self.course_id).title
        if self.state == "current":
            return f"{self.user}: {self.course_id} ({title}) current until {self.expires_on}"
        if self.state == "expired":
            return f"{self.user}: {self.course_id} ({title}) expired on {self.expires_on}"
        since = f" (required since {self.since})" if self.since else ""
        return f"{self.user}: {self.course_id} ({title}) never completed{since}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "user": self.user,
            "course_id": self.course_id,
            "state": self.state,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "since": self.since.isoformat() if self.since else None,
        }


def _best(certs: list[Certificate], on: date) -> Certificate | None:
    valid = [c for c in certs if c.issued_on <= on]
    return max(valid, key=lambda c: (c.expires_on, c.id)) if valid else None


def course_states(
    store: Store,
    user: Any,
    /,
    *,
    required: Sequence[str] | None = None,
    at: date | datetime | str | None = None,
    registered: date | None = None,
) -> list[CourseState]:
    """The user's state (current, expired, missing) on each required course on ``at`` (default today)."""
    name = _user_name(user)
    on = as_date(at)
    mine = certificates(store, user=name)
    out = []
    for cid in _required(required):
        best = _best([c for c in mine if c.course_id == cid], on)
        if best is None:
            out.append(CourseState(name, cid, "missing", since=registered))
        elif best.expires_on < on:
            out.append(CourseState(name, cid, "expired", best.issued_on, best.expires_on, best.expires_on))
        else:
            out.append(CourseState(name, cid, "current", best.issued_on, best.expires_on))
    return out


def _registered(store: Store, name: str) -> date | None:
    with store.connect() as conn:
        row = conn.execute(sa.select(server_users.c.created_at).where(server_users.c.name == name)).first()
    return as_date(row.created_at) if row is not None else None


def check_access(
    store: Store,
    user: Any,
    /,
    *,
    role: str,
    required: Sequence[str] | None = None,
    at: date | datetime | str | None = None,
) -> None:
    """Refuse (:class:`ForbiddenError`) a user in a gated role without current required certificates.

    The message names each missing or expired course and since when. Roles outside
    :data:`GATED_ROLES` pass without a check. ``required`` defaults to every course.
    """
    if role not in GATED_ROLES:
        return
    name = _user_name(user)
    states = course_states(store, name, required=required, at=at, registered=_registered(store, name))
    bad = [s for s in states if s.state != "current"]
    if bad:
        groups: dict[tuple[str, date | None], list[str]] = {}
        for s in bad:
            groups.setdefault((s.state, s.since), []).append(
                f"{s.course_id} ({get_course(s.course_id).title})"
            )
        parts = []
        for (state, since), names in groups.items():
            if state == "expired":
                parts.append(f"{', '.join(names)} expired on {since}")
            else:
                parts.append(
                    f"{', '.join(names)} never completed" + (f" (required since {since})" if since else "")
                )
        raise ForbiddenError(
            f"training required for the {role} role is not current: " + "; ".join(parts),
            hint="complete or renew the course(s) (web: /training; CLI: ethicompass training status --user "
            + name
            + ")",
        )


@dataclass(frozen=True)
class StaffGaps:
    """Staff in the given roles and every missing or expired certificate among them."""

    staff: int
    problems: tuple[CourseState, ...]
    roles: tuple[str, ...]
    required: tuple[str, ...]
    at: date

    @property
    def ok(self) -> bool:
        """True when every staff member is current on every required course."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "staff": self.staff,
            "roles": list(self.roles),
            "required": list(self.required),
            "at": self.at.isoformat(),
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per problem: user, course_id, state, expires_on, since."""
        rows = [p.to_dict() for p in self.problems]
        schema = {k: pl.String for k in ("user", "course_id", "state", "issued_on", "expires_on", "since")}
        return pl.DataFrame(rows, schema=schema)


def staff(store: Store, /, *, roles: Sequence[str] = GATED_ROLES) -> list[tuple[str, str, date | None]]:
    """Registered users in ``roles``: (name, role, registered on), by name."""
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(server_users.c.name, server_users.c.role, server_users.c.created_at)
            .where(server_users.c.role.in_(list(roles)))
            .order_by(server_users.c.name)
        ).all()
    return [(r.name, r.role, as_date(r.created_at)) for r in rows]


def staff_gaps(
    store: Store,
    /,
    *,
    roles: Sequence[str] = GATED_ROLES,
    required: Sequence[str] | None = None,
    at: date | datetime | str | None = None,
) -> StaffGaps:
    """Every registered user in ``roles`` checked against the required courses on ``at``."""
    req = _required(required)
    on = as_date(at)
    people = staff(store, roles=roles)
    problems = [
        s
        for name, _, registered in people
        for s in course_states(store, name, required=req, at=on, registered=registered)
        if s.state != "current"
    ]
    return StaffGaps(len(people), tuple(problems), tuple(roles), tuple(req), on)


def training_matrix(
    store: Store,
    /,
    *,
    roles: Sequence[str] = ("investigator", "data_manager", "reviewer", "admin"),
    required: Sequence[str] | None = None,
    at: date | datetime | str | None = None,
) -> list[tuple[str, str, list[CourseState]]]:
    """Staff x courses: (user, role, one :class:`CourseState` per course) for each staff member."""
    req = _required(required)
    return [
        (name, role, course_states(store, name, required=req, at=at, registered=registered))
        for name, role, registered in staff(store, roles=roles)
    ]


def expiring(
    store: Store,
    /,
    *,
    within_days: int = 60,
    at: date | datetime | str | None = None,
    required: Sequence[str] | None = None,
) -> list[CourseState]:
    """Current certificates that expire within ``within_days`` of ``at``, soonest first (latest per course)."""
    on = as_date(at)
    req = set(_required(required))
    latest: dict[tuple[str, str], Certificate] = {}
    for c in certificates(store):
        if c.course_id in req and c.issued_on <= on:
            key = (c.user, c.course_id)
            if key not in latest or c.expires_on > latest[key].expires_on:
                latest[key] = c
    out = [
        CourseState(c.user, c.course_id, "current", c.issued_on, c.expires_on)
        for c in latest.values()
        if on <= c.expires_on and (c.expires_on - on).days <= within_days
    ]
    return sorted(out, key=lambda s: (s.expires_on or on, s.user, s.course_id))
