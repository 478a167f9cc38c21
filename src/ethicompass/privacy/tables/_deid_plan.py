"""The plan of a de-identification: which action each column gets under a schema and a policy, and why.

:func:`plan_columns` checks the schema against the table's column names (every column needs a role and the schema
names no other; a ``review`` column needs a person's decision; a free-text column needs a policy for it; date
shifting needs a participant id) and returns one :class:`ColumnPlan` per column, with who decided it.
The plan holds no values: it is what the certificate reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ethicompass.errors import SchemaError
from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
from ethicompass.study import PhiType, Role

__all__ = ["Action", "ColumnPlan", "plan_columns"]

_BIRTH = re.compile(r"birth|dob|born", re.IGNORECASE)

Action = Literal["keep", "drop", "pseudonymise", "zip3", "year", "shift", "age_cap", "free_text"]


@dataclass(frozen=True)
class ColumnPlan:
    """What happens to one column, and why (no values)."""

    column: str
    role: str
    phi_type: str | None
    action: Action
    reason: str
    birth: bool = False
    decided_by: str = "author"  # "scan" (its proposal stands), "author" (of the schema), or "policy"


def plan_columns(names: list[str], schema: TableSchema, policy: Policy) -> list[ColumnPlan]:
    """Decide the action for every column; raise :class:`SchemaError` for a schema that does not fit."""
    _check_fit(names, schema)
    unknown = [c for c in policy.actions if c not in names]
    if unknown:
        raise SchemaError(f"the policy's actions name column {unknown[0]!r}, which the table lacks")
    undecided = [
        c
        for c in names
        if schema.columns[c].role == Role.REVIEW
        and schema.columns[c].action is None
        and c not in policy.actions
    ]
    if undecided:
        raise SchemaError(
            f"the schema still marks {len(undecided)} column(s) for review: {_names(undecided)}; "
            "scan could not explain them, and nothing passes unreviewed",
            hint="for each, either set its role (e.g. {role: direct_identifier, phi_type: NAME}, or "
            "{role: other} once you know it identifies no one), or decide it explicitly with "
            "action: keep or action: drop on its line",
        )
    free = [c for c in names if schema.columns[c].role == Role.FREE_TEXT and c not in policy.actions]
    if free and policy.free_text == "refuse":
        raise SchemaError(
            f"free-text column {free[0]!r} may hold identifiers and cannot be de-identified as a table column",
            hint="set the policy's free_text to 'drop' (or 'redact' with the text redactor), "
            "or give the column another role after checking it holds no identifiers",
        )
    plans = [_plan_one(c, schema, policy) for c in names]
    if any(p.action == "shift" for p in plans) and not schema.columns_with(Role.PARTICIPANT_ID):
        raise SchemaError(
            "date shifting needs a participant_id column to key the offsets",
            hint="mark the participant column with role: participant_id, or use dates: year",
        )
    return plans


def _check_fit(names: list[str], schema: TableSchema) -> None:
    """Refuse a schema that names columns the table lacks or leaves columns out, naming both sides."""
    missing = [c for c in schema.columns if c not in names]
    unlisted = [c for c in names if c not in schema.columns]
    if not missing and not unlisted:
        return
    parts = []
    if missing:
        parts.append(f"the schema names {len(missing)} column(s) the table lacks: {_names(missing)}")
    if unlisted:
        parts.append(f"the table has {len(unlisted)} column(s) the schema leaves out: {_names(unlisted)}")
    raise SchemaError(
        "; ".join(parts),
        hint="give every column of the table a role and no other (run `ethicompass scan` on this file and "
        f"review it; role: other keeps a column); the table has: {', '.join(names[:30])}",
    )


def _names(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:20])
    return shown + (f" and {len(columns) - 20} more" if len(columns) > 20 else "")


def _plan_one(name: str, schema: TableSchema, policy: Policy) -> ColumnPlan:
    spec = schema.columns[name]
    role, phi = spec.role, spec.phi_type
    phi_value = phi.value if phi else None
    by = "policy" if name in policy.actions else spec.decided_by

    def plan(action: Action, reason: str, *, birth: bool = False) -> ColumnPlan:
        return ColumnPlan(name, role.value, phi_value, action, reason, birth, by)

    if name in policy.actions:
        return plan(policy.actions[name], reason="policy override for this column")
    if spec.action is not None:
        return plan(spec.action, reason=f"the schema's author decided: {spec.action}")
    if role == Role.PARTICIPANT_ID:
        return plan("pseudonymise", reason="participant id: keyed pseudonym keeps joins")
    if role == Role.FREE_TEXT:
        if policy.free_text == "drop":
            return plan("drop", reason="free text may hold identifiers; policy drops it")
        return plan("free_text", reason="free text redacted by the text redactor")
    if phi == PhiType.ZIP:
        return plan("zip3", reason="Safe Harbor (B): ZIP to 3 digits, 000 if <= 20,000 people")
    if phi == PhiType.AGE:
        return plan("age_cap", reason=f"Safe Harbor (C): ages over {policy.age_cap} to 90+")
    if role == Role.DATE or phi == PhiType.DATE:
        birth = bool(_BIRTH.search(name))
        if policy.dates == "shift":
            return plan("shift", birth=birth, reason="dates shifted by the participant's keyed offset")
        return plan("year", birth=birth, reason="Safe Harbor (C): dates to the year")
    if role == Role.DIRECT_IDENTIFIER or (phi is not None and phi not in (PhiType.AGE, PhiType.DATE)):
        if phi is not None and phi.value in policy.pseudonymise_types:
            return plan("pseudonymise", reason=f"policy: {phi.value} replaced by a keyed pseudonym")
        label = phi.value if phi else "direct identifier"
        return plan("drop", reason=f"Safe Harbor (A): {label} removed")
    return plan("keep", reason="not an identifier under the schema")
