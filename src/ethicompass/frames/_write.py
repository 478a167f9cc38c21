"""Writing atomically (temp file created 0600, then renamed; several outputs published together), CSV
formula neutralising, and content hashes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from ethicompass.errors import DataFileError
from ethicompass.frames._convert import to_polars
from ethicompass.frames._read import SUPPORTED_SUFFIXES

_CHUNK = 1 << 20
_TEMP_SUFFIX = ".tmp"


def _public_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _new_temp(target: Path) -> Path:
    """An empty temp file beside ``target``, created 0600 from its first byte (``mkstemp``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TEMP_SUFFIX, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _finish_temp(tmp: Path, mode: int | None) -> None:
    """fsync ``tmp`` and give it its final mode: ``mode``, or the usual (umask) one where None.

    The file stays 0600 while it is written; a secret (``mode=0o600``) is never widened.
    """
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    final = _public_mode() if mode is None else mode
    if final != 0o600:
        tmp.chmod(final)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], /, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    The temp file is created 0600 and stays so while it is written; ``mode`` (e.g. ``0o600`` for
    keys and linkage tables) is the finished file's mode, else the usual umask one. A crash or
    exception leaves no half-written file behind (a ``kill -9`` may leave a hidden ``.tmp`` file,
    which ``ethicompass doctor`` finds).
    """
    target = Path(path)
    tmp_path = _new_temp(target)
    try:
        yield tmp_path
        _finish_temp(tmp_path, mode)
        os.replace(tmp_path, target)
    finally:
        _discard(tmp_path)


class AtomicGroup:
    """Several outputs of one command, published together: every temp file is written first, then
    all are renamed in the order they were asked for (put the manifest, e.g. a certificate that
    names the others' hashes, last). On any error every temp file is removed and nothing appears.

    >>> with AtomicGroup() as group:  # doctest: +SKIP
    ...     data = group.path(out); cert = group.path(cert_path)
    """

    def __init__(self) -> None:
        self._items: list[tuple[Path, Path, int | None]] = []

    def path(self, target: str | os.PathLike[str], /, *, mode: int | None = None) -> Path:
        """A temp path (0600) that becomes ``target`` (with ``mode``) when the group is published."""
        t = Path(target)
        tmp = _new_temp(t)
        self._items.append((tmp, t, mode))
        return tmp

    def __enter__(self) -> AtomicGroup:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                for tmp, _, mode in self._items:
                    _finish_temp(tmp, mode)
                for tmp, target, _ in self._items:
                    os.replace(tmp, target)
        finally:
            for tmp, _, _ in self._items:
                _discard(tmp)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, /, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; ``mode`` is the file's mode (e.g. ``0o600``), never wider while written."""
    with atomic_path(path, mode=mode) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, /, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def find_temp_files(folder: str | os.PathLike[str], /) -> list[Path]:
    """Hidden ``.NAME.XXXX.tmp`` files under ``folder`` left by a killed writer, sorted."""
    root = Path(folder)
    return sorted(p for p in root.rglob(f".*{_TEMP_SUFFIX}") if p.is_file())


_FORMULA = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise_formulas(frame: pl.DataFrame, /) -> tuple[pl.DataFrame, int]:
    """Prefix string cells that a spreadsheet would run as a formula (start ``= + - @``, tab or CR)
    with ``'`` (OWASP's CSV-injection rule); return the frame and how many cells changed.

    A plain number (``-3.2``, ``+1e5``), typed or held as text, is not a formula and is kept.
    """
    columns = [c for c, t in frame.schema.items() if t == pl.String]
    if not columns:
        return frame, 0

    def risky(c: str) -> pl.Expr:
        col = pl.col(c)
        return (col.str.contains(_FORMULA) & ~col.str.contains(_PLAIN_NUMBER)).fill_null(False)

    hits = frame.select(pl.sum_horizontal(risky(c).sum() for c in columns)).item()
    if not hits:
        return frame, 0
    fixed = frame.with_columns(
        pl.when(risky(c)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in columns
    )
    return fixed, int(hits)


def write_table(frame: Any, path: str | os.PathLike[str], /, *, raw_csv: bool = False) -> int:
    """Write a frame atomically as CSV, TSV, Parquet or JSONL, chosen by the suffix.

    In a CSV/TSV, string cells that look like spreadsheet formulas are neutralised
    (:func:`neutralise_formulas`) unless ``raw_csv``; returns how many cells were.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataFileError(
            f"{p}: unsupported output type {suffix or '(none)'!r}",
            hint=f"use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    df = to_polars(frame)
    neutralised = 0
    if suffix in (".csv", ".tsv") and not raw_csv:
        df, neutralised = neutralise_formulas(df)
    with atomic_path(p) as tmp:
        if suffix == ".csv":
            df.write_csv(tmp)
        elif suffix == ".tsv":
            df.write_csv(tmp, separator="\t")
        elif suffix == ".parquet":
            df.write_parquet(tmp)
        else:
            df.write_ndjson(tmp)
    return neutralised


def sha256_file(path: str | os.PathLike[str], /) -> str:
    """Streaming SHA-256 of a file, as ``sha256:<hex>``."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
