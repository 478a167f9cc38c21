"""The account verbs write their change and its audit entry in one transaction: a failed audit write
leaves no user, token, password, full name or access code behind (issue 22, item 2), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from ethicompass.store import Store
from ethicompass.store._server_tables import server_access_codes, server_tokens, server_users
from ethicompass.transparency import AuditLog


def _state() -> Store:
    return Store(os.environ["ETHICOMPASS_DATABASE_URL"]).open()


@contextmanager
def _broken_audit_log() -> Iterator[pytest.MonkeyPatch]:
    """Every audit write fails as a full disk would, after the state change was already made."""

    def refuse(self: AuditLog, conn: Any, batch: Any) -> Any:
        raise sa.exc.OperationalError("INSERT INTO audit_entries", None, Exception("disk I/O error"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AuditLog, "_insert", refuse)
        yield patch


def _rows(store: Store, table: sa.Table) -> list[Any]:
    with store.connect() as conn:
        return list(conn.execute(sa.select(table)).all())


def _entries(store: Store) -> int:
    return len(AuditLog(store).entries())


def test_users_add_leaves_no_user_when_the_audit_fails(cli_db: Callable[..., Any]) -> None:
    assert cli_db("users", "add", "ana", "--role", "reviewer").code == 0
    store = _state()
    before = _entries(store)
    with _broken_audit_log():
        failed = cli_db("users", "add", "ben", "--role", "admin")
    assert failed.code != 0 and "audit log" in failed.err
    assert [r.name for r in _rows(store, server_users)] == ["ana"]
    assert _entries(store) == before
    store.dispose()


def test_tokens_new_and_revoke_change_nothing_when_the_audit_fails(cli_db: Callable[..., Any]) -> None:
    assert cli_db("users", "add", "ana", "--role", "reviewer").code == 0
    token_id = cli_db("tokens", "new", "ana", "-f", "json").json()["token"].split("_")[1]
    store = _state()
    before = _entries(store)
    with _broken_audit_log():
        assert "audit log" in cli_db("tokens", "new", "ana").err
        assert "audit log" in cli_db("tokens", "revoke", token_id).err
    tokens = _rows(store, server_tokens)
    assert [(t.id, t.revoked_at) for t in tokens] == [(token_id, None)]
    assert _entries(store) == before
    store.dispose()


def test_password_and_full_name_are_not_set_when_the_audit_fails(cli_db: Callable[..., Any]) -> None:
    assert cli_db("users", "add", "ana", "--role", "reviewer").code == 0
    store = _state()
    before = _entries(store)
    with _broken_audit_log() as patch:
        patch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
        assert "audit log" in cli_db("users", "password", "ana").err
        assert "audit log" in cli_db("users", "full-name", "ana", "Ana Lima").err
    (row,) = _rows(store, server_users)
    assert (row.password_hash, row.full_name) == (None, None)
    assert _entries(store) == before
    store.dispose()


def test_access_code_new_stores_no_code_when_the_audit_fails(cli_db: Callable[..., Any]) -> None:
    from ethicompass.consent import Registry

    store = _state()
    Registry(store).register_participants(["P-0001"])
    before = _entries(store)
    with _broken_audit_log():
        assert "audit log" in cli_db("access-code", "new", "--participant", "P-0001").err
    assert _rows(store, server_access_codes) == []
    assert _entries(store) == before
    assert cli_db("access-code", "new", "--participant", "P-0001").code == 0  # and it works once the log does
    assert len(_rows(store, server_access_codes)) == 1
    store.dispose()
