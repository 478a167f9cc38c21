"""argon2 hashing of secrets (token secrets, access codes, staff passwords) under one process-wide gate.

Only hashes are stored. An unknown id is checked against :data:`_DUMMY_HASH`, so a refusal takes as
long as a wrong secret for a live id (no timing oracle telling which ids exist).
"""

from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ethicompass.errors import ServiceBusyError

_HASHER = PasswordHasher()
#: A hash of a random secret, verified against when the id is unknown, used or expired, so the answer
#: takes as long as for a live id (no timing oracle telling which ids exist).
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str, /) -> str:
    """The argon2 hash stored for ``secret`` (a token secret, access code or password)."""
    return _HASHER.hash(secret)


class Argon2Gate:
    """At most ``slots`` argon2 verifications at once (each is tens of milliseconds of CPU): a flood of
    wrong guesses queues here instead of taking every core from other requests. A caller that waits
    longer than ``wait_seconds`` is refused (503) rather than left hanging."""

    def __init__(self, slots: int = 2, *, wait_seconds: float = 10.0) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._sem = threading.BoundedSemaphore(slots)

    def verify(self, hashed: str, secret: str) -> bool:
        """Whether ``secret`` matches ``hashed`` (argon2), under the gate."""
        if not self._sem.acquire(timeout=self.wait_seconds):
            raise ServiceBusyError(
                "the server is busy checking other sign-ins", hint="try again in a few seconds"
            )
        try:
            return bool(_HASHER.verify(hashed, secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        finally:
            self._sem.release()


#: The process-wide gate (``create_app`` sizes it from ``ServerSettings.argon2_concurrency``).
ARGON2_GATE = Argon2Gate()


def set_argon2_concurrency(slots: int, /) -> None:
    """Resize the process-wide argon2 gate (called by ``create_app``)."""
    global ARGON2_GATE
    if slots != ARGON2_GATE.slots:
        ARGON2_GATE = Argon2Gate(slots, wait_seconds=ARGON2_GATE.wait_seconds)


def verify_secret(hashed: str | None, secret: str, /) -> bool:
    """Whether ``secret`` matches ``hashed`` under the process-wide gate; with ``hashed`` None (an
    unknown, used or expired id) the same check runs against a dummy hash and the answer is False."""
    matches = ARGON2_GATE.verify(hashed if hashed is not None else _DUMMY_HASH, secret)
    return hashed is not None and matches
