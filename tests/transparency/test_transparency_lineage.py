"""Lineage: registration, idempotence, transitive walks, PROV export, and canonical frame hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

from ethicompass.errors import InputError, NotFoundError
from ethicompass.transparency import AuditLog, Lineage, artefact_id, hash_file, hash_frame

H1 = "sha256:" + "11" * 32
H2 = "sha256:" + "22" * 32
H3 = "sha256:" + "33" * 32
H4 = "sha256:" + "44" * 32


def test_register_get_and_idempotent(store: Any) -> None:
    lin = Lineage(store)
    a = lin.register("dataset", "raw", content_hash=H1, params={"rows": 10}, code_version="abc123")
    assert a.id == "dataset:raw@111111111111" == artefact_id("dataset", "raw", H1)
    assert lin.get(a.id) == a
    again = lin.register("dataset", "raw", content_hash=H1)
    assert again == a
    log = AuditLog(store)
    entries = log.entries(action="lineage.register")
    assert [e.object_id for e in entries] == [a.id]
    assert entries[0].hashes == {"content": H1}
    assert a.audit_seq == entries[0].seq


def test_transitive_upstream_downstream_and_prov(store: Any) -> None:
    lin = Lineage(store)
    raw = lin.register("dataset", "raw", content_hash=H1)
    clean = lin.register("dataset", "clean", content_hash=H2, upstream=[raw.id])
    model = lin.register("model", "risk", content_hash=H3, upstream=[clean.id], params={"C": 1.0})
    report = lin.register("report", "card", content_hash=H4, upstream=[model.id, raw.id])
    assert [a.id for a in lin.upstream(report.id)] == [model.id, raw.id, clean.id]
    assert {a.id for a in lin.downstream(raw.id)} == {clean.id, model.id, report.id}
    assert lin.downstream(report.id) == []
    prov = lin.to_prov(report.id)
    assert set(prov["entity"]) == {f"ec:{x.id}" for x in (raw, clean, model, report)}
    derived = {(d["prov:generatedEntity"], d["prov:usedEntity"]) for d in prov["wasDerivedFrom"].values()}
    assert (f"ec:{report.id}", f"ec:{raw.id}") in derived
    assert (f"ec:{clean.id}", f"ec:{raw.id}") in derived
    assert len(derived) == 4


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kind": "table", "name": "x", "content_hash": H1}, InputError),
        ({"kind": "dataset", "name": "a@b", "content_hash": H1}, InputError),
        ({"kind": "dataset", "name": "x", "content_hash": "md5"}, InputError),
        (
            {"kind": "model", "name": "x", "content_hash": H1, "upstream": ["dataset:nope@000000000000"]},
            NotFoundError,
        ),
    ],
)
def test_register_rejects_bad_input(store: Any, kwargs: dict[str, Any], error: type[Exception]) -> None:
    lin = Lineage(store)
    kwargs = dict(kwargs)
    kind, name = kwargs.pop("kind"), kwargs.pop("name")
    with pytest.raises(error):
        lin.register(kind, name, **kwargs)
    assert AuditLog(store).size() == 0


def test_get_unknown_is_not_found(store: Any) -> None:
    with pytest.raises(NotFoundError):
        Lineage(store).get("dataset:x@000000000000")


def test_hash_file_streams(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"abc")
    assert hash_file(p) == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _table() -> pa.Table:
    return pa.table(
        {
            "a": pa.array([1, 2, None, 4, 5], pa.int64()),
            "b": pa.array(["x", None, "zz", "", "é"], pa.string()),
            "c": pa.array([1.5, None, 3.5, -0.25, 0.0], pa.float64()),
            "d": pa.array([True, False, None, True, True]),
        }
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 5])
def test_hash_frame_is_independent_of_chunking(chunk: int) -> None:
    t = _table()
    rechunked = pa.Table.from_batches(t.to_batches(max_chunksize=chunk))
    assert hash_frame(rechunked) == hash_frame(t)
    sliced = pa.concat_tables([t.slice(0, 2), t.slice(2)])
    assert hash_frame(sliced) == hash_frame(t)


def test_hash_frame_engines_and_encodings_agree() -> None:
    import polars as pl

    t = _table()
    assert hash_frame(pl.from_arrow(t)) == hash_frame(t)
    encoded = t.set_column(1, "b", t.column("b").dictionary_encode())
    assert hash_frame(encoded) == hash_frame(t)
    large = t.set_column(1, "b", t.column("b").cast(pa.large_string()))
    assert hash_frame(large) == hash_frame(t)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.set_column(0, "a", pa.array([1, 2, None, 4, 6], pa.int64())),
        lambda t: t.set_column(0, "a", pa.array([1, 2, 0, 4, 5], pa.int64())),  # null vs filler
        lambda t: t.set_column(1, "b", pa.array(["x", None, "z", "z", "é"])),  # moved boundary
        lambda t: t.rename_columns(["a", "b", "c", "e"]),
        lambda t: t.select(["b", "a", "c", "d"]),
        lambda t: t.slice(0, 4),
        lambda t: t.set_column(0, "a", pa.array([1, 2, None, 4, 5], pa.int32())),
    ],
)
def test_hash_frame_sees_every_change(change: Any) -> None:
    t = _table()
    assert hash_frame(change(t)) != hash_frame(t)


def test_one_table_hash_scheme_and_old_records_still_verify() -> None:
    from ethicompass import privacy
    from ethicompass.transparency import content_hash, table_hash_matches

    t = pl.DataFrame({"id": ["a", "b", None], "x": [1.5, None, 3.0]})
    assert privacy.content_hash is content_hash  # certificates and lineage record the same scheme
    assert content_hash(t).startswith("sha256-tree:") and hash_frame(t).startswith("sha256:")
    assert table_hash_matches(t, content_hash(t)) and table_hash_matches(t, hash_frame(t))  # new and legacy
    changed = t.with_columns(pl.col("x").fill_null(0.0))
    assert not table_hash_matches(changed, content_hash(t)) and not table_hash_matches(changed, hash_frame(t))
    with pytest.raises(InputError, match="scheme"):
        table_hash_matches(t, "md5:" + "0" * 32)
