"""The Examples sections of the docstrings run, so the documentation cannot drift from the code.

Every module under ``src/ethicompass`` whose source holds a ``>>>`` example is imported and its
examples run (``doctest``, with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``); an example that needs an
optional extra says ``# doctest: +SKIP``. ``make test`` runs this file with the rest of the suite.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import ethicompass

SRC = Path(ethicompass.__file__).parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(
    _module_name(p)
    for p in SRC.rglob("*.py")
    if "migrations" not in p.parts and ">>>" in p.read_text(encoding="utf-8")
)


def test_examples_were_found() -> None:
    assert len(MODULES) >= 10, MODULES  # a broken search would pass every module below by finding none


@pytest.mark.parametrize("module_name", MODULES)
def test_examples_run(module_name: str) -> None:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    tests = [t for t in finder.find(module, module_name) if t.examples]
    assert tests, f"{module_name} mentions '>>>' but no docstring example was found"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {module_name} failed (see the output above)"
