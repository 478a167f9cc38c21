"""The plan of a de-identification: which action each column gets under a schema and a policy, and why.

:func:`plan_columns` checks the schema against the table's column names (every column needs a role; a free-text
column needs a policy for it; date shifting needs a participant id) and returns one :class:`ColumnPlan` per column.
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


def plan_columns(names: list[str], schema: TableSchema, policy: Policy) -> list[ColumnPlan]:
    """Decide the action for every column; raise :class:`SchemaError` for a schema that does not fit."""
    missing = [c for c in schema.columns if c not in names]
    if missing:
        raise SchemaError(
            f"the schema names column {missing[0]!r}, which the table lacks"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            hint=f"remove it from the schema, or check the file; the table has: {', '.join(names[:30])}",
        )
    unlisted = [c for c in names if c not in schema.columns]
    if unlisted:
        raise SchemaError(
            f"column {unlisted[0]!r} has no role in the schema"
            + (f" (and {len(unlisted) - 1} more)" if len(unlisted) > 1 else ""),
            hint="give every column a role (run `ethicompass scan` and review it; role: other keeps it)",
        )
    unknown = [c for c in policy.actions if c not in names]
    if unknown:
        raise SchemaError(f"the policy's actions name column {unknown[0]!r}, which the table lacks")
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


def _plan_one(name: str, schema: TableSchema, policy: Policy) -> ColumnPlan:
    spec = schema.columns[name]
    role, phi = spec.role, spec.phi_type
    phi_value = phi.value if phi else None

    def plan(action: Action, reason: str, *, birth: bool = False) -> ColumnPlan:
        return ColumnPlan(name, role.value, phi_value, action, reason, birth)

    if name in policy.actions:
        return plan(policy.actions[name], reason="policy override for this column")
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
