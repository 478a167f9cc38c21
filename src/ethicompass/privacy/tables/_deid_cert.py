"""The de-identification certificate, content hashes, and the encrypted linkage table.

The certificate says, per column, what was done and why, under which policy and key
(fingerprint only), with input and output content hashes and counts. It never holds an
identifier value.

Content hashes: ``transparency.content_hash`` (a SHA-256 tree over each column's canonical
bytes, ``sha256-tree:<hex>``): the same for the same table however it is chunked or partitioned.

Linkage file: ``b"ECLINK1\\n"`` + 12-byte nonce + AES-256-GCM(Parquet bytes of
``column, pseudonym, value``), with associated data ``b"ethicompass-linkage-v1"`` and a key
derived from the secret key by HKDF-SHA256 (info ``b"ethicompass linkage v1"``).
"""

from __future__ import annotations

import io
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ethicompass.errors import ConfigurationError, DataFileError
from ethicompass.privacy._keys import Key

__all__ = ["Certificate", "ColumnRecord", "encrypt_linkage", "read_linkage"]

_MAGIC = b"ECLINK1\n"
_AAD = b"ethicompass-linkage-v1"


@dataclass(frozen=True)
class ColumnRecord:
    """What was done to one column and why, with counts (never values)."""

    column: str
    role: str
    phi_type: str | None
    action: str
    reason: str
    counts: dict[str, int] = field(default_factory=dict)
    decided_by: str = "author"  # "scan" (its proposal stands), "author" (of the schema), or "policy"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Certificate:
    """The de-identification certificate of one run (JSON via :meth:`to_dict`)."""

    policy: dict[str, Any]
    key_fingerprint: str
    rows_in: int
    rows_out: int
    columns_in: int
    columns_out: int
    input_sha256: str
    output_sha256: str
    columns: tuple[ColumnRecord, ...]
    linkage_rows: int | None = None

    @property
    def actions(self) -> dict[str, int]:
        """How many columns got each action."""
        tally: dict[str, int] = {}
        for c in self.columns:
            tally[c.action] = tally.get(c.action, 0) + 1
        return tally

    def to_dict(self) -> dict[str, Any]:
        """The certificate as JSON-ready data."""
        return {
            "kind": "ethicompass.deidentification-certificate",
            "version": 1,
            "method": self.policy.get("method"),
            "policy": self.policy,
            "key_fingerprint": self.key_fingerprint,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "columns_in": self.columns_in,
            "columns_out": self.columns_out,
            "input_sha256": self.input_sha256,
            "output_sha256": self.output_sha256,
            "actions": self.actions,
            "columns": [c.to_dict() for c in self.columns],
            "kept": [
                {"column": c.column, "role": c.role, "decided_by": c.decided_by}
                for c in self.columns
                if c.action == "keep"
            ],
            "reversible": self.linkage_rows is not None,
            "linkage_rows": self.linkage_rows,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per column: column, role, phi_type, action, reason."""
        return pl.DataFrame(
            [{k: v for k, v in c.to_dict().items() if k != "counts"} for c in self.columns],
            schema={
                "column": pl.String,
                "role": pl.String,
                "phi_type": pl.String,
                "action": pl.String,
                "reason": pl.String,
            },
        )


def _aead(key: Key) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ethicompass linkage v1").derive(
        key.secret
    )
    return AESGCM(derived)


def encrypt_linkage(table: pl.DataFrame, key: Key, /) -> bytes:
    """Encrypt a linkage table (``column, pseudonym, value``) with AES-256-GCM under ``key``."""
    buffer = io.BytesIO()
    table.write_parquet(buffer)
    nonce = os.urandom(12)
    return _MAGIC + nonce + _aead(key).encrypt(nonce, buffer.getvalue(), _AAD)


def read_linkage(source: bytes | str | os.PathLike[str], key: Key, /) -> pl.DataFrame:
    """Decrypt a linkage table (file path or bytes) for authorised re-identification.

    Raises :class:`ConfigurationError` when the key is wrong or the file was altered.
    """
    blob = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + 28:
        raise DataFileError(
            "not an ethicompass linkage file", hint="pass the file `deid --linkage-out` wrote"
        )
    nonce = blob[len(_MAGIC) : len(_MAGIC) + 12]
    try:
        plain = _aead(key).decrypt(nonce, blob[len(_MAGIC) + 12 :], _AAD)
    except InvalidTag:
        raise ConfigurationError(
            "the linkage table cannot be decrypted: wrong key, or the file was altered",
            hint="use the key the de-identification ran with",
        ) from None
    return pl.read_parquet(io.BytesIO(plain))
