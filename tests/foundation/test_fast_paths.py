"""The native seam (``ethicompass._native``): the compiled library and the plain Python route give
the same bytes for every function, and the same content hash for any table; the switch that forces
the plain route (``_fastpath.plain`` and ``ETHICOMPASS_PLAIN``) works and refuses unknown names."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass import _fastpath, _native
from ethicompass.errors import ConfigurationError
from ethicompass.transparency import hash_frame

MESSAGES = st.lists(st.binary(max_size=200), max_size=40)


def _pack(messages: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    offsets = np.zeros(len(messages) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in messages], out=offsets[1:])
    return data, offsets


def test_the_library_is_in_use_and_the_switch_turns_it_off() -> None:
    assert _native.available(), "src/ethicompass/_native/libecsha.so is missing: run `python hatch_build.py`"
    with _fastpath.plain("native"):
        assert not _native.available()
        assert _native.canonical_views([pa.array(["a"], type=pa.string_view())]) is None
    assert _native.available()


def test_the_environment_forces_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _fastpath.forced_by_environment("sql, native") == {"native", "sql"}
    assert _fastpath.forced_by_environment("all") == _fastpath.SEAMS
    assert _fastpath.forced_by_environment("0") == _fastpath.forced_by_environment("") == frozenset()
    with pytest.raises(ConfigurationError, match="names no fast path 'nativ'"):
        _fastpath.forced_by_environment("nativ")
    monkeypatch.setattr(_fastpath, "_FROM_ENV", _fastpath.forced_by_environment("sql, native"))
    assert not _native.available()
    assert (_fastpath.fast("native"), _fastpath.fast("sql"), _fastpath.fast("polars")) == (False, False, True)
    with pytest.raises(ValueError, match="unknown fast path"), _fastpath.plain("polar"):
        pass


def test_the_variable_is_read_at_import() -> None:
    code = "from ethicompass import _fastpath, _native; print(_fastpath.fast('native'), _native.available())"
    env = {**os.environ, _fastpath.ENV: "native"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@settings(max_examples=120, deadline=None)
@given(messages=MESSAGES, key=st.binary(max_size=100), prefix=st.binary(max_size=80))
def test_native_and_plain_hashes_are_equal(messages: list[bytes], key: bytes, prefix: bytes) -> None:
    data, offsets = _pack(messages)
    spans = [(data, int(a), int(b - a)) for a, b in itertools.pairwise(offsets)]
    fast = (
        _native.sha256_many(data, offsets),
        _native.hmac_sha256_many(key, data, offsets, prefix=prefix),
        _native.sha256_spans(spans),
    )
    with _fastpath.plain("native"):
        plain = (
            _native.sha256_many(data, offsets),
            _native.hmac_sha256_many(key, data, offsets, prefix=prefix),
            _native.sha256_spans(spans),
        )
    assert fast == plain
    assert _native.hmac_sha256_each(key, messages, prefix=prefix) == fast[1]


TEXT = st.one_of(st.none(), st.text(max_size=40))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(TEXT, st.one_of(st.none(), st.integers(-(2**40), 2**40)), st.binary(max_size=30)),
        max_size=80,
    ),
    cut=st.integers(0, 80),
)
def test_native_and_plain_content_hashes_are_equal(rows: list[tuple[object, ...]], cut: int) -> None:
    frame = pl.DataFrame(rows, schema={"s": pl.String, "i": pl.Int64, "b": pl.Binary}, orient="row")
    chunked = pl.concat([frame.head(cut), frame.slice(cut)], rechunk=False)  # string views in two chunks
    fast = hash_frame(chunked)
    with _fastpath.plain("native"):
        plain = hash_frame(chunked)
    assert fast == plain == hash_frame(frame)
