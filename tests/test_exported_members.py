"""The public surface is explicit: every package's ``__all__`` is sorted and importable."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

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


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_docstrings_are_numpydoc(module_name: str) -> None:
    """Every function and class in ``__all__``: a summary line first, then numpydoc sections
    (``Parameters``, ``Returns``, ``Examples``, ...) each underlined with dashes of its length."""
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        doc = _own_doc(obj)
        lines = doc.splitlines()
        assert lines and lines[0].strip(), f"{module_name}.{name} has no summary line"
        assert lines[0].strip() not in _SECTIONS, f"{module_name}.{name} starts with a section, not a summary"
        for i, line in enumerate(lines[:-1]):
            if line.strip() in _SECTIONS and set(lines[i + 1].strip()) == {"-"}:
                assert len(lines[i + 1].strip()) == len(line.strip()), (
                    f"{module_name}.{name}: the underline of section {line.strip()!r} is not its length"
                )
                assert i > 0 and not lines[i - 1].strip(), (
                    f"{module_name}.{name}: section {line.strip()!r} needs a blank line before it"
                )
