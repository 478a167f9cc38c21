"""``ethicompass training ...`` in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ALL = [
    "privacy-security",
    "transparency-accountability",
    "bias-fairness",
    "autonomy-consent",
    "beneficence-nonmaleficence",
    "using-ethicompass",
]


def test_courses_json(cli: Any) -> None:
    result = cli("training", "courses", "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    assert [set(d) for d in data] == [{"id", "title", "questions", "validity_days"}] * 6
    assert {d["id"] for d in data} == set(ALL)
    assert all(d["questions"] >= 10 and d["validity_days"] == 1095 for d in data)


def _setup(cli: Any, tmp_path: Path) -> None:
    assert cli("users", "add", "dora", "--role", "data_manager").code == 0
    assert cli("users", "add", "evan", "--role", "investigator").code == 0
    rows = [f"dora,{c},2025-01-01,,lead" for c in ALL] + [f"evan,{c},2022-01-01,,lead" for c in ALL]
    p = tmp_path / "citi.csv"
    p.write_text("user,course_id,completed,expires,verified_by\n" + "\n".join(rows) + "\n")
    result = cli("training", "import", p, "--format", "json")
    assert result.code == 0, result.err
    assert result.json()["imported"] == 12


@pytest.mark.parametrize(
    ("user", "extra", "code", "text"),
    [
        ("dora", [], 0, "allowed"),
        ("evan", [], 1, "expired on 2024-12-31"),
        ("evan", ["--role", "reviewer"], 0, "allowed"),
        ("dora", ["--at", "2028-01-02"], 1, "expired on 2028-01-01"),
    ],
)
def test_check_exit_codes(
    cli: Any, tmp_path: Path, user: str, extra: list[str], code: int, text: str
) -> None:
    _setup(cli, tmp_path)
    result = cli("training", "check", "--user", user, *extra)
    assert result.code == code, result.err
    assert text in result.out + result.err


def test_status_and_remind(cli: Any, tmp_path: Path) -> None:
    _setup(cli, tmp_path)
    status = cli("training", "status", "--user", "evan", "--format", "json")
    assert {s["state"] for s in status.json()} == {"expired"}
    everyone = cli("training", "status", "--format", "json").json()
    assert len(everyone) == 12
    soon = cli("training", "remind", "--within", "60", "--at", "2027-11-15", "--format", "json")
    assert {(s["user"], s["course_id"]) for s in soon.json()} == {("dora", c) for c in ALL}
    table = cli("training", "remind", "--within", "60", "--at", "2027-11-15")
    assert "dora" in table.out


def test_import_refuses_unverified(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("user,course_id,completed\nann,bias-fairness,2025-01-01\n")
    result = cli("training", "import", p)
    assert result.code == 2
    assert "verified" in result.err


@pytest.mark.parametrize(("right", "code"), [(True, 0), (False, 1)])
def test_take_in_terminal(cli: Any, monkeypatch: pytest.MonkeyPatch, right: bool, code: int) -> None:
    import io

    from ethicompass.training import get_course
    from ethicompass.training._records import _layout

    course = get_course("bias-fairness")
    lines = []
    for qid, order in _layout(course.id, 4):
        correct = course.question(qid).correct
        shown = [k for k, i in enumerate(order, start=1) if (i in correct) == right]
        lines.append(",".join(map(str, shown if right else shown[:1])))
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    result = cli("training", "take", "bias-fairness", "--user", "ann", "--seed", "4", "--format", "json")
    assert result.code == code, result.err
    data = result.json()
    assert data["passed"] is right and (data["certificate"] is not None) is right
