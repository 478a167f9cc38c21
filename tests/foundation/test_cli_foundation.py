"""The shared CLI verbs, their help, and exit codes for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ethicompass.cli import app


def _verbs(typer_app, prefix=()):  # every command path, for --help
    import typer.main

    group = typer.main.get_group(typer_app)

    def walk(cmd, path):
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(group, prefix)


@pytest.mark.parametrize("path", list(_verbs(app)), ids=lambda p: " ".join(p) or "(root)")
def test_every_verb_has_help(cli, path) -> None:
    result = cli(*path, "--help")
    assert result.code == 0, result.err
    assert "Usage" in result.out


def test_version(cli) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("ethicompass ")


def test_unknown_verb_is_usage_error(cli) -> None:
    assert cli("frobnicate").code == 2


def test_db_upgrade_and_current(cli) -> None:
    assert cli("db", "upgrade").code == 0
    result = cli("db", "current", "--format", "json")
    assert result.code == 0 and result.json()["up_to_date"] is True


def test_unreachable_database_exits_2_without_traceback(cli, monkeypatch) -> None:
    monkeypatch.setenv("ETHICOMPASS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = cli("db", "upgrade")
    assert result.code == 2
    assert "cannot connect" in result.err and "Traceback" not in result.err
    assert "ETHICOMPASS_DATABASE_URL" in result.err


def test_study_validate_missing_file(cli, tmp_path: Path) -> None:
    result = cli("study", "validate", tmp_path / "nope.yaml")
    assert result.code == 2 and "no such manifest" in result.err


def test_study_validate_names_the_bad_role(cli, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "study.yaml").write_text(
        "name: x\ndatasets:\n  t:\n    path: t.csv\n    columns:\n      a: {role: banana}\n"
    )
    result = cli("study", "validate", tmp_path / "study.yaml")
    assert result.code == 2
    assert "line 6" in result.err and "banana" in result.err


def test_study_validate_ok(cli, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "study.yaml").write_text(
        "name: x\ndatasets:\n  t:\n    path: t.csv\n    columns:\n      a: {role: other}\n"
    )
    result = cli("study", "validate", tmp_path / "study.yaml", "--format", "json")
    assert result.code == 0 and result.json()["valid"] is True
