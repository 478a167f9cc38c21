"""Tables of training: quiz attempts and certificates (earned here or imported, with who verified them)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, String, Table, Text

from ethicompass.store._metadata import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

training_attempts = Table(
    "training_attempts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False, index=True),
    Column("course_id", String(64), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("layout", Text, nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("submitted_at", String(32), nullable=True),
    Column("answers", Text, nullable=True),
    Column("score", Float, nullable=True),
    Column("passed", Boolean, nullable=True),
)

training_certificates = Table(
    "training_certificates",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False, index=True),
    Column("course_id", String(64), nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("expires_on", String(10), nullable=False),
    Column("source", String(32), nullable=False),
    Column("attempt_id", BigInteger, nullable=True),
    Column("provider", String(200), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("verified_by", String(200), nullable=True),
    Column("recorded_at", String(32), nullable=False),
)

#: One row per certificate: the unguessable id printed on it (128 random bits, base32), the holder's
#: name as printed, and a revocation. A table of its own so the certificate rows, bound to the audit
#: log by their content hash, stay as they were issued; a revocation is audited.
training_certificate_ids = Table(
    "training_certificate_ids",
    metadata,
    Column("certificate_id", BigInteger, primary_key=True, autoincrement=False),
    Column("verification_id", String(32), nullable=False, unique=True),
    Column("holder_name", String(200), nullable=True),
    Column("revoked_at", String(32), nullable=True),
    Column("revoked_reason", Text, nullable=True),
)
