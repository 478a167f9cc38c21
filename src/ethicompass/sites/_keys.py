"""Site keys pinned in advance: the server accepts a site's upload only when signed by a key registered for it.

An administrator registers each site's Ed25519 public key (``ethicompass site-keys add NAME --public-key
FILE``, or ``POST /api/v1/sites/keys``) after checking its fingerprint with the site out of band; the
key's fingerprint is its id, the SHA-256 of the raw 32-byte public key in hex (the ``key_id`` a site file
and the site's audit checkpoint carry). A site may have several active keys (a rotation: add the new key,
then revoke the old); a key belongs to one site. A revoked key stays in the table, revoked, and is never
registered again. Every change is audited (``site.key-add``, ``site.key-revoke``), in the same
transaction.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa

from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.store._sites_tables import site_keys

__all__ = ["add_site_key", "key_problem", "list_site_keys", "revoke_site_key"]

_LISTED = ("id", "site", "key_id", "source", "registered_by", "registered_at", "revoked_at")


def _site_name(site: str) -> str:
    name = site.strip()
    if not name or len(name) > 200 or name != site:
        raise InputError(
            "the site name must be 1 to 200 characters without surrounding spaces",
            hint="use the NAME the site passes to `site summarize --site` (its user name on the server)",
        )
    return name


def _raw_key(value: str | bytes, from_file: bool) -> bytes:
    from ethicompass.transparency import parse_public_key

    if isinstance(value, bytes) and len(value) == 32:
        return value
    text = (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
    if not from_file and not text.startswith("-----BEGIN"):
        try:
            raw = base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != 32:
            raise InputError(
                "public_key is neither base64 of 32 bytes nor an Ed25519 PEM public key",
                hint="send the key `ethicompass audit keygen` printed",
            )
        return raw
    return parse_public_key(text)


def add_site_key(
    store: Any, site: str, public_key: str | bytes, /, *, actor: str, role: str, from_file: bool = True
) -> dict[str, Any]:
    """Register ``public_key`` (raw 32 bytes, or base64 / PEM text, or with ``from_file`` a file holding
    either: never from a request) for ``site``; audited ``site.key-add``. Returns the registered row (with
    ``key_id``, the fingerprint).

    Raises :class:`InputError` for an unreadable key, :class:`ConflictError` when the key is already
    registered (for this site or another) or was revoked.
    """
    from ethicompass._time import now_iso
    from ethicompass.transparency import AuditLog, key_id

    name = _site_name(site)
    raw = _raw_key(public_key, from_file)
    kid = key_id(raw)
    now = now_iso()
    with store.begin() as conn:
        existing = conn.execute(sa.select(site_keys).where(site_keys.c.key_id == kid)).first()
        if existing is not None:
            if existing.revoked_at is not None:
                why = f"was revoked for site {existing.site!r} on {existing.revoked_at}; a revoked key is never registered again"
            elif existing.site == name:
                why = f"is already registered for site {name!r}"
            else:
                why = f"is registered for another site ({existing.site!r}); a key belongs to one site"
            raise ConflictError(
                f"key {kid[:16]}… {why}", hint="the site makes a new key with `ethicompass audit keygen`"
            )
        new_id = conn.execute(
            site_keys.insert().values(
                site=name,
                key_id=kid,
                public_key=base64.b64encode(raw).decode("ascii"),
                source="admin",
                registered_by=actor,
                registered_at=now,
            )
        ).inserted_primary_key[0]
        AuditLog(store).append_in(
            conn,
            action="site.key-add",
            object_type="site",
            object_id=name,
            actor=actor,
            role=role,
            params={"key_id": kid},
        )
    return {"id": int(new_id), "site": name, "key_id": kid, "source": "admin", "registered_at": now}


def list_site_keys(store: Any, /, *, site: str | None = None, active: bool = False) -> list[dict[str, Any]]:
    """Registered keys (fingerprint, site, who registered them and when, whether revoked), oldest first."""
    query = sa.select(*[site_keys.c[c] for c in _LISTED]).order_by(site_keys.c.id)
    if site is not None:
        query = query.where(site_keys.c.site == site)
    if active:
        query = query.where(site_keys.c.revoked_at.is_(None))
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def revoke_site_key(store: Any, site: str, key: str, /, *, actor: str, role: str) -> dict[str, Any]:
    """Revoke the active key of ``site`` whose fingerprint is ``key`` (or starts with it, at least 8 hex
    digits); audited ``site.key-revoke``. Uploads already stored under it are no longer reviewed until the
    site uploads a file signed by a registered key.
    """
    from ethicompass._time import now_iso
    from ethicompass.transparency import AuditLog

    prefix = key.strip().lower()
    if len(prefix) < 8 or len(prefix) > 64 or any(c not in "0123456789abcdef" for c in prefix):
        raise InputError(
            "the key must be its fingerprint, or the first 8 or more of its hex digits",
            hint="see `ethicompass site-keys list`",
        )
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(site_keys).where(
                site_keys.c.site == site,
                site_keys.c.revoked_at.is_(None),
                site_keys.c.key_id.startswith(prefix, autoescape=True),
            )
        ).all()
        if not rows:
            raise NotFoundError(
                f"site {site!r} has no active key {prefix[:16]}…", hint="see `ethicompass site-keys list`"
            )
        if len(rows) > 1:
            raise InputError(
                f"{prefix} names {len(rows)} keys of site {site!r}", hint="give more of the fingerprint"
            )
        row, now = rows[0], now_iso()
        conn.execute(site_keys.update().where(site_keys.c.id == row.id).values(revoked_at=now))
        AuditLog(store).append_in(
            conn,
            action="site.key-revoke",
            object_type="site",
            object_id=site,
            actor=actor,
            role=role,
            params={"key_id": row.key_id},
        )
    return {"site": site, "key_id": row.key_id, "revoked_at": now}


def key_problem(conn: Any, site: str, key_id: str, /) -> str | None:
    """Why ``key_id`` may not sign ``site``'s files (None when it is an active key of the site)."""
    rows = conn.execute(
        sa.select(site_keys.c.key_id, site_keys.c.revoked_at).where(site_keys.c.site == site)
    ).all()
    mine = {r.key_id: r.revoked_at for r in rows}
    if key_id in mine:
        return None if mine[key_id] is None else f"its key {key_id[:16]}… was revoked on {mine[key_id]}"
    if not any(r.revoked_at is None for r in rows):
        return "the site has no registered key"
    return f"it is signed by key {key_id[:16]}…, which is not the site's registered key"
