"""Native helpers: SHA-256 and HMAC-SHA256 over many messages at once, with a hashlib fallback.

``ecsha.c`` is compiled into ``libecsha.so`` when the package is built (``hatch_build.py``) and
loaded here with ctypes. It hashes 16 messages at a time in vector registers (AVX-512, AVX2 or
SSE2, chosen at load time), which is what one HMAC per identifier and a tree of equal leaves need.
Without the library (no compiler at install time, or ``ETHICOMPASS_NATIVE=0``) the same functions
run in Python (CPython's SHA-256, ``hmac_sha256_each``): same results, several times slower.

This module is the one seam of the native fast path: every function here picks the library or
the Python route itself (through :func:`_lib`), so callers never branch on it. The plain route is
forced per call with ``ethicompass._fastpath.plain("native")`` or ``ETHICOMPASS_PLAIN=native``;
``tests/foundation/test_fast_paths.py`` holds the two routes equal.

Messages are given Arrow-style: one ``uint8`` data buffer and ``int64`` offsets (``n + 1`` of them;
message ``i`` is ``data[offsets[i]:offsets[i + 1]]``).
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ethicompass._fastpath import fast

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "available",
    "canonical_views",
    "hmac_sha256_each",
    "hmac_sha256_many",
    "sha256_many",
    "sha256_spans",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

try:  # CPython's own SHA-256 (the Python route): no EVP set-up per state copy
    from _sha256 import sha256 as _small_sha256  # Python <= 3.11
except ImportError:  # pragma: no cover - the module was renamed in 3.12
    try:
        from _sha2 import sha256 as _small_sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        _small_sha256 = hashlib.sha256  # type: ignore[assignment]

_PATH = Path(__file__).with_name("libecsha.so")
_FLUSH = 1 << 16
_P, _I = ctypes.c_void_p, ctypes.c_int64


def _load() -> ctypes.CDLL | None:
    if os.environ.get("ETHICOMPASS_NATIVE", "1") == "0" or not _PATH.is_file():
        return None
    try:
        lib = ctypes.CDLL(str(_PATH))
    except OSError as exc:
        logging.getLogger(__name__).warning("native library not loaded (%s); using hashlib", exc)
        return None
    lib.ec_sha256_many.argtypes = [_P, _P, _I, _P]
    lib.ec_sha256_many.restype = None
    lib.ec_hmac_sha256_many.argtypes = [_P, _I, _P, _I, _P, _P, _I, _P]
    lib.ec_hmac_sha256_many.restype = None
    lib.ec_canon_views.argtypes = [_P, _I, _P, _P, _I, _P]
    lib.ec_canon_views.restype = _I
    lib.ec_views_size.argtypes = [_P, _I, _P, _I]
    lib.ec_views_size.restype = _I
    return lib


_LIB = _load()


def _lib() -> ctypes.CDLL | None:
    """The loaded library, or None where it is missing or the plain route is forced."""
    return _LIB if _LIB is not None and fast("native") else None


def available() -> bool:
    """Whether the compiled library is loaded and in use (else the hashlib fallback runs).

    Returns
    -------
    bool
        False without the library, or while ``_fastpath.plain("native")`` or
        ``ETHICOMPASS_PLAIN=native`` forces the Python route.
    """
    return _lib() is not None


def _address(data: Any) -> tuple[int, Any]:
    """(address, keep-alive) of a uint8 buffer: a NumPy array or anything with the buffer protocol
    (bytes, memoryview, a pyarrow Buffer: viewed, not copied)."""
    array = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if array.size == 0:
        array = np.zeros(1, dtype=np.uint8)
    array = np.ascontiguousarray(array)
    return array.ctypes.data, array


def _checked_offsets(offsets: np.ndarray) -> np.ndarray:
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or offsets.size == 0:
        raise ValueError("offsets must be a 1-D array of n + 1 int64 positions")
    return offsets


def sha256_spans(spans: Sequence[tuple[np.ndarray, int, int]], /) -> bytes:
    """SHA-256 of every ``(uint8 array, start, length)`` span; the digests joined (``32 * n`` bytes)."""
    n = len(spans)
    lib = _lib()
    if lib is None or n == 0:
        return b"".join(hashlib.sha256(a[s : s + k].data).digest() for a, s, k in spans)
    pointers = np.fromiter((a.ctypes.data + s for a, s, _ in spans), dtype=np.uint64, count=n)
    lengths = np.fromiter((k for _, _, k in spans), dtype=np.int64, count=n)
    out = np.empty(32 * n, dtype=np.uint8)
    lib.ec_sha256_many(pointers.ctypes.data, lengths.ctypes.data, n, out.ctypes.data)
    return out.tobytes()


def sha256_many(data: Any, offsets: np.ndarray, /) -> bytes:
    """SHA-256 of every message; the ``n`` digests joined (``32 * n`` bytes)."""
    offsets = _checked_offsets(offsets)
    _, array = _address(data)
    return sha256_spans([(array, int(a), int(b - a)) for a, b in itertools.pairwise(offsets)])


def hmac_sha256_each(key: bytes, messages: Iterable[Any], /, *, prefix: bytes = b"") -> bytes:
    """HMAC-SHA256 under ``key`` of ``prefix + message``, one message at a time in Python; digests joined.

    The route for a few messages, or without the library: CPython's own SHA-256 (for short
    messages about twice as fast as OpenSSL's), with both key pads hashed once (RFC 2104).
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\x00")
    inner = _small_sha256(bytes(b ^ 0x36 for b in block))
    inner.update(prefix)
    outer = _small_sha256(bytes(b ^ 0x5C for b in block))
    icopy, ocopy = inner.copy, outer.copy
    joined = bytearray()
    out: list[bytes] = []
    append = out.append
    for m in messages:
        i = icopy()
        i.update(m)
        o = ocopy()
        o.update(i.digest())
        append(o.digest())
        if len(out) == _FLUSH:  # keep few digest objects alive at once (memory)
            joined += b"".join(out)
            out.clear()
    joined += b"".join(out)
    return bytes(joined)


def hmac_sha256_many(key: bytes, data: Any, offsets: np.ndarray, /, *, prefix: bytes = b"") -> bytes:
    """HMAC-SHA256 under ``key`` of ``prefix + message`` for every message; the digests joined (``32 * n`` bytes)."""
    offsets = _checked_offsets(offsets)
    n = offsets.size - 1
    lib = _lib()
    if lib is None or n == 0:
        view = memoryview(data if data is not None else b"").cast("B")
        bounds = itertools.pairwise(offsets.tolist())
        return hmac_sha256_each(key, (view[a:b] for a, b in bounds), prefix=prefix)
    out = np.empty(32 * n, dtype=np.uint8)
    address, keep = _address(data)
    lib.ec_hmac_sha256_many(
        key, len(key), prefix, len(prefix), address, offsets.ctypes.data, n, out.ctypes.data
    )
    del keep
    return out.tobytes()


def canonical_views(arrays: Sequence[pa.Array], /) -> np.ndarray | None:
    """Per row ``u32le(length) + bytes`` (``FF FF FF FF`` for a null) of string/binary *view* arrays.

    The arrays (e.g. a column's chunks) are written one after the other into one buffer. Returns
    None without the native library (callers then take the ``large_string`` route).
    """
    lib = _lib()
    if lib is None:
        return None
    jobs = []
    for array in arrays:
        buffers = array.buffers()
        start = buffers[1].address + 16 * array.offset
        bitmap = buffers[0].address if buffers[0] is not None and array.null_count else None
        jobs.append((array, start, bitmap, lib.ec_views_size(start, len(array), bitmap, array.offset)))
    out = np.empty(sum(j[3] for j in jobs), dtype=np.uint8)
    at = out.ctypes.data
    for array, start, bitmap, size in jobs:
        data = array.buffers()[2:]
        pointers = (ctypes.c_void_p * max(len(data), 1))(*[b.address if b is not None else 0 for b in data])
        written = lib.ec_canon_views(start, len(array), pointers, bitmap, array.offset, at)
        assert written == size
        at += size
    return out
