"""Secret keys, keyed pseudonyms and patient-keyed date offsets.

Everything here derives from one HMAC-SHA256 per distinct value::

    D(value) = HMAC-SHA256(key, b"ethicompass/v1\\x00" + value.encode("utf-8"))
    pseudonym(value)          = "ps_" + hex(D[0:12])                  (96 bits, 24 hex digits)
    date_offset_days(pid)     = low + int.from_bytes(D(pid)[16:24], "big") mod n, where n is the
                                number of days in low..high without 0; results >= 0 get +1
                                (so the offset is never 0 unless the range is just {0})

So the same value and key give the same pseudonym in every table and run (joins survive), a
different key gives unlinkable pseudonyms, and never a plain (dictionary-attackable) hash. The
offset of a participant is the same in every table, so intervals between their dates survive.

A key file holds one line, ``ethicompass-key-v1:<64 hex digits>`` (32 random bytes); the
``ETHICOMPASS_KEY`` environment variable may hold the same text.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ethicompass import _native
from ethicompass.errors import ConfigurationError
from ethicompass.frames import atomic_write_text, read_text_file

__all__ = [
    "KEY_ENV",
    "PSEUDONYM_PATTERN",
    "Key",
    "date_offset_days",
    "is_pseudonym",
    "load_key",
    "pseudonym",
    "write_key",
]

KEY_ENV = "ETHICOMPASS_KEY"
_PREFIX = "ethicompass-key-v1:"
_DOMAIN = b"ethicompass/v1\x00"
#: What every pseudonym looks like; values that already match are left alone (idempotence).
PSEUDONYM_PATTERN = r"^ps_[0-9a-f]{24}$"
_PSEUDONYM_RE = re.compile(PSEUDONYM_PATTERN)
_MIN_BYTES = 16


@dataclass(frozen=True)
class Key:
    """A secret key for pseudonyms and date shifting. Its ``repr`` never shows the secret.

    Build one with :meth:`generate`, :func:`load_key` or :meth:`from_text`.
    """

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < _MIN_BYTES:
            raise ConfigurationError(
                f"the key is {len(self.secret)} bytes; at least {_MIN_BYTES} are needed",
                hint="make a new one with `ethicompass keys new --out KEY`",
            )

    @classmethod
    def generate(cls) -> Key:
        """A fresh 32-byte random key."""
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_text(cls, text: str, /, *, source: str = "the key") -> Key:
        """Parse ``ethicompass-key-v1:<hex>`` (or bare hex) into a key."""
        body = text.strip()
        if body.startswith(_PREFIX):
            body = body[len(_PREFIX) :]
        try:
            secret = bytes.fromhex(body)
        except ValueError:
            raise ConfigurationError(
                f"{source} is not an ethicompass key (expected '{_PREFIX}' and hex digits)",
                hint="make one with `ethicompass keys new --out KEY`",
            ) from None
        if len(secret) < _MIN_BYTES:
            raise ConfigurationError(
                f"{source} holds {len(secret)} bytes; at least {_MIN_BYTES} are needed",
                hint="make a new one with `ethicompass keys new --out KEY`",
            )
        return cls(secret)

    def to_text(self) -> str:
        """The key as it is stored in a key file (keep it secret)."""
        return _PREFIX + self.secret.hex()

    @property
    def fingerprint(self) -> str:
        """A short public name for the key (HMAC of a fixed label): safe to print and record."""
        return "key:" + _digest_fn(self)(b"fingerprint")[:6].hex()

    def digests(self, values: Iterable[str]) -> list[bytes]:
        """``D(value)`` for each value, in order (one HMAC-SHA256 each)."""
        return self.digests_of_bytes(v.encode("utf-8") for v in values)

    def digests_of_bytes(self, messages: Iterable[bytes]) -> list[bytes]:
        """``D`` of each UTF-8 message, in order: the tight loop behind pseudonyms and offsets."""
        joined = self.joined_digests(messages)
        return [joined[i : i + 32] for i in range(0, len(joined), 32)]

    def digests_of_buffer(self, data: Any, offsets: Any) -> bytes:
        """``D`` of each message ``data[offsets[i]:offsets[i + 1]]``, concatenated (32 bytes each).

        The batch route for whole columns (Arrow ``large_binary`` buffers): 16 HMACs at a time in
        native code (``ethicompass._native``), the same digests as :meth:`joined_digests`.
        """
        return _native.hmac_sha256_many(self.secret, data, offsets, prefix=_DOMAIN)

    def joined_digests(self, messages: Iterable[bytes]) -> bytes:
        """``D`` of each UTF-8 message, concatenated (32 bytes each): for vectorised use with numpy."""
        return _native.hmac_sha256_each(self.secret, messages, prefix=_DOMAIN)


def _digest_fn(key: Key) -> Callable[[bytes], bytes]:
    """``D`` of one message (HMAC-SHA256 of the domain and the message)."""
    return lambda message: _native.hmac_sha256_each(key.secret, (message,), prefix=_DOMAIN)


def load_key(path: str | os.PathLike[str] | None = None, /) -> Key:
    """Read the key from ``path``, or from ``$ETHICOMPASS_KEY`` when no path is given.

    Raises :class:`ConfigurationError` when there is no key, or it is not one.
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigurationError(
                f"key file {p} not found", hint="make one with `ethicompass keys new --out KEY`"
            )
        return Key.from_text(read_text_file(p, what="key file"), source=f"key file {p}")
    text = os.environ.get(KEY_ENV)
    if not text:
        raise ConfigurationError(
            f"no key: pass --key-file or set {KEY_ENV}",
            hint="make one with `ethicompass keys new --out KEY` and keep it apart from the data",
        )
    return Key.from_text(text, source=f"${KEY_ENV}")


def write_key(key: Key, path: str | os.PathLike[str], /, *, overwrite: bool = False) -> Path:
    """Write ``key`` to ``path`` with mode 0600, atomically; refuse to replace a file unless asked."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise ConfigurationError(
            f"{p} exists; refusing to overwrite a key (data pseudonymised with it would become unlinkable)",
            hint="choose another path, or delete the old key on purpose",
        )
    atomic_write_text(p, key.to_text() + "\n", mode=0o600)
    return p


def pseudonym(value: str, key: Key, /) -> str:
    """The keyed pseudonym of ``value``: ``"ps_"`` and 24 hex digits of HMAC-SHA256 (see module doc)."""
    return "ps_" + _digest_fn(key)(str(value).encode("utf-8"))[:12].hex()


def is_pseudonym(value: str, /) -> bool:
    """Whether ``value`` has the form of a pseudonym (such values are never pseudonymised twice)."""
    return bool(_PSEUDONYM_RE.match(value))


def offset_from_digest(digest: bytes, low: int, high: int) -> int:
    """The date offset carried by digest ``D``: bytes 16..24, big-endian, modulo the range.

    Zero is left out of the range whenever the range holds another value, so no participant's
    dates are left unshifted.
    """
    skip_zero = low <= 0 <= high and low != high
    size = high - low + 1 - (1 if skip_zero else 0)
    offset = low + int.from_bytes(digest[16:24], "big") % size
    return offset + 1 if skip_zero and offset >= 0 else offset


def date_offset_days(participant_id: str, key: Key, /, *, low: int = -365, high: int = 365) -> int:
    """Days to shift every date of ``participant_id``, in ``low..high`` and never 0 (see module doc).

    ``D`` = HMAC-SHA256(key, ``b"ethicompass/v1\\x00"`` + the UTF-8 id). The same participant and
    key give the same offset in every table and run.
    """
    if low > high:
        raise ConfigurationError(
            f"date shift range {low}..{high} is empty", hint="give low <= high (days, e.g. -365..365)"
        )
    return offset_from_digest(_digest_fn(key)(str(participant_id).encode("utf-8")), low, high)
