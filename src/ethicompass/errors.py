"""One exception tree for ethicompass; every error says what to do next.

::

    EthicompassError                 (status 500, exit 2)
    ├── InputError                   (status 422, exit 2)  bad data or arguments from the user
    │   ├── DataFileError            a file is missing, unreadable, ragged or badly encoded
    │   ├── ColumnError              a column is missing or of the wrong type
    │   ├── ManifestError            a study manifest or policy file is invalid
    │   ├── SchemaError              a column-role schema is invalid
    │   ├── UnknownParticipantError  an id that is no participant the consent registry knows
    │   └── PayloadTooLargeError     (status 413)  a request body over the server's limit
    ├── ConfigurationError           (status 500, exit 2)  a key, URL or setting is missing or wrong
    │   └── DatabaseError            the state database cannot be reached or migrated
    ├── AuditError                   (status 500, exit 2)  an audit entry could not be written
    ├── AuthError                    (status 401, exit 2)  missing or invalid credentials
    │   ├── ForbiddenError           (status 403)  authenticated but not allowed
    │   └── TooManyAttemptsError     (status 429)  locked out after repeated wrong guesses
    ├── NotFoundError                (status 404, exit 2)  a named thing does not exist
    ├── ConflictError                (status 409, exit 2)  the request conflicts with stored state
    ├── ServiceBusyError             (status 503, exit 2)  the server is saturated; retry shortly
    └── VerdictFailed                (status 200, exit 1)  a check ran and its verdict is "fail"

The CLI maps any of these to its message and ``exit_code``; the server maps them to JSON with
``status``. Messages never contain identifier values: name the column, row number or field. The one
exception is :class:`UnknownParticipantError`, which shows the caller the id they typed and the
closest known one, so a look-alike can be corrected.
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "AuthError",
    "ColumnError",
    "ConfigurationError",
    "ConflictError",
    "DataFileError",
    "DatabaseError",
    "EthicompassError",
    "ForbiddenError",
    "InputError",
    "ManifestError",
    "NotFoundError",
    "PayloadTooLargeError",
    "SchemaError",
    "ServiceBusyError",
    "TooManyAttemptsError",
    "UnknownParticipantError",
    "VerdictFailed",
]


class EthicompassError(Exception):
    """Root of every error ethicompass raises on purpose.

    ``message`` says what went wrong and where; ``hint`` says what to do about it.
    """

    status: int = 500
    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message

    def to_dict(self) -> dict[str, object]:
        """The error as JSON-ready data: its kind, message and hint."""
        return {"error": type(self).__name__, "message": self.message, "hint": self.hint}


class InputError(EthicompassError):
    """Bad data or arguments supplied by the user."""

    status = 422


class DataFileError(InputError):
    """A data file is missing, unreadable, ragged or badly encoded."""


class ColumnError(InputError):
    """A column is missing, or holds values of the wrong type."""


class ManifestError(InputError):
    """A study manifest or policy file is invalid."""


class SchemaError(InputError):
    """A column-role schema is invalid (unknown role, missing column)."""


class UnknownParticipantError(InputError):
    """A participant id that the consent registry does not know (a typo, a look-alike, or unregistered).

    The message echoes the id as typed (escaped, so hidden characters show) and the closest known
    id, since the person who typed it is the one who must fix it.
    """


class PayloadTooLargeError(InputError):
    """A request body is larger than the server accepts."""

    status = 413


class ConfigurationError(EthicompassError):
    """A key, URL or setting is missing or wrong."""


class DatabaseError(ConfigurationError):
    """The state database cannot be reached, opened or migrated."""


class AuditError(EthicompassError):
    """An audit entry could not be written, so the operation it records must fail."""


class AuthError(EthicompassError):
    """Missing or invalid credentials."""

    status = 401


class ForbiddenError(AuthError):
    """Authenticated, but the role or training record does not allow this."""

    status = 403


class TooManyAttemptsError(AuthError):
    """Too many wrong guesses from this address or for this code: wait, then try again."""

    status = 429


class NotFoundError(EthicompassError):
    """A named participant, artefact, user or entry does not exist."""

    status = 404


class ConflictError(EthicompassError):
    """The request conflicts with stored state (e.g. a duplicate, or a spent budget)."""

    status = 409


class ServiceBusyError(EthicompassError):
    """The server is saturated (e.g. every argon2 slot is busy): try again shortly."""

    status = 503


class VerdictFailed(EthicompassError):
    """A check ran to completion and its verdict is "fail" (exit code 1)."""

    status = 200
    exit_code = 1
