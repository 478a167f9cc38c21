"""Protecting the log's tail: checkpoints written automatically, and kept outside the database too.

A signed checkpoint protects the entries it covers; entries after the newest one are protected
only by the database's own access control. So:

- **Automatic checkpoints.** When a signing key is configured (``$ETHICOMPASS_SIGNING_KEY``, or a
  key file named by ``$ETHICOMPASS_SIGNING_KEY_FILE``), every CLI verb that wrote to the log ends
  by signing a checkpoint (``_verify.checkpoint_if_grown``), and the server does so at least every
  :data:`CADENCE_S` seconds.
- **A witness file.** Every checkpoint is also appended to a file outside the database
  (``$ETHICOMPASS_WITNESS_FILE``; by default ``<database>.witness.jsonl`` beside a SQLite file, and
  a file under the user's state directory keyed by the database for PostgreSQL), so deleting
  checkpoints from the database, or rewriting the log and re-signing, is noticed.
- **Verify judges the tail.** Once the log has any checkpoint (stored or witnessed), entries not
  covered by one and older than the cadence fail ``audit verify``, and a witnessed checkpoint
  missing from the database is reported as tampering (see ``_verify.verify_log``).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from ethicompass.errors import InputError
from ethicompass.store import Store
from ethicompass.transparency._checkpoint import Checkpoint

__all__ = [
    "CADENCE_ENV",
    "CADENCE_S",
    "KEY_FILE_ENV",
    "WITNESS_ENV",
    "append_witness",
    "cadence_seconds",
    "database_key",
    "read_witness",
    "witness_path",
]

WITNESS_ENV = "ETHICOMPASS_WITNESS_FILE"
#: The environment variable that names the audit signing key's file.
KEY_FILE_ENV = "ETHICOMPASS_SIGNING_KEY_FILE"
CADENCE_ENV = "ETHICOMPASS_CHECKPOINT_CADENCE"
#: Entries may stay uncovered by a checkpoint for at most this many seconds (default).
CADENCE_S = 60.0


def cadence_seconds() -> float:
    """The checkpoint cadence: ``$ETHICOMPASS_CHECKPOINT_CADENCE`` seconds, else :data:`CADENCE_S`."""
    value = os.environ.get(CADENCE_ENV)
    if not value:
        return CADENCE_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise InputError(f"${CADENCE_ENV} {value!r} is not a positive number of seconds", hint="e.g. 60")
    return seconds


def witness_path(store: Store, /) -> Path | None:
    """Where checkpoints are witnessed: ``$ETHICOMPASS_WITNESS_FILE``, else a default (None for an
    in-memory SQLite database, whose log ends with the process).

    The default for a SQLite file is ``<database>.witness.jsonl`` beside it. A PostgreSQL database has
    no file of its own, so its default is ``$XDG_STATE_HOME/ethicompass/witness/<key>.jsonl`` (XDG's
    default ``~/.local/state``), where ``key`` is a hash of the URL's host, port and database name:
    never the user name or password, so the same database reached as another role keeps one witness
    file, and no credential is written into a file name. Every process that checkpoints one database
    (the server and the CLI) must see the same file: set ``$ETHICOMPASS_WITNESS_FILE`` where they run
    as different users or on different machines.
    """
    configured = os.environ.get(WITNESS_ENV)
    if configured:
        return Path(configured).expanduser()
    url = make_url(store.url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            return None
        return Path(str(url.database)).expanduser().resolve().with_suffix(".witness.jsonl")
    return _state_dir() / "witness" / f"{database_key(store.url)}.jsonl"


def database_key(url: str, /) -> str:
    """A short stable key of a database: SHA-256 of its backend, host, port and name, no credentials."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    port = parsed.port or (5432 if backend == "postgresql" else "")
    where = f"{backend}://{(parsed.host or 'localhost').lower()}:{port}/{parsed.database or ''}"
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:24]


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME")
    root = Path(base).expanduser() if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "ethicompass"


def append_witness(path: Path, checkpoint: Checkpoint, /) -> None:
    """Append one checkpoint as a JSON line (the file is created 0600), synced to disk."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps(checkpoint.to_dict(), sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_witness(path: Path | None, /) -> list[tuple[str, Checkpoint]]:
    """The checkpoints of a witness file, each with its source (``<file> line N``); none if it is absent."""
    if path is None or not path.is_file():
        return []
    from ethicompass.frames import read_text_file

    out = []
    for number, text in enumerate(read_text_file(path, what="witness file").splitlines(), start=1):
        if not text.strip():
            continue
        where = f"{path} line {number}"
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(
                f"{where} is not JSON ({exc})", hint="the witness file was damaged; restore it"
            ) from exc
        out.append((where, Checkpoint.from_dict(data, source=where)))
    return out


def age_seconds(iso_time: str, /) -> float:
    """Seconds since an ISO 8601 UTC time (``...Z``)."""
    when = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    return (datetime.now(UTC) - when).total_seconds()
