"""store/: engine, migrations and the audit-log core on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
import sqlalchemy as sa

from ethicompass.errors import AuditError, DatabaseError
from ethicompass.store import Store, audit_entries
from ethicompass.store._engine import _alembic_config, _shipped_heads
from ethicompass.transparency import AuditLog


def test_open_migrates_to_every_head(store: Store) -> None:
    assert store.current_revisions() == Store.head_revisions()
    assert store.upgrade() == sorted(Store.head_revisions())  # idempotent


def test_quick_check_reads_the_heads_alembic_reads() -> None:
    """``upgrade`` skips Alembic when the version table holds the heads read from the migration files: that
    reading must give Alembic's own heads."""
    assert _shipped_heads() == Store.head_revisions()


def test_a_database_behind_its_heads_is_still_migrated(tmp_path: Path) -> None:
    """The quick check only skips work: a version table that lags (or is missing) goes to Alembic."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'lag.db'}"
    store = Store(url).open()
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "audit_0002")
    store.dispose()
    store = Store(url)
    assert store.open(migrate=False)._stored_revisions() != _shipped_heads()
    assert store.upgrade() == sorted(Store.head_revisions())
    assert store._stored_revisions() == _shipped_heads()
    store.dispose()
    assert Store(f"sqlite:///{tmp_path / 'none.db'}").open(migrate=False)._stored_revisions() is None


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}").open()
    with store.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()


def test_default_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETHICOMPASS_DATABASE_URL", raising=False)
    assert Store.from_env().url == "sqlite:///./ethicompass.db"
    monkeypatch.setenv("ETHICOMPASS_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    assert Store.from_env().url == "sqlite:////tmp/elsewhere.db"


@pytest.mark.parametrize(
    "url",
    ["postgresql://nobody@127.0.0.1:1/none", "not a url", "oracle://x@y/z"],
)
def test_unreachable_or_bad_urls_are_database_errors(url: str) -> None:
    with pytest.raises(DatabaseError) as info:
        Store(url).open()
    assert info.value.hint


def test_password_never_shown() -> None:
    with pytest.raises(DatabaseError) as info:
        Store("postgresql://nobody:s3cret@127.0.0.1:1/none").open()
    assert "s3cret" not in str(info.value)


def test_audit_append_numbers_entries_and_hashes_leaves(store: Store) -> None:
    log = AuditLog(store)
    first = log.append(
        action="privacy.deidentify", object_type="dataset", object_id="patients", hashes={"in": "sha256:00"}
    )
    second = log.append(action="fairness.audit", object_type="model", object_id="m1", params={"n_boot": 10})
    assert (first.seq, second.seq) == (0, 1)
    assert [e.to_dict() for e in log.entries()] == [first.to_dict(), second.to_dict()]
    with store.connect() as conn:
        leaves = (
            conn.execute(sa.select(audit_entries.c.leaf_hash).order_by(audit_entries.c.seq)).scalars().all()
        )
    assert [bytes(leaf) for leaf in leaves] == [first.leaf_hash(), second.leaf_hash()]


def test_failed_append_raises_audit_error(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}").open()
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TABLE audit_entries")
    with pytest.raises(AuditError, match="not done"):
        AuditLog(store).append(action="data.read", object_type="y", object_id="z")


def _append_many(url: str, n: int) -> None:
    log = AuditLog(Store(url).open())
    for i in range(n):
        log.append(action="data.read", object_type="test", object_id=str(i))


def test_concurrent_first_use_and_appends(database_url: str) -> None:
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(database_url, 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    entries = AuditLog(Store(database_url).open()).entries()
    assert [e.seq for e in entries] == list(range(100))
