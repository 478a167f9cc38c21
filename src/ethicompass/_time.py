"""The one clock and the one time format of the stored records.

Every stored time is UTC, written by :func:`iso` as a fixed-width string that sorts as text
(``2026-01-02T03:04:05.000000Z``); :func:`now_iso` is that string for the current time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ethicompass.errors import InputError


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(value: datetime, /) -> str:
    """A UTC time as a fixed-width ISO string that sorts as text (``2026-01-02T03:04:05.000000Z``)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def now_iso() -> str:
    """The current UTC time as :func:`iso` writes it."""
    return iso(utc_now())


def to_utc(value: datetime | str, /, *, field_name: str = "time") -> datetime:
    """Parse an ISO 8601 time (or take a datetime) as timezone-aware UTC; naive means UTC."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                parsed = datetime.fromisoformat(text + "T00:00:00")
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(
                f"{field_name} {value!r} is not an ISO 8601 date or time",
                hint="write e.g. 2026-03-01 or 2026-03-01T12:00:00Z",
            ) from exc
        value = parsed
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
