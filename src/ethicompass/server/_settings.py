"""Server settings: one frozen dataclass, read from the environment by ``ServerSettings.from_env``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

SECRET_ENV = "ETHICOMPASS_SERVER_SECRET"


@dataclass(frozen=True)
class ServerSettings:
    """How the web server behaves.

    ``secret_key`` signs portal sessions and CSRF cookies (keep it out of logs and outputs;
    a random one per process when unset, which signs everyone out on restart).
    ``secure_cookies`` marks cookies ``Secure`` (turn off only for plain-HTTP loopback tests).
    """

    secret_key: str
    session_minutes: int = 30
    access_code_minutes: int = 15
    secure_cookies: bool = True
    token_cache_seconds: int = 300
    audit_requests: bool = True

    @classmethod
    def from_env(cls, *, secure_cookies: bool = True) -> ServerSettings:
        """Settings from ``$ETHICOMPASS_SERVER_SECRET`` (or a random per-process secret)."""
        return cls(
            secret_key=os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32), secure_cookies=secure_cookies
        )

    def __repr__(self) -> str:
        return f"ServerSettings(session_minutes={self.session_minutes}, secure_cookies={self.secure_cookies})"
