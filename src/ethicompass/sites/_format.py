"""The ``.ecsite`` file: a versioned, canonical JSON body of counts, signed with the site's Ed25519 key.

Layout (``format`` ``ethicompass-site``, ``format_version`` 2: the fairness counts as an overall table, one
table per group column and a joint table without score; version 1 held one joint table and is refused)::

    {"body": {...counts, disclosure record, certificate, checkpoint...},
     "signature": {"key_id": hex, "public_key": base64, "signature": base64}}

The signature covers the canonical JSON of ``body`` (sorted keys, no whitespace, UTF-8), so any
change to a count, a name or the certificate breaks it. The key is the site's audit signing key
(``--key-file`` or ``$ETHICOMPASS_SIGNING_KEY``), whose id is also on the site's audit checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ethicompass.errors import InputError

__all__ = ["FORMAT", "FORMAT_VERSION", "NOISY_GRID", "SiteFile", "body_hash", "read_site_file"]

FORMAT = "ethicompass-site"
FORMAT_VERSION = 2
#: the kind of a file's one fairness table under the noise method: every cell of the public grid, noisy
NOISY_GRID = "noisy_grid"
#: Every key a body may hold: a file with any other is refused (nothing unexplained leaves a site).
BODY_KEYS = frozenset(
    {
        "format",
        "format_version",
        "site",
        "study",
        "created_at",
        "manifest",
        "policy",
        "model",
        "fairness",
        "representativeness",
        "reference_population",
        "consent",
        "unresolved_decisions",
        "disclosure",
        "certificate",
        "checkpoint",
        "safety",  # adverse events and person-time, when the policy plans monitoring looks (sites._safety)
    }
)


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8 (floats keep their shortest repr)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def body_hash(body: dict[str, Any], /, *, parts: dict[str, bytes] | None = None) -> str:
    """``sha256:<hex>`` of a body's canonical JSON (``parts``: its values already encoded, see :func:`assemble`)."""
    data = canonical(body) if parts is None else assemble({k: parts[k] for k in body})
    return "sha256:" + hashlib.sha256(data).hexdigest()


def encode_parts(body: dict[str, Any], /) -> dict[str, bytes]:
    """Each top-level value of ``body`` as canonical JSON, so the whole and any part are encoded once."""
    return {str(k): canonical(v) for k, v in body.items()}


def assemble(parts: dict[str, bytes], /) -> bytes:
    """The canonical JSON of the object whose values' encodings are ``parts`` (keys sorted, as canonical)."""
    inner = b",".join(canonical(k) + b":" + parts[k] for k in sorted(parts))
    return b"{" + inner + b"}"


@dataclass(frozen=True)
class SiteFile:
    """A site summary as read from disk: its body, the signature over it, and where it came from."""

    body: dict[str, Any]
    signature: dict[str, str]
    source: str = "the site file"
    #: the body's bytes exactly as signed (read from the file), else encoded on demand
    raw_body: bytes | None = None

    @cached_property
    def parts(self) -> dict[str, bytes]:
        """The body's values as canonical JSON, encoded once."""
        return encode_parts(self.body)

    @property
    def signed_bytes(self) -> bytes:
        """The bytes the signature covers: the body as it stands in the file, else its canonical JSON."""
        return self.raw_body if self.raw_body is not None else assemble(self.parts)

    @property
    def site(self) -> str:
        """The site's name."""
        return str(self.body.get("site", "?"))

    def signature_valid(self) -> bool:
        """Whether the signature verifies under the embedded key, and the key id is that key's."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            public = base64.b64decode(self.signature["public_key"], validate=True)
            signature = base64.b64decode(self.signature["signature"], validate=True)
            if hashlib.sha256(public).hexdigest() != self.signature["key_id"]:
                return False
            Ed25519PublicKey.from_public_bytes(public).verify(signature, self.signed_bytes)
        except (KeyError, ValueError, TypeError, binascii.Error, InvalidSignature):
            return False
        return True

    @property
    def key_id(self) -> str:
        """The signing key's id (SHA-256 hex of its raw public key)."""
        return str(self.signature.get("key_id", ""))

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON."""
        return {"body": self.body, "signature": dict(self.signature)}

    def to_text(self) -> str:
        """The file's text: canonical JSON and a newline."""
        return canonical(self.to_dict()).decode("utf-8") + "\n"


def sign(body: dict[str, Any], key: Any, /) -> SiteFile:
    """Sign ``body`` with an Ed25519 private key."""
    from cryptography.hazmat.primitives import serialization

    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SiteFile(
        body,
        {
            "key_id": hashlib.sha256(public).hexdigest(),
            "public_key": base64.b64encode(public).decode("ascii"),
            "signature": base64.b64encode(key.sign(canonical(body))).decode("ascii"),
        },
    )


def read_site_file(path: str | Path, /) -> SiteFile:
    """Read an ``.ecsite`` file; :class:`InputError` names the file and what is wrong (not the signature:
    :meth:`SiteFile.signature_valid` judges that)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"{p}: no such site file", hint="pass the .ecsite file `ethicompass site summarize` wrote"
        )
    raw = p.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(
            f"{p}: not a site file (not JSON)", hint="pass a file `site summarize` wrote"
        ) from exc
    if not isinstance(data, dict) or set(data) != {"body", "signature"}:
        raise InputError(f"{p}: not a site file (needs exactly 'body' and 'signature')", hint="re-export it")
    body, signature = data["body"], data["signature"]
    if not isinstance(body, dict) or not isinstance(signature, dict):
        raise InputError(
            f"{p}: not a site file ('body' and 'signature' must be objects)", hint="re-export it"
        )
    if body.get("format") != FORMAT or body.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{p}: site {body.get('site')!r} sent format {body.get('format')!r} version "
            f"{body.get('format_version')!r}; this ethicompass reads {FORMAT} version {FORMAT_VERSION} only",
            hint=f"ask site {body.get('site')!r} to summarise again with this version of ethicompass "
            "(`ethicompass site summarize`); nothing was read",
        )
    extra = sorted(set(body) - BODY_KEYS)
    if extra:
        raise InputError(
            f"{p}: site {body.get('site')!r} holds unknown field(s) {', '.join(extra)}",
            hint="only the fields `site summarize` writes may leave a site; re-export it",
        )
    return SiteFile(
        body, {str(k): str(v) for k, v in signature.items()}, str(p), _signed_bytes(raw, signature)
    )


def _signed_bytes(raw: bytes, signature: dict[str, Any]) -> bytes | None:
    """The body's bytes as they stand in a canonically written file (``{"body":BODY,"signature":SIG}``),
    so a signature is checked without encoding the body again; None when the file is not canonical
    (the body is then encoded, and a file rewritten in another layout still verifies if unchanged)."""
    head = b'{"body":'
    tail = b',"signature":' + canonical(signature) + b"}"
    text = raw.rstrip(b"\n")
    if text.startswith(head) and text.endswith(tail):
        return text[len(head) : len(text) - len(tail)]
    return None
