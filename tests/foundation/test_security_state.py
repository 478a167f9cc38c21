"""Issue 20, what was left: the migration lock file is private from its first byte, and a PostgreSQL
store has a default witness file (keyed by the database, never by its credentials)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ethicompass.store import Store
from ethicompass.transparency._witness import WITNESS_ENV, database_key, witness_path


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_migration_lock_file_is_created_private(tmp_path: Path, umask_022: None) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    try:
        lock = tmp_path / "state.migrate.lock"
        assert lock.exists()  # a fresh database was migrated under the lock
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600  # was 0644 (open("a") under umask 022)
    finally:
        store.dispose()


def test_postgres_store_has_a_default_witness_file_without_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(WITNESS_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    path = witness_path(Store("postgresql://ana:s3cret@db.example:5433/trial"))
    assert path is not None
    assert path.parent == tmp_path / "xdg" / "ethicompass" / "witness"
    assert "s3cret" not in str(path) and "ana" not in path.name
    # the same database reached as another role, or spelled another way, keeps one witness file
    assert witness_path(Store("postgresql+psycopg://bob:other@DB.example:5433/trial")) == path
    # another database, host or port is another file
    assert witness_path(Store("postgresql://ana:s3cret@db.example:5433/other")) != path
    assert witness_path(Store("postgresql://ana:s3cret@db.example:5432/trial")) != path
    assert database_key("postgresql://db.example/trial") == database_key("postgresql://db.example:5432/trial")


def test_witness_defaults_for_sqlite_and_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(WITNESS_ENV, raising=False)
    assert witness_path(Store("sqlite://")) is None  # in memory: the log ends with the process
    assert witness_path(Store(f"sqlite:///{tmp_path / 'a.db'}")) == tmp_path / "a.witness.jsonl"
    monkeypatch.setenv(WITNESS_ENV, str(tmp_path / "w.jsonl"))
    assert witness_path(Store("postgresql://x@y/z")) == tmp_path / "w.jsonl"


@pytest.mark.postgres
def test_postgres_checkpoints_are_witnessed_by_default(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ethicompass.store import audit_checkpoints
    from ethicompass.transparency import AuditLog
    from ethicompass.transparency._verify import verify_log, write_checkpoint
    from ethicompass.transparency._witness import read_witness

    monkeypatch.delenv(WITNESS_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    store = Store(postgres_url).open()
    try:
        log = AuditLog(store)
        for i in range(3):
            log.append(action="data.read", object_type="test", object_id=str(i))
        checkpoint = write_checkpoint(store, Ed25519PrivateKey.generate())
        path = witness_path(store)
        assert path is not None and path.is_relative_to(tmp_path / "xdg")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [c.tree_size for _, c in read_witness(path)] == [checkpoint.tree_size]
        with store.begin() as conn:  # deleting the stored checkpoints is now noticed on PostgreSQL too
            conn.execute(audit_checkpoints.delete())
        assert not verify_log(store).ok
    finally:
        store.dispose()
