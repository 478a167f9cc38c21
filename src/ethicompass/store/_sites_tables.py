"""Tables of multi-site review on the server: the sites' registered keys, the site files uploaded, and the
federated reviews run from them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text, UniqueConstraint

from ethicompass.store._metadata import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

#: One row per accepted ``.ecsite`` upload; a replaced upload keeps its row with ``replaced_at`` set.
site_uploads = Table(
    "site_uploads",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(300), nullable=False, index=True),
    Column("site", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("manifest_hash", String(80), nullable=False),
    Column("policy_hash", String(80), nullable=False),
    Column("policy_name", String(300), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("checkpoint_size", BigInteger, nullable=False),
    Column("file_hash", String(80), nullable=False),
    Column("content", Text, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", String(32), nullable=False),
    Column("replaced_at", String(32), nullable=True),
)

#: The multi-site detail (heterogeneity, drivers, provenance) of a review run on the server from uploads.
site_reviews = Table(
    "site_reviews",
    metadata,
    Column("review_id", BigInteger, primary_key=True, autoincrement=False),
    Column("study", String(300), nullable=False),
    Column("detail_json", Text, nullable=False),
)

#: The public keys an administrator pinned for each site before it may upload (``site_keys``): an upload
#: is accepted only when signed by an active (not revoked) key of its site. ``source`` is ``admin`` (added
#: with ``ethicompass site-keys add`` or the API) or ``migration`` (the key of an upload stored before
#: keys were pinned, registered by ``sites_0002``).
site_keys = Table(
    "site_keys",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("site", String(200), nullable=False, index=True),
    Column("key_id", String(64), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("registered_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
    UniqueConstraint("site", "key_id", name="uq_site_keys_site_key"),
)
