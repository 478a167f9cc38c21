"""Tables of the server's security state that must outlive a process: sign-in lockouts.

A lockout kept in memory is forgiven by a restart and not seen by a second worker, so guessing
could go on at the rate of restarts times workers; kept here, every worker and every restart sees
the same count (``server._lockout.Throttle``).
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from ethicompass.store._metadata import metadata

#: One row per sign-in key under watch: ``code:<lookup>`` (the public first group of an access code)
#: or ``addr:<hash>`` (a truncated SHA-256 of the client address, never the address itself).
#: ``locked_until`` is an ISO 8601 UTC time, or NULL while the key may still fail freely.
security_lockouts = Table(
    "security_lockouts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", String(32), nullable=True),
    Column("last_failure_at", String(32), nullable=False, index=True),
)
