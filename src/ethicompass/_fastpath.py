"""Fast paths, and the one switch that turns them off.

A fast path gives exactly the plain path's answer, only sooner; each sits behind one seam that
asks :func:`fast` whether it may run, and one test holds it equal to the plain path:

=========  =====================================================  ============================
seam       fast path (plain path)                                 equivalence test
=========  =====================================================  ============================
native     ``ethicompass._native``: libecsha.so, 16 SHA-256 at a  tests/foundation/
           time (CPython's hashlib, one at a time)                test_fast_paths.py
sql        ``store.FastQuery``: a compiled Core SELECT run on the tests/foundation/
           driver's cursor (the same SELECT through SQLAlchemy)   test_fast_sql.py
polars     ``fairness.summarize`` on a Polars frame: NumPy codes  tests/fairness/
           and ``bincount`` (the narwhals group-by)               test_fairness_fastpath.py
hyperscan  ``privacy.text.recognizers._hs``: one Hyperscan pass   tests/privacy_text/
           gives where each pattern can start (every pattern      test_phi_fast_paths.py
           searched over the whole text)
=========  =====================================================  ============================

``ETHICOMPASS_PLAIN=all`` (or a comma list of seams, e.g. ``native,sql``), read once at import,
forces the plain path everywhere; :func:`plain` does it inside a ``with`` block.
``ETHICOMPASS_NATIVE=0`` (also read at import) still keeps the native library from loading at all.
:func:`fast` sits on hot paths (one consent read), so it reads no environment per call.

Examples
--------
>>> from ethicompass import _fastpath
>>> _fastpath.fast("polars")
True
>>> with _fastpath.plain("polars"):
...     _fastpath.fast("polars")
False
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator

from ethicompass.errors import ConfigurationError

__all__ = ["ENV", "SEAMS", "fast", "forced_by_environment", "plain"]

#: The environment variable that forces plain paths (``all`` or a comma list of :data:`SEAMS`).
ENV = "ETHICOMPASS_PLAIN"
#: The seams, by name.
SEAMS = frozenset({"hyperscan", "native", "polars", "sql"})

_FORCED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "ethicompass_plain", default=frozenset()
)


@functools.lru_cache(maxsize=8)
def _parse(value: str) -> frozenset[str]:
    names = {n.strip().lower() for n in value.split(",") if n.strip()}
    if names & {"all", "1", "yes", "true"}:
        return SEAMS
    if names & {"0", "no", "false", "none"} and len(names) == 1:
        return frozenset()
    unknown = sorted(names - SEAMS)
    if unknown:
        raise ConfigurationError(
            f"{ENV}={value!r} names no fast path {unknown[0]!r}",
            hint=f"set {ENV} to 'all' or a comma list of {', '.join(sorted(SEAMS))}, or unset it",
        )
    return frozenset(names)


def forced_by_environment(value: str | None = None, /) -> frozenset[str]:
    """The seams :data:`ENV` forces plain (``value``, or the variable's current value).

    Parameters
    ----------
    value : str, optional
        A value of :data:`ENV` to read instead of the environment's.

    Returns
    -------
    frozenset of str
        The seams forced plain.

    Raises
    ------
    ConfigurationError
        When the value names a seam that does not exist.

    Examples
    --------
    >>> sorted(forced_by_environment("sql, native"))
    ['native', 'sql']
    """
    value = os.environ.get(ENV, "") if value is None else value
    return _parse(value) if value.strip() else frozenset()


_FROM_ENV = forced_by_environment()


def fast(seam: str, /) -> bool:
    """Whether the fast path of ``seam`` may run (not forced plain by :data:`ENV` or :func:`plain`).

    Parameters
    ----------
    seam : str
        One of :data:`SEAMS`.

    Returns
    -------
    bool
        False where :data:`ENV` (at import) or an enclosing :func:`plain` block forces the plain path.

    Examples
    --------
    >>> fast("sql")
    True
    """
    if seam not in SEAMS:
        raise ValueError(f"unknown fast path {seam!r}")
    return seam not in _FROM_ENV and seam not in _FORCED.get()


@contextlib.contextmanager
def plain(*seams: str) -> Iterator[None]:
    """Force the plain path of ``seams`` (all of them if none is named) inside the block.

    Parameters
    ----------
    *seams : str
        Names from :data:`SEAMS`; none means every seam.

    Examples
    --------
    >>> with plain("native", "sql"):
    ...     fast("native"), fast("sql"), fast("polars")
    (False, False, True)
    """
    unknown = sorted(set(seams) - SEAMS)
    if unknown:
        raise ValueError(f"unknown fast path {unknown[0]!r}")
    token = _FORCED.set(_FORCED.get() | (frozenset(seams) if seams else SEAMS))
    try:
        yield
    finally:
        _FORCED.reset(token)
