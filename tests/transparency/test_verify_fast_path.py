"""The batched verify path and the chunk-independent frame hash.

``verify_log`` checks whole fetch batches at once and only rechecks a failing batch row by
row; these tests shrink the batch so that a small log spans several batches, and check that
the verdict, the first bad entry and every checkpoint root match the one-leaf-at-a-time
reference (``TreeBuilder.push``) wherever the batch boundaries and checkpoints fall.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.store import Store, audit_checkpoints, audit_entries
from ethicompass.transparency import AuditLog, _verify, hash_frame, verify_log
from ethicompass.transparency._merkle import TreeBuilder, full_subtree_root, root_hash


def _fill(log: AuditLog, n: int) -> None:
    log.append_many(
        {
            "action": "data.read",
            "object_type": "dataset",
            "object_id": f"ds-{i}",
            "actor": f"user{i % 3}",
            "hashes": {"input": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest()},
            "params": {"i": i, "note": 'é "q" \\ \t'},
        }
        for i in range(n)
    )


def _reset(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(audit_entries.delete())
        conn.execute(audit_checkpoints.delete())


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 40), n=st.integers(0, 70), data=st.data())
def test_extend_aligned_matches_one_leaf_at_a_time(start: int, n: int, data: Any) -> None:
    leaves = [hashlib.sha256(bytes([i % 256, i // 256])).digest() for i in range(start + n)]
    slow, fast = TreeBuilder(), TreeBuilder()
    slow.extend(leaves)
    fast.extend(leaves[:start])
    cut = data.draw(st.integers(0, n))
    fast.extend_aligned(leaves[start : start + cut])
    fast.extend_aligned(leaves[start + cut :])
    assert fast.size == slow.size and fast.root() == slow.root() == root_hash(leaves)


def test_full_subtree_root_rejects_other_sizes() -> None:
    with pytest.raises(ValueError):
        full_subtree_root([b"x"] * 3)


@pytest.mark.parametrize("columns", [True, False])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), batch=st.sampled_from([1, 2, 4, 8, 16]), sizes=st.lists(st.integers(0, 40)))
def test_batched_roots_match_the_reference(
    store: Store, monkeypatch: pytest.MonkeyPatch, columns: bool, n: int, batch: int, sizes: list[int]
) -> None:
    _reset(store)
    log = AuditLog(store)
    _fill(log, n)
    leaves = log.leaf_hashes()
    wanted = {s for s in sizes if s <= n}
    monkeypatch.setattr(_verify, "_BATCH", batch)
    with store.connect() as conn:
        count, tree, roots, bad, problem = _verify._scan(conn, wanted, None, columns)
    assert (count, bad, problem) == (n, None, None)
    assert tree.root() == root_hash(leaves)
    assert roots == {s: root_hash(leaves[:s]) for s in wanted}


TAMPERS = ["json", "hash", "column", "delete", "swap"]


def _tamper(store: Store, kind: str, pos: int) -> None:
    with store.begin() as conn:
        row = conn.execute(sa.select(audit_entries).where(audit_entries.c.seq == pos)).one()._mapping
        where = audit_entries.c.seq == pos
        if kind == "json":
            conn.execute(audit_entries.update().where(where).values(entry_json=row["entry_json"][:-2] + "X}"))
        elif kind == "hash":
            conn.execute(audit_entries.update().where(where).values(leaf_hash=bytes(32)))
        elif kind == "column":
            conn.execute(audit_entries.update().where(where).values(object_id="ds-forged"))
        elif kind == "delete":
            conn.execute(audit_entries.delete().where(where))
        elif kind == "swap":  # entry pos takes the next entry's content (and hash) under its own number
            nxt = conn.execute(sa.select(audit_entries).where(audit_entries.c.seq == pos + 1)).one()._mapping
            values = {k: v for k, v in nxt.items() if k != "seq"}
            conn.execute(audit_entries.update().where(where).values(**values))


@pytest.mark.parametrize("kind", TAMPERS)
@pytest.mark.parametrize("batch", [1, 4, 1 << 16])
@pytest.mark.parametrize("pos", [0, 3, 4, 9])
def test_first_bad_entry_is_named_across_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch, kind: str, batch: int, pos: int
) -> None:
    _fill(AuditLog(store), 11)
    _tamper(store, kind, pos)
    monkeypatch.setattr(_verify, "_BATCH", batch)
    full = verify_log(store)
    assert not full.ok and full.first_bad_seq == pos and f"entry {pos}" in (full.problem or "")
    fast = verify_log(store, check_columns=False)
    if kind == "column":
        assert fast.ok
    else:
        assert not fast.ok and fast.first_bad_seq == pos and f"entry {pos}" in (fast.problem or "")


def test_a_hash_stored_as_the_wrong_type_is_a_mismatch_not_a_crash(store: Store) -> None:
    _fill(AuditLog(store), 3)
    with store.begin() as conn:
        conn.execute(audit_entries.update().where(audit_entries.c.seq == 1).values(leaf_hash=b"short"))
    result = verify_log(store, check_columns=False)
    assert not result.ok and result.first_bad_seq == 1


# ----------------------------------------------------------------------------- hash_frame
def _table() -> pa.Table:
    return pa.table(
        {
            "a": pa.array([1, 2, None, 4, 5], pa.int64()),
            "b": pa.array(["x", None, "zz", "", "é"], pa.string()),
            "c": pa.array([1.5, None, 3.5, -0.25, 0.0], pa.float64()),
            "d": pa.array([True, False, None, True, True]),
            "e": pa.array([[1], None, [2, 3], [], [4]], pa.list_(pa.int64())),
            "f": pa.array([0, 86400000, None, 3, 4], pa.timestamp("ms")),
        }
    )


# Computed with the definition as first released (per-chunk implementation); the definition
# must not change, so neither may this value.
GOLDEN = "sha256:ae76a6a0347ee72542d527bbec98ead7806828ac71f11903b3900b494cdb02bb"


def test_hash_frame_definition_is_unchanged() -> None:
    assert hash_frame(_table()) == GOLDEN


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 3), min_size=1, max_size=8), dictionary=st.booleans())
def test_hash_frame_of_any_chunking_is_the_same(sizes: list[int], dictionary: bool) -> None:
    t = _table()
    batches, at = [], 0
    for size in sizes:
        batches.append(t.slice(at, size))
        at += size
    batches.append(t.slice(at))
    pieces = pa.concat_tables(batches)
    if dictionary:
        pieces = pieces.set_column(1, "b", pieces.column("b").dictionary_encode())
    assert pieces.column(0).num_chunks == len(batches)
    assert hash_frame(pieces) == GOLDEN


def test_hash_frame_of_many_one_row_batches_is_fast_and_equal() -> None:
    import time

    n = 3000
    t = pa.table({"i": pa.array(range(n), pa.int64()), "s": pa.array([f"v{i}" for i in range(n)])})
    one_row = pa.Table.from_batches(t.to_batches(max_chunksize=1))
    started = time.process_time()
    assert hash_frame(one_row) == hash_frame(t)
    assert time.process_time() - started < 2.0  # was ~1 s per 1,000 one-row batches of 21 columns
