"""Adverse events and person-time in a site file: what the federated review's safety monitoring needs.

When the policy names the protocol's interim looks (``safety.monitor_looks``) and the manifest names the
adverse events, a site publishes :class:`ethicompass.safety.SafetyCounts` at those looks: events by
category x arm x look interval (the last interval is after the last look), participants with an event by
category x arm, days at risk and participants enrolled by arm x look, and participants by arm. The
coordinator adds the sites' counts and runs :func:`ethicompass.safety.monitor_from_counts`, the function
``safety.monitor`` itself runs on the pooled rows' counts, so the federated result is the pooled one.

Disclosure control (the policy's ``sites.min_cell_size``, ``m``): every published count is 0 or at least
``m``, and so is every difference of two published counts that counts a subset of the other (the
participants newly enrolled between two looks, or after the last; an arm's repeat events, events minus
participants with an event). A category with a count that breaks the rule is withheld whole (its name too),
recorded as a number of categories and an interval of events (rounded out to multiples of ``m``); a
participant count that breaks it withholds the whole section, since person-time is then a sum over fewer
than ``m`` people. Person-time is a sum, not a count: with the enrolment counts it gives, for each look
interval, the mean enrolment day of the participants enrolled in it, a group of at least ``m`` people. No
single date leaves the site. The federated review judges nothing from a file that withheld anything
(``not_assessed``): monitoring without the withheld events would understate harm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_safety", "merged_safety", "safety_section"]


def _small(n: Any, m: int) -> bool:
    return bool(0 < n < m)


def _bounds(total: int, m: int) -> list[int]:
    """``total`` rounded out to multiples of ``m`` (the recorded interval, never the value)."""
    if total == 0:
        return [0, 0]
    lo = (total // m) * m
    return [lo, lo + m] if lo != total else [max(0, total - m), total + m]


def safety_section(study: Any, policy: Any, /) -> dict[str, Any] | None:
    """The ``safety`` field of a site body, or None when the policy plans no looks or the study has no events."""
    from ethicompass.frames import load_table
    from ethicompass.review import monitoring_inputs
    from ethicompass.safety import safety_counts

    looks = policy.safety.monitor_looks
    if looks is None or study.adverse_events is None:
        return None
    events, participants = monitoring_inputs(study)
    counts = safety_counts(
        load_table(study.dataset_path(events)), load_table(study.dataset_path(participants)), looks=looks
    )
    m = int(policy.sites.min_cell_size)
    head: dict[str, Any] = {"looks": list(counts.looks)}
    newly = np.diff(counts.at_risk, axis=1, prepend=0)
    after = counts.participants - (counts.at_risk[:, -1] if counts.at_risk.size else 0)
    if any(_small(n, m) for n in [*counts.participants, *counts.at_risk.ravel(), *newly.ravel(), *after]):
        return head | {
            "withheld_all": "fewer participants than the minimum cell size in an arm or between two looks"
        }
    keep, hidden = [], 0
    for ci in range(len(counts.categories)):
        ev, we = counts.events[ci], counts.with_event[ci]
        repeats = ev.sum(axis=1) - we
        if any(_small(n, m) for n in [*ev.ravel(), *we, *repeats]):
            hidden += int(ev.sum())
        else:
            keep.append(ci)
    withheld = len(counts.categories) - len(keep)
    return head | {
        "arms": list(counts.arms),
        "categories": [counts.categories[i] for i in keep],
        "participants": counts.participants.tolist(),
        "at_risk": counts.at_risk.tolist(),
        "person_days": counts.person_days.tolist(),
        "events": counts.events[keep].tolist(),
        "with_event": counts.with_event[keep].tolist(),
        "withheld": {"categories": withheld, "events": _bounds(hidden, m) if withheld else [0, 0]},
    }


def _ints(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if 0 in shape:  # no category published: an empty list
        return np.zeros(shape, dtype=np.int64) if value == [] else None
    try:
        arr = np.asarray(value, dtype=object)
    except (ValueError, TypeError):
        return None
    if arr.shape != shape or not all(type(v) is int for v in arr.ravel()):
        return None
    return arr.astype(np.int64)


def _parse(section: dict[str, Any]) -> tuple[Any, str | None]:
    """The section's :class:`SafetyCounts`, or why it is malformed."""
    from ethicompass.safety import SafetyCounts

    looks, arms, cats = section.get("looks"), section.get("arms"), section.get("categories")
    if not (isinstance(looks, list) and isinstance(arms, list) and isinstance(cats, list)):
        return None, "safety counts lack their looks, arms or categories"
    L, A, C = len(looks), len(arms), len(cats)
    parts = {
        "events": _ints(section.get("events"), (C, A, L + 1)),
        "with_event": _ints(section.get("with_event"), (C, A)),
        "person_days": _ints(section.get("person_days"), (A, L)),
        "at_risk": _ints(section.get("at_risk"), (A, L)),
        "participants": _ints(section.get("participants"), (A,)),
    }
    arrays = {k: v for k, v in parts.items() if v is not None}
    bad = [k for k in parts if k not in arrays]
    if bad:
        return None, f"safety counts {', '.join(bad)} are not whole numbers of the right shape"
    counts = SafetyCounts(
        tuple(map(str, cats)),
        tuple(map(str, arms)),
        tuple(map(str, looks)),
        arrays["events"],
        arrays["with_event"],
        arrays["person_days"],
        arrays["at_risk"],
        arrays["participants"],
    )
    return counts, None


def check_safety(section: Any, min_cell_size: int, texts: set[str], /) -> list[str]:
    """Problems of a body's ``safety`` field under the minimum cell size (adds its names to ``texts``)."""
    if section is None:
        return []
    if not isinstance(section, dict):
        return ["safety counts are not an object"]
    if "withheld_all" in section:
        extra = set(section) - {"looks", "withheld_all"}
        return [f"withheld safety counts hold other fields ({', '.join(sorted(extra))})"] if extra else []
    counts, why = _parse(section)
    if why is not None:
        return [why]
    texts |= {*counts.categories, *counts.arms}
    m = min_cell_size
    problems = []
    newly = np.diff(counts.at_risk, axis=1, prepend=0)
    after = counts.participants - counts.at_risk[:, -1] if counts.at_risk.size else counts.participants
    people = [*counts.participants, *counts.at_risk.ravel(), *newly.ravel(), *after]
    if any(n < 0 for n in people) or any(_small(n, m) for n in people):
        problems.append(f"safety counts: a count of participants (or its difference between looks) under {m}")
    repeats = counts.events.sum(axis=2) - counts.with_event
    if (repeats < 0).any() or (counts.person_days < 0).any() or (counts.events < 0).any():
        problems.append("safety counts: a negative count")
    for ci in range(len(counts.categories)):
        if any(_small(n, m) for n in [*counts.events[ci].ravel(), *counts.with_event[ci], *repeats[ci]]):
            problems.append(f"safety counts: category {ci + 1} holds a count of events under {m}")
    return problems


def merged_safety(files: Any, policy: Any, study: Any, /) -> dict[str, Any] | None:
    """What the review's adverse-event check reads in a multi-site review (``ctx.results["safety_monitoring"]``):
    ``{"counts": the sites' summed SafetyCounts}``, or ``{"why": ..., "action": ...}`` when it cannot be
    judged; None when the policy plans no looks or the study has no adverse events (no check, as pooled)."""
    if policy.safety.monitor_looks is None or study.adverse_events is None:
        return None
    action = (
        "have the sites summarise again under the policy's looks; where counts are withheld, pool small sites, "
        "plan fewer looks, or (under a data agreement) lower sites.min_cell_size"
    )
    total = None
    for f in files:
        section = f.body.get("safety")
        if section is None:
            return {"why": f"site {f.site!r}'s file holds no adverse-event counts", "action": action}
        if section.get("looks") != list(policy.safety.monitor_looks):
            return {
                "why": f"site {f.site!r} counted adverse events at other looks than the policy's",
                "action": action,
            }
        if "withheld_all" in section:
            return {
                "why": f"site {f.site!r} withheld its adverse-event counts ({section['withheld_all']})",
                "action": action,
            }
        withheld = section["withheld"]
        if withheld["categories"]:
            lo, hi = withheld["events"]
            return {
                "why": f"site {f.site!r} withheld {withheld['categories']} adverse-event categories (between {lo} "
                f"and {hi} events) under the minimum cell size; monitoring without them would understate harm",
                "action": action,
            }
        counts, why = _parse(section)
        if why is not None:
            return {"why": f"site {f.site!r}: {why}", "action": action}
        total = counts if total is None else total + counts
    return {"counts": total}
