"""Tables of the web server: users (with an optional argon2-hashed password), API tokens (argon2-hashed),
one-time portal access codes and sign-in sessions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from ethicompass.store._metadata import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

server_users = Table(
    "server_users",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("participant", String(128), nullable=True, index=True),
    Column("created_at", String(32), nullable=False),
    # staff sign-in to the web pages (argon2id; None: no password, sign in with a token only)
    Column("password_hash", String(256), nullable=True),
    Column("password_set_at", String(32), nullable=True),
    # the person's name as printed on certificates (the login name is ``name``)
    Column("full_name", String(200), nullable=True),
)

server_tokens = Table(
    "server_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("secret_hash", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=True),
    Column("revoked_at", String(32), nullable=True),
)

server_access_codes = Table(
    "server_access_codes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("participant", String(128), nullable=False),
    Column("code_hash", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("used_at", String(32), nullable=True),
)

#: Server-side sign-in sessions (portal, reviewer pages, training staff pages). The cookie carries a
#: random secret; only its SHA-256 is stored here, so a copy of the database signs nobody in. A
#: staff or reviewer session names the API token it was opened with, and ends when that token does.
server_sessions = Table(
    "server_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("token_id", String(32), nullable=True, index=True),
    Column("participant", String(128), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)
