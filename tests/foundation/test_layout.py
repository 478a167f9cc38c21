"""The layout rules of CONTRIBUTING.md that a machine can hold: no source file past 500 lines."""

from __future__ import annotations

from pathlib import Path

import ethicompass

LIMIT = 500


def test_no_source_file_is_over_500_lines() -> None:
    root = Path(ethicompass.__file__).parent
    long = {
        str(path.relative_to(root)): n
        for path in sorted(root.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not long, f"split these by responsibility (CONTRIBUTING.md): {long}"
