"""Signed checkpoints (tree heads) and the Ed25519 keys that sign them.

A checkpoint is a signed statement "the log had ``tree_size`` entries and this root hash at
this time". Its signed body follows the C2SP *tlog-checkpoint* note layout::

    ethicompass audit log
    <tree size, decimal>
    <root hash, base64>
    time <ISO 8601 UTC>

The signing key comes from ``--key-file`` or ``$ETHICOMPASS_SIGNING_KEY`` (PEM, or base64 of
the 32-byte Ed25519 seed or of a PKCS#8 DER key). It is never written to outputs or logs.
A key's id is the SHA-256 of its raw 32-byte public key, in hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ethicompass.errors import ConfigurationError, ConflictError, InputError
from ethicompass.frames import atomic_write_bytes

ORIGIN = "ethicompass audit log"
#: The environment variable that holds the audit signing key (PEM), when no key file is named.
KEY_ENV = "ETHICOMPASS_SIGNING_KEY"


def key_id(public_key: bytes) -> str:
    """The id of a raw Ed25519 public key: SHA-256 hex of its 32 bytes."""
    return hashlib.sha256(public_key).hexdigest()


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _parse_private(data: bytes, source: str) -> Ed25519PrivateKey:
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(text, password=None)
        else:
            raw = base64.b64decode(text, validate=True)
            key = (
                Ed25519PrivateKey.from_private_bytes(raw)
                if len(raw) == 32
                else serialization.load_der_private_key(raw, password=None)
            )
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ConfigurationError(
            f"the signing key in {source} is not a readable Ed25519 private key",
            hint="create one with `ethicompass audit keygen --out KEYFILE`",
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"the signing key in {source} is not an Ed25519 key",
            hint="create one with `ethicompass audit keygen --out KEYFILE`",
        )
    return key


def load_signing_key(key_file: str | os.PathLike[str] | None = None) -> Ed25519PrivateKey:
    """The checkpoint signing key: from ``key_file`` if given, else ``$ETHICOMPASS_SIGNING_KEY``."""
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise ConfigurationError(
                f"signing key file {path} not found", hint="create one with `ethicompass audit keygen`"
            )
        return _parse_private(path.read_bytes(), str(path))
    value = os.environ.get(KEY_ENV)
    if not value:
        raise ConfigurationError(
            "no checkpoint signing key",
            hint=f"pass --key-file KEYFILE or set {KEY_ENV} (create a key with `ethicompass audit keygen`)",
        )
    return _parse_private(value.encode(), f"${KEY_ENV}")


def generate_signing_key(path: str | os.PathLike[str], /, *, overwrite: bool = False) -> bytes:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``path``; return its raw public key."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise ConflictError(
            f"{target} already exists", hint="choose another path, or pass --force to replace it"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    atomic_write_bytes(target, pem, mode=0o600)
    return _raw_public(key)


def public_key_of(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of a private key."""
    return _raw_public(key)


def parse_public_key(value: str, /) -> bytes:
    """A raw 32-byte Ed25519 public key from base64 text, PEM text, or a file holding either."""
    text = value.strip()
    if not text.startswith("-----BEGIN") and len(text) < 200 and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not Ed25519")
            return _raw_public(key)
        raw = base64.b64decode(text, validate=True)
        if len(raw) != 32:
            raise ValueError("wrong length")
        return raw
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InputError(
            "the public key is neither base64 of 32 bytes nor an Ed25519 PEM public key",
            hint="pass the key `ethicompass audit keygen` printed, or a file holding it",
        ) from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: ``tree_size`` entries had root ``root_hash`` at ``time``."""

    tree_size: int
    root_hash: bytes
    time: str
    key_id: str
    public_key: bytes
    signature: bytes
    origin: str = ORIGIN

    def body(self) -> bytes:
        """The exact bytes that are signed (C2SP tlog-checkpoint note body)."""
        return f"{self.origin}\n{self.tree_size}\n{_b64(self.root_hash)}\ntime {self.time}\n".encode()

    def signature_valid(self, public_key: bytes | None = None) -> bool:
        """Whether the signature verifies under ``public_key`` (default: the embedded key)."""
        key = self.public_key if public_key is None else public_key
        if key_id(key) != self.key_id:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(self.signature, self.body())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``ethicompass audit checkpoint`` prints for a witness)."""
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "time": self.time,
            "key_id": self.key_id,
            "public_key": _b64(self.public_key),
            "signature": _b64(self.signature),
            "note": self.body().decode() + f"\n— {self.key_id[:16]} {_b64(self.signature)}\n",
        }

    def to_frame(self) -> pl.DataFrame:
        """One row, for display."""
        data = self.to_dict()
        data.pop("note")
        return pl.DataFrame([data])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], /, *, source: str = "the checkpoint") -> Checkpoint:
        """Read a checkpoint from its JSON form; :class:`InputError` names what is wrong."""
        try:
            return cls(
                tree_size=int(data["tree_size"]),
                root_hash=bytes.fromhex(str(data["root_hash"])),
                time=str(data["time"]),
                key_id=str(data["key_id"]),
                public_key=base64.b64decode(str(data["public_key"]), validate=True),
                signature=base64.b64decode(str(data["signature"]), validate=True),
                origin=str(data.get("origin", ORIGIN)),
            )
        except (KeyError, ValueError, TypeError, binascii.Error) as exc:
            raise InputError(
                f"{source} is not a checkpoint (field {exc.args[0] if exc.args else '?'!s} missing or malformed)",
                hint="use a file written by `ethicompass audit checkpoint --out FILE`",
            ) from exc


def sign_checkpoint(key: Ed25519PrivateKey, *, tree_size: int, root_hash: bytes, time: str) -> Checkpoint:
    """Sign a tree head with ``key``."""
    public = _raw_public(key)
    unsigned = Checkpoint(
        tree_size=tree_size,
        root_hash=root_hash,
        time=time,
        key_id=key_id(public),
        public_key=public,
        signature=b"",
    )
    return Checkpoint(
        tree_size=tree_size,
        root_hash=root_hash,
        time=time,
        key_id=unsigned.key_id,
        public_key=public,
        signature=key.sign(unsigned.body()),
    )
