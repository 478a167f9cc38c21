"""Tables of the audit log (transparency): append-only entries, signed checkpoints, lineage."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Table, Text

from ethicompass.store._metadata import metadata

#: The audit log: one hash-chained entry per recorded action (append-only).
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("recorded_at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("action", String(128), nullable=False, index=True),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(256), nullable=False),
    Column("entry_json", Text, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

#: Signed checkpoints of the audit log's Merkle tree (size, root hash, signature).
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    # audit_0002: the signer's raw Ed25519 public key (32 bytes) and the origin line signed
    Column("public_key", LargeBinary(32), nullable=True),
    Column("origin", String(200), nullable=True),
)

lineage_artefacts = Table(
    "lineage_artefacts",
    metadata,
    Column("id", String(400), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("name", String(256), nullable=False),
    Column("content_hash", String(160), nullable=False),
    Column("code_version", String(128), nullable=True),
    Column("params_json", Text, nullable=False),
    Column("attributes_json", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("audit_seq", BigInteger, nullable=True),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("artefact_id", String(400), primary_key=True),
    Column("upstream_id", String(400), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)
