"""Where each recognizer pattern can start, for a whole batch in one Hyperscan pass.

Every pattern of the registry is loosened (``recognizers._gate.reversed_loose_pattern``: lookarounds and
anchors dropped, back-references replaced by their group, classes widened) and written for the *reversed*
text, so a match of the loose pattern ends exactly where a match of the original can start. One Hyperscan
database holds them all (one for the text as written, one for the lower-cased text the ``lower=True``
recognizers search); one scan of each gives, per pattern, a superset of the positions where Python's ``re``
could find a match. The recognizer then tries its exact pattern only there (``Pattern.match`` on the full
text, so lookbehinds and word boundaries still see their context): the spans are exactly those of a full
``search`` loop.

Hyperscan reads bytes: the text is encoded one byte per character (ASCII as itself, Latin-1 as itself,
anything else as 0x80), so byte offsets are character offsets, and the loose patterns let any byte >= 0x80
stand for any non-ASCII character.

Without the ``hyperscan`` package (a platform without a wheel), or with :data:`ENABLED` set to False,
:func:`available` is False and batches are scanned as before.

Compiling the databases costs about a second per process, more than finding PHI in a megabyte of notes; so a
compiled database is kept in the user's cache (``$XDG_CACHE_HOME/ethicompass/hyperscan/``, default
``~/.cache``; a 0700 folder, 0600 files), named by a SHA-256 of the Hyperscan version, the mode, and every
pattern with its id, and later processes load it in under a millisecond. A file that does not load is
compiled again and replaced; ``ETHICOMPASS_HYPERSCAN_CACHE=off`` compiles every time (or names another
folder). The cache holds only the loosened patterns, never text. Whoever can write the user's cache folder
could swap a database for one that finds less; that is the trust the installed package itself needs.
"""

from __future__ import annotations

import array
import codecs
import functools
import hashlib
import logging
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ethicompass._fastpath import fast
from ethicompass.privacy.text.recognizers._gate import reversed_loose_pattern

_hs: Any
try:  # pragma: no cover - exercised where the wheel exists
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Set to False to scan without Hyperscan (tests compare both paths).
ENABLED = True

_ERRORS = "ethicompass-one-byte"


def _one_byte_each(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return "\x80" * (error.end - error.start), error.end


codecs.register_error(_ERRORS, _one_byte_each)

#: ASCII letters and digits: a candidate start right after one is never tried (``Recognizer.scan``).
_ALNUM = np.zeros(256, dtype=bool)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
    _ALNUM[_c] = True

#: A pattern part's candidate start right after an ASCII letter or digit is never tried: its loose pattern goes
#: on over the character before the start (the reversed text's next one) and requires it to be none, so
#: Hyperscan reports one match per word rather than one per letter; its start is then one after the match's
#: end (:data:`_SHIFTED`), and the start of the text is added for it apart.
_NOT_AFTER_ALNUM = "[^0-9A-Za-z]"

#: A part of a recognizer: ``(recognizer name, pattern number)``.
Key = tuple[str, int]


def available() -> bool:
    """True when batches can be scanned with Hyperscan: the package imports, :data:`ENABLED` is set, and the
    ``hyperscan`` seam of ``ethicompass._fastpath`` is not forced plain (``ETHICOMPASS_PLAIN``)."""
    return ENABLED and _hs is not None and fast("hyperscan")


def one_byte(text: str) -> bytes:
    """``text`` encoded one byte per character (non-Latin-1 characters as 0x80)."""
    if text.isascii():
        return text.encode("ascii")
    return text.encode("latin-1", errors=_ERRORS)


@functools.cache
def _databases(
    registry: tuple[Any, ...],
) -> tuple[Any, Any, tuple[Key, ...], frozenset[Key], dict[str, int], np.ndarray, np.ndarray]:
    """The two databases (as written, lower-cased), the key of each pattern id, the pattern parts they
    cover, the finders they cover (name: how many ``finder_regexes``; keys ``(name, -1 - k)``), and per
    pattern id: its shift (1 where it reads the character before its start, :data:`_NOT_AFTER_ALNUM`) and
    whether it is in the lower-cased database."""
    assert _hs is not None
    found: list[tuple[bool, Key, bytes]] = []
    finders: dict[str, int] = {}
    for recognizer in registry:
        if recognizer.finder is not None:
            if recognizer.finder_regexes is None:
                continue
            regexes = recognizer.finder_regexes()
            # anchors are dropped from a loose pattern, so ``re.MULTILINE`` changes nothing it matches
            loose = [
                reversed_loose_pattern(rx.pattern, multiline=bool(rx.flags & re.MULTILINE))
                if not rx.flags & ~(re.UNICODE | re.MULTILINE)
                else None
                for rx in regexes
            ]
            if all(x is not None for x in loose):
                finders[recognizer.name] = len(loose)
                # a ``lower`` finder's regexes read the lower-cased text
                found.extend(
                    (recognizer.lower, (recognizer.name, -1 - k), x.encode("ascii"))
                    for k, x in enumerate(loose)
                    if x
                )
            continue
        for part, pattern in enumerate(recognizer.patterns):
            loose_part = reversed_loose_pattern(pattern)
            if loose_part is not None:
                if "$" not in loose_part:
                    loose_part = f"(?:{loose_part}){_NOT_AFTER_ALNUM}"
                found.append((recognizer.lower, (recognizer.name, part), loose_part.encode("ascii")))
    try:
        databases = [_compile(found, lower) for lower in (False, True)]
    except _hs.error:  # a pattern Hyperscan refuses: leave those out (their parts are scanned as before)
        found = [item for item in found if _compiles(item[2])]
        databases = [_compile(found, lower) for lower in (False, True)]
    keys = tuple(key for _, key, _ in found)
    shift = np.array([int(expr.endswith(_NOT_AFTER_ALNUM.encode())) for _, _, expr in found], dtype=np.int64)
    lower_ids = np.array([lower for lower, _, _ in found], dtype=bool)
    finders = {name: n for name, n in finders.items() if all((name, -1 - k) in keys for k in range(n))}
    covered_parts = frozenset(key for key in keys if key[1] >= 0)
    return databases[0], databases[1], keys, covered_parts, finders, shift, lower_ids


def _compile(found: list[tuple[bool, Key, bytes]], lower: bool) -> Any:
    """The database of the patterns in ``found`` for the lower-cased text (or the text as written);
    pattern ids are positions in ``found`` (None: no such pattern). Loaded from the cache when it is there."""
    chosen = [(i, expr) for i, (low, _, expr) in enumerate(found) if low is lower]
    if not chosen:
        return None
    expressions, ids = [e for _, e in chosen], [i for i, _ in chosen]
    cached = _cache_file(expressions, ids)
    if cached is not None and (db := _load(cached)) is not None:
        return db
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=ids, elements=len(chosen))
    if cached is not None:
        _save(cached, db)
    return db


def _cache_file(expressions: list[bytes], ids: list[int]) -> Path | None:
    """Where the database of these patterns is cached, or None when the cache is off."""
    setting = os.environ.get("ETHICOMPASS_HYPERSCAN_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    if setting:
        folder = Path(setting).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME")
        root = Path(base).expanduser() if base and Path(base).is_absolute() else Path.home() / ".cache"
        folder = root / "ethicompass" / "hyperscan"
    digest = hashlib.sha256(f"hyperscan {metadata.version('hyperscan')} block\n".encode())
    for i, expression in zip(ids, expressions, strict=True):
        digest.update(b"%d\x00%b\x00" % (i, expression))
    return folder / f"{digest.hexdigest()[:32]}.hsdb"


def _load(path: Path) -> Any:
    try:
        return _hs.loadb(path.read_bytes(), _hs.HS_MODE_BLOCK)
    except (OSError, _hs.error):  # none yet, unreadable, or not a database of this build: compile it
        return None


def _save(path: Path, db: Any) -> None:
    """Write the compiled database atomically (0600 in a 0700 folder); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hsdb-")  # created 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_hs.dumpb(db))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except OSError as exc:
        logging.getLogger(__name__).debug("Hyperscan cache not written (%s)", type(exc).__name__)


#: How many compiled databases the cache folder keeps (the newest); an upgrade's new patterns replace the old ones.
CACHE_KEEP = 8


def _prune(folder: Path) -> None:
    """Remove all but the :data:`CACHE_KEEP` newest databases: each release (and each set of patterns) writes
    its own, and the folder must not grow without end."""
    files = sorted(folder.glob("*.hsdb"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for old in files[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _compiles(expression: bytes) -> bool:
    try:
        _hs.Database(mode=_hs.HS_MODE_BLOCK).compile(expressions=[expression], ids=[0], elements=1)
    except _hs.error:
        return False
    return True


def covered(registry: tuple[Any, ...]) -> frozenset[Key]:
    """The pattern parts whose candidates :func:`candidates` gives."""
    return _databases(registry)[3]


def covered_finders(registry: tuple[Any, ...]) -> dict[str, int]:
    """The finders whose ``finder_regexes`` :func:`candidates` covers (keys ``(name, -1 - k)``), and how many."""
    return _databases(registry)[4]


def candidates(registry: tuple[Any, ...], text: str, lowered: str) -> dict[Key, list[int]]:
    """For each covered part, the sorted positions in ``text`` where its pattern could match, leaving out
    those right after an ASCII letter or digit, or a non-ASCII one that ``str.isalnum`` accepts (a finder's
    regexes, keyed ``(name, -1 - k)``, keep those: ``finditer`` tries every position)."""
    plain, low, keys, _, _, shift, lower_ids = _databases(registry)
    finder_ids = _finder_ids(registry)
    out: dict[Key, list[int]] = {}
    for db, haystack in ((plain, text), (low, lowered)):
        if db is None:
            continue
        data = one_byte(haystack)
        n = len(data)
        hits = array.array("q")
        width = n + 1
        # a scratch space per scan: threads may scan at once
        db.scan(data[::-1], match_event_handler=_collector(hits.append, width, n), scratch=_hs.Scratch(db))
        codes = np.frombuffer(hits, dtype=np.int64)
        codes = codes + shift[codes // width]  # those that read the character before their start
        # and the start of the text, for every such pattern of this database (none reports it)
        at_zero = np.flatnonzero((shift > 0) & (lower_ids == (db is low))) * width
        codes = np.sort(np.concatenate((codes, at_zero)))  # by pattern, then by start
        if not len(codes):
            continue
        ids, starts = np.divmod(codes, width)
        keep = ~_after_alnum(haystack, data)[starts] | finder_ids[ids]
        keep[1:] &= codes[1:] != codes[:-1]
        ids, starts = ids[keep], starts[keep]
        if not len(ids):
            continue
        bounds = np.flatnonzero(np.diff(ids)) + 1
        firsts = ids[np.concatenate(([0], bounds))].tolist()
        for key_id, chunk in zip(firsts, np.split(starts, bounds), strict=True):
            out[keys[key_id]] = chunk.tolist()
    return out


@functools.cache
def _finder_ids(registry: tuple[Any, ...]) -> np.ndarray:
    """Per pattern id: is it a finder's regex (its starts are not filtered)?"""
    return np.array([key[1] < 0 for key in _databases(registry)[2]], dtype=bool)


def _collector(add: Any, width: int, n: int) -> Any:
    """A match handler recording ``pattern id * width + start`` (the start in the text read forwards)."""

    def on_match(i: int, _from: int, to: int, _flags: int, _ctx: Any) -> None:
        add(i * width + n - to)

    return on_match


def _after_alnum(text: str, data: bytes) -> np.ndarray:
    """Per position of ``text`` (and one past its end): does a letter or digit come right before it?"""
    codes = np.frombuffer(data, dtype=np.uint8)
    alnum = _ALNUM[codes]
    if not text.isascii():
        for at in np.flatnonzero(codes >= 0x80).tolist():
            alnum[at] = text[at].isalnum()
    out = np.zeros(len(data) + 1, dtype=bool)
    out[1:] = alnum
    return out
