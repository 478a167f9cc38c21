"""Server settings: one frozen dataclass, read from the environment by ``ServerSettings.from_env``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

SECRET_ENV = "ETHICOMPASS_SERVER_SECRET"
MAX_BODY_ENV = "ETHICOMPASS_SERVER_MAX_BODY"
MAX_UPLOAD_ENV = "ETHICOMPASS_SERVER_MAX_UPLOAD"
#: The default request-body limit: 1 MiB (a FHIR Bundle of a few thousand Consents).
DEFAULT_MAX_BODY = 1 << 20
DEFAULT_MAX_UPLOAD = 256 << 20


@dataclass(frozen=True)
class ServerSettings:
    """How the web server behaves.

    ``secret_key`` signs portal sessions and CSRF cookies (keep it out of logs and outputs;
    a random one per process when unset, which signs everyone out on restart).
    ``secure_cookies`` marks cookies ``Secure`` (turn off only for plain-HTTP loopback tests).
    ``max_body_bytes`` is the largest request body any route accepts (413 above it, refused before
    the body is read or any token is checked); ``max_upload_bytes`` that of a consent file streamed to
    ``POST /api/v1/consent/import/upload`` (``$ETHICOMPASS_SERVER_MAX_UPLOAD``).
    ``argon2_concurrency`` bounds how many argon2 checks (token and access-code guesses) run at once. ``lockout_after`` wrong sign-ins for one access code
    (``lockout_after_address`` from one address) lock it out with a doubling back-off (30 s, 60 s, ... at most an hour).
    """

    secret_key: str
    session_minutes: int = 30
    access_code_minutes: int = 15
    secure_cookies: bool = True
    token_cache_seconds: int = 300
    audit_requests: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    argon2_concurrency: int = 2
    lockout_after: int = 5
    lockout_after_address: int = 20

    @classmethod
    def from_env(cls, *, secure_cookies: bool = True) -> ServerSettings:
        """Settings from ``$ETHICOMPASS_SERVER_SECRET`` (or a random per-process secret)."""
        limit = os.environ.get(MAX_BODY_ENV)
        upload = os.environ.get(MAX_UPLOAD_ENV)
        return cls(
            secret_key=os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
            secure_cookies=secure_cookies,
            max_body_bytes=_positive_int(limit, MAX_BODY_ENV) if limit else DEFAULT_MAX_BODY,
            max_upload_bytes=_positive_int(upload, MAX_UPLOAD_ENV) if upload else DEFAULT_MAX_UPLOAD,
        )

    def __repr__(self) -> str:
        return f"ServerSettings(session_minutes={self.session_minutes}, secure_cookies={self.secure_cookies})"


def _positive_int(text: str, name: str) -> int:
    from ethicompass.errors import ConfigurationError

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(
            f"${name} is {text!r}, not a positive number of bytes", hint=f"e.g. {name}=1048576"
        )
    return value
