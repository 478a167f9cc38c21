"""The compiled multi-buffer SHA-256 / HMAC-SHA256 (``ethicompass._native``) against hashlib and hmac.

The project's build compiles the library (``hatch_build.py``); these tests fail, rather than skip,
when it is missing, so that a broken build is noticed. The hashlib fallback is checked too.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass import _native

MESSAGES = st.lists(st.binary(min_size=0, max_size=300), max_size=40)


def _pack(messages: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    offsets = np.zeros(len(messages) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in messages], out=offsets[1:])
    return data, offsets


def test_the_library_was_built() -> None:
    assert _native.available(), "src/ethicompass/_native/libecsha.so is missing: run `python hatch_build.py`"


@settings(max_examples=150, deadline=None)
@given(messages=MESSAGES)
def test_sha256_many_is_hashlib(messages: list[bytes]) -> None:
    data, offsets = _pack(messages)
    assert _native.sha256_many(data, offsets) == b"".join(hashlib.sha256(m).digest() for m in messages)


@settings(max_examples=150, deadline=None)
@given(messages=MESSAGES, key=st.binary(min_size=0, max_size=150), prefix=st.binary(max_size=80))
def test_hmac_sha256_many_is_hmac(messages: list[bytes], key: bytes, prefix: bytes) -> None:
    data, offsets = _pack(messages)
    expected = b"".join(hmac.new(key, prefix + m, hashlib.sha256).digest() for m in messages)
    assert _native.hmac_sha256_many(key, data, offsets, prefix=prefix) == expected


def test_lengths_around_block_edges(hash_route: str) -> None:
    # every length from 0 to 200 in one call: the padding lands in the same or the next block, and
    # lanes of one batch finish after different numbers of blocks
    messages = [bytes(range(256))[:n] * 1 for n in range(201)]
    data, offsets = _pack(messages)
    assert _native.sha256_many(data, offsets) == b"".join(hashlib.sha256(m).digest() for m in messages)
    key = b"k" * 100  # longer than a block: hashed first
    got = _native.hmac_sha256_many(key, data, offsets, prefix=b"p" * 70)
    assert got == b"".join(hmac.new(key, b"p" * 70 + m, hashlib.sha256).digest() for m in messages)


def test_spans_of_large_buffers(hash_route: str) -> None:
    rng = np.random.default_rng(7)
    big = rng.integers(0, 256, 3 * (1 << 20) + 5, dtype=np.uint8)
    spans = [(big, 0, 1 << 20), (big, 1 << 20, 1 << 20), (big, 2 << 20, (1 << 20) + 5), (big, 17, 0)]
    expected = b"".join(hashlib.sha256(big[s : s + k].tobytes()).digest() for _, s, k in spans)
    assert _native.sha256_spans(spans) == expected


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=60), cut=st.integers(0, 60))
def test_canonical_views_of_sliced_arrays(values: list[str | None], cut: int) -> None:
    array = pa.array(values, type=pa.string_view())
    pieces = [array.slice(0, cut), array.slice(cut)]  # offsets into shared buffers
    expected = b"".join(
        b"\xff\xff\xff\xff" if v is None else len(v.encode()).to_bytes(4, "little") + v.encode()
        for v in values
    )
    got = _native.canonical_views(pieces)
    assert got is not None and got.tobytes() == expected
