"""The public surface is explicit: every package's ``__all__`` is sorted and importable."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import ethicompass

PUBLIC = sorted(
    m.name
    for m in pkgutil.walk_packages(ethicompass.__path__, "ethicompass.")
    if not any(part.startswith("_") for part in m.name.split(".")[1:]) and ".migrations" not in m.name
)


@pytest.mark.parametrize("module_name", PUBLIC)
def test_all_is_sorted_and_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert not module_name.count(".") or module_name.endswith(("cli", "demo")), (
            f"{module_name} has no __all__"
        )
        return
    orders = (
        sorted(exported),
        sorted(exported, key=str.casefold),
        sorted(exported, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n)),  # ruff RUF022
    )
    assert list(exported) in [list(o) for o in orders], f"{module_name}.__all__ is not sorted"
    for name in exported:
        assert getattr(module, name, None) is not None, f"{module_name}.{name} is in __all__ but missing"


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_names_have_docstrings(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no module docstring"
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if callable(obj) and not isinstance(obj, type(ethicompass)):
            assert getattr(obj, "__doc__", None), f"{module_name}.{name} has no docstring"


_SECTIONS = (
    "Parameters",
    "Returns",
    "Yields",
    "Raises",
    "Warns",
    "See Also",
    "Notes",
    "References",
    "Examples",
    "Attributes",
    "Methods",
    "Other Parameters",
)


def _own_doc(obj: object) -> str:
    """The docstring written for ``obj`` ('' for none, or for a dataclass's generated signature)."""
    doc = inspect.getdoc(obj) or ""
    name = getattr(obj, "__name__", "")
    if inspect.isclass(obj) and name and doc.startswith(f"{name}("):
        return ""  # dataclasses write their signature when the class has no docstring
    return doc


def _numpydoc_problems(obj: object) -> list[str]:
    """What is wrong with ``obj``'s docstring as numpydoc: no summary line, or a badly drawn section."""
    lines = _own_doc(obj).splitlines()
    if not lines or not lines[0].strip() or lines[0].strip() in _SECTIONS:
        return ["no summary line"]
    problems = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() in _SECTIONS and set(lines[i + 1].strip()) == {"-"}:
            if len(lines[i + 1].strip()) != len(line.strip()):
                problems.append(f"the underline of section {line.strip()!r} is not its length")
            if not lines[i - 1].strip():
                continue
            problems.append(f"section {line.strip()!r} needs a blank line before it")
    return problems


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_docstrings_are_numpydoc(module_name: str) -> None:
    """Every function and class in ``__all__``: a summary line first, then numpydoc sections
    (``Parameters``, ``Returns``, ``Examples``, ...) each underlined with dashes of its length."""
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert not _numpydoc_problems(obj), f"{module_name}.{name}: {_numpydoc_problems(obj)}"


def test_the_numpydoc_check_finds_problems() -> None:
    @dataclasses.dataclass
    class Undocumented:
        x: int

    def bad() -> None:
        """Summary.

        Parameters
        ---
        Examples
        --------
        """

    def good() -> None:
        """Summary.

        Returns
        -------
        None
        """

    assert _numpydoc_problems(Undocumented) == ["no summary line"]
    assert _numpydoc_problems(bad) == [
        "the underline of section 'Parameters' is not its length",
        "section 'Examples' needs a blank line before it",
    ]
    assert _numpydoc_problems(good) == []


def _constant_documented(package_dir: Path, name: str) -> bool | None:
    """Whether the top-level assignment of ``name`` under ``package_dir`` carries a ``#:`` comment (in the
    comment lines right above it) or a docstring after it; None if not found."""
    for path in sorted(package_dir.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if name not in source:
            continue
        lines = source.splitlines()
        body = ast.parse(source).body
        for i, node in enumerate(body):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            else:
                continue
            if name not in targets:
                continue
            after = body[i + 1] if i + 1 < len(body) else None
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                return True
            row = node.lineno - 2
            while row >= 0 and lines[row].lstrip().startswith("#"):
                if lines[row].lstrip().startswith("#:"):
                    return True
                row -= 1
            return False
    return None


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_constants_are_documented(module_name: str) -> None:
    """A public constant has no docstring of its own: a ``#:`` comment above it says what it is."""
    module = importlib.import_module(module_name)
    root = Path(ethicompass.__file__).parent
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if callable(obj) or inspect.ismodule(obj):
            continue
        found = _constant_documented(Path(module.__file__ or root).parent, name)
        if found is None:  # re-exported from another package
            found = _constant_documented(root, name)
        assert found, f"{module_name}.{name} is a public constant without a #: comment"
